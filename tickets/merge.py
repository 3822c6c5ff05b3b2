"""Related and duplicate tickets (关联 and 工单合并): staff link two tickets that bear on each
other, or merge a duplicate into its primary.

A merge closes the duplicate with a pointer to the primary (`Ticket.merged_into`), stops its
deadlines, expires its pending extension request, and records a `merged` event on both
tickets: public on the duplicate (its enterprise is told, in its language, that the matter is
handled together with another ticket; nothing about that ticket), internal on the primary.
From then on the staff's public replies and the resolution on the primary are recorded on the
duplicate too (tickets.followers), and the reports count the pair once (`models.COUNTED`).

Who: officers and managers who see both tickets (an enterprise user: 403; a ticket outside
the caller's scope: 404, never saying which); closing the duplicate is for those who carry it
(assignee, owner 首问) or manage it (403 for another officer who only sees it, e.g. an
assisting department's). Refused with nothing changed: a ticket merged
into itself or into a duplicate, a duplicate that has duplicates of its own (no chains:
400); a duplicate or a primary that is no longer open (409)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.models import User

from . import selectors
from .events import record_event
from .models import OPEN_STATUSES, EventKind, Status, Ticket, TicketLink
from .services import _expire_pending_extensions, _save
from .sla import escalation
from .state import MERGER, STAFF


def _visible(actor: User, ticket_id: int) -> None:
    if not selectors.ticket_visible_to(actor, ticket_id):
        raise NotFound(_("No such ticket."))


def _staff_on(actor: User, ticket: Ticket) -> None:
    if not selectors.relations_of(actor, ticket) & STAFF:
        raise Forbidden(_("Only officers and managers link or merge tickets."))


def _locked_pair(first_id: int, second_id: int) -> tuple[Ticket, Ticket]:
    """Both tickets, row-locked in id order (two merges of one pair never deadlock)."""
    rows = {
        t.pk: t
        for t in Ticket.objects.select_for_update(of=("self",)).filter(pk__in=[first_id, second_id]).order_by("pk")
    }
    return rows[first_id], rows[second_id]


def _check_pair(*, actor: User, ticket_id: int, other_id: int, field: str) -> tuple[Ticket, Ticket]:
    """The two tickets, locked, after the checks both actions share: the first in scope (404)
    and the caller staff on it (403), not the same ticket (400), the second in scope (404)
    and the caller staff on it (403)."""
    _visible(actor, ticket_id)
    if actor.role == User.Role.ENTERPRISE and not actor.is_superuser:
        raise Forbidden(_("Only officers and managers link or merge tickets."))
    if ticket_id == other_id:
        raise Invalid(_("Name another ticket than this one."), detail={field: [_("The same ticket.")]})
    _visible(actor, other_id)
    ticket, other = _locked_pair(ticket_id, other_id)
    _staff_on(actor, ticket)
    _staff_on(actor, other)
    return ticket, other


@transaction.atomic
def ticket_link(*, ticket_id: int, other_id: int, actor: User) -> TicketLink:
    """Link two related tickets (any status); a `linked` event, internal, on both."""
    ticket, other = _check_pair(actor=actor, ticket_id=ticket_id, other_id=other_id, field="ticket")
    low, high = sorted((ticket, other), key=lambda t: t.pk)
    if TicketLink.objects.filter(low=low, high=high).exists():
        raise Conflict(_("These tickets are linked already."))
    link = TicketLink.objects.create(low=low, high=high, created_by=actor, created_at=clock.now())
    for one, two in ((ticket, other), (other, ticket)):
        _save(one)
        record_event(one, actor, EventKind.LINKED, public=False, other=two.number, linked=two.pk)
    return link


@transaction.atomic
def ticket_merge(*, ticket_id: int, into_id: int, actor: User, reason: str = "") -> Ticket:
    """Merge the duplicate `ticket_id` into the primary `into_id`: see the module's docstring."""
    duplicate, primary = _check_pair(actor=actor, ticket_id=ticket_id, other_id=into_id, field="into")
    if not selectors.relations_of(actor, duplicate) & MERGER:
        raise Forbidden(_("Only its handling officer or a manager closes a ticket as a duplicate."))
    if primary.merged_into_id is not None:
        raise Invalid(
            _("Ticket %(number)s is itself merged into another ticket: merge into that one.")
            % {"number": primary.number},
            detail={"into": [_("A merged duplicate.")]},
        )
    if Ticket.objects.filter(merged_into=duplicate).exists():
        raise Invalid(
            _("Ticket %(number)s has duplicates merged into it: merge the other ticket into it instead.")
            % {"number": duplicate.number},
            detail={"into": [_("The ticket is a primary.")]},
        )
    if duplicate.merged_into_id is not None:
        raise Conflict(_("This ticket is merged already."))
    for ticket in (duplicate, primary):
        if ticket.status not in OPEN_STATUSES:
            raise Conflict(
                # Translators: %(number)s is a ticket number, %(status)s a status such as "closed"
                _("Ticket %(number)s is %(status)s: only open tickets are merged.")
                % {"number": ticket.number, "status": Status(ticket.status).label},
                detail={"ticket": ticket.pk, "status": ticket.status},
            )
    reason = (reason or "").strip()[:5000]
    now = clock.now()
    duplicate.status = Status.CLOSED
    duplicate.closed_at = now
    duplicate.merged_into = primary
    duplicate.overdue = False
    _save(duplicate, "status", "closed_at", "merged_into", "overdue")
    escalation.deadline_stop(ticket=duplicate, now=now)
    _expire_pending_extensions(duplicate, "the ticket was merged into another one")
    _save(primary)
    record_event(duplicate, actor, EventKind.MERGED, body=reason, public=True, side="duplicate", primary=primary.pk)
    record_event(
        primary, actor, EventKind.MERGED, body=reason, public=False, side="primary", other=duplicate.number,
        duplicate=duplicate.pk,
    )  # fmt: skip
    return duplicate
