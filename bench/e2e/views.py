import json
import os
from itertools import count

import django
from django.http import HttpResponse
from django.views.decorators.cache import cache_page, never_cache

from .lag import probe

renders = count(1)


async def page(request):
    """A page that is rendered once and then served from the cache."""
    number = next(renders)
    content = ("<p>Rendered %d times.</p>\n" % number) + "x" * 2000
    response = HttpResponse(content)
    response["X-Render-Count"] = str(number)
    response["Content-Length"] = str(len(response.content))
    return response


cached_page = cache_page(600)(page)


async def session_page(request):
    """A page that counts the visits of its session."""
    visits = await request.session.aget("visits", 0) + 1
    await request.session.aset("visits", visits)
    return HttpResponse(f"<p>Visit {visits}.</p>")


@never_cache
async def lag(request):
    """Lag probe statistics; ?reset starts the probe and clears them."""
    if "reset" in request.GET or probe.task is None:
        probe.reset()
    data = {
        "lag": probe.stats(),
        "django": django.get_version(),
        "django_path": os.path.dirname(django.__file__),
        "pid": os.getpid(),
    }
    return HttpResponse(json.dumps(data), content_type="application/json")
