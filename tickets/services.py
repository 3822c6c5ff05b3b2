"""Every change to a ticket. Each service locks the ticket, checks the move against the
state table (tickets.state), writes the change and its TicketEvent in one transaction,
and leaves nothing half-written when it refuses."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from servicedesk import clock
from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
from servicedesk.files import atomic_deleting_files, file_save
from servicedesk.models import Department, Enterprise, ServiceItem, User
from servicedesk.validators import one_line

from . import selectors, state
from .events import record_event
from .followers import duplicates_follow
from .models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    AssistRequest,
    Attachment,
    Channel,
    EventKind,
    ExtensionRequest,
    Priority,
    Rating,
    SlaPolicy,
    Status,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)
from .search import document_with_reply, ticket_document
from .sla import deadlines, escalation, spent
from .state import Action
from .uploads import check_upload

# --- helpers ----------------------------------------------------------------------------


def _lock(*, ticket_id: int, actor: User) -> Ticket:
    """The ticket, row-locked, if `actor` may see it; NotFound otherwise (never say which)."""
    if not selectors.ticket_visible_to(actor, ticket_id):
        raise NotFound(_("No such ticket."))
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)


def _save(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = clock.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _move(ticket: Ticket, action: Action, actor: User) -> Status:
    return state.require(ticket.status, action, selectors.relations_of(actor, ticket))


def _text(value: str, field: str, *, limit: int = 20000) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(
            # Translators: %(field)s is the name of an API field, e.g. summary or reason
            _("%(field)s must not be empty.") % {"field": field},
            detail={field: [_("This field may not be blank.")]},
        )
    if len(value) > limit:
        raise Invalid(
            # Translators: %(field)s is the name of an API field, e.g. title or reason
            _("%(field)s is too long.") % {"field": field},
            detail={field: [_("At most %(limit)d characters.") % {"limit": limit}]},
        )
    return value


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


TICKET_NUMBER_LOCK = 0x5D  # the advisory lock class of the yearly number sequences


def next_ticket_number(year: int) -> str:
    """`SD-2026-000123`. PostgreSQL: a sequence per year (no lock, gaps on rollback);
    elsewhere a counter row updated under the transaction's write lock."""
    if connection.vendor == "postgresql":
        name = f"ticket_number_{int(year)}"
        with connection.cursor() as cursor:
            # one round trip when the sequence exists (nextval is strict: NULL when it does not)
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            value = cursor.fetchone()[0]
            if value is None:
                # CREATE SEQUENCE IF NOT EXISTS is not safe against a concurrent creation (the
                # loser fails on pg_class's unique index): the first tickets of a year take
                # turns on an advisory lock, held to the end of their transaction.
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TICKET_NUMBER_LOCK, int(year)])
                cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
                cursor.execute("SELECT nextval(%s)", [name])
                value = cursor.fetchone()[0]
    else:
        if not TicketNumberCounter.objects.filter(year=year).update(value=F("value") + 1):
            try:
                with transaction.atomic():
                    TicketNumberCounter.objects.create(year=year, value=1)
            except IntegrityError:
                TicketNumberCounter.objects.filter(year=year).update(value=F("value") + 1)
        value = TicketNumberCounter.objects.get(year=year).value
    return f"SD-{year}-{value:06d}"


def _available(officer: User | None) -> bool:
    return officer is not None and officer.is_active and not officer.on_leave and officer.role == User.Role.OFFICER


def least_loaded_officer(department_id: int) -> User | None:
    """The department's active officer with the fewest open tickets (ties: lowest id)."""
    return (
        User.objects.filter(role=User.Role.OFFICER, department_id=department_id, is_active=True, on_leave=False)
        .annotate(load=Count("assigned_tickets", filter=Q(assigned_tickets__status__in=OPEN_STATUSES)))
        .order_by("load", "id")
        .first()
    )


def route(*, enterprise: Enterprise, service_item: ServiceItem) -> User | None:
    """The enterprise's chief officer; the deputy when the chief is on leave; else the
    least-loaded active officer of the service item's department (None: managers dispatch)."""
    for candidate in (enterprise.chief_officer, enterprise.deputy_officer):
        if _available(candidate):
            return candidate
    return least_loaded_officer(service_item.department_id)


# --- creation ---------------------------------------------------------------------------


def files_on_behalf(actor: User) -> bool:
    """Who files tickets on behalf of an enterprise (代办): officers, managers, superusers."""
    return actor.role in (User.Role.OFFICER, User.Role.MANAGER) or actor.is_superuser


@transaction.atomic
def ticket_create(
    *,
    actor: User,
    title: str,
    description: str,
    kind: str,
    service_item: ServiceItem,
    priority: str = "normal",
    enterprise: Enterprise | None = None,
    channel: str | None = None,
) -> Ticket:
    """File a ticket: an enterprise user for their own enterprise, or an officer on behalf
    of an enterprise they serve (代办); managers and admins may file for any in scope."""
    if actor.role == User.Role.ENTERPRISE and not actor.is_superuser:
        if enterprise is not None and enterprise.pk != actor.enterprise_id:
            raise NotFound(_("No such enterprise."))
        # with its officers: routing reads them (one query, not three)
        enterprise = (
            Enterprise.objects.select_related("chief_officer", "deputy_officer").filter(pk=actor.enterprise_id).first()
            if actor.enterprise_id is not None
            else None
        )
        channel = Channel.EMAIL if channel == Channel.EMAIL else Channel.ONLINE  # mailin files by mail
        if priority == Priority.URGENT:
            # urgency pages the staff (SMS, through quiet hours) and quarters the deadlines:
            # the staff decide it, not the enterprise
            raise Invalid(
                _("Only the service desk marks a ticket urgent: choose high and say why in the description."),
                detail={"priority": [_("Enterprises may choose low, normal or high.")]},
            )
    else:
        if enterprise is None:
            raise Invalid(_("Name the enterprise you file for."), detail={"enterprise": [_("This field is required.")]})
        from servicedesk.selectors import enterprise_list_for

        if not enterprise_list_for(actor).filter(pk=enterprise.pk).exists():
            raise NotFound(_("No such enterprise."))
        if not files_on_behalf(actor):
            raise Forbidden(_("You may not file tickets."))
        channel = channel if channel in (Channel.PROXY, Channel.VISIT) else Channel.PROXY
    if enterprise is None:
        raise Forbidden(_("Your account is not linked to an enterprise."))
    if not service_item.is_active:
        raise Invalid(_("This service item is no longer offered."), detail={"service_item": [_("Inactive.")]})

    now = clock.now()
    policy = SlaPolicy.current()
    wt = deadlines.working_time()
    plan = deadlines.plan_for(service_item=service_item, kind=kind, priority=priority, policy=policy, wt=wt)
    accept_due, resolve_due = deadlines.initial_deadlines(start=now, plan=plan, wt=wt)
    if actor.role == User.Role.OFFICER and _available(actor):
        assignee: User | None = actor  # 代办: the officer who took it carries it (首问)
    else:
        assignee = route(enterprise=enterprise, service_item=service_item)
    number = next_ticket_number(clock.today_local().year)
    title = _text(one_line(title), "title", limit=200)  # one line: it heads lists and mails
    description = _text(description, "description")
    ticket = Ticket.objects.create(
        number=number,
        title=title,
        description=description,
        search_document=ticket_document(
            number=number, title=title, description=description, enterprise_name=enterprise.name
        ),
        kind=kind,
        priority=priority,
        priority_rank=PRIORITY_RANK[Priority(priority)],
        channel=channel,
        enterprise=enterprise,
        park_id=enterprise.park_id,
        service_item=service_item,
        department_id=assignee.department_id if assignee and assignee.department_id else service_item.department_id,
        assignee=assignee,
        owner=assignee,
        created_by=actor,
        accept_due_at=accept_due,
        resolve_due_at=resolve_due,
        created_at=now,
        updated_at=now,
    )
    record_event(
        ticket,
        actor,
        EventKind.CREATED,
        channel=channel,
        assignee=assignee.pk if assignee else None,
        accept_due_at=_iso(accept_due),
        resolve_due_at=_iso(resolve_due),
        clock=plan.clock,
    )
    escalation.deadlines_open(ticket=ticket, clock=plan.clock, now=now, wt=wt)
    return ticket


# --- the transitions --------------------------------------------------------------------


@transaction.atomic
def ticket_accept(*, ticket_id: int, actor: User) -> Ticket:
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    ticket.status = _move(ticket, Action.ACCEPT, actor)
    if ticket.assignee_id is None:
        raise Conflict(_("The ticket has no assignee: a manager dispatches it first (transfer)."))
    ticket.accepted_at = clock.now()
    # overdue means a running deadline has passed: the acceptance one stops here
    ticket.overdue = bool(ticket.resolve_due_at and ticket.accepted_at > ticket.resolve_due_at)
    _save(ticket, "status", "accepted_at", "overdue")
    escalation.deadline_stop(ticket=ticket, kinds=[escalation.DeadlineKind.ACCEPT])
    record_event(ticket, actor, EventKind.ACCEPTED)
    return ticket


@transaction.atomic
def ticket_return(*, ticket_id: int, actor: User, reason: str) -> Ticket:
    """退单: before accepting, within the acceptance window, hand a misrouted ticket back
    for a manager to re-dispatch. Past the window the assignee keeps it (首办责任)."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.RETURN, actor)
    reason = _text(reason, "reason", limit=5000)
    if ticket.accept_due_at and clock.now() > ticket.accept_due_at:
        raise Conflict(_("The acceptance window has passed: the ticket is yours to handle (首办责任)."))
    previous = ticket.assignee_id
    ticket.assignee = None
    ticket.returned_at = clock.now()
    _save(ticket, "assignee", "returned_at")
    record_event(ticket, actor, EventKind.RETURNED, body=reason, public=False, previous_assignee=previous)
    return ticket


@transaction.atomic
def ticket_reply(*, ticket_id: int, actor: User, body: str) -> TicketEvent:
    """A public reply. The first one from the administration is the first response."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.REPLY, actor)
    body = _text(body, "body")
    ticket.search_document = document_with_reply(ticket.search_document, body)
    if actor.role != User.Role.ENTERPRISE and ticket.first_response_at is None:
        ticket.first_response_at = clock.now()
        spent.stamp(ticket)
        _save(ticket, "first_response_at", *spent.FIELDS, "search_document")
        escalation.deadline_stop(ticket=ticket, kinds=[escalation.DeadlineKind.ACCEPT])
    else:
        _save(ticket, "search_document")
    event = record_event(ticket, actor, EventKind.REPLIED, body=body)
    duplicates_follow(primary=ticket, actor=actor, body=body)
    return event


@transaction.atomic
def ticket_note(*, ticket_id: int, actor: User, body: str) -> TicketEvent:
    """An internal note: never shown to the enterprise."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.NOTE, actor)
    return record_event(ticket, actor, EventKind.NOTED, body=_text(body, "body"), public=False)


@transaction.atomic
def ticket_transfer(
    *,
    ticket_id: int,
    actor: User,
    reason: str,
    to_officer: User | None = None,
    to_department: Department | None = None,
) -> Ticket:
    """Move the assignee to an officer, or to a department (its least-loaded officer).
    The owner (首问) never changes."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.TRANSFER, actor)
    reason = _text(reason, "reason", limit=5000)
    if (to_officer is None) == (to_department is None):
        raise Invalid(_("Name either an officer or a department."), detail={"to_officer": [_("Give one of the two.")]})
    if to_officer is not None:
        if not _available(to_officer) or to_officer.department_id is None:
            raise Invalid(_("That officer cannot take tickets now."), detail={"to_officer": [_("Not available.")]})
        new_assignee: User | None = to_officer
        department_id = to_officer.department_id
    elif to_department is not None:
        new_assignee = least_loaded_officer(to_department.pk)
        department_id = to_department.pk
    else:  # pragma: no cover - refused above
        raise Invalid(_("Name either an officer or a department."))
    if new_assignee is not None and new_assignee.pk == ticket.assignee_id and department_id == ticket.department_id:
        raise Invalid(_("The ticket is already there."), detail={"to_officer": [_("Same assignee.")]})
    previous = (ticket.assignee_id, ticket.department_id)
    ticket.assignee = new_assignee
    ticket.department_id = department_id
    if ticket.owner_id is None and new_assignee is not None:
        ticket.owner = new_assignee
    _save(ticket, "assignee", "department", "owner")
    record_event(
        ticket,
        actor,
        EventKind.TRANSFERRED,
        body=reason,
        public=False,
        from_assignee=previous[0],
        from_department=previous[1],
        to_assignee=new_assignee.pk if new_assignee else None,
        to_department=department_id,
    )
    return ticket


@transaction.atomic
def ticket_assist(*, ticket_id: int, actor: User, department: Department, request: str) -> AssistRequest:
    """协办: ask another department to help, with its own deadline."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.ASSIST, actor)
    if department.pk == ticket.department_id:
        raise Invalid(
            _("Ask another department than the handling one."), detail={"department": [_("Same department.")]}
        )
    now = clock.now()
    policy = SlaPolicy.current()
    due = deadlines.limit_due(start=now, limit=policy.assist_limit, clock="working", wt=deadlines.working_time())
    assist = AssistRequest.objects.create(
        ticket=ticket,
        department=department,
        request=_text(request, "request", limit=5000),
        requested_by=actor,
        due_at=due,
        created_at=now,
    )
    _save(ticket)
    record_event(
        ticket,
        actor,
        EventKind.ASSIST_REQUESTED,
        body=assist.request,
        public=False,
        assist=assist.pk,
        department=department.pk,
        due_at=_iso(due),
    )
    return assist


@transaction.atomic
def assist_answer(*, assist_id: int, actor: User, answer: str) -> AssistRequest:
    try:
        assist = AssistRequest.objects.select_for_update().get(pk=assist_id)
    except AssistRequest.DoesNotExist:
        raise NotFound(_("No such assist request.")) from None
    if not selectors.ticket_visible_to(actor, assist.ticket_id):
        raise NotFound(_("No such assist request."))
    if actor.department_id != assist.department_id and not (actor.is_superuser or actor.role == User.Role.ADMIN):
        raise Forbidden(_("Only the asked department answers."))
    if assist.answered_at is not None:
        raise Conflict(_("This assist request has been answered already."))
    assist.answer = _text(answer, "answer")
    assist.answered_by = actor
    assist.answered_at = clock.now()
    assist.save(update_fields=["answer", "answered_by", "answered_at"])
    record_event(assist.ticket, actor, EventKind.ASSIST_ANSWERED, body=assist.answer, public=False, assist=assist.pk)
    return assist


@transaction.atomic
def ticket_suspend(*, ticket_id: int, actor: User, reason: str) -> Ticket:
    """挂起: waiting on the enterprise; the resolution clock pauses."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    new_status = _move(ticket, Action.SUSPEND, actor)
    reason = _text(reason, "reason", limit=5000)
    ticket.status = new_status
    ticket.suspended_at = clock.now()
    _save(ticket, "status", "suspended_at")
    escalation.deadline_pause(ticket=ticket)
    record_event(ticket, actor, EventKind.SUSPENDED, body=reason)
    return ticket


@transaction.atomic
def ticket_resume(*, ticket_id: int, actor: User) -> Ticket:
    """The resolution deadline moves later by the paused time (a new deadline version)."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    ticket.status = _move(ticket, Action.RESUME, actor)
    now = clock.now()
    old_due = ticket.resolve_due_at
    if ticket.suspended_at and ticket.resolve_due_at:
        wt = deadlines.working_time()
        plan = deadlines.plan_for(
            service_item=ticket.service_item,
            kind=ticket.kind,
            priority=ticket.priority,
            policy=SlaPolicy.current(),
            wt=wt,
        )
        ticket.resolve_due_at = deadlines.pushed_by_pause(
            due=ticket.resolve_due_at, paused_from=ticket.suspended_at, paused_to=now, clock=plan.clock, wt=wt
        )
    ticket.suspended_at = None
    ticket.deadline_version += 1
    if ticket.resolve_due_at and ticket.resolve_due_at > now:
        ticket.overdue = False
    _save(ticket, "status", "suspended_at", "resolve_due_at", "deadline_version", "overdue")
    escalation.deadline_resume(ticket=ticket, now=now)
    record_event(
        ticket, actor, EventKind.RESUMED, old_resolve_due_at=_iso(old_due), resolve_due_at=_iso(ticket.resolve_due_at)
    )
    return ticket


def _expire_pending_extensions(ticket: Ticket, why: str) -> None:
    """A pending extension request dies with the deadline it was for (else it could never be
    decided, and would block the next request after a reopen)."""
    for extension in ExtensionRequest.objects.select_for_update().filter(
        ticket=ticket, status=ExtensionRequest.Status.PENDING
    ):
        extension.status = ExtensionRequest.Status.REJECTED
        extension.decided_at = clock.now()
        extension.decision_reason = f"expired: {why}"
        extension.save(update_fields=["status", "decided_at", "decision_reason"])
        record_event(
            ticket, None, EventKind.EXTENSION_REJECTED, body=extension.decision_reason, public=False,
            extension=extension.pk, expired=True,
        )  # fmt: skip


@transaction.atomic
def ticket_resolve(*, ticket_id: int, actor: User, resolution: str) -> Ticket:
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    ticket.status = _move(ticket, Action.RESOLVE, actor)
    ticket.resolution = _text(resolution, "resolution")
    ticket.resolved_at = clock.now()
    if ticket.first_response_at is None:
        ticket.first_response_at = ticket.resolved_at
    spent.stamp(ticket)
    ticket.search_document = document_with_reply(ticket.search_document, ticket.resolution)  # said to the enterprise
    _save(ticket, "status", "resolution", "resolved_at", "first_response_at", *spent.FIELDS, "search_document")
    escalation.deadline_stop(ticket=ticket)
    _expire_pending_extensions(ticket, "the ticket was resolved")
    record_event(ticket, actor, EventKind.RESOLVED, body=ticket.resolution)
    duplicates_follow(primary=ticket, actor=actor, body=ticket.resolution, resolved=True)
    return ticket


@transaction.atomic
def ticket_withdraw(*, ticket_id: int, actor: User, reason: str = "") -> Ticket:
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    ticket.status = _move(ticket, Action.WITHDRAW, actor)
    ticket.closed_at = clock.now()
    _save(ticket, "status", "closed_at")
    escalation.deadline_stop(ticket=ticket)
    record_event(ticket, actor, EventKind.WITHDRAWN, body=(reason or "").strip()[:5000])
    return ticket


@transaction.atomic
def ticket_rate(*, ticket_id: int, actor: User, score: int, comment: str = "") -> Rating:
    """好差评: 1–5, once per resolution; the ticket closes."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    ticket.status = _move(ticket, Action.RATE, actor)
    if not 1 <= int(score) <= 5:
        raise Invalid(_("A rating is 1 to 5."), detail={"score": [_("1 to 5.")]})
    now = clock.now()
    rating = Rating.objects.create(
        ticket=ticket,
        score=score,
        comment=(comment or "").strip()[:5000],
        rated_by=actor,
        resolution_round=ticket.reopen_count,
        created_at=now,
    )
    ticket.rating = score
    ticket.closed_at = now
    _save(ticket, "status", "rating", "closed_at")
    record_event(ticket, actor, EventKind.RATED, body=rating.comment, score=score, bad=score <= 2)
    return rating


def back_to_work(ticket: Ticket, *, status: Status, due: datetime, rectification: bool = False) -> None:
    """What reopening and 整改 share: the ticket is worked again under a new resolution
    deadline (a new deadline version, whose ladder the caller starts) and its rating goes."""
    ticket.status = status
    ticket.resolve_due_at = due
    ticket.resolved_at = ticket.closed_at = None
    ticket.resolution_seconds = None
    ticket.rating = None
    ticket.overdue = False
    ticket.escalation_level = 0
    ticket.reopen_count += 1
    ticket.deadline_version += 1
    fields = ["status", "resolve_due_at", "resolved_at", "resolution_seconds", "closed_at", "rating", "overdue",
              "escalation_level", "reopen_count", "deadline_version"]  # fmt: skip
    if rectification:
        ticket.is_rectification = True
        fields.append("is_rectification")
    _save(ticket, *fields)


@transaction.atomic
def ticket_reopen(*, ticket_id: int, actor: User, reason: str) -> Ticket:
    """Back to work with a new resolution deadline; a closed ticket only within the window."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    new_status = _move(ticket, Action.REOPEN, actor)
    if ticket.merged_into_id is not None:
        raise Conflict(_("This ticket was merged into another one: it is handled there."))
    reason = _text(reason, "reason", limit=5000)
    now = clock.now()
    policy = SlaPolicy.current()
    if (
        ticket.status == Status.CLOSED
        and ticket.closed_at
        and now > ticket.closed_at + timedelta(days=policy.reopen_window_days)
    ):
        days = policy.reopen_window_days
        raise Conflict(
            ngettext(
                "A closed ticket can be reopened within %(days)d day.",
                "A closed ticket can be reopened within %(days)d days.",
                days,
            )
            % {"days": days}
        )
    wt = deadlines.working_time()
    plan = deadlines.plan_for(
        service_item=ticket.service_item, kind=ticket.kind, priority=ticket.priority, policy=policy, wt=wt
    )
    back_to_work(ticket, status=new_status, due=deadlines.resolve_due(start=now, plan=plan, wt=wt))
    escalation.deadline_renew(ticket=ticket, now=now, wt=wt)
    record_event(ticket, actor, EventKind.REOPENED, body=reason, resolve_due_at=_iso(ticket.resolve_due_at))
    return ticket


# --- extensions -------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, ticket_id: int, actor: User, new_resolve_due_at: datetime, reason: str) -> ExtensionRequest:
    """延期: asked before the deadline, later than it, at most `max_extensions` approved."""
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.EXTEND, actor)
    now = clock.now()
    policy = SlaPolicy.current()
    if ticket.resolve_due_at is None or now >= ticket.resolve_due_at:
        raise Conflict(_("An extension must be asked for before the deadline."))
    if new_resolve_due_at <= ticket.resolve_due_at:
        raise Invalid(
            _("The new deadline must be later than the current one."),
            detail={"new_resolve_due_at": [_("Later than the current deadline.")]},
        )
    if ticket.extension_count >= policy.max_extensions:
        most = policy.max_extensions
        raise Conflict(
            ngettext("At most %(n)d extension per ticket.", "At most %(n)d extensions per ticket.", most) % {"n": most}
        )
    if ExtensionRequest.objects.filter(ticket=ticket, status=ExtensionRequest.Status.PENDING).exists():
        raise Conflict(_("An extension request is waiting for a decision already."))
    extension = ExtensionRequest.objects.create(
        ticket=ticket,
        requested_by=actor,
        previous_resolve_due_at=ticket.resolve_due_at,
        new_resolve_due_at=new_resolve_due_at,
        reason=_text(reason, "reason", limit=5000),
        created_at=now,
    )
    _save(ticket)
    record_event(
        ticket,
        actor,
        EventKind.EXTENSION_REQUESTED,
        body=extension.reason,
        public=False,
        extension=extension.pk,
        new_resolve_due_at=_iso(new_resolve_due_at),
    )
    return extension


def _extension_locked(extension_id: int, actor: User) -> tuple[ExtensionRequest, Ticket]:
    try:
        ticket_id = ExtensionRequest.objects.values_list("ticket_id", flat=True).get(pk=extension_id)
    except ExtensionRequest.DoesNotExist:
        raise NotFound(_("No such extension request.")) from None
    if not selectors.ticket_visible_to(actor, ticket_id):
        raise NotFound(_("No such extension request."))
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
    extension = ExtensionRequest.objects.select_for_update().get(pk=extension_id)
    _move(ticket, Action.DECIDE_EXTENSION, actor)
    if extension.status != ExtensionRequest.Status.PENDING:
        raise Conflict(_("This extension request has been decided already."))
    return extension, ticket


@transaction.atomic
def extension_approve(*, extension_id: int, actor: User, reason: str = "") -> ExtensionRequest:
    extension, ticket = _extension_locked(extension_id, actor)
    now = clock.now()
    if ticket.resolve_due_at and extension.new_resolve_due_at <= ticket.resolve_due_at:
        # the deadline moved since the request (a pause pushed it): approving would shorten it
        raise Conflict(_("The deadline is already later than the one asked for: reject this request."))
    extension.status = ExtensionRequest.Status.APPROVED
    extension.decided_by, extension.decided_at, extension.decision_reason = actor, now, (reason or "")[:5000]
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    old_due = ticket.resolve_due_at
    ticket.resolve_due_at = extension.new_resolve_due_at
    ticket.extension_count += 1
    ticket.deadline_version += 1
    if ticket.resolve_due_at > now:
        ticket.overdue = False
    _save(ticket, "resolve_due_at", "extension_count", "deadline_version", "overdue")
    escalation.deadline_renew(ticket=ticket, now=now)
    # the enterprise is told the new date; the approver's remark is for the staff only (an
    # internal note beside the public event), as a rejection's reason is
    record_event(
        ticket,
        actor,
        EventKind.EXTENSION_APPROVED,
        public=True,
        extension=extension.pk,
        old_resolve_due_at=_iso(old_due),
        resolve_due_at=_iso(ticket.resolve_due_at),
    )
    if extension.decision_reason.strip():
        record_event(
            ticket, actor, EventKind.NOTED, body=extension.decision_reason, public=False, extension=extension.pk
        )
    return extension


@transaction.atomic
def extension_reject(*, extension_id: int, actor: User, reason: str) -> ExtensionRequest:
    extension, ticket = _extension_locked(extension_id, actor)
    extension.status = ExtensionRequest.Status.REJECTED
    extension.decided_by, extension.decided_at = actor, clock.now()
    extension.decision_reason = _text(reason, "reason", limit=5000)
    extension.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _save(ticket)
    record_event(
        ticket,
        actor,
        EventKind.EXTENSION_REJECTED,
        body=extension.decision_reason,
        public=False,
        extension=extension.pk,
    )
    return extension


# --- attachments ------------------------------------------------------------------------


@atomic_deleting_files()
def attachment_add(*, ticket_id: int, actor: User, upload: UploadedFile[Any], public: bool = True) -> Attachment:
    ticket = _lock(ticket_id=ticket_id, actor=actor)
    _move(ticket, Action.ATTACH, actor)
    content_type = check_upload(upload)
    if actor.role == User.Role.ENTERPRISE:
        public = True
    attachment = Attachment(
        ticket=ticket,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        public=public,
        uploaded_by=actor,
        created_at=clock.now(),
    )
    file_save(attachment.file, upload.name or "file", upload)
    attachment.save()
    _save(ticket)
    record_event(
        ticket,
        actor,
        EventKind.ATTACHMENT_ADDED,
        public=public,
        attachment=attachment.pk,
        name=attachment.original_name,
        size=attachment.size,
    )
    return attachment
