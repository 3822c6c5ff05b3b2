"""The inbox page (server-rendered, htmx); included from config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox-read-all"),
    path("inbox/<int:notification_id>/read/", views.inbox_read, name="inbox-read"),
]
