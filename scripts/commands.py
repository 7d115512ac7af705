"""The heavier subcommands of scripts/branch: python, test, demo, bench."""

import contextlib
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from branchlib import ROOT, Failure, local_version, series

BUILD = ROOT / "build"
BRANCH = BUILD / "django"
VENV = BUILD / "venv"
RUN = BUILD / "run"
SCRIPTS = ROOT / "scripts"
REQUIREMENTS = SCRIPTS / "requirements.txt"
OPTIONAL_REQUIREMENTS = SCRIPTS / "requirements-optional.txt"
SETTINGS_DIR = SCRIPTS / "testsettings"

# Debian packages the test command needs, with a file that shows each one is
# there (dpkg may not know of a server installed another way).
TEST_PACKAGES = {
    "memcached": ["/usr/bin/memcached"],
    "redis-server": ["/usr/bin/redis-server"],
    # pylibmc builds against it (PyLibMCCache tests).
    "libmemcached-dev": ["/usr/include/libmemcached/memcached.h"],
    # pyenchant, for the docs spelling check.
    "libenchant-2-2": ["/usr/lib/*/libenchant-2.so.2"],
    # Offline intersphinx inventories for the docs build (no network here).
    "python3-doc": ["/usr/share/doc/python3*/html/objects.inv"],
    "sphinx-doc": ["/usr/share/doc/sphinx-doc/html/objects.inv"],
    "python-psycopg-doc": ["/usr/share/doc/python-psycopg-doc/html/objects.inv"],
    "make": ["/usr/bin/make"],
}


def say(*args):
    print(*args, flush=True)


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    kwargs.setdefault("check", True)
    try:
        return subprocess.run([str(c) for c in cmd], **kwargs)
    except subprocess.CalledProcessError as exc:
        raise Failure(f"{' '.join(map(str, cmd))} exited with {exc.returncode}.")


# --- Debian packages -------------------------------------------------------


def missing_packages(packages):
    return [
        name for name, paths in packages.items()
        if not any(glob.glob(p) for p in paths)
    ]


def ensure_packages(packages=TEST_PACKAGES):
    missing = missing_packages(packages)
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise Failure(
            "These Debian packages are needed and missing: " + " ".join(missing)
            + "\nInstall them with: sudo apt-get install " + " ".join(missing)
        )
    log("Installing Debian packages: " + " ".join(missing))
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-qq"], env=env, stdout=subprocess.DEVNULL)
    run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
        env=env, stdout=subprocess.DEVNULL)
    still = missing_packages(packages)
    if still:
        raise Failure("apt-get did not install: " + " ".join(still))


# --- The branch's virtual environment --------------------------------------


def venv_python():
    return VENV / "bin" / "python"


def ensure_branch():
    if not (BRANCH / ".git").is_dir():
        import branchtool

        branchtool.cmd_build(type("Args", (), {"force": False})())


# Run by the venv's interpreter: which requirements (argv[1], a JSON list of
# requirement strings) no installed distribution satisfies, and whether the
# distribution argv[2] is installed editable from the folder argv[3] with its
# own dependencies satisfied. Prints {"missing": [...], "branch": bool}.
CHECK_INSTALLED = r"""
import importlib.metadata as md, json, os, sys, urllib.parse, urllib.request
try:
    from packaging.requirements import Requirement
except ImportError:
    from pip._vendor.packaging.requirements import Requirement

def satisfied(text):
    req = Requirement(text)
    if req.marker and not req.marker.evaluate({"extra": ""}):
        return True
    try:
        version = md.version(req.name)
    except md.PackageNotFoundError:
        return False
    return req.specifier.contains(version, prereleases=True)

wanted, name, folder = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
try:
    dist = md.distribution(name)
    url = json.loads(dist.read_text("direct_url.json") or "{}")
    branch = (
        url.get("dir_info", {}).get("editable", False)
        and os.path.realpath(urllib.request.url2pathname(
            urllib.parse.urlparse(url.get("url", "")).path)) == os.path.realpath(folder)
        and all(satisfied(r) for r in dist.requires or [])
    )
except md.PackageNotFoundError:
    branch = False
print(json.dumps({"missing": [r for r in wanted if not satisfied(r)], "branch": branch}))
"""


def read_requirements(path):
    """The requirement lines of a requirements file (no comments or options)."""
    lines = []
    for line in Path(path).read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith(("#", "-")):
            lines.append(line)
    return lines


def branch_project_name():
    import tomllib

    with open(BRANCH / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["name"]


def venv_missing(python, requirements):
    """
    The requirements the venv lacks (or has at another version), plus
    "the branch" when it is not installed editable from build/django with its
    dependencies: one run of the venv's interpreter, no pip.
    """
    proc = subprocess.run(
        [str(python), "-c", CHECK_INSTALLED, json.dumps(requirements),
         branch_project_name(), str(BRANCH)],
        capture_output=True, text=True,
    )
    try:
        state = json.loads(proc.stdout)
    except ValueError:
        # The check did not run: install everything.
        log("Could not check build/venv:\n" + proc.stderr.strip()[-2000:])
        return [*requirements, "the branch"]
    return state["missing"] + ([] if state["branch"] else ["the branch"])


def pip_install(python, *args):
    return run([python, "-m", "pip", "--disable-pip-version-check", "-q", "install",
                *args], check=False, capture_output=True, text=True)


def ensure_venv():
    """
    Create build/venv with the branch installed editable, and complete it:
    every requirement of scripts/requirements.txt, and those of
    requirements-optional.txt (pylibmc) once they can be built (Debian's
    libmemcached-dev is there), whatever command created it. Cheap when
    nothing is missing: one run of the venv's interpreter.
    """
    ensure_branch()
    stamp_file = VENV / ".branch-stamp"
    digest = hashlib.sha256()
    digest.update(sys.executable.encode())
    for path in (REQUIREMENTS, OPTIONAL_REQUIREMENTS, BRANCH / "pyproject.toml"):
        digest.update(path.read_bytes())
    stamp = digest.hexdigest()
    required = read_requirements(REQUIREMENTS)
    optional = read_requirements(OPTIONAL_REQUIREMENTS)
    # pylibmc builds against libmemcached-dev: without it, not wanted (yet).
    want_optional = not missing_packages(
        {"libmemcached-dev": TEST_PACKAGES["libmemcached-dev"]})
    wanted = required + (optional if want_optional else [])
    if not venv_python().exists():
        log(f"Creating build/venv with {sys.executable}...")
        run([sys.executable, "-m", "venv", VENV], stdout=subprocess.DEVNULL)
        missing = [*wanted, "the branch"]
    else:
        missing = venv_missing(venv_python(), wanted)
        stale = not stamp_file.exists() or stamp_file.read_text() != stamp
        if not missing and not stale:
            return venv_python()
        if stale:
            # Requirements or the branch's pyproject.toml changed: reinstall.
            missing = [*wanted, "the branch"]
        else:
            log("build/venv lacks " + ", ".join(missing) + ": installing.")
    if any(m not in optional for m in missing):
        log("Installing the branch (editable) and the test requirements...")
        proc = pip_install(venv_python(), "-r", REQUIREMENTS, "-e", BRANCH)
        if proc.returncode:
            raise Failure("pip could not install the branch or the test requirements:\n"
                          + (proc.stdout + proc.stderr)[-5000:])
    if want_optional and any(m in optional for m in missing):
        proc = pip_install(venv_python(), "-r", OPTIONAL_REQUIREMENTS)
        if proc.returncode:
            log((proc.stdout + proc.stderr)[-2000:])
            log("pylibmc did not build; the PyLibMCCache tests will not run.")
    stamp_file.write_text(stamp)
    return venv_python()


def prepare_test_environment():
    """What the test command needs before the tests: packages, then the venv."""
    ensure_packages()
    return ensure_venv()


def cmd_python(args):
    print(ensure_venv())
    return 0


# --- Servers on loopback ---------------------------------------------------


def port_is_free(port, host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) != 0


def pick_port(preferred, taken=(), host="127.0.0.1"):
    """The first free port from preferred on (skipping busy ones)."""
    for port in range(preferred, preferred + 200):
        if port not in taken and port_is_free(port, host):
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _die_with_parent():
    """Children get SIGTERM if this process dies (Linux)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


class Servers:
    """memcached x N and one Redis server, as children, on free loopback ports."""

    def __init__(self, memcached=3, redis=True, workdir=None, pylibmc=True):
        self.pylibmc = pylibmc
        self.n_memcached = memcached + (1 if pylibmc else 0)
        self.want_redis = redis
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="servers-", dir=RUN))
        self.procs = {}
        self.memcached = []
        self.redis_url = None

    def _start(self, name, cmd, port):
        with open(self.workdir / f"{name}.log", "wb") as logf:
            proc = subprocess.Popen(
                cmd, stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent, cwd=self.workdir,
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return None
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    self.procs[name] = proc
                    return proc
            time.sleep(0.05)
        proc.kill()
        return None

    def start_one(self, name, make_cmd, preferred):
        taken = set()
        for _ in range(5):
            port = pick_port(preferred, taken)
            taken.add(port)
            if self._start(name, make_cmd(port), port):
                return port
        raise Failure(f"Could not start {name}; see {self.workdir / (name + '.log')}")

    def memcached_cmd(self, port):
        cmd = ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0",
               "-m", "64", "-c", "1024", "-t", "2"]
        if os.geteuid() == 0:
            cmd += ["-u", "root"]
        return cmd

    def redis_cmd(self, port):
        return ["redis-server", "--bind", "127.0.0.1", "--port", str(port),
                "--save", "", "--appendonly", "no", "--daemonize", "no",
                "--dir", str(self.workdir), "--maxclients", "2000"]

    def __enter__(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        try:
            port = 21211
            for i in range(self.n_memcached):
                port = self.start_one(f"memcached{i}", self.memcached_cmd, port) + 1
                self.memcached.append(f"127.0.0.1:{port - 1}")
            if self.want_redis:
                port = self.start_one("redis", self.redis_cmd, 26379)
                self.redis_url = f"redis://127.0.0.1:{port}"
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs.values():
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def env(self):
        # PyLibMCCache gets a server of its own: test processes running in
        # parallel flush their servers.
        shared = self.memcached[:-1] if self.pylibmc else self.memcached
        return {
            "BRANCH_MEMCACHED": ",".join(shared),
            "BRANCH_PYLIBMC": self.memcached[-1] if self.pylibmc else "",
            "BRANCH_REDIS": self.redis_url or "",
        }


@contextlib.contextmanager
def terminate_as_interrupt():
    """SIGTERM (CI stopping the job) cleans up like Ctrl-C."""

    def handler(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


# --- test -------------------------------------------------------------------

# The suites the series touches. Those that use the memcached and Redis
# servers run one test process at a time: their test classes flush the shared
# servers, which would pull data from under a class running in another
# process. `cache` runs twice: against three memcached servers, then one.
CACHE_SUITE = ["cache", "sessions_tests"]
OTHER_SUITES = [
    "async",
    "utils_tests",
    "middleware",
    "decorators",
    "template_tests.syntax_tests.test_cache",
    "signals",
    "dispatch",
    "asgi",
    "handlers",
    "responses",
    "requests_tests",
    "test_client",
    "test_client_regress",
]
# Skip reasons that mean a server or client library was missing: never allowed.
MISSING_SERVER = re.compile(r"not configured|memcache|redis|pylibmc|server", re.I)


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.problems = []

    def add_unittest(self, name, output, returncode):
        ran = re.findall(r"^Ran (\d+) tests? in", output, re.M)
        total = int(ran[-1]) if ran else 0
        summary = re.findall(r"^(?:OK|FAILED) \((.*)\)$", output, re.M)
        counts = {}
        for part in (summary[-1].split(", ") if summary else []):
            key, _, value = part.partition("=")
            counts[key] = int(value)
        bad = sum(counts.get(k, 0) for k in ("failures", "errors", "unexpected successes"))
        skipped = counts.get("skipped", 0)
        expected_failures = counts.get("expected failures", 0)
        if returncode and not bad:
            bad = 1
        if not ran:
            self.problems.append(f"{name}: ran no test")
            bad = max(bad, 1)
        self.failed += bad
        self.skipped += skipped
        self.passed += max(total - bad - skipped - expected_failures, 0) + expected_failures
        if bad:
            self.problems.append(f"{name}: {bad} failed (exit {returncode})")
        say(f"  {name}: {total} tests, {bad} failed, {skipped} skipped")

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            self.problems.append(f"{name}: {detail}".rstrip(": "))
        say(f"  {name}: {'ok' if ok else 'FAILED'}{(' ' + detail) if detail and not ok else ''}")


def runtests(python, args, env, logname, tally, label):
    logfile = RUN / f"{logname}.log"
    say(f"-- tests/runtests.py {' '.join(args)}  (log: {logfile.relative_to(ROOT)})")
    with open(logfile, "w") as out:
        proc = subprocess.run(
            [python, "-u", "runtests.py", *args], cwd=BRANCH / "tests", env=env,
            stdout=out, stderr=subprocess.STDOUT, text=True,
        )
    output = logfile.read_text()
    tail = output[-6000:]
    if proc.returncode:
        # Show the failures themselves.
        blocks = re.findall(r"^(?:=+\n(?:ERROR|FAIL|UNEXPECTED SUCCESS):.*?)(?=^=+\n|^-+\nRan )",
                            output, re.M | re.S)
        say("".join(blocks)[-20000:] or tail)
    skips = re.findall(r"\.\.\. skipped ['\"](.*)['\"]$", output, re.M)
    bad_skips = sorted({s for s in skips if MISSING_SERVER.search(s)})
    if bad_skips:
        tally.problems.append(f"{label}: tests skipped for want of a server: {bad_skips}")
        tally.failed += 1
        say("  skipped for want of a server/client: " + "; ".join(bad_skips))
    reasons = {}
    for s in skips:
        reasons[s] = reasons.get(s, 0) + 1
    if reasons:
        say("  skip reasons: " + "; ".join(f"{n}x {r}" for r, n in sorted(reasons.items(), key=lambda x: -x[1])[:12]))
    tally.add_unittest(label, output, proc.returncode)


def docs_conf_dir():
    """A conf dir that reuses docs/conf.py with local intersphinx inventories."""
    conf = RUN / "docsconf"
    conf.mkdir(parents=True, exist_ok=True)
    docs = BRANCH / "docs"
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


def lint(python, tally):
    bindir = Path(python).parent
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    for name, cmd in [
        ("black", ["black", "--check", "--diff", "-q", "."]),
        ("isort", ["isort", "--check-only", "--diff", "django", "tests", "scripts"]),
        ("flake8", ["flake8", "."]),
    ]:
        say(f"-- {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=BRANCH, env=env, capture_output=True, text=True)
        out = (proc.stdout + proc.stderr).strip()
        if proc.returncode:
            say(out[-10000:])
        tally.check(name, proc.returncode == 0, f"exit {proc.returncode}")
    for name, cmd in [
        ("docs lint (tox -e lint-docs)", [str(python), "lint.py"]),
        ("docs code blocks (tox -e blacken-docs)", ["make", "black"]),
    ]:
        say(f"-- docs: {' '.join(cmd)}")
        proc = subprocess.run(cmd, cwd=BRANCH / "docs", env=env, capture_output=True,
                              text=True)
        if proc.returncode:
            say((proc.stdout + proc.stderr).strip()[-10000:])
        tally.check(name, proc.returncode == 0, f"exit {proc.returncode}")
    say("-- docs: sphinx-build -b spelling -n -W (warnings are errors)")
    conf = docs_conf_dir()
    proc = subprocess.run(
        ["sphinx-build", "-b", "spelling", "-n", "-q", "-d", "_build/doctrees",
         "-D", "language=en", "--jobs", "auto", "-c", conf, ".", "_build/spelling"],
        cwd=BRANCH / "docs", env=env, capture_output=True, text=True,
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


# django.utils.asyncio reads asgiref's state in one function with a fallback;
# its tests also run against the oldest asgiref that Django 6.1 supports.
ASGIREF_MINIMUM = "3.9.1"
ASGIREF_SUITES = ["utils_tests.test_auto_async", "asgi", "signals", "handlers"]


def asgiref_minimum_tests(python, common, env, tally):
    target = BUILD / f"asgiref-{ASGIREF_MINIMUM}"
    if not (target / "asgiref" / "__init__.py").exists():
        proc = run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    "--no-deps", "--target", target, f"asgiref=={ASGIREF_MINIMUM}"],
                   check=False, capture_output=True, text=True)
        if proc.returncode:
            tally.check(f"asgiref {ASGIREF_MINIMUM}", False, proc.stderr[-2000:])
            return
    oldest = {**env, "PYTHONPATH": f"{target}:{env['PYTHONPATH']}"}
    version = subprocess.run(
        [python, "-c", "import asgiref; print(asgiref.__version__)"],
        env=oldest, capture_output=True, text=True,
    ).stdout.strip()
    tally.check(f"asgiref {ASGIREF_MINIMUM} in use", version == ASGIREF_MINIMUM,
                f"got {version!r}")
    runtests(python, [*common, *ASGIREF_SUITES], oldest, "runtests-asgiref-minimum", tally,
             f"runtests {' '.join(ASGIREF_SUITES)} (asgiref {ASGIREF_MINIMUM})")


def install_check(tally):
    """pip install . and pip install git+file:// in a throwaway venv."""
    work = Path(tempfile.mkdtemp(prefix="install-", dir=RUN))
    try:
        run([sys.executable, "-m", "venv", work / "venv"], stdout=subprocess.DEVNULL)
        py = work / "venv" / "bin" / "python"
        env = {**os.environ, "BRANCH_SDIST_CACHE": str(BUILD / "cache"),
               "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
        expected_files = {
            p.relative_to(BRANCH / "django").as_posix(): p.read_bytes()
            for p in (BRANCH / "django").rglob("*.py")
        }
        committed = subprocess.run(
            ["git", "show", "HEAD:patches/series"], cwd=ROOT, capture_output=True, text=True,
        )
        sources = [(".", str(ROOT), local_version())]
        if committed.returncode == 0:
            n = len([x for x in committed.stdout.splitlines() if x.strip() and not x.startswith("#")])
            version = local_version().rsplit(".", 1)[0] + f".{n}"
            sources.append(("git+file://", f"git+file://{ROOT}", version))
        for label, spec, version in sources:
            say(f"-- pip install {spec}")
            proc = subprocess.run(
                [py, "-m", "pip", "install", "-q", "--force-reinstall", "--no-cache-dir", spec],
                env=env, capture_output=True, text=True, cwd=work,
            )
            if proc.returncode:
                say((proc.stdout + proc.stderr)[-5000:])
                tally.check(f"pip install {label}", False, f"exit {proc.returncode}")
                continue
            probe = subprocess.run(
                [py, "-c", "import importlib.metadata as m, django, pathlib; "
                 "print(m.version('django')); print(pathlib.Path(django.__file__).parent)"],
                capture_output=True, text=True, cwd=work,
            )
            got_version, _, where = probe.stdout.strip().partition("\n")
            ok = got_version == version
            detail = f"version {got_version!r}, expected {version!r}"
            if ok and label == ".":
                installed = Path(where)
                differing = [
                    rel for rel, data in expected_files.items()
                    if not (installed / rel).exists() or (installed / rel).read_bytes() != data
                ]
                ok = not differing
                detail = f"files differing from build/django: {differing[:5]}"
            tally.check(f"pip install {label} gives {version}", ok, detail)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def tooling_tests(tally):
    say("-- the tooling's own tests (scripts/tests)")
    proc = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", SCRIPTS / "tests", "-t", SCRIPTS],
        cwd=ROOT, capture_output=True, text=True,
    )
    output = proc.stdout + proc.stderr
    if proc.returncode:
        say(output[-10000:])
    tally.add_unittest("tooling tests", output, proc.returncode)


def demo_smoke_test(python, tally):
    """The README's main-job command works, as a new user runs it."""
    say("-- ./scripts/branch demo")
    proc = subprocess.run([python, SCRIPTS / "demo.py"], capture_output=True, text=True)
    out = proc.stdout + proc.stderr
    if proc.returncode:
        say(out[-5000:])
    tally.check("demo", proc.returncode == 0 and "Demo finished" in out,
                f"exit {proc.returncode}")


def e2e_smoke_test(python, tally):
    """
    The e2e project under each ASGI server, in each mode: the second GET is a
    cache hit, or is counted in the session of the first.
    """
    install_bench_requirements(python)
    for server in ("uvicorn", "hypercorn", "daphne"):
        say(f"-- bench/e2e_load.py --smoke --server {server}")
        proc = subprocess.run(
            [python, ROOT / "bench" / "e2e_load.py", "--smoke", "--server", server],
            capture_output=True, text=True, timeout=600,
        )
        if proc.returncode:
            say((proc.stdout + proc.stderr)[-5000:])
        tally.check(f"e2e smoke ({server})", proc.returncode == 0, f"exit {proc.returncode}")


def cmd_test(args):
    started = time.monotonic()
    import branchtool

    branchtool.cmd_build(type("Args", (), {"force": False})())
    # The packages first: a venv made before libmemcached-dev was there (by
    # `demo`, say) gets pylibmc now.
    python = prepare_test_environment()
    RUN.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    extra = [a for a in args.runtests_args if a != "--"]
    with terminate_as_interrupt(), Servers(memcached=3) as servers:
        say(f"Servers: memcached {', '.join(servers.memcached)}; redis {servers.redis_url}")
        env = {
            **os.environ,
            **servers.env(),
            "PYTHONPATH": str(SETTINGS_DIR),
            "BRANCH_CACHE_DIR": tempfile.mkdtemp(prefix="filecache-", dir=RUN),
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        common = ["--settings=asynccache_settings", "--noinput", "-v", "2"]
        if extra:
            runtests(python, [*common, *extra], env, "runtests", tally, "runtests")
        else:
            serial = ["--parallel", "1"]
            runtests(python, [*common, *serial, *CACHE_SUITE], env, "runtests-cache", tally,
                     "runtests cache sessions_tests (3 memcached servers)")
            runtests(python, [*common, *OTHER_SUITES], env, "runtests-others", tally,
                     "runtests " + " ".join(OTHER_SUITES))
            one = {**env, "BRANCH_MEMCACHED": servers.memcached[0]}
            runtests(python, [*common, *serial, *CACHE_SUITE], one, "runtests-cache-one-memcached",
                     tally, "runtests cache sessions_tests (1 memcached server)")
            asgiref_minimum_tests(python, common, env, tally)
    if not args.no_lint and not extra:
        lint(python, tally)
    if not args.no_install_check and not extra:
        install_check(tally)
    if not extra:
        demo_smoke_test(python, tally)
        e2e_smoke_test(python, tally)
    if not args.no_tooling_tests and not extra:
        tooling_tests(tally)
    say(f"\nDone in {time.monotonic() - started:.0f}s.")
    for problem in tally.problems:
        say(f"PROBLEM: {problem}")
    say(f"branch-test: {tally.passed} passed, {tally.failed} failed, {tally.skipped} skipped")
    return 1 if tally.failed else 0


# --- demo and bench ---------------------------------------------------------


def install_bench_requirements(python):
    """The raw clients and ASGI servers the benchmarks and smoke tests use."""
    proc = run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check",
                "-r", ROOT / "bench" / "requirements.txt"], check=False,
               capture_output=True, text=True)
    if proc.returncode:
        raise Failure("Could not install bench/requirements.txt:\n" + proc.stderr[-3000:])


def cmd_demo(args):
    python = ensure_venv()
    if args.serve is not None:
        ensure_packages({k: TEST_PACKAGES[k] for k in ("memcached", "redis-server")})
        install_bench_requirements(python)
        cmd = [python, ROOT / "bench" / "e2e_load.py", "--serve", str(args.serve),
               "--backends", args.backend]
        if args.memcached:
            cmd += ["--memcached", args.memcached]
        if args.redis:
            cmd += ["--redis", args.redis]
        return subprocess.run([str(c) for c in cmd]).returncode
    cmd = [python, SCRIPTS / "demo.py"]
    if args.memcached:
        cmd += ["--memcached", args.memcached]
    if args.redis:
        cmd += ["--redis", args.redis]
    return subprocess.run([str(c) for c in cmd]).returncode


# name: the script under bench/ and its first arguments.
BENCHMARKS = {
    "cache": ["run.py"],
    "e2e": ["e2e_load.py"],
    "wsgi": ["e2e_load.py", "--wsgi"],  # the e2e project's sync views, gunicorn
    "get_or_set": ["get_or_set.py"],
}


def cmd_bench(args):
    python = ensure_venv()
    ensure_packages({k: TEST_PACKAGES[k] for k in ("memcached", "redis-server")})
    install_bench_requirements(python)
    bench_args = [a for a in args.bench_args if a != "--"]
    names = list(BENCHMARKS) if args.which == "all" else [args.which]
    status = 0
    for name in names:
        script, *first = BENCHMARKS[name]
        say(f"== bench/{script} {' '.join([*first, *bench_args])}")
        status |= subprocess.run(
            [str(python), str(ROOT / "bench" / script), *first, *bench_args]
        ).returncode
    return status
