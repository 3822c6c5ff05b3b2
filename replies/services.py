"""Canned replies: who sees and changes which, the placeholders and filling one in for a ticket.

Placeholders are `{enterprise}` (the enterprise's name), `{ticket}` (the ticket's number),
`{officer}` (the ticket's assignee, else whoever fills it in) and `{due}` (the resolution
deadline, Asia/Shanghai, "YYYY-MM-DD HH:MM"); `{{` and `}}` are literal braces. Any other
name in braces is refused when the reply is saved, so filling one in never fails."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Forbidden, Invalid, NotFound
from servicedesk.models import Department, User
from servicedesk.selectors import is_admin, is_zone_manager
from tickets import selectors as ticket_selectors
from tickets.models import Ticket

from .models import CannedReply
from .placeholders import PLACEHOLDERS as PLACEHOLDERS
from .placeholders import placeholders_in

LOCAL = ZoneInfo("Asia/Shanghai")
TITLE_LIMIT = 100
BODY_LIMIT = 5000


def is_writer(user: User) -> bool:
    """Officers, managers and administrators keep canned replies."""
    return bool(user.is_authenticated and (is_admin(user) or user.role in (User.Role.OFFICER, User.Role.MANAGER)))


def reply_list_for(user: User) -> QuerySet[CannedReply]:
    """A writer's own replies and their department's (a park manager: the departments of
    their park); the zone's managers and administrators all of them; anyone else none."""
    qs = CannedReply.objects.select_related("department", "owner")
    if not is_writer(user):
        return qs.none()
    if is_admin(user) or is_zone_manager(user):
        return qs
    scope = Q(owner=user)
    if user.department_id:
        scope |= Q(department_id=user.department_id)
    if user.role == User.Role.MANAGER and user.park_id:
        scope |= Q(department__park_id=user.park_id)
    return qs.filter(scope)


def may_edit(user: User, reply: CannedReply) -> bool:
    """Personal replies are their owner's; a department's are its members' and the managers'
    who see it."""
    if reply.owner_id is not None:
        return reply.owner_id == user.pk or is_admin(user)
    if is_admin(user) or is_zone_manager(user):
        return True
    if user.role == User.Role.MANAGER:
        return reply_list_for(user).filter(pk=reply.pk).exists()
    return bool(user.department_id and user.department_id == reply.department_id)


def _require_writer(user: User) -> None:
    if not is_writer(user):
        raise Forbidden(_("Only officers and managers keep canned replies."))


def reply_get_for(user: User, reply_id: int) -> CannedReply:
    _require_writer(user)
    reply = reply_list_for(user).filter(pk=reply_id).first()
    if reply is None:
        raise NotFound(_("No such canned reply."))
    return reply


def _text(value: object, field: str, *, limit: int) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise Invalid(_("This field is required."), detail={field: [_("This field is required.")]})
    if len(text) > limit:
        message = _("At most %(n)d characters.") % {"n": limit}
        raise Invalid(message, detail={field: [message]})
    return text


def _department_for(actor: User, department: Department | None) -> Department | None:
    """Where a shared reply may go: an officer's and a department head's own department; a park
    manager's a department of their park; the zone and administrators any."""
    if department is None:
        return None
    if is_admin(actor) or is_zone_manager(actor):
        return department
    if actor.department_id == department.pk:
        return department
    if actor.role == User.Role.MANAGER and actor.park_id and department.park_id == actor.park_id:
        return department
    message = _("Share replies with your own department.")
    raise Invalid(message, detail={"department": [message]})


@transaction.atomic
def reply_create(*, actor: User, title: str, body: str, department: Department | None = None) -> CannedReply:
    """A personal reply, or (with `department`) one shared with the department."""
    _require_writer(actor)
    body = _text(body, "body", limit=BODY_LIMIT)
    placeholders_in(body)
    shared = _department_for(actor, department)
    now = clock.now()
    return CannedReply.objects.create(
        title=_text(title, "title", limit=TITLE_LIMIT),
        body=body,
        department=shared,
        owner=None if shared else actor,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )


def _lock_for_edit(actor: User, reply_id: int) -> CannedReply:
    _require_writer(actor)
    if not reply_list_for(actor).filter(pk=reply_id).exists():
        raise NotFound(_("No such canned reply."))
    reply = CannedReply.objects.select_for_update().get(pk=reply_id)
    if not may_edit(actor, reply):
        raise Forbidden(_("You may not change this canned reply."))
    return reply


@transaction.atomic
def reply_update(*, actor: User, reply_id: int, title: str | None = None, body: str | None = None) -> CannedReply:
    reply = _lock_for_edit(actor, reply_id)
    if title is not None:
        reply.title = _text(title, "title", limit=TITLE_LIMIT)
    if body is not None:
        reply.body = _text(body, "body", limit=BODY_LIMIT)
        placeholders_in(reply.body)
    reply.updated_at = clock.now()
    reply.save(update_fields=["title", "body", "updated_at"])
    return reply


@transaction.atomic
def reply_delete(*, actor: User, reply_id: int) -> None:
    _lock_for_edit(actor, reply_id).delete()


def fill(body: str, *, ticket: Ticket, actor: User) -> str:
    """The text with its placeholders filled from the ticket."""
    placeholders_in(body)
    due = ticket.resolve_due_at.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if ticket.resolve_due_at else ""
    officer = ticket.assignee if ticket.assignee_id else actor
    values = {
        "enterprise": ticket.enterprise.name,
        "ticket": ticket.number,
        "officer": str(officer),
        "due": due,
    }
    return body.format_map(values)


def reply_render(*, actor: User, reply_id: int, ticket_id: int) -> str:
    """Fill a reply in for a ticket in the caller's scope, and count the use."""
    reply = reply_get_for(actor, reply_id)
    ticket = (
        ticket_selectors.ticket_list_for(actor).select_related("enterprise", "assignee").filter(pk=ticket_id).first()
    )
    if ticket is None:
        raise NotFound(_("No such ticket."))
    text = fill(reply.body, ticket=ticket, actor=actor)
    CannedReply.objects.filter(pk=reply.pk).update(usage_count=F("usage_count") + 1, last_used_at=clock.now())
    return text
