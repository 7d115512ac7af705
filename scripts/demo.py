"""The patch set's demo: the cache used from sync and async code.

Run it with `./scripts/branch demo` (locmem, no server needed), or
`./scripts/branch demo --memcached 127.0.0.1:11211` / `--redis redis://...`.
"""

import argparse
import asyncio
import threading

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


def show(code, value):
    print(f">>> {code}")
    if value is not None:
        print(repr(value))


def thread_name():
    return threading.current_thread().name


async def main():
    print(f"Django {django.get_version()}, backend {backend['BACKEND']}\n")
    print("# From sync code, as ever:")
    cache.set("from_sync", 1)
    show("cache.set('from_sync', 1)", None)
    show("cache.get('from_sync')", cache.get("from_sync"))
    print("\n# From async code, Django's existing spelling:")
    await cache.aset("from_async", 2)
    show("await cache.aset('from_async', 2)", None)
    show("await cache.aget('from_async')", await cache.aget("from_async"))
    show("cache.get('from_async')", cache.get("from_async"))
    show("await cache.aget('from_sync')", await cache.aget("from_sync"))
    await cache.adelete_many(["from_sync", "from_async"])
    await cache.aclose()


asyncio.run(main())
