"""Instructions per request of the e2e project (bench/e2e/) served by
uvicorn, counted by valgrind's callgrind: the counterpart of the "cpu share"
column of bench/e2e_load.py that noise can't move.

    ./scripts/branch bench e2e_instructions [--backends memcached,redis]
        [--modes floor,decorator,middleware] [--requests N] [--stock]

On this shared machine the speed of the same code moves by up to a half from
one second to the next (timeit of one loop read 410 to 634 ns in five tries
on 2026-12-01), so the shares of the floor that bench/e2e_load.py reads move
between runs by more than the gaps its targets draw. This counts, instead,
what the server process itself runs per request (Django, uvicorn, the cache
client; not the cache server nor the load generator): for each backend and
mode, two uvicorn processes run under callgrind with the same warm-up (300
requests) and then N or 4N requests, 100 connections at a time, and the
difference of their totals is divided by 3N, which leaves out start-up and
warm-up. The floor (an uncached view, no middleware) doesn't touch the cache;
it's counted once. share = floor instructions / the mode's instructions.

Read it as what the CPU has to do, not as time (a cache miss costs more than
an addition, and the cached modes touch more memory than the floor), and
mind one difference from a native run: under callgrind the server runs about
50 times slower while the cache server and the load generator don't, so the
requests it finds waiting at each turn of its event loop, and the commands
the cache transports send per exchange, aren't those of a native run. The
shares it prints have read lower than the native cpu shares of good runs
(0.70x to 0.72x against 0.76x to 0.86x) and higher than those of bad ones.
"""

import argparse
import asyncio
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import e2e_load
from run import BRANCH, ensure_stock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from tooling.servers import Servers  # noqa: E402

BENCH = e2e_load.BENCH
WARM_UP = 300
CONNECTIONS = 100


def count(tree, backend, mode, requests, locations):
    """Instructions of a uvicorn process serving WARM_UP + requests."""
    port = e2e_load.free_port()
    env = {
        **e2e_load.server_env(tree, backend, mode, locations),
        "PYTHONHASHSEED": "0",
    }
    args = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, *e2e_load.server_args("uvicorn", port),
    ]
    proc = subprocess.Popen(
        args, env=env, cwd=BENCH, stderr=subprocess.PIPE, text=True
    )
    try:
        e2e_load.wait_for_port(port, proc, timeout=300)
        for n in (WARM_UP, requests):
            figures = asyncio.run(
                e2e_load.load(port, "/page/", CONNECTIONS, 3600, n)
            )
            if figures["errors"] or figures["requests"] != n:
                raise SystemExit(f"{tree.name} {backend} {mode}: {figures}")
        proc.send_signal(2)
        _, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    found = re.search(r"Collected : (\d+)", err)
    if not found:
        raise SystemExit(f"{tree.name} {backend} {mode}:\n{err[-3000:]}")
    return int(found.group(1))


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backends", default="memcached,redis")
    parser.add_argument("--modes", default="floor,decorator,middleware")
    parser.add_argument("--requests", type=int, default=500, help="N (default 500)")
    parser.add_argument(
        "--stock", action="store_true", help="count stock Django too (slower)"
    )
    args = parser.parse_args()
    if not shutil.which("valgrind"):
        raise SystemExit("valgrind is needed (Debian's package valgrind).")
    backends = args.backends.split(",")
    modes = args.modes.split(",")
    unknown = set(modes) - {"floor", "decorator", "middleware", "session"}
    if unknown or not set(backends) <= {"memcached", "redis"}:
        parser.error("unknown backend or mode")
    trees = {"branch": BRANCH}
    if args.stock:
        trees["stock"] = ensure_stock()
    # The floor never touches the cache: one count, with the first backend.
    configs = [
        (variant, backend, mode)
        for variant in trees
        for backend in backends
        for mode in modes
        if mode != "floor" or backend == backends[0]
    ]
    n = args.requests
    with Servers(
        memcached=int("memcached" in backends), redis="redis" in backends,
        pylibmc=False,
    ) as servers:
        locations = {}
        if "memcached" in backends:
            locations["memcached"] = servers.memcached[0]
        if "redis" in backends:
            locations["redis"] = servers.redis_url
        start = time.monotonic()
        with ThreadPoolExecutor(2) as pool:
            futures = {
                (config, size): pool.submit(
                    count, trees[config[0]], config[1], config[2], size, locations
                )
                for config in configs
                for size in (n, 4 * n)
            }
            results = {
                config: (futures[config, 4 * n].result() - futures[config, n].result())
                / (3 * n)
                for config in configs
            }
    print(
        f"\nInstructions per request of the uvicorn process ({CONNECTIONS} "
        f"connections, {n} and {4 * n} requests after {WARM_UP} of warm-up; "
        f"{time.monotonic() - start:.0f}s); share = the floor's / the mode's:\n"
    )
    print(f"{'tree':7} {'backend':10} {'mode':11} {'instructions':>13} {'share':>6}")
    for variant in trees:
        floor = results.get((variant, backends[0], "floor"))
        for backend in backends:
            for mode in modes:
                if mode == "floor" and backend != backends[0]:
                    continue
                value = results[variant, backend, mode]
                share = (
                    f"{floor / value:5.2f}x" if floor and mode != "floor" else ""
                )
                shown = "-" if mode == "floor" else backend
                print(f"{variant:7} {shown:10} {mode:11} {value:13,.0f} {share:>6}")
    if args.stock and ("stock", backends[0], "floor") in results:
        stock_floor = results["stock", backends[0], "floor"]
        ratio = stock_floor / results["branch", backends[0], "floor"]
        print(f"\nstock floor / branch floor: {ratio:.2f}x")


if __name__ == "__main__":
    main()
