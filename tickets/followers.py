"""A merged duplicate follows its primary: what the staff say publicly on the primary (their
replies and the resolution) is recorded on each duplicate as a public "reply on the merged
ticket" event, so the duplicate's enterprise is told through the ordinary notification path
and reads it on its own ticket's page.

The duplicate's enterprise never gains access to the primary (another enterprise's ticket:
404 stays). What crosses over is only the staff's own public words, never the primary's
enterprise's replies, title, attachments or notes."""

from __future__ import annotations

from servicedesk.models import User

from .events import record_event
from .models import EventKind, Ticket, TicketEvent


def duplicates_follow(*, primary: Ticket, actor: User | None, body: str, resolved: bool = False) -> list[TicketEvent]:
    """Record `body`, said publicly by the staff on `primary`, on each of its duplicates (one
    read; an event and its notifications per duplicate), in the caller's transaction."""
    if actor is not None and actor.role == User.Role.ENTERPRISE and not actor.is_superuser:
        return []  # an enterprise's words stay on its own ticket
    extra = {"resolved": True} if resolved else {}
    return [
        record_event(duplicate, actor, EventKind.MERGED_REPLY, body=body, public=True, **extra)
        for duplicate in Ticket.objects.filter(merged_into=primary).order_by("pk")
    ]
