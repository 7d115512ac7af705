"""The patch set's demo: the cache used from sync and async code.

Run it with `./scripts/branch demo` (locmem, no server needed), or
`./scripts/branch demo --memcached 127.0.0.1:11211` / `--redis redis://...`.
"""

import argparse
import asyncio

import django
from django.conf import settings

parser = argparse.ArgumentParser(description=__doc__)
parser.add_argument("--memcached", metavar="HOST:PORT[,HOST:PORT...]")
parser.add_argument("--redis", metavar="URL")
args = parser.parse_args()

if args.memcached:
    servers = args.memcached.split(",")
    backend = {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": servers if len(servers) > 1 else servers[0],
    }
elif args.redis:
    backend = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": args.redis,
    }
else:
    backend = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
settings.configure(CACHES={"default": {**backend, "KEY_PREFIX": "demo"}})
django.setup()

from django.core.cache import cache  # noqa: E402


def show(code, value=None):
    print(f">>> {code}")
    if value is not None:
        print(value if isinstance(value, str) and value.startswith("<") else repr(value))


def sync_part():
    print("# From sync code, as ever:")
    cache.set("from_sync", 1)
    show("cache.set('from_sync', 1)")
    show("cache.get('from_sync')", cache.get("from_sync"))
    show("cache.get.as_sync('from_sync')", cache.get.as_sync("from_sync"))


async def async_part():
    print("\n# From async code (an asyncio REPL would accept these lines as they are):")
    await cache.set.as_async("from_async", 2)
    show("await cache.set.as_async('from_async', 2)")
    show("await cache.get.as_async('from_sync')", await cache.get.as_async("from_sync"))
    show("cache.get('from_async')", cache.get("from_async"))
    show("cache.get.as_sync('from_sync')", cache.get.as_sync("from_sync"))
    coroutine = cache.get.as_async("from_sync")
    show("cache.get.as_async('from_sync')", f"<{type(coroutine).__name__} object ...>")
    await coroutine

    print("\n# Every async spelling reaches the same implementation:")
    for code, awaitable in [
        ("await cache.a.get('from_async')", cache.a.get("from_async")),
        ("await cache.as_async.get('from_async')", cache.as_async.get("from_async")),
        ("await cache.get.as_async('from_async')", cache.get.as_async("from_async")),
        ("await cache.aget('from_async')", cache.aget("from_async")),
    ]:
        show(code, await awaitable)

    print("\n# The whole API, through cache.a:")
    await cache.a.set_many({"x": 1, "y": 2})
    show("await cache.a.set_many({'x': 1, 'y': 2})")
    show("await cache.a.get_many(['x', 'y', 'z'])", await cache.a.get_many(["x", "y", "z"]))
    show("await cache.a.incr('x', 10)", await cache.a.incr("x", 10))
    show("await cache.a.add('x', 0)", await cache.a.add("x", 0))
    show("await cache.a.get_or_set('z', 3)", await cache.a.get_or_set("z", 3))
    show("await cache.a.has_key('z')", await cache.a.has_key("z"))
    show("await cache.a.delete_many(['x', 'y', 'z'])", await cache.a.delete_many(["x", "y", "z"]))
    show("await cache.a.has_key('z')", await cache.a.has_key("z"))
    show("[m for m in dir(cache.a)]", [m for m in dir(cache.a)])
    try:
        cache.a.no_such_method
    except AttributeError as exc:
        show("cache.a.no_such_method", f"<AttributeError: {exc}>")
    await cache.a.close()


def sync_again():
    print("\n# Back in sync code: the async writes are there.")
    show("cache.get('from_async')", cache.get("from_async"))
    cache.delete_many(["from_sync", "from_async"])


print(f"Django {django.get_version()}, backend {backend['BACKEND']}\n")
sync_part()
asyncio.run(async_part())
sync_again()
print("\nDemo finished.")
