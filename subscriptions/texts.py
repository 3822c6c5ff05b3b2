"""What a group robot is told when a sheet is ready (registered with the outbox's sentences)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from notifications.sentences import Sentence, register

SHEET_READY = "sheet_ready"

register(
    SHEET_READY,
    Sentence(
        _("%(sheet)s %(period)s is ready"),
        _("%(sheet)s %(period)s for %(scope)s: %(summary)s Open the desk for the whole sheet."),
    ),
)
