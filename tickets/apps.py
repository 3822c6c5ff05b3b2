from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from . import (
            calendar_watch,
            notify_texts,  # noqa: F401  registers what each ticket event says
        )

        calendar_watch.connect()
