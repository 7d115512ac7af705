"""
Benchmark: 100 concurrent coroutines miss one key whose default takes 50 ms
(asyncio.sleep). Stock Django 6.1.3 against the branch, in one run, interleaved.

    ./scripts/branch bench get_or_set [--rounds N]
        [--memcached HOST:PORT] [--redis URL]

Each measurement runs in a fresh child process with the Django tree on
PYTHONPATH (stock: build/stock, the pristine release; branch: build/django).
Memcached and Redis servers are started on free loopback ports unless given. Stock's aget_or_set() can't await an async default (it stores the
coroutine, and pickling fails), so stock is measured with the two things
users can do today:

- "stock aget_or_set, sync default": a default that blocks for 50 ms
  (time.sleep), which blocks the event loop;
- "stock manual pattern": aget(), on a miss await the async default, then
  aadd() and aget(), i.e. aget_or_set() written by hand.

The branch is measured with aget_or_set() and the async default, without and
with lock_timeout.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = Path(HERE).parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, HERE)
CHILD = r"""
import asyncio, json, sys, time
import django
from django.conf import settings

backend, location, mode, concurrency = sys.argv[1:]
concurrency = int(concurrency)
caches = {"default": {"BACKEND": backend, "LOCATION": location, "KEY_PREFIX": "bench-d"}}
settings.configure(CACHES=caches)
django.setup()
from django.core.cache import caches

calls = 0
MISSING = object()


async def compute():
    global calls
    calls += 1
    await asyncio.sleep(0.05)
    return "value"


def compute_blocking():
    global calls
    calls += 1
    time.sleep(0.05)
    return "value"


async def one(i):
    # A fresh cache object per task, as Django's cache handler gives each
    # request.
    cache = caches.create_connection("default")
    if mode == "stock-sync-default":
        return await cache.aget_or_set("key", compute_blocking)
    if mode == "stock-manual":
        value = await cache.aget("key", MISSING)
        if value is MISSING:
            value = await compute()
            await cache.aadd("key", value)
            value = await cache.aget("key", value)
        return value
    if mode == "branch":
        return await cache.aget_or_set("key", compute)
    if mode == "branch-lock":
        return await cache.aget_or_set("key", compute, lock_timeout=5)
    raise ValueError(mode)


async def main():
    cache = caches.create_connection("default")
    await cache.aclear()
    # Warm up connections and threads.
    await cache.aget("warmup")
    start = time.perf_counter()
    results = await asyncio.gather(*(one(i) for i in range(concurrency)))
    elapsed = time.perf_counter() - start
    assert results == ["value"] * concurrency, results[:3]
    await cache.aclear()
    print(json.dumps({"seconds": elapsed, "calls": calls, "django": django.__file__}))


asyncio.run(main())
"""

MODES = [
    ("stock", "stock-sync-default", "stock aget_or_set, blocking 50 ms default"),
    ("stock", "stock-manual", "stock manual aget/await/aadd, async default"),
    ("branch", "branch", "branch aget_or_set, async default"),
    ("branch", "branch-lock", "branch aget_or_set, async default, lock_timeout=5"),
]


def run(tree, backend, location, mode, concurrency):
    env = {**os.environ, "PYTHONPATH": tree}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, backend, location, mode, str(concurrency)],
        env=env,
        # python -c puts the working directory first on sys.path.
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode:
        raise RuntimeError(out.stderr)
    result = json.loads(out.stdout)
    if not result["django"].startswith(os.path.join(tree, "")):
        raise RuntimeError(f"{mode} imported {result['django']}, not {tree}.")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=100)
    parser.add_argument("--stock", default=str(ROOT / "build" / "stock"))
    parser.add_argument("--branch", default=str(ROOT / "build" / "django"))
    parser.add_argument("--memcached")
    parser.add_argument("--redis")
    args = parser.parse_args()
    from tooling.servers import Servers
    from run import ensure_stock

    ensure_stock()
    with Servers(memcached=1, redis=True, pylibmc=False) as servers:
        args.memcached = args.memcached or servers.memcached[0]
        args.redis = args.redis or servers.redis_url
        measure_all(args)


def measure_all(args):
    trees = {"stock": args.stock, "branch": args.branch}
    backends = [("locmem", "django.core.cache.backends.locmem.LocMemCache", "b")]
    if args.memcached:
        backends.append(
            (
                "memcached",
                "django.core.cache.backends.memcached.PyMemcacheCache",
                args.memcached,
            )
        )
    if args.redis:
        backends.append(
            ("redis", "django.core.cache.backends.redis.RedisCache", args.redis)
        )
    print(
        f"{args.concurrency} concurrent coroutines missing one key, default 50 ms; "
        f"median of {args.rounds} interleaved rounds"
    )
    for name, backend, location in backends:
        figures = {mode: [] for _, mode, _ in MODES}
        for _ in range(args.rounds):
            for tree, mode, _ in MODES:
                figures[mode].append(
                    run(trees[tree], backend, location, mode, args.concurrency)
                )
        print(f"\n{name}:")
        for _, mode, label in MODES:
            seconds = statistics.median(f["seconds"] for f in figures[mode])
            calls = sorted({f["calls"] for f in figures[mode]})
            print(f"  {label:<52} {seconds * 1000:8.1f} ms  computations {calls}")


if __name__ == "__main__":
    main()
