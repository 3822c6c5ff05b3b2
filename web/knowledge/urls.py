"""The knowledge base's pages: included from config/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("guides/", views.guide_list, name="guides"),
    path("guides/new/", views.guide_edit, name="guide-new"),
    path("guides/suggest/", views.guide_suggest, name="guide-suggest"),
    path("guides/from-ticket/<int:ticket_id>/", views.guide_from_ticket, name="guide-from-ticket"),
    path("guides/<int:article_id>/", views.guide_detail, name="guide-detail"),
    path("guides/<int:article_id>/edit/", views.guide_edit, name="guide-edit"),
    path("guides/<int:article_id>/solved/", views.guide_solved, name="guide-solved"),
    path("guides/<int:article_id>/files/<int:attachment_id>/", views.guide_file, name="guide-file"),
    path("guides/<int:article_id>/<str:action>/", views.guide_action, name="guide-action"),
]
