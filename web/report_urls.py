"""The manager's pages: dashboard, weekly dispatch, monthly ranking, quarterly bulletin, hotspots."""

from django.urls import URLPattern, URLResolver, path

from .reports import dashboard, hotspots, pages

urlpatterns: list[URLPattern | URLResolver] = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("reports/dispatch/", pages.dispatch, name="reports-dispatch"),
    path("reports/ranking/", pages.ranking, name="reports-ranking"),
    path("reports/bulletin/", pages.bulletin, name="reports-bulletin"),
    path("reports/service-items/", pages.service_items, name="reports-service-items"),
    path("reports/hotspots/", hotspots.hotspots, name="reports-hotspots"),
]
