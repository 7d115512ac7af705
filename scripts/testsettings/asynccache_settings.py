"""Settings for tests/runtests.py that configure every cache backend against
the live servers started by `./scripts/branch test` (addresses in the
environment): locmem default, PyMemcacheCache (and PyLibMCCache where pylibmc
is installed), RedisCache, FileBasedCache, DatabaseCache."""

import os
import tempfile

from test_sqlite import *  # noqa: F401,F403

_memcached = [s for s in os.environ.get("BRANCH_MEMCACHED", "").split(",") if s]
_pylibmc = os.environ.get("BRANCH_PYLIBMC", "")
_redis = os.environ.get("BRANCH_REDIS", "")
_location = _memcached if len(_memcached) > 1 else "".join(_memcached)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "file": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("BRANCH_CACHE_DIR") or tempfile.mkdtemp(),
    },
    "db": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "asynccache_test_table",
    },
}
if _memcached:
    CACHES["memcached"] = {
        "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
        "LOCATION": _location,
    }
if _pylibmc:
    try:
        import pylibmc  # noqa: F401
    except ImportError:
        pass
    else:
        # A server of its own: test processes running in parallel flush theirs.
        CACHES["pylibmc"] = {
            "BACKEND": "django.core.cache.backends.memcached.PyLibMCCache",
            "LOCATION": _pylibmc,
        }
if _redis:
    CACHES["redis"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": _redis,
    }
