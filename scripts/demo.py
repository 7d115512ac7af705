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
        print(repr(value))


def sync_part():
    print("# From sync code, as ever:")
    cache.set("from_sync", 1)
    show("cache.set('from_sync', 1)")
    show("cache.get('from_sync')", cache.get("from_sync"))


async def async_part():
    print("\n# From async code, Django's existing spelling:")
    await cache.aset("from_async", 2)
    show("await cache.aset('from_async', 2)")
    show("await cache.aget('from_async')", await cache.aget("from_async"))
    show("await cache.aget('from_sync')", await cache.aget("from_sync"))


def sync_again():
    print("\n# Back in sync code: the async writes are there.")
    show("cache.get('from_async')", cache.get("from_async"))
    cache.delete_many(["from_sync", "from_async"])


print(f"Django {django.get_version()}, backend {backend['BACKEND']}\n")
sync_part()
asyncio.run(async_part())
sync_again()
print("\nDemo finished.")
