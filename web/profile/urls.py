"""The profile page; included from config/urls.py."""

from django.urls import path

from . import views

urlpatterns = [path("profile/", views.profile, name="profile")]
