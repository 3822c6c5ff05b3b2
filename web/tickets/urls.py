"""The ticket pages (server-rendered, htmx): the portal, the queue, the ticket page; included from config/urls.py.

The url names are a contract with the other pages (dashboard, reports, inbox):
portal-home, portal-new, ticket-page, ticket-action, work-queue, work-file."""

from django.urls import URLPattern, URLResolver, path

from . import canned, draft, lists, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("portal/", lists.portal_home, name="portal-home"),
    path("portal/new/", views.portal_new, name="portal-new"),
    path("tickets/draft-help/", draft.draft_help, name="draft-help"),
    path("work/", lists.work_queue, name="work-queue"),
    path("work/changes/", lists.work_queue_changes, name="work-queue-changes"),
    path("work/accept/", lists.bulk_accept, name="work-bulk-accept"),
    path("work/views/", lists.saved_view_save, name="work-view-save"),
    path("work/views/<int:saved_id>/delete/", lists.saved_view_delete, name="work-view-delete"),
    path("work/file/", views.file_for_enterprise, name="work-file"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket-page"),
    path("tickets/<str:number>/canned-reply/", canned.canned_reply_fill, name="ticket-canned-reply"),
    path("tickets/<str:number>/<str:action>/", views.ticket_action, name="ticket-action"),
]
