"""The escalation ladder and its sweep.

Every ticket has an acceptance and a resolution deadline, stored as SlaDeadline rows, one row
per deadline version (the resolution deadline gets a new version on resume, on an approved
extension and on reopen; `Ticket.deadline_version` is that number). Each version climbs a
ladder of three steps, each exactly once:

- warning at 75 % of the deadline's span (`started_at` → `due_at`, on its own clock);
- breach at `due_at`: the ticket is overdue, and an unaccepted ticket passes to the deputy;
- supervision (督办) one working day past `due_at`: an order the officer must answer.

`next_step_at` / `next_level` say where a version's ladder stands; the sweep picks the rows
with `next_step_at <= now` through a partial index, applies one step each, and moves them on.
The Escalation table's unique constraint on (ticket, kind, level, version) is the last guard
against a repeated step.

Locking order, everywhere: the ticket row, then its deadline rows (the services hold the
ticket when they call in here). The sweep claims deadline rows first but never *waits* for a
ticket (SKIP LOCKED on both), so it cannot deadlock with a service.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, QuerySet
from django.utils import timezone

from servicedesk import clock as time_source
from servicedesk.models import User

from .. import notify
from ..events import record_event
from ..models import (
    DeadlineKind,
    Escalation,
    EscalationLevel,
    EventKind,
    SlaDeadline,
    SlaPolicy,
    Status,
    SupervisionOrder,
    Ticket,
    TicketEvent,
)
from . import deadlines
from .worktime import NATURAL, WorkingTime

LADDER: tuple[str, ...] = (EscalationLevel.WARNING, EscalationLevel.BREACH, EscalationLevel.SUPERVISION)
#: Ticket.escalation_level after each step (it only ever rises within a deadline version).
LEVEL_RANK: dict[str, int] = {EscalationLevel.WARNING: 1, EscalationLevel.BREACH: 2, EscalationLevel.SUPERVISION: 3}
WARNING_SHARE = 0.75
ANSWER_LIMIT = "1d"  # the officer's written answer to a supervision order, in working time

#: The transfer event's text when an unaccepted ticket passes to the deputy at its breach.
HANDOVER_NOTE = "超时未签收，转副手办理"

DEFAULT_SWEEP_LIMIT = 2000
DEFAULT_SWEEP_BATCH = 50  # rows per transaction: bounds how long a user action may wait on the sweep


# --- where the ladder stands -------------------------------------------------------------


def step_at(deadline: SlaDeadline, level: str, wt: WorkingTime) -> datetime:
    """When `level` fires for this deadline version."""
    if level == EscalationLevel.WARNING:
        if deadline.clock == NATURAL:
            return deadline.started_at + (deadline.due_at - deadline.started_at) * WARNING_SHARE
        span = wt.working_delta(deadline.started_at, deadline.due_at)
        return wt.add_working(deadline.started_at, span * WARNING_SHARE)
    if level == EscalationLevel.BREACH:
        return deadline.due_at
    if level == EscalationLevel.SUPERVISION:
        return wt.add(deadline.due_at, wt.day_minutes)  # one more working day, whatever the clock
    raise ValueError(f"no such escalation level: {level!r}")


def _set_next(deadline: SlaDeadline, index: int, wt: WorkingTime) -> None:
    """Point the deadline at step `index` of the ladder (past the end: the ladder is done)."""
    if index >= len(LADDER):
        deadline.next_level, deadline.next_step_at = "", None
    else:
        deadline.next_level = LADDER[index]
        deadline.next_step_at = step_at(deadline, LADDER[index], wt)


def _done_steps(deadline: SlaDeadline | None) -> int:
    """How many steps of its ladder a deadline version had fired."""
    if deadline is None:
        return 0
    return LADDER.index(deadline.next_level) if deadline.next_level else len(LADDER)


# --- the deadlines' lifecycle (called by tickets.services, inside their transaction) --------


def _latest(ticket: Ticket, kind: str) -> SlaDeadline | None:
    return SlaDeadline.objects.select_for_update().filter(ticket=ticket, kind=kind).order_by("-version").first()


def _plan_clock(ticket: Ticket, wt: WorkingTime) -> str:
    plan = deadlines.plan_for(
        service_item=ticket.service_item, kind=ticket.kind, priority=ticket.priority, policy=SlaPolicy.current(), wt=wt
    )
    return plan.clock


def deadline_start(
    *,
    ticket: Ticket,
    kind: str,
    due_at: datetime,
    started_at: datetime | None = None,
    clock: str | None = None,
    paused: bool = False,
    now: datetime | None = None,
    wt: WorkingTime | None = None,
) -> SlaDeadline:
    """A new version of the ticket's `kind` deadline (acceptance: always version 1;
    resolution: `ticket.deadline_version`). The previous version stops. Steps of the new
    ladder that already lie behind `now` and that the previous version had fired are not
    repeated; steps the previous version had not reached are caught up by the next sweep."""
    now = now or time_source.now()
    wt = wt or deadlines.working_time()
    version = 1 if kind == DeadlineKind.ACCEPT else ticket.deadline_version
    previous = _latest(ticket, kind)
    if previous is not None and previous.stopped_at is None and previous.version != version:
        previous.stopped_at, previous.next_step_at, previous.paused_at = now, None, None
        previous.save(update_fields=["stopped_at", "next_step_at", "paused_at"])
    clock = clock or (previous.clock if previous is not None else _plan_clock(ticket, wt))
    deadline = SlaDeadline.objects.filter(ticket=ticket, kind=kind, version=version).first() or SlaDeadline(
        ticket=ticket, kind=kind, version=version, created_at=now
    )
    deadline.clock = clock
    deadline.started_at = min(started_at or now, due_at)
    deadline.due_at = due_at
    deadline.stopped_at = None
    done = _done_steps(previous) if previous is not None and previous.pk != deadline.pk else 0
    index = 0
    while index < len(LADDER) and index < done and step_at(deadline, LADDER[index], wt) <= now:
        index += 1
    _set_next(deadline, index, wt)
    deadline.paused_at = now if paused else None
    if paused:
        deadline.next_step_at = None
    deadline.save()
    return deadline


def deadlines_open(*, ticket: Ticket, clock: str, now: datetime, wt: WorkingTime) -> None:
    """Both deadlines of a new ticket, from its creation: version 1 of each, nothing before
    them to stop or to carry over (`deadline_start` without its reads), one insert."""
    rows = []
    for kind, due in ((DeadlineKind.ACCEPT, ticket.accept_due_at), (DeadlineKind.RESOLVE, ticket.resolve_due_at)):
        if due is None:
            continue
        deadline = SlaDeadline(
            ticket=ticket,
            kind=kind,
            version=1 if kind == DeadlineKind.ACCEPT else ticket.deadline_version,
            clock=clock,
            started_at=min(now, due),
            due_at=due,
            created_at=now,
        )
        _set_next(deadline, 0, wt)
        rows.append(deadline)
    SlaDeadline.objects.bulk_create(rows)


def _active(ticket: Ticket, kinds: Iterable[str]) -> QuerySet[SlaDeadline]:
    return SlaDeadline.objects.filter(ticket=ticket, kind__in=list(kinds), stopped_at__isnull=True)


def deadline_stop(*, ticket: Ticket, kinds: Sequence[str] = tuple(DeadlineKind), now: datetime | None = None) -> int:
    """The clocks stop (accepted, first response, resolved, withdrawn): no further steps."""
    now = now or time_source.now()
    return _active(ticket, kinds).update(stopped_at=now, next_step_at=None, paused_at=None)


def deadline_pause(*, ticket: Ticket, now: datetime | None = None) -> int:
    """挂起: the resolution ladder waits (next_step_at NULL) until `deadline_resume`."""
    now = now or time_source.now()
    return (
        _active(ticket, [DeadlineKind.RESOLVE]).filter(paused_at__isnull=True).update(paused_at=now, next_step_at=None)
    )


def deadline_resume(
    *, ticket: Ticket, now: datetime | None = None, wt: WorkingTime | None = None
) -> SlaDeadline | None:
    """A new resolution version after a pause: the span moves later by the paused time
    (the ticket's `resolve_due_at` has been pushed by the service already)."""
    now = now or time_source.now()
    wt = wt or deadlines.working_time()
    if ticket.resolve_due_at is None:
        return None
    previous = _latest(ticket, DeadlineKind.RESOLVE)
    started_at = now
    if previous is not None:
        started_at = previous.started_at
        if previous.paused_at is not None:
            started_at = deadlines.pushed_by_pause(
                due=previous.started_at, paused_from=previous.paused_at, paused_to=now, clock=previous.clock, wt=wt
            )
    return deadline_start(
        ticket=ticket, kind=DeadlineKind.RESOLVE, due_at=ticket.resolve_due_at, started_at=started_at, now=now, wt=wt
    )


def deadline_renew(*, ticket: Ticket, now: datetime | None = None, wt: WorkingTime | None = None) -> SlaDeadline | None:
    """A new resolution version running from now to `ticket.resolve_due_at` (an approved
    extension, a reopen). A ticket waiting on the enterprise gets it paused."""
    now = now or time_source.now()
    if ticket.resolve_due_at is None:
        return None
    return deadline_start(
        ticket=ticket,
        kind=DeadlineKind.RESOLVE,
        due_at=ticket.resolve_due_at,
        started_at=now,
        paused=ticket.status == Status.WAITING,
        now=now,
        wt=wt,
    )


# --- the steps ---------------------------------------------------------------------------


def _available(user: User | None) -> bool:
    return user is not None and user.is_active and not user.on_leave and user.role == User.Role.OFFICER


def breach_deputy(ticket: Ticket) -> User | None:
    """Who takes an unaccepted ticket at the acceptance breach: the enterprise's deputy
    officer if available, else the chief officer's own deputy; never the current assignee."""
    enterprise = ticket.enterprise
    chief = enterprise.chief_officer
    for candidate in (enterprise.deputy_officer, chief.deputy if chief is not None else None):
        if _available(candidate) and candidate is not None and candidate.pk != ticket.assignee_id:
            return candidate
    return None


def park_managers(ticket: Ticket) -> list[User]:
    """The park's managers; the zone managers when the park has none."""
    return park_managers_of({ticket.park_id})[ticket.park_id]


def park_managers_of(park_ids: Iterable[int | None]) -> dict[int | None, list[User]]:
    """`park_managers` of several parks at once (one query; a second for the zone managers
    when a park has none)."""
    wanted = set(park_ids)
    found: dict[int | None, list[User]] = {park: [] for park in wanted}
    ids = [park for park in wanted if park is not None]
    in_parks = User.objects.filter(role=User.Role.MANAGER, park_id__in=ids, is_active=True)
    for user in in_parks.order_by("id"):
        found[user.park_id].append(user)
    if any(not managers for managers in found.values()):
        zone = list(
            User.objects.filter(
                role=User.Role.MANAGER, park__isnull=True, department__isnull=True, is_active=True
            ).order_by("id")
        )
        found = {park: managers or zone for park, managers in found.items()}
    return found


def _event(ticket: Ticket, kind: str, level: str, deadline: SlaDeadline, actor: User | None = None) -> None:
    record_event(
        ticket,
        actor,
        kind,
        public=False,
        level=level,
        deadline=deadline.kind,
        version=deadline.version,
        due_at=timezone.localtime(deadline.due_at).isoformat(),
    )


def supervision_create(
    *,
    ticket: Ticket,
    deadline: SlaDeadline,
    now: datetime,
    wt: WorkingTime,
    escalation: Escalation | None = None,
    issued_by: User | None = None,
    reason: str = "",
) -> SupervisionOrder:
    """A supervision order (督办) to the ticket's assignee, on behalf of the park manager(s)."""
    return supervisions_create(
        [(ticket, deadline.kind, escalation)], now=now, wt=wt, issued_by=issued_by, reason=reason
    )[0]


def supervisions_create(
    items: Sequence[tuple[Ticket, str, Escalation | None]],
    *,
    now: datetime,
    wt: WorkingTime,
    issued_by: User | None = None,
    reason: str = "",
) -> list[SupervisionOrder]:
    """`supervision_create` for many (ticket, deadline kind, escalation) at once: one insert
    of the orders, one read of each park's managers, one insert of the orders' managers."""
    answer_due = deadlines.limit_due(start=now, limit=ANSWER_LIMIT, clock="working", wt=wt)
    orders = SupervisionOrder.objects.bulk_create(
        [
            SupervisionOrder(
                ticket=ticket,
                escalation=escalation,
                deadline_kind=kind,
                reason=reason,
                addressed_to_id=ticket.assignee_id or ticket.owner_id,
                issued_by=issued_by,
                answer_due_at=answer_due,
                created_at=now,
            )
            for ticket, kind, escalation in items
        ]
    )
    managers = park_managers_of({ticket.park_id for ticket, _, _ in items})
    through = SupervisionOrder.managers.through
    through.objects.bulk_create(
        [
            through(supervisionorder_id=order.pk, user_id=manager.pk)
            for order, (ticket, _, _) in zip(orders, items, strict=True)
            for manager in managers[ticket.park_id]
        ]
    )
    return orders


def _fire(ticket: Ticket, deadline: SlaDeadline, level: str, now: datetime, wt: WorkingTime) -> None:
    """One step's effects, its Escalation row and its event (the caller's savepoint)."""
    escalation = Escalation.objects.create(
        ticket=ticket,
        deadline=deadline,
        kind=deadline.kind,
        level=level,
        version=deadline.version,
        due_at=deadline.due_at,
        fired_at=now,
    )
    fields = ["escalation_level", "updated_at"]
    ticket.escalation_level = max(ticket.escalation_level, LEVEL_RANK[level])
    if level == EscalationLevel.BREACH:
        ticket.overdue = True
        fields.append("overdue")
    ticket.updated_at = now
    kind = EventKind.SUPERVISED if level == EscalationLevel.SUPERVISION else EventKind.ESCALATED
    _event(ticket, kind, level, deadline)
    if level == EscalationLevel.SUPERVISION:
        supervision_create(ticket=ticket, deadline=deadline, now=now, wt=wt, escalation=escalation)
    handover = _handover_to(deadline, ticket)
    if handover is not None:
        data = _hand_over(ticket, *handover)
        fields += ["assignee", "department"]
        record_event(ticket, None, EventKind.TRANSFERRED, body=HANDOVER_NOTE, public=False, **data)
    ticket.save(update_fields=fields)


def _hand_over(ticket: Ticket, deputy: User, department: int) -> dict[str, Any]:
    """Give the ticket to the deputy (in memory); the transfer event's data."""
    data = {
        "reason": "breach",
        "from_assignee": ticket.assignee_id,
        "from_department": ticket.department_id,
        "to_assignee": deputy.pk,
        "to_department": department,
    }
    ticket.assignee, ticket.department_id = deputy, department
    return data


def _still_running(ticket: Ticket, deadline: SlaDeadline) -> bool:
    """A guard against a hook that was missed: the deadline still concerns the ticket."""
    if deadline.kind == DeadlineKind.ACCEPT:
        return ticket.status == Status.SUBMITTED and ticket.accepted_at is None
    return ticket.status in (Status.SUBMITTED, Status.IN_PROGRESS) and deadline.version == ticket.deadline_version


def step_apply(*, deadline: SlaDeadline, ticket: Ticket, now: datetime, wt: WorkingTime) -> bool:
    """Apply the deadline's due step (both rows locked by the caller) and move it on.
    True when the step fired now; False when it was stale or had fired already."""
    if not _still_running(ticket, deadline):
        deadline.stopped_at, deadline.next_step_at = now, None
        deadline.save(update_fields=["stopped_at", "next_step_at"])
        return False
    level = deadline.next_level
    fired = True
    try:
        with transaction.atomic():  # a savepoint: a duplicate step rolls back its own effects only
            _fire(ticket, deadline, level, now, wt)
    except IntegrityError:
        fired = False  # the unique constraint refused a repeated step: just move on
        ticket.refresh_from_db()
    _set_next(deadline, LADDER.index(level) + 1, wt)
    deadline.save(update_fields=["next_level", "next_step_at"])
    return fired


# --- the sweep ---------------------------------------------------------------------------


def _due(now: datetime, skipped: set[int]) -> QuerySet[SlaDeadline]:
    qs = SlaDeadline.objects.filter(next_step_at__lte=now).order_by("next_step_at")
    if skipped:
        qs = qs.exclude(pk__in=skipped)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True)
    return qs


def _tickets_locked(ids: set[int]) -> dict[int, Ticket]:
    qs = Ticket.objects.filter(pk__in=ids).order_by()
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return {ticket.pk: ticket for ticket in qs}


def _hands_over(deadline: SlaDeadline, ticket: Ticket) -> bool:
    """The acceptance breach of an unaccepted ticket hands it to a deputy (`breach_deputy`)."""
    return (
        deadline.next_level == EscalationLevel.BREACH
        and deadline.kind == DeadlineKind.ACCEPT
        and ticket.status == Status.SUBMITTED
    )


def _handover_to(deadline: SlaDeadline, ticket: Ticket) -> tuple[User, int] | None:
    """The deputy (and their department) an unaccepted ticket passes to at this step, if any."""
    if not _hands_over(deadline, ticket):
        return None
    deputy = breach_deputy(ticket)
    if deputy is None or deputy.department_id is None:
        return None
    return deputy, deputy.department_id


def _with_officers(tickets: Iterable[Ticket]) -> None:
    """Read the enterprises of `tickets` with their officers and the chief's deputy in one
    query, so that `breach_deputy` reads no more."""
    from servicedesk.models import Enterprise

    tickets = list(tickets)
    if not tickets:
        return
    enterprises = Enterprise.objects.select_related("chief_officer__deputy", "deputy_officer").in_bulk(
        {ticket.enterprise_id for ticket in tickets}
    )
    for ticket in tickets:
        ticket.enterprise = enterprises[ticket.enterprise_id]


def _steps_apply(pairs: Sequence[tuple[SlaDeadline, Ticket]], now: datetime, wt: WorkingTime) -> int:
    """`step_apply` for a batch of rows (each deadline and its ticket locked by the caller),
    with a constant number of queries whatever the batch holds: one read of the steps fired
    already, one read of the officers of the tickets handed to a deputy, one insert each of
    the Escalation rows, the events, their notifications and the supervision orders, and a
    few updates of the tickets and the deadlines. Returns the steps fired."""
    stale: list[SlaDeadline] = []
    batch: list[tuple[SlaDeadline, Ticket]] = []
    for deadline, ticket in pairs:
        if not _still_running(ticket, deadline):
            deadline.stopped_at, deadline.next_step_at = now, None
            stale.append(deadline)
        else:
            batch.append((deadline, ticket))
    if stale:
        SlaDeadline.objects.filter(pk__in=[d.pk for d in stale]).update(stopped_at=now, next_step_at=None)
    if not batch:
        return 0
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - PostgreSQL and SQLite can
        return sum(step_apply(deadline=d, ticket=t, now=now, wt=wt) for d, t in batch)

    # A step fired already (a deadline row set back): the unique constraint would refuse it,
    # so it is not tried; the row just moves on, as `step_apply` does after the refusal.
    done = set(
        Escalation.objects.filter(ticket_id__in={ticket.pk for _, ticket in batch}).values_list(
            "ticket_id", "kind", "level", "version"
        )
    )
    todo = [(d, t) for d, t in batch if (t.pk, d.kind, d.next_level, d.version) not in done]
    fired = 0
    if todo:
        escalations = [
            Escalation(
                ticket=ticket,
                deadline=deadline,
                kind=deadline.kind,
                level=deadline.next_level,
                version=deadline.version,
                due_at=deadline.due_at,
                fired_at=now,
            )
            for deadline, ticket in todo
        ]
        try:
            with transaction.atomic():  # a step that fired meanwhile: each on its own, as before
                Escalation.objects.bulk_create(escalations)
        except IntegrityError:  # pragma: no cover - needs a race the row locks rule out
            return sum(step_apply(deadline=d, ticket=t, now=now, wt=wt) for d, t in batch)
        _with_officers(ticket for deadline, ticket in todo if _hands_over(deadline, ticket))
        events: list[TicketEvent] = []
        handed: dict[int, Ticket] = {}
        created = time_source.now()
        for deadline, ticket in todo:
            level = deadline.next_level
            handover = _handover_to(deadline, ticket)
            ticket.escalation_level = max(ticket.escalation_level, LEVEL_RANK[level])
            if level == EscalationLevel.BREACH:
                ticket.overdue = True
            ticket.updated_at = now
            # the escalation is told to whoever held the ticket when it fired
            before = copy.copy(ticket) if handover is not None else ticket
            events.append(
                TicketEvent(
                    ticket=before,
                    actor=None,
                    kind=EventKind.SUPERVISED if level == EscalationLevel.SUPERVISION else EventKind.ESCALATED,
                    body="",
                    public=False,
                    data={
                        "level": level,
                        "deadline": deadline.kind,
                        "version": deadline.version,
                        "due_at": timezone.localtime(deadline.due_at).isoformat(),
                    },
                    created_at=created,
                )
            )
            if handover is not None:
                data = _hand_over(ticket, *handover)
                handed[ticket.pk] = ticket
                events.append(
                    TicketEvent(
                        ticket=ticket,
                        actor=None,
                        kind=EventKind.TRANSFERRED,
                        body=HANDOVER_NOTE,
                        public=False,
                        data=data,
                        created_at=created,
                    )
                )
        TicketEvent.objects.bulk_create(events)
        notify.notify_events(events)
        supervisions = [
            (ticket, deadline.kind, escalation)
            for (deadline, ticket), escalation in zip(todo, escalations, strict=True)
            if deadline.next_level == EscalationLevel.SUPERVISION
        ]
        if supervisions:
            supervisions_create(supervisions, now=now, wt=wt)
        # one UPDATE per (level, overdue) pair: a handful, not one per ticket
        changes: dict[tuple[int, bool], list[int]] = {}
        for ticket in {ticket.pk: ticket for _, ticket in todo}.values():
            changes.setdefault((ticket.escalation_level, ticket.overdue), []).append(ticket.pk)
        for (level_rank, overdue), ids in changes.items():
            Ticket.objects.filter(pk__in=ids).update(escalation_level=level_rank, overdue=overdue, updated_at=now)
        if handed:
            _save_values(Ticket, ["assignee_id", "department_id"], list(handed.values()))
        fired = len(todo)
    for deadline, _ in batch:
        _set_next(deadline, LADDER.index(deadline.next_level) + 1, wt)
    _save_values(SlaDeadline, ["next_level", "next_step_at"], [d for d, _ in batch])
    return fired


def _save_values(model: type[Ticket] | type[SlaDeadline], columns: Sequence[str], rows: Sequence[Any]) -> None:
    """Save `columns` of many rows in one statement (on PostgreSQL an UPDATE … FROM
    (VALUES …): Django's bulk_update builds a CASE per row and column, which costs more
    Python time than the sweep's steps themselves)."""
    if connection.vendor != "postgresql":
        model.objects.bulk_update(rows, [column.removesuffix("_id") for column in columns])
        return
    fields: list[Field[Any, Any]] = []
    for column in columns:
        field = model._meta.get_field(column.removesuffix("_id"))
        if not isinstance(field, Field):  # pragma: no cover - the callers name columns
            raise TypeError(f"{column} is not a column of {model.__name__}")
        fields.append(field)
    quote = connection.ops.quote_name
    casts = ["bigint", *(str(field.cast_db_type(connection)) for field in fields)]
    values = ", ".join(["(" + ", ".join(f"%s::{cast}" for cast in casts) + ")"] * len(rows))
    names = [str(field.column) for field in fields]
    assignments = ", ".join(f"{quote(name)} = v.{quote(name)}" for name in names)
    columns_sql = ", ".join(quote(name) for name in ["id", *names])
    # the model's own table and column names and placeholders: nothing from outside goes into the text
    sql = (
        f"UPDATE {quote(model._meta.db_table)} AS t SET {assignments} "  # noqa: S608
        f"FROM (VALUES {values}) AS v({columns_sql}) WHERE t.id = v.id"
    )
    params: list[Any] = []
    for row in rows:
        params += [row.pk, *(getattr(row, field.attname) for field in fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def escalation_sweep(
    *, now: datetime | None = None, limit: int = DEFAULT_SWEEP_LIMIT, batch: int = DEFAULT_SWEEP_BATCH
) -> int:
    """Apply every due step (up to `limit` rows handled), `batch` rows per transaction;
    returns how many steps fired. Rows claimed by another sweep, or whose ticket is being
    changed right now, are skipped and left for the next sweep. Safe to run concurrently and
    to run twice: a step fires once per deadline version whatever happens. The rows of a
    transaction are applied together (`_steps_apply`): a constant number of queries and one
    publish of their notifications per batch, not per step."""
    now = now or time_source.now()
    wt: WorkingTime | None = None  # the calendar is read once, and only when a step is due
    fired = handled = 0
    skipped: set[int] = set()
    while handled < limit:
        with transaction.atomic():
            rows = list(_due(now, skipped)[: min(batch, limit - handled)])
            if not rows:
                break
            tickets = _tickets_locked({row.ticket_id for row in rows})
            pairs: list[tuple[SlaDeadline, Ticket]] = []
            for row in rows:
                ticket = tickets.get(row.ticket_id)
                if ticket is None:  # its ticket is locked by a service: the next sweep
                    skipped.add(row.pk)
                    continue
                handled += 1
                pairs.append((row, ticket))
            if pairs:
                wt = wt or deadlines.working_time()
                fired += _steps_apply(pairs, now, wt)
    return fired


# --- supervision orders (督办) -------------------------------------------------------------


def supervision_issue(*, ticket_id: int, actor: User, reason: str) -> SupervisionOrder:
    """A manager in scope issues a supervision order by hand on an open ticket."""
    from django.utils.translation import gettext as _

    from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound
    from servicedesk.selectors import is_admin

    from .. import selectors

    with transaction.atomic():
        if not selectors.ticket_visible_to(actor, ticket_id):
            raise NotFound(_("No such ticket."))
        if actor.role != User.Role.MANAGER and not is_admin(actor):
            raise Forbidden(_("Only managers issue supervision orders."))
        reason = (reason or "").strip()
        if not reason:
            raise Invalid(
                # Translators: %(field)s is the name of an API field, e.g. summary or reason
                _("%(field)s must not be empty.") % {"field": "reason"},
                detail={"reason": [_("This field may not be blank.")]},
            )
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
        if not ticket.is_open:
            raise Conflict(_("Only an open ticket can be supervised."))
        kind = DeadlineKind.ACCEPT if ticket.status == Status.SUBMITTED else DeadlineKind.RESOLVE
        deadline = SlaDeadline.objects.filter(ticket=ticket, kind=kind).order_by("-version").first()
        if deadline is None:
            raise Conflict(_("The ticket has no deadline to supervise."))
        now = time_source.now()
        order = supervision_create(
            ticket=ticket,
            deadline=deadline,
            now=now,
            wt=deadlines.working_time(),
            issued_by=actor,
            reason=reason[:5000],
        )
        ticket.escalation_level = max(ticket.escalation_level, LEVEL_RANK[EscalationLevel.SUPERVISION])
        ticket.updated_at = now
        ticket.save(update_fields=["escalation_level", "updated_at"])
        _event(ticket, EventKind.SUPERVISED, EscalationLevel.SUPERVISION, deadline, actor=actor)
        return order


def supervision_answer(*, order_id: int, actor: User, answer: str) -> SupervisionOrder:
    """The officer's written answer: the ticket's assignee or owner (or the officer the
    order was addressed to), once."""
    from django.utils.translation import gettext as _

    from servicedesk.errors import Conflict, Forbidden, Invalid, NotFound

    from .. import selectors

    with transaction.atomic():
        ticket_id = SupervisionOrder.objects.filter(pk=order_id).values_list("ticket_id", flat=True).first()
        if ticket_id is None or not selectors.ticket_visible_to(actor, ticket_id):
            raise NotFound(_("No such supervision order."))
        ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id)
        order = SupervisionOrder.objects.select_for_update().get(pk=order_id)
        if actor.role != User.Role.OFFICER or actor.pk not in (
            ticket.assignee_id,
            ticket.owner_id,
            order.addressed_to_id,
        ):
            raise Forbidden(_("Only the officer handling the ticket answers a supervision order."))
        if order.answered_at is not None:
            raise Conflict(_("This supervision order has been answered already."))
        text = (answer or "").strip()
        if not text:
            raise Invalid(
                # Translators: %(field)s is the name of an API field, e.g. summary or reason
                _("%(field)s must not be empty.") % {"field": "answer"},
                detail={"answer": [_("This field may not be blank.")]},
            )
        order.answer, order.answered_by, order.answered_at = text[:20000], actor, time_source.now()
        order.save(update_fields=["answer", "answered_by", "answered_at"])
        record_event(ticket, actor, EventKind.NOTED, body=order.answer, public=False, supervision_order=order.pk)
        return order


# --- tickets filed before the deadlines were stored ----------------------------------------


def deadlines_backfill(*, limit: int = 1000) -> int:
    """Deadline rows for open tickets that have none (filed before this table existed): the
    acceptance deadline while unaccepted, the resolution deadline (paused while waiting).
    Steps already behind are caught up by the next sweep. Returns how many tickets."""
    from django.db.models import Exists, OuterRef

    wt = deadlines.working_time()
    now = time_source.now()
    done = 0
    missing = (
        Ticket.objects.filter(status__in=(Status.SUBMITTED, Status.IN_PROGRESS, Status.WAITING))
        .filter(~Exists(SlaDeadline.objects.filter(ticket=OuterRef("pk"))))
        .order_by("id")
        .values_list("pk", flat=True)
    )
    for ticket_id in list(missing[:limit]):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update(of=("self",)).select_related("service_item").get(pk=ticket_id)
            if SlaDeadline.objects.filter(ticket=ticket).exists():
                continue
            clock = _plan_clock(ticket, wt)
            if ticket.status == Status.SUBMITTED and ticket.accept_due_at and ticket.first_response_at is None:
                deadline_start(
                    ticket=ticket,
                    kind=DeadlineKind.ACCEPT,
                    due_at=ticket.accept_due_at,
                    started_at=ticket.created_at,
                    clock=clock,
                    now=now,
                    wt=wt,
                )
            if ticket.resolve_due_at:
                deadline_start(
                    ticket=ticket,
                    kind=DeadlineKind.RESOLVE,
                    due_at=ticket.resolve_due_at,
                    started_at=ticket.created_at,
                    clock=clock,
                    paused=ticket.status == Status.WAITING,
                    now=now,
                    wt=wt,
                )
            done += 1
    return done
