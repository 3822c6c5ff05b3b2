"""The peer's URLs: django-helpdesk at the root (its staff pages, its API under /api/)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("helpdesk.urls")),
]
