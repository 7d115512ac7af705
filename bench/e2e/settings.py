"""
Settings of the end-to-end benchmark project: an async view cached with
cache_page() (E2E_MODE=decorator) or by the cache middleware
(E2E_MODE=middleware), or an async view that counts visits in a cache-based
session (E2E_MODE=session), or the floor: an uncached trivial async view and
no middleware (E2E_MODE=floor), served by an ASGI server, with the cache
backend chosen by E2E_CACHE (memcached, redis, or locmem).

E2E_VIEWS=sync serves sync views instead (decorator, middleware and floor
modes), for a WSGI server (e2e.wsgi).
"""

import os

SECRET_KEY = "e2e-benchmark-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "e2e.urls"
INSTALLED_APPS = []
DATABASES = {}
USE_TZ = True
LOGGING_CONFIG = None

MODE = os.environ.get("E2E_MODE", "decorator")
if MODE not in ("decorator", "middleware", "session", "floor"):
    raise ValueError(f"Unknown E2E_MODE {MODE!r}.")
VIEWS = os.environ.get("E2E_VIEWS", "async")
if VIEWS not in ("async", "sync") or (VIEWS, MODE) == ("sync", "session"):
    raise ValueError(f"Unknown E2E_VIEWS {VIEWS!r} (in mode {MODE!r}).")

if MODE == "middleware":
    MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
elif MODE == "session":
    MIDDLEWARE = ["django.contrib.sessions.middleware.SessionMiddleware"]
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    MIDDLEWARE = []

CACHE = os.environ.get("E2E_CACHE", "locmem")
if CACHE == "memcached":
    _servers = os.environ.get("E2E_MEMCACHED", "127.0.0.1:11211").split(",")
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": _servers if len(_servers) > 1 else _servers[0],
        }
    }
elif CACHE == "redis":
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ.get("E2E_REDIS", "redis://127.0.0.1:6379/0"),
        }
    }
elif CACHE == "locmem":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ValueError(f"Unknown E2E_CACHE {CACHE!r}.")

CACHE_MIDDLEWARE_SECONDS = 600
# Distinct per run, so that a run never serves pages cached by another one.
CACHE_MIDDLEWARE_KEY_PREFIX = os.environ.get("E2E_KEY_PREFIX", "e2e")
