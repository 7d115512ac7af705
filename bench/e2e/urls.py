from django.conf import settings
from django.urls import path

from . import views

urlpatterns = [
    path(
        "page/",
        views.cached_page if settings.MODE == "decorator" else views.page,
    ),
    path("lag/", views.lag),
]
