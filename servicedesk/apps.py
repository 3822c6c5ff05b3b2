from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("Organisation and catalogue")

    def ready(self) -> None:
        # the system checks; the failed sign-ins counted per address
        from . import checks, lockout  # noqa: F401
