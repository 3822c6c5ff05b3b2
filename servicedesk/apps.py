from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "servicedesk"
    verbose_name = _("Organisation and catalogue")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
