"""The manager's pages: dashboard, weekly dispatch, monthly ranking, quarterly bulletin."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
