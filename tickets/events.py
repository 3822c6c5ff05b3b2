"""The audit trail's one writer: every event of every change goes through `record_event`, in
the transaction of the change (the services, the ratings, the escalation ladder)."""

from __future__ import annotations

from typing import Any

from servicedesk import clock
from servicedesk.models import User

from . import notify
from .models import Ticket, TicketEvent


def record_event(
    ticket: Ticket, actor: User | None, kind: str, *, body: str = "", public: bool = True, **data: Any
) -> TicketEvent:
    """Append an event to the audit trail, inside the caller's transaction. Every event of
    every service goes through here (the notifications hook in at this one place:
    tickets.notify decides who is told)."""
    event = TicketEvent.objects.create(
        ticket=ticket, actor=actor, kind=kind, body=body, public=public, data=data, created_at=clock.now()
    )
    notify.notify_event(event)
    return event
