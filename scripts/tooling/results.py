"""Running Django's tests/runtests.py and tallying what it reports."""

import os
import re
import subprocess
import tempfile
from pathlib import Path

from .paths import BRANCH, RUN, SETTINGS_DIR, rel, say

# Skip reasons that mean a server or client library was missing: never allowed.
MISSING_SERVER = re.compile(r"not configured|memcache|redis|pylibmc|server", re.I)
# The settings module of scripts/testsettings/, which configures every cache
# backend against the servers started by servers.Servers.
SETTINGS_ARGS = ["--settings=asynccache_settings", "--noinput", "-v", "2"]
# Suites whose test classes flush the shared servers: one test process at a
# time, or a class running in another process would lose its data.
SERIAL_SUITES = {"cache", "sessions_tests"}


def settings_env(servers, tree=None):
    """The environment of runtests.py with SETTINGS_ARGS against servers.

    tree: a Django tree to test instead of the branch installed in the venv.
    """
    RUN.mkdir(parents=True, exist_ok=True)
    path = [str(SETTINGS_DIR)] + ([str(tree)] if tree is not None else [])
    return {
        **os.environ,
        **servers.env(),
        "PYTHONPATH": os.pathsep.join(path),
        "BRANCH_CACHE_DIR": tempfile.mkdtemp(prefix="filecache-", dir=RUN),
        "PYTHONDONTWRITEBYTECODE": "1",
    }


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


def runtests(python, args, env, logname, tally, label, tree=None, runner=None,
             server_skips_fail=True):
    """
    tests/runtests.py ARGS in tree (default: the branch), tallied as label;
    runner: a command (script and its arguments) to run instead of
    runtests.py, followed by runtests.py's arguments. A test skipped for want of a server fails, unless
    server_skips_fail is false (settings without the servers).
    """
    tree = BRANCH if tree is None else tree
    RUN.mkdir(parents=True, exist_ok=True)
    logfile = RUN / f"{logname}.log"
    say(f"-- tests/runtests.py {' '.join(args)}  (log: {rel(logfile)})")
    with open(logfile, "w") as out:
        proc = subprocess.run(
            [str(c) for c in [python, "-u", *(runner or ["runtests.py"]), *args]],
            cwd=Path(tree) / "tests", env=env,
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
    if bad_skips and server_skips_fail:
        tally.problems.append(f"{label}: tests skipped for want of a server: {bad_skips}")
        tally.failed += 1
        say("  skipped for want of a server/client: " + "; ".join(bad_skips))
    reasons = {}
    for s in skips:
        reasons[s] = reasons.get(s, 0) + 1
    if reasons:
        top = sorted(reasons.items(), key=lambda x: -x[1])[:12]
        say("  skip reasons: " + "; ".join(f"{n}x {r}" for r, n in top))
    tally.add_unittest(label, output, proc.returncode)
