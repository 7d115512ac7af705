import json
import os
from itertools import count

import django
from django.http import HttpResponse
from django.views.decorators.cache import cache_page, never_cache

from .lag import probe

renders = count(1)


def render():
    number = next(renders)
    content = ("<p>Rendered %d times.</p>\n" % number) + "x" * 2000
    response = HttpResponse(content)
    response["X-Render-Count"] = str(number)
    response["Content-Length"] = str(len(response.content))
    return response


async def page(request):
    """
    A page that is rendered once and then served from the cache (decorator
    and middleware modes), or every time, without any middleware: the floor.
    """
    return render()


def sync_page(request):
    """page(), as a sync view (for a WSGI server)."""
    return render()


cached_page = cache_page(600)(page)
cached_sync_page = cache_page(600)(sync_page)
# The floor: the same page, uncached (and no middleware in settings).
floor = page
sync_floor = sync_page


async def session_page(request):
    """A page that counts the visits of its session."""
    visits = await request.session.aget("visits", 0) + 1
    await request.session.aset("visits", visits)
    return HttpResponse(f"<p>Visit {visits}.</p>")


def info(lag):
    data = {
        "lag": lag,
        "django": django.get_version(),
        "django_path": os.path.dirname(django.__file__),
        "pid": os.getpid(),
    }
    return HttpResponse(json.dumps(data), content_type="application/json")


@never_cache
async def lag(request):
    """Lag probe statistics; ?reset starts the probe and clears them."""
    if "reset" in request.GET or probe.task is None:
        probe.reset()
    return info(probe.stats())


@never_cache
def sync_info(request):
    """lag() under a WSGI server, which has no event loop: no lag figures."""
    return info({"samples": 0})
