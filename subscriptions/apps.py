from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Sheets on schedule")

    def ready(self) -> None:
        from . import texts  # noqa: F401  registers what a robot is told
