"""The ticket pages (server-rendered, htmx): the portal, the queue, the ticket page; included from config/urls.py.

The url names are a contract with the other pages (dashboard, reports, inbox):
portal-home, portal-new, ticket-page, ticket-action, work-queue, work-file."""

from django.urls import URLPattern, URLResolver, path

from . import draft, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("portal/", views.portal_home, name="portal-home"),
    path("portal/new/", views.portal_new, name="portal-new"),
    path("tickets/draft-help/", draft.draft_help, name="draft-help"),
    path("work/", views.work_queue, name="work-queue"),
    path("work/file/", views.file_for_enterprise, name="work-file"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket-page"),
    path("tickets/<str:number>/<str:action>/", views.ticket_action, name="ticket-action"),
]
