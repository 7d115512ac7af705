"""Django's lint, as its tox.ini runs it: on the whole tree (the test
command) or on the files one commit touches (check-series)."""

import glob
import os
import subprocess
import time
from pathlib import Path

from .paths import BRANCH, FLAKE8_CONFIG, RUN, say


def tool_env(python):
    """The environment that finds the venv's black, isort, flake8..."""
    bindir = Path(python).parent
    return {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}


def docs_conf_dir(tree):
    """A conf dir that reuses docs/conf.py with local intersphinx inventories."""
    conf = RUN / "docsconf"
    conf.mkdir(parents=True, exist_ok=True)
    docs = Path(tree) / "docs"
    for name in ("_theme", "spelling_wordlist"):
        link = conf / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(docs / name)
    python_inv = sorted(glob.glob("/usr/share/doc/python3*/html/objects.inv"))[-1]
    (conf / "conf.py").write_text(
        "# Written by scripts/branch: docs/conf.py with offline inventories.\n"
        f"__file__ = {str(docs / 'conf.py')!r}\n"
        "with open(__file__) as f:\n"
        "    exec(compile(f.read(), __file__, 'exec'))\n"
        "intersphinx_mapping = {\n"
        f"    'python': ('https://docs.python.org/3', {python_inv!r}),\n"
        "    'sphinx': ('https://www.sphinx-doc.org/en/master',\n"
        "               '/usr/share/doc/sphinx-doc/html/objects.inv'),\n"
        "    'psycopg': ('https://www.psycopg.org/psycopg3/docs',\n"
        "                '/usr/share/doc/python-psycopg-doc/html/objects.inv'),\n"
        "}\n"
    )
    return conf


# Warnings of the pristine release that come only from the age of Debian's
# offline inventories (Python 3.11, psycopg 3.1, Sphinx 5): targets that the
# live inventories have. Anything else is an error.
OFFLINE_INVENTORY_GAPS = [
    "rst:role reference target not found: cve",
    "py:class reference target not found: psycopg:psycopg_pool.ConnectionPool",
    "py:attr reference target not found: BaseException.__cause__",
]


def lint(python, tally, tree=None):
    """Django's lint on the whole tree, as its tox.ini runs it."""
    tree = BRANCH if tree is None else tree
    env = tool_env(python)
    for name, cmd in [
        ("black", ["black", "--check", "--diff", "-q", "."]),
        ("isort", ["isort", "--check-only", "--diff", "django", "tests", "scripts"]),
        ("flake8", ["flake8", "--config", FLAKE8_CONFIG, "."]),
    ]:
        cmd = [str(c) for c in cmd]
        say(f"-- {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=tree, env=env, capture_output=True,
                              text=True)
        out = (proc.stdout + proc.stderr).strip()
        if proc.returncode:
            say(out[-10000:])
        tally.check(name, proc.returncode == 0, f"exit {proc.returncode}")
    for name, cmd in [
        ("docs lint (tox -e lint-docs)", [str(python), "lint.py"]),
        ("docs code blocks (tox -e blacken-docs)", ["make", "black"]),
    ]:
        say(f"-- docs: {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=Path(tree) / "docs", env=env, capture_output=True,
                              text=True)
        if proc.returncode:
            say((proc.stdout + proc.stderr).strip()[-10000:])
        tally.check(name, proc.returncode == 0, f"exit {proc.returncode}")
    say("-- docs: sphinx-build -b spelling -n -W (warnings are errors)")
    conf = docs_conf_dir(tree)
    proc = subprocess.run(
        ["sphinx-build", "-b", "spelling", "-n", "-q", "-d", "_build/doctrees",
         "-D", "language=en", "--jobs", "auto", "-c", conf, ".", "_build/spelling"],
        cwd=Path(tree) / "docs", env=env, capture_output=True, text=True,
    )
    warnings = [
        line for line in (proc.stdout + proc.stderr).splitlines()
        if ("WARNING" in line or "ERROR" in line)
        and not any(gap in line for gap in OFFLINE_INVENTORY_GAPS)
    ]
    if warnings:
        say("\n".join(warnings[:200]))
    tally.check("docs", not warnings and proc.returncode in (0, 1),
                f"{len(warnings)} warnings")


# docs/lint.py with its own options and checkers, on the files given after
# it instead of the whole docs folder (the current one, sphinxlint's default
# when it is given no path: lint.py's first item is taken as the program
# name), and in one process: a pool of workers costs more than it saves on
# a few files.
DOCS_LINT_FILES = r"""
import runpy, sys
import sphinxlint, sphinxlint.cli
files, real_main = sys.argv[1:], sphinxlint.cli.main
sphinxlint.cli.main = lambda argv: real_main([*argv, "--jobs", "1", *files])
# lint.py replaces sphinxlint.check_file before it imports the cli: follow it.
sphinxlint.cli.check_file = lambda *args: sphinxlint.check_file(*args)
sys.argv = ["lint.py"]
runpy.run_path("lint.py", run_name="__main__")
"""


def lint_files(python, tree, files):
    """
    Django's lint on the given files of tree (paths relative to it): black,
    isort and flake8 on the Python files, docs/lint.py and blacken-docs on
    the docs files. Returns (ok, output, seconds); fast: per commit.
    """
    started = time.monotonic()
    env = tool_env(python)
    py = [f for f in files if f.endswith(".py") and (Path(tree) / f).is_file()]
    docs = [f for f in files if f.startswith("docs/") and (Path(tree) / f).is_file()]
    checks = []
    if py:
        checks += [
            # One process each: worker pools cost more than a commit's files.
            ("black", ["black", "--check", "--diff", "-q", "--workers", "1", *py], tree),
            ("isort", ["isort", "--check-only", "--diff", *py], tree),
            ("flake8", ["flake8", "--config", FLAKE8_CONFIG, "--jobs", "1", *py], tree),
        ]
    # Files that the docs lint and blacken-docs look at, as `make lint` and
    # `make black` choose them.
    rst = [f[len("docs/"):] for f in docs
           if f.endswith((".txt", ".rst")) and not f.startswith("docs/_")]
    if rst:
        checks.append(("docs lint", [python, "-c", DOCS_LINT_FILES, *rst], Path(tree) / "docs"))
        txt = [f for f in rst if f.endswith(".txt")]
        if txt:
            checks.append(("blacken-docs",
                           ["blacken-docs", "--check", "--rst-literal-blocks", *txt],
                           Path(tree) / "docs"))
    ok, out = True, []
    for name, cmd, cwd in checks:
        proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env,
                              capture_output=True, text=True)
        if proc.returncode:
            ok = False
            out.append(f"{name}: exit {proc.returncode}\n"
                       + (proc.stdout + proc.stderr).strip()[-5000:])
    return ok, "\n".join(out), time.monotonic() - started
