"""One benchmark measurement, run in a fresh process against one Django tree
(chosen with PYTHONPATH by bench/run.py). Prints one JSON line.

    worker.py BACKEND_JSON OPERATION CONCURRENCY N
"""

import asyncio
import json
import pickle
import sys
import time

import django
from django.conf import settings

backend, op, concurrency, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
backend = json.loads(backend)
settings.configure(CACHES={"default": backend})
django.setup()

from django.core.cache import cache  # noqa: E402

KEY = "bench-key"
VALUE = {"user": 42, "name": "bench", "items": list(range(10))}


def sync_get():
    start = time.perf_counter()
    for _ in range(n):
        cache.get(KEY)
    return time.perf_counter() - start


async def run_concurrently(call):
    per_task = n // concurrency

    async def task():
        for _ in range(per_task):
            await call(KEY)

    # Warm up (connections, pools) outside the timing.
    await asyncio.gather(*(call(KEY) for _ in range(concurrency)))
    start = time.perf_counter()
    await asyncio.gather(*(task() for _ in range(concurrency)))
    return time.perf_counter() - start, per_task * concurrency


async def raw_client():
    """The raw asyncio client's get, plus the unpickling Django does too."""
    location = backend["LOCATION"]
    payload = pickle.dumps(VALUE, pickle.HIGHEST_PROTOCOL)
    key = cache.make_key(KEY)
    if "redis" in backend["BACKEND"].lower():
        import redis.asyncio

        client = redis.asyncio.Redis.from_url(location)
        await client.set(key, payload)

        async def get(_key):
            return pickle.loads(await client.get(key))

        return get
    if "memcached" in backend["BACKEND"].lower():
        import aiomcache

        # aiomcache serves one server: the first one.
        host, port = (location[0] if isinstance(location, list) else location).split(":")
        client = aiomcache.Client(host, int(port), pool_size=16)
        bkey = key.encode()
        await client.set(bkey, payload)

        async def get(_key):
            return pickle.loads(await client.get(bkey))

        return get
    raise SystemExit(f"no raw client for {backend['BACKEND']}")


async def async_op():
    await cache.aset(KEY, VALUE, None)
    # Spelled as user code spells it: the attribute lookups are part of a call.
    if op == "aget":
        call = lambda key: cache.aget(key)  # noqa: E731
    elif op == "a.get":
        call = lambda key: cache.a.get(key)  # noqa: E731
    elif op == "raw":
        call = await raw_client()
    else:
        raise SystemExit(f"unknown operation {op}")
    return await run_concurrently(call)


if op == "get":
    cache.set(KEY, VALUE, None)
    sync_get()  # warm up
    elapsed, done = sync_get(), n
elif op == "get_in_loop":
    # The sync call made from async code, as an async view would make it:
    # what the async flavor adds to it is the cost of that flavor alone.
    async def in_loop():
        cache.set(KEY, VALUE, None)
        sync_get()  # warm up
        return sync_get(), n

    elapsed, done = asyncio.run(in_loop())
else:
    elapsed, done = asyncio.run(async_op())
print(json.dumps({"ops_per_sec": done / elapsed, "n": done}))
