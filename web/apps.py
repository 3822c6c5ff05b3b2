from django.apps import AppConfig


class WebConfig(AppConfig):
    """Every server-rendered page: the shell, the portal, the work pages, the ticket page,
    the inbox and the managers' pages, with their templates, static files and template tags."""

    name = "web"
