from django.conf import settings
from django.urls import path

from . import views

PAGES = {
    "decorator": views.cached_page,
    "middleware": views.page,
    "session": views.session_page,
}

urlpatterns = [
    path("page/", PAGES[settings.MODE]),
    path("lag/", views.lag),
]
