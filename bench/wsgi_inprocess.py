"""CPU time per WSGI request of the e2e project (bench/e2e/), called
in-process: stock vs the branch, interleaved.

    ./scripts/branch bench inprocess [--pairs N] [--requests N]

No server and no load generator share the machine with the measure, so this
tells what Django itself costs per request when a gunicorn run
(./scripts/branch bench wsgi) can't: on this shared 2-core machine the same
stock floor moves by 30% between two rows of one gunicorn run. Each figure is
the best of 5 measures of N requests' CPU time (time.process_time()), after
300 requests of warm-up, in a fresh process; stock and branch alternate
--pairs times per mode. Modes as in bench/instructions.py: the floor (an
uncached sync view, no middleware), cache_page() and the cache middleware,
on locmem, every request a hit after the first one.
"""

import argparse
import os
import statistics
import subprocess
import sys

from instructions import E2E_MODES as MODES
from instructions import WSGI_REQUEST, wsgi_env
from run import BRANCH, ensure_stock

DRIVER = WSGI_REQUEST + r"""
import time
n = int(sys.argv[1])
for _ in range(300):
    request()
best = float("inf")
for _ in range(5):
    start = time.process_time()
    for _ in range(n):
        request()
    best = min(best, (time.process_time() - start) / n)
assert set(statuses) == {"200 OK"}, set(statuses)
print(best * 1e6)
"""


def measure(tree, mode, requests):
    env = {**os.environ, **wsgi_env(tree, mode, "inprocess")}
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(requests)],
        env=env, capture_output=True, text=True,
    )
    if proc.returncode:
        raise SystemExit(f"{tree.name} {mode} failed:\n{proc.stderr[-3000:]}")
    return float(proc.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    stock = ensure_stock()
    results = {}
    for mode in MODES:
        for pair in range(args.pairs):
            for tree in (stock, BRANCH):
                value = measure(tree, mode, args.requests)
                results.setdefault((mode, tree), []).append(value)
                print(f"{mode:10} {tree.name:6} pair {pair + 1}: {value:7.1f} us",
                      file=sys.stderr, flush=True)
    print("\nCPU µs per WSGI request, in-process, locmem (median of the pairs' "
          "best-of-5; ratio = stock / branch, above 1 is faster):\n")
    print(f"{'mode':12} {'stock':>8} {'branch':>8} {'ratio':>7}   each pair (stock/branch)")
    for mode in MODES:
        before = results[mode, stock]
        after = results[mode, BRANCH]
        pairs = ", ".join(f"{s:.0f}/{b:.0f}" for s, b in zip(before, after))
        median_stock, median_branch = statistics.median(before), statistics.median(after)
        print(f"{mode:12} {median_stock:8.1f} {median_branch:8.1f} "
              f"{median_stock / median_branch:6.2f}x   {pairs}")


if __name__ == "__main__":
    main()
