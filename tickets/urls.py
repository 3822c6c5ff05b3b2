"""Web pages of this app (server-rendered, htmx); included from config/urls.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
