from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "triage"
    verbose_name = _("Triage")

    def ready(self) -> None:
        from servicedesk.health import readiness_detail

        from . import checks  # noqa: F401  (registers the system check)
        from .routing import routing_status

        readiness_detail("routing_model", routing_status)
