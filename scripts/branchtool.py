"""The patch-set tooling: ./scripts/branch COMMAND (see --help).

Run by scripts/branch with a Python >= 3.12 that scripts/find-python found.
"""

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from branchlib import (  # noqa: E402
    ROOT,
    Failure,
    fetch_sdist,
    local_version,
    read_base,
    series,
    unpack_sdist,
)

BUILD = ROOT / "build"
BRANCH = BUILD / "django"
VENV = BUILD / "venv"
CACHE = Path(os.environ.get("BRANCH_SDIST_CACHE") or BUILD / "cache")
REQUIREMENTS = ROOT / "scripts" / "requirements.txt"
# Fixed identity and dates: the same series always gives the same commits.
IDENTITY = {
    "GIT_AUTHOR_NAME": "Django Software Foundation",
    "GIT_AUTHOR_EMAIL": "foundation@djangoproject.com",
    "GIT_COMMITTER_NAME": "Django async cache patch set",
    "GIT_COMMITTER_EMAIL": "asynccache@localhost",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+00:00",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+00:00",
}
EXCLUDES = """\
# Build products in the branch, never part of a commit.
*.egg-info/
__pycache__/
*.py[co]
/build/
/dist/
/docs/_build/
/tests/.coverage*
/tests/coverage_html/
/.tox/
"""


def say(*args):
    print(*args, flush=True)


def git(*args, cwd=BRANCH, check=True, env=None, capture=True):
    full_env = {**os.environ, **(env or {})}
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=full_env, text=True,
        capture_output=capture,
    )
    if check and proc.returncode:
        raise Failure(
            f"git {' '.join(args)} failed in {cwd}:\n"
            + ((proc.stdout or "") + (proc.stderr or "")).strip()
        )
    return proc.stdout.strip() if capture else ""


def patch_id(text):
    proc = subprocess.run(
        ["git", "patch-id", "--stable"], input=text, capture_output=True,
        text=True, check=True,
    )
    return proc.stdout.split()[0] if proc.stdout.strip() else None


def series_patch_ids():
    return [patch_id((ROOT / "patches" / n).read_text()) for n in series()]


def branch_commits():
    out = git("rev-list", "--reverse", "upstream..HEAD")
    return out.split() if out else []


def commit_patch_id(commit):
    return patch_id(git("show", "--format=", commit))


def branch_state():
    """Problems that forbid touching build/django, as a list of lines."""
    problems = []
    if (BRANCH / ".git" / "rebase-apply").exists():
        problems.append(
            "A patch application is in progress (a build stopped on a patch "
            "that does not apply). Finish it in build/django with "
            "`git am --continue` (after fixing and `git add`) or "
            "`git am --abort`, then export."
        )
        return problems
    dirty = git("status", "--porcelain")
    if dirty:
        problems.append(
            "Uncommitted changes in build/django (commit them there and run "
            "`./scripts/branch export`, or discard them):\n  "
            + "\n  ".join(dirty.splitlines()[:20])
        )
    have = set(series_patch_ids())
    for commit in branch_commits():
        if commit_patch_id(commit) not in have:
            problems.append(
                "Commit not exported to patches/: "
                + git("log", "-1", "--format=%h %s", commit)
            )
    return problems


def is_branch():
    return (BRANCH / ".git").is_dir() and bool(
        git("tag", "--list", "upstream", check=False)
    )


def branch_release():
    return git("config", "--get", "asynccache.release", check=False)


def create_branch(base):
    sdist = fetch_sdist(CACHE, base, log=say)
    say(f"Unpacking {sdist.name} into build/django...")
    BUILD.mkdir(exist_ok=True)
    unpack_sdist(sdist, BRANCH)
    git("init", "-q", "-b", "main")
    (BRANCH / ".git" / "info").mkdir(exist_ok=True)
    (BRANCH / ".git" / "info" / "exclude").write_text(EXCLUDES)
    git("config", "user.name", IDENTITY["GIT_COMMITTER_NAME"])
    git("config", "user.email", IDENTITY["GIT_COMMITTER_EMAIL"])
    git("config", "core.autocrlf", "false")
    # No automatic gc in the background: it would race with removing or
    # rebuilding the branch (and with the tooling tests doing so).
    git("config", "gc.auto", "0")
    git("config", "asynccache.release", base["DJANGO_VERSION"])
    git("add", "-A", "-f", ".")
    git(
        "commit", "-q", "--no-verify", "-m",
        f"Django {base['DJANGO_VERSION']} release ({base['SDIST']}, sha256 "
        f"{base['SHA256']}).",
        env=IDENTITY,
    )
    git("tag", "upstream")


def apply_series():
    names = series()
    for i, name in enumerate(names, 1):
        proc = subprocess.run(
            ["git", "am", "--quiet", "--keep-cr", "--committer-date-is-author-date",
             str(ROOT / "patches" / name)],
            cwd=BRANCH, text=True, capture_output=True,
            env={**os.environ, **{k: v for k, v in IDENTITY.items()
                                  if k.startswith("GIT_COMMITTER_")
                                  and not k.endswith("DATE")}},
        )
        if proc.returncode:
            out = (proc.stdout + proc.stderr).strip()
            files = sorted({
                line.split(":")[1].strip()
                for line in out.splitlines()
                if line.startswith("error: patch failed:")
                or line.startswith("error: ") and ": does not exist in index" in line
            })
            raise Failure(
                f"Patch {i}/{len(names)} {name} does not apply"
                + (f" (failing file: {', '.join(files)})" if files else "")
                + ".\n" + out + "\n"
                "The partial branch is left in build/django for inspection: fix "
                "the patch there and `git am --continue`, or `git am --abort`."
            )
    return len(names)


def cmd_build(args):
    base = read_base()
    if BRANCH.exists():
        if not is_branch():
            raise Failure(
                "build/django exists but is not a branch made by this tool "
                "(no `upstream` tag). Move it away and run build again."
            )
        problems = branch_state()
        if problems and not args.force:
            raise Failure(
                "Refusing to rebuild build/django: it holds work that is not "
                "exported.\n" + "\n".join(problems) + "\n"
                "(`./scripts/branch build --force` discards it.)"
            )
        if problems:
            say("--force: discarding:\n" + "\n".join(problems))
            if (BRANCH / ".git" / "rebase-apply").exists():
                git("am", "--abort", check=False)
        if branch_release() != base["DJANGO_VERSION"]:
            say(f"BASE moved to Django {base['DJANGO_VERSION']}: recreating the branch.")
            shutil.rmtree(BRANCH)
            create_branch(base)
        else:
            wanted = series_patch_ids()
            current = [commit_patch_id(c) for c in branch_commits()]
            if current == wanted and not problems:
                say(f"build/django is up to date: Django {base['DJANGO_VERSION']} "
                    f"+ {len(wanted)} patches.")
                return 0
            git("reset", "-q", "--hard", "upstream")
            git("clean", "-q", "-fd")
    else:
        create_branch(base)
    n = apply_series()
    say(f"build/django: Django {base['DJANGO_VERSION']} + {n} patches applied "
        f"(version {local_version()}).")
    return 0


def cmd_export(args):
    if not is_branch():
        raise Failure("There is no build/django to export: run `./scripts/branch build`.")
    if (BRANCH / ".git" / "rebase-apply").exists():
        raise Failure("A patch application is in progress in build/django: "
                      "finish it (`git am --continue`) or abort it first.")
    dirty = git("status", "--porcelain")
    commits = branch_commits()
    tmp = ROOT / "patches.new"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    names = []
    if commits:
        out = git(
            "-c", "core.abbrev=12", "format-patch", "--quiet", "--zero-commit",
            "--no-signature", "--no-numbered", "--full-index",
            "-o", str(tmp), "upstream..HEAD",
        )
        names = sorted(p.name for p in tmp.glob("*.patch"))
        del out
    (ROOT / "patches").mkdir(exist_ok=True)
    for old in (ROOT / "patches").glob("*.patch"):
        if old.name not in names:
            old.unlink()
    for name in names:
        os.replace(tmp / name, ROOT / "patches" / name)
    tmp.rmdir()
    (ROOT / "patches" / "series").write_text(
        "# Applied in order to the release pinned in BASE; written by "
        "`./scripts/branch export`.\n" + "".join(n + "\n" for n in names)
    )
    say(f"Exported {len(names)} patches to patches/ (version {local_version()}).")
    if dirty:
        say("Note: build/django has uncommitted changes, which were not exported:\n  "
            + "\n  ".join(dirty.splitlines()[:20]))
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="scripts/branch",
        description="Build, export, test and demo the Django async cache patch set.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build", help="materialize build/django from BASE + patches/")
    p.add_argument("--force", action="store_true",
                   help="discard unexported work in build/django")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("export", help="write the branch's commits to patches/")
    p.set_defaults(func=cmd_export)
    p = sub.add_parser("python", help="print the branch venv's interpreter")
    p.set_defaults(func=lambda a: commands.cmd_python(a))
    p = sub.add_parser("test", help="build, start servers, run tests and lint")
    p.add_argument("--no-lint", action="store_true", help="skip black/isort/flake8/docs")
    p.add_argument("--no-install-check", action="store_true",
                   help="skip the pip install check")
    p.add_argument("--no-tooling-tests", action="store_true",
                   help="skip the tooling's own tests")
    p.add_argument("runtests_args", nargs=argparse.REMAINDER,
                   help="passed to tests/runtests.py (default: the touched suites)")
    p.set_defaults(func=lambda a: commands.cmd_test(a))
    p = sub.add_parser("demo", help="run the demo (locmem by default)")
    p.add_argument("--memcached", metavar="HOST:PORT")
    p.add_argument("--redis", metavar="URL")
    p.add_argument("--serve", metavar="PORT", type=int, nargs="?", const=8000,
                   help="serve the end-to-end project (bench/e2e) with uvicorn "
                        "on 127.0.0.1:PORT (default 8000) instead")
    p.add_argument("--backend", default="memcached", choices=["memcached", "redis"],
                   help="with --serve: the cache backend (default memcached)")
    p.set_defaults(func=lambda a: commands.cmd_demo(a))
    p = sub.add_parser("bench", help="run the benchmarks under bench/")
    p.add_argument("which", nargs="?", default="cache",
                   choices=["cache", "e2e", "wsgi", "get_or_set", "all"],
                   help="cache: per-backend cache calls (default); e2e: ASGI end to "
                        "end; wsgi: gunicorn end to end; get_or_set: stampede; all: all four")
    p.add_argument("bench_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=lambda a: commands.cmd_bench(a))
    args = parser.parse_args(argv)
    try:
        return args.func(args) or 0
    except Failure as exc:
        print(f"scripts/branch {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"scripts/branch {args.command}: interrupted", file=sys.stderr)
        return 130


import commands  # noqa: E402  (the heavier commands: venv, test, demo, bench)

if __name__ == "__main__":
    sys.exit(main())
