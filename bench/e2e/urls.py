from django.conf import settings
from django.urls import path

from . import views

PAGES = {
    "decorator": views.cached_page,
    "middleware": views.page,
    "session": views.session_page,
    "floor": views.floor,
}
SYNC_PAGES = {
    "decorator": views.cached_sync_page,
    "middleware": views.sync_page,
    "floor": views.sync_floor,
}

if settings.VIEWS == "sync":
    urlpatterns = [
        path("page/", SYNC_PAGES[settings.MODE]),
        path("lag/", views.sync_info),
    ]
else:
    urlpatterns = [
        path("page/", PAGES[settings.MODE]),
        path("lag/", views.lag),
    ]
