"""The support policies' pages: included from config/urls.py."""

from django.urls import URLPattern, URLResolver, path

from . import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("policies/", views.policy_list, name="policies"),
    path("policies/new/", views.policy_new, name="policy-new"),
    path("policies/<int:policy_id>/", views.policy_detail, name="policy-detail"),
    path("policies/<int:policy_id>/apply/", views.policy_apply, name="policy-apply"),
    path("policies/<int:policy_id>/edit/", views.policy_edit, name="policy-edit"),
    path("policies/<int:policy_id>/<str:action>/", views.policy_action, name="policy-action"),
    path("enterprises/<int:enterprise_id>/profile/", views.profile_edit, name="enterprise-profile"),
]
