"""The test command: ./scripts/branch test (what CI runs)."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from branchlib import local_version

from .benchdemo import install_bench_requirements
from .checkseries import check_series
from .env import prepare_test_environment
from .lint import lint
from .paths import BRANCH, BUILD, CACHE, ROOT, RUN, SCRIPTS, run, say
from .results import SETTINGS_ARGS, Tally, runtests, settings_env
from .series import cmd_build
from .servers import Servers, terminate_as_interrupt

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
        env = {**os.environ, "BRANCH_SDIST_CACHE": str(CACHE),
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


# Django's whole test suite with its default settings (tests/test_sqlite.py),
# once, on the tip. These tests fail on the pristine release too when the
# suite runs as root, for that reason alone: each makes a file or folder
# unreadable or unwritable (chmod) and expects the permission error that
# root never gets (found by running the pristine 6.1.3 as root, 2026-11-30).
# Left out by name when running as root; any other failure fails the step.
ROOT_ONLY_FAILURES = [
    # A write-only template (chmod 0o222), expects PermissionError from the loader.
    "template_tests.test_loaders.FileSystemLoaderTests.test_permissions_error",
    # A read-only folder for the file email backend, expects InvalidMailer.
    "mail.test_backends.FileBackendPathLibTests.test_error_if_file_path_is_not_writable",
    "mail.test_backends.FileBackendTests.test_error_if_file_path_is_not_writable",
    # A read-only locale folder, expects compilemessages to fail writing .mo.
    "i18n.test_compilation.PoFileTests.test_no_write_access",
    # A read-only MEDIA_ROOT (0o500), expects PermissionError on upload.
    "file_uploads.tests.DirectoryCreationTests.test_readonly_root",
    # A write-only target folder (0o200), expects startapp to fail.
    "admin_scripts.tests.StartApp.test_custom_app_directory_creation_error_handling",
]
EXCLUDING_RUNNER = SCRIPTS / "runtests-excluding.py"


def whole_suite(python, tally):
    excluded = ROOT_ONLY_FAILURES if os.geteuid() == 0 else []
    runner = [EXCLUDING_RUNNER, "--check-found",
              *[a for t in excluded for a in ("--exclude", t)], "--"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("PYTHONPATH", None)
    if excluded:
        say(f"   left out as root (they fail as root on the pristine release): "
            f"{len(excluded)} tests")
    runtests(python, ["--noinput", "-v", "2"], env, "runtests-whole-suite", tally,
             "runtests (whole suite, default settings)", runner=runner,
             server_skips_fail=False)


def cmd_test(args):
    started = time.monotonic()
    cmd_build(None)
    # The packages first: a venv made before libmemcached-dev was there (by
    # `demo`, say) gets pylibmc now.
    python = prepare_test_environment()
    RUN.mkdir(parents=True, exist_ok=True)
    tally = Tally()
    extra = [a for a in args.runtests_args if a != "--"]
    with terminate_as_interrupt():
        if not args.no_lint and not extra:
            # Fast, and the first thing worth knowing: every commit's lint.
            say("-- ./scripts/branch check-series --lint-only")
            tally.check("check-series --lint-only", check_series(python, lint_only=True))
        with Servers(memcached=3) as servers:
            say(f"Servers: memcached {', '.join(servers.memcached)}; "
                f"redis {servers.redis_url}")
            env = settings_env(servers)
            common = SETTINGS_ARGS
            if extra:
                runtests(python, [*common, *extra], env, "runtests", tally, "runtests")
            else:
                serial = ["--parallel", "1"]
                runtests(python, [*common, *serial, *CACHE_SUITE], env, "runtests-cache",
                         tally, "runtests cache sessions_tests (3 memcached servers)")
                runtests(python, [*common, *OTHER_SUITES], env, "runtests-others", tally,
                         "runtests " + " ".join(OTHER_SUITES))
                one = {**env, "BRANCH_MEMCACHED": servers.memcached[0]}
                runtests(python, [*common, *serial, *CACHE_SUITE], one,
                         "runtests-cache-one-memcached", tally,
                         "runtests cache sessions_tests (1 memcached server)")
                asgiref_minimum_tests(python, common, env, tally)
        if not args.no_whole_suite and not extra:
            whole_suite(python, tally)
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
