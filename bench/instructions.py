"""Instructions per locmem cache call, counted by valgrind's callgrind: stock
vs the branch, and the branch's async spellings vs its sync get(); then per
WSGI request of the e2e project (bench/e2e/), stock vs the branch.

    ./scripts/branch bench instructions [--calls N] [--requests N]

The WSGI rows call the project's WSGI application in-process (no server:
what Django itself costs per request) with its sync views on locmem: the
floor (an uncached view, no middleware), a view under cache_page(), and the
cache middleware, each request a hit after the first one. --requests 0 skips
them.

The timings of bench/run.py move by up to 25% between rounds on a shared
machine; a count of instructions doesn't move between runs (PYTHONHASHSEED is
fixed), so it settles the ratios that noise can flip. Each figure is the
difference between a run of 3N calls and one of N calls, divided by 2N: what
one more call costs, without the start-up of the interpreter and Django.
Instructions aren't time (a cache miss costs more than an addition), so read
the ratios next to those of bench/run.py, not instead of them.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from run import BRANCH, ensure_stock

BENCH = Path(__file__).resolve().parent

# Spelled as bench/worker.py spells them: through django.core.cache.cache,
# the async calls awaited from a coroutine.
DRIVER = r"""
import asyncio, sys
import django
from django.conf import settings
settings.configure(CACHES={"default": {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
django.setup()
from django.core.cache import cache
op, n = sys.argv[1], int(sys.argv[2])
KEY = "bench-key"
VALUE = {"user": 42, "name": "bench", "items": list(range(10))}
calls = {
    "a.get": lambda key: cache.a.get(key),
    "aget": lambda key: cache.aget(key),
}

def sync_get(n):
    for _ in range(n):
        cache.get(KEY)

async def main():
    if op == "get_in_loop":
        sync_get(100)
        sync_get(n)
        return
    call = calls[op]
    for _ in range(100):
        await call(KEY)
    for _ in range(n):
        await call(KEY)

cache.set(KEY, VALUE, None)
if op == "get":
    sync_get(100)
    sync_get(n)
else:
    asyncio.run(main())
"""


# A WSGI request of the e2e project, its mode in E2E_MODE (also used by
# bench/wsgi_inprocess.py).
WSGI_REQUEST = r"""
import io, sys
from django.core.wsgi import get_wsgi_application
app = get_wsgi_application()
statuses = []

def start_response(status, headers):
    statuses.append(status)

def request():
    environ = {
        "REQUEST_METHOD": "GET", "PATH_INFO": "/page/", "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "HTTP_HOST": "127.0.0.1:8000", "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    response = app(environ, start_response)
    b"".join(response)
    response.close()
"""

WSGI_DRIVER = WSGI_REQUEST + r"""
for _ in range(100 + int(sys.argv[2])):
    request()
assert set(statuses) == {"200 OK"}, set(statuses)
"""


def wsgi_env(tree, mode, key_prefix):
    """The variables that run the e2e project's sync views on locmem."""
    return {
        "PYTHONPATH": os.pathsep.join([str(tree), str(BENCH)]),
        "DJANGO_SETTINGS_MODULE": "e2e.settings",
        "E2E_CACHE": "locmem", "E2E_MODE": mode, "E2E_VIEWS": "sync",
        "E2E_KEY_PREFIX": key_prefix,
    }


E2E_MODES = ["floor", "decorator", "middleware"]


def count(tree, op, calls, wsgi=False):
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONHASHSEED": "0",
           "PYTHONDONTWRITEBYTECODE": "1"}
    if wsgi:
        env.update(wsgi_env(tree, op, "instructions"))
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
         sys.executable, "-c", WSGI_DRIVER if wsgi else DRIVER, op, str(calls)],
        env=env, capture_output=True, text=True,
    )
    found = re.search(r"Collected : (\d+)", proc.stderr)
    if proc.returncode or not found:
        raise SystemExit(f"callgrind failed ({tree.name} {op}):\n{proc.stderr[-3000:]}")
    return int(found.group(1))


def per_call(tree, op, calls, wsgi=False):
    return (
        count(tree, op, 3 * calls, wsgi) - count(tree, op, calls, wsgi)
    ) / (2 * calls)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is needed (Debian package valgrind).")
    stock = ensure_stock()
    rows = [
        ("sync get", stock, "get"),
        ("sync get", BRANCH, "get"),
        ("sync get inside the event loop", BRANCH, "get_in_loop"),
        ("await cache.a.get()", BRANCH, "a.get"),
        ("await cache.aget()", BRANCH, "aget"),
    ]
    counts = {}
    for label, tree, op in rows:
        print(f"counting {label} ({tree.name})...", file=sys.stderr, flush=True)
        counts[label, tree] = per_call(tree, op, args.calls)
    stock_get = counts["sync get", stock]
    branch_get = counts["sync get", BRANCH]
    in_loop = counts["sync get inside the event loop", BRANCH]
    print("\nInstructions per locmem call (callgrind; ratio = speed, fewer is faster):\n")
    print(f"{'call':34} {'tree':>7} {'instructions':>13} {'ratio':>30}")
    print(f"{'sync get':34} {'stock':>7} {stock_get:13,.0f}")
    print(f"{'sync get':34} {'branch':>7} {branch_get:13,.0f} "
          f"{stock_get / branch_get:11.2f}x of stock sync get")
    print(f"{'sync get inside the event loop':34} {'branch':>7} {in_loop:13,.0f}")
    for label in ("await cache.a.get()", "await cache.aget()"):
        value = counts[label, BRANCH]
        print(f"{label:34} {'branch':>7} {value:13,.0f} "
              f"{branch_get / value:5.2f}x of sync get, "
              f"{in_loop / value:.2f}x in loop")
    if not args.requests:
        return
    requests = {}
    for mode in E2E_MODES:
        for tree in (stock, BRANCH):
            print(f"counting WSGI {mode} ({tree.name})...", file=sys.stderr,
                  flush=True)
            requests[mode, tree] = per_call(tree, mode, args.requests, wsgi=True)
    print("\nInstructions per WSGI request of the e2e project, in-process, locmem "
          "(callgrind; ratio = stock / branch, above 1 is faster):\n")
    print(f"{'mode':12} {'stock':>10} {'branch':>10} {'ratio':>7}")
    for mode in E2E_MODES:
        before, after = requests[mode, stock], requests[mode, BRANCH]
        print(f"{mode:12} {before:10,.0f} {after:10,.0f} {before / after:6.2f}x")


if __name__ == "__main__":
    main()
