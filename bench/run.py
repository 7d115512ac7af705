"""Benchmarks: stock Django vs the branch vs raw asyncio clients, in one run.

    ./scripts/branch bench [--quick] [--backends locmem,redis,memcached,memcached3]

Every figure is measured in a fresh process, the variants interleaved round
by round on the same machine, and the best round of each is compared (as
timeit does: noise only ever slows a round down); this shared machine is
noisy, so compare figures within one run only.
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from tooling.paths import BUILD  # noqa: E402
from tooling.servers import Servers  # noqa: E402

BRANCH = Path(os.environ.get("BENCH_BRANCH_TREE") or BUILD / "django")
STOCK = BUILD / "stock"
WORKER = Path(__file__).resolve().parent / "worker.py"


def ensure_stock():
    """A worktree of the pristine release, for the stock figures."""
    if not (STOCK / "django" / "__init__.py").exists():
        subprocess.run(
            ["git", "worktree", "add", "--detach", "-f", str(STOCK), "upstream"],
            cwd=BRANCH, check=True, capture_output=True,
        )
    return STOCK


def measure(tree, backend, op, concurrency, n):
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, str(WORKER), json.dumps(backend), op, str(concurrency), str(n)],
        env=env, capture_output=True, text=True,
    )
    if proc.returncode:
        raise SystemExit(f"worker failed ({tree.name} {op}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["ops_per_sec"]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds and operations")
    parser.add_argument("--backends", default="locmem,redis,memcached,memcached3")
    parser.add_argument("--rounds", type=int, default=0)
    args = parser.parse_args()
    rounds = args.rounds or (3 if args.quick else 7)
    scale = 0.3 if args.quick else 1.0
    backends = args.backends.split(",")
    stock = ensure_stock()

    with Servers(memcached=3, redis=True, pylibmc=False) as servers:
        configs = {
            "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": servers.redis_url},
            "memcached": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
                          "LOCATION": servers.memcached[0]},
            "memcached3": {"BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
                           "LOCATION": servers.memcached[:3]},
        }
        # (label, backend, tree, op, concurrency, n)
        cases = []
        for name in backends:
            local = name == "locmem"
            n_sync = int((200_000 if local else 20_000) * scale)
            cases.append((f"{name} sync get", name, "stock", "get", 1, n_sync))
            cases.append((f"{name} sync get", name, "branch", "get", 1, n_sync))
            for c in ([1] if local else [1, 10, 100]):
                n = int((100_000 if local else (5_000 if c == 1 else 20_000)) * scale)
                n -= n % c
                cases.append((f"{name} async get c={c}", name, "stock", "aget", c, n))
                cases.append((f"{name} async get c={c}", name, "branch", "a.get", c, n))
                if not local:
                    cases.append((f"{name} async get c={c}", name, "raw", "raw", c, n))
            if local:
                cases.append((f"{name} async get c=1", name, "branch sync get", "get", 1, n_sync))
                cases.append((f"{name} async get c=1", name, "branch sync get in loop",
                              "get_in_loop", 1, n_sync))
        results = {}
        for r in range(rounds):
            print(f"round {r + 1}/{rounds}...", file=sys.stderr, flush=True)
            for label, name, variant, op, c, n in cases:
                tree = stock if variant == "stock" else BRANCH
                ops = measure(tree, configs[name], op, c, n)
                results.setdefault((label, variant), []).append(ops)

    def med(label, variant):
        values = results.get((label, variant))
        return max(values) if values else None

    print(f"\nBest of {rounds} interleaved rounds, operations per second "
          "(stock = Django 6.1.3, branch = with the series):\n")
    print(f"{'case':34} {'stock':>10} {'branch':>10} {'raw':>10} {'branch/stock':>13} {'branch/raw':>11}")
    for label in dict.fromkeys(label for label, _ in results):
        s, b, raw = med(label, "stock"), med(label, "branch"), med(label, "raw")
        print(f"{label:34} {s:10.0f} {b:10.0f} "
              + (f"{raw:10.0f}" if raw else f"{'':10}")
              + f" {b / s:12.2f}x" + (f" {b / raw:10.2f}x" if raw else ""))
        sync = med(label, "branch sync get")
        if sync:
            print(f"{'  (branch sync get, same process kind)':34} {'':10} {sync:10.0f}"
                  f"{'':10}   async/sync {b / sync:.2f}x")
        sync = med(label, "branch sync get in loop")
        if sync:
            print(f"{'  (branch sync get in the event loop)':34} {'':10} {sync:10.0f}"
                  f"{'':10}   async/sync {b / sync:.2f}x")


if __name__ == "__main__":
    main()
