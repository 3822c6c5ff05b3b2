"""Who is told what, and the delivery of it.

`notify_event` runs inside the transaction of the ticket change (it is called by
`tickets.services.record_event`; the SLA sweep calls `notify_events` for a whole batch): it
decides the recipients and channels, writes the outbox rows with one bulk insert, and asks
Celery to send them after commit, a few ids per task (`publish_groups`). The broker only
carries nudges: when Redis is down the request still succeeds and the periodic sweep
(`notifications_release_due`) sends the rows later. `notification_deliver` sends one row at
most once; `notifications_deliver_many` a task's batch."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BooleanField, F, OuterRef, Q, Subquery
from django.utils import timezone

from servicedesk import clock
from servicedesk.models import User
from tickets.models import OPEN_STATUSES, EventKind, Priority, Ticket, TicketEvent
from tickets.notify_texts import render

from .channels import sender_for
from .models import (
    DIGEST_KIND,
    Notification,
    NotificationChannel,
    NotificationPreference,
    NotificationSettings,
    NotificationStatus,
    WebhookEndpoint,
)

logger = logging.getLogger(__name__)

Channel = NotificationChannel
Status = NotificationStatus

# What the enterprise is told about (public events of these kinds only; never notes).
ENTERPRISE_KINDS = frozenset(
    {
        EventKind.CREATED,
        EventKind.ACCEPTED,
        EventKind.REPLIED,
        EventKind.SUSPENDED,
        EventKind.RESUMED,
        EventKind.RESOLVED,
        EventKind.WITHDRAWN,
        EventKind.CLOSED,
        EventKind.REOPENED,
        EventKind.EXTENSION_APPROVED,
        EventKind.RETURN_VISIT,
    }
)
DEFAULT_QUIET_START = time(22, 0)
DEFAULT_QUIET_END = time(8, 0)
DEFAULT_TIMEZONE = "Asia/Shanghai"


# --- quiet hours ------------------------------------------------------------------------


def quiet_until(now: datetime, *, start: time, end: time, tz: str) -> datetime | None:
    """The end of the quiet period `now` falls in, or None when it is not quiet. A period
    whose start is after its end runs over midnight (22:00–08:00)."""
    if start == end:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    t = local.time()
    day = local.date()
    if start < end:
        quiet = start <= t < end
    else:
        quiet = t >= start or t < end
        if t >= start:
            day += timedelta(days=1)
    return datetime.combine(day, end, tzinfo=zone) if quiet else None


def _quiet_until_for(user: User, now: datetime) -> datetime | None:
    try:
        prefs: NotificationSettings | None = user.notification_settings
    except NotificationSettings.DoesNotExist:
        prefs = None
    if prefs is None:
        return quiet_until(now, start=DEFAULT_QUIET_START, end=DEFAULT_QUIET_END, tz=DEFAULT_TIMEZONE)
    return quiet_until(now, start=prefs.quiet_start, end=prefs.quiet_end, tz=prefs.timezone)


# --- who is told ------------------------------------------------------------------------


@dataclass(frozen=True)
class Audience:
    """The users an event concerns, as one query's filter."""

    user_ids: frozenset[int]
    enterprise_id: int | None
    head_of_departments: frozenset[int]
    managers_of_park: int | None

    def query(self) -> Q:
        q = Q(pk__in=self.user_ids)
        if self.enterprise_id is not None:
            q |= Q(role=User.Role.ENTERPRISE, enterprise_id=self.enterprise_id)
        if self.head_of_departments:
            q |= Q(role=User.Role.MANAGER, department_id__in=self.head_of_departments)
        if self.managers_of_park is not None:
            q |= Q(role=User.Role.MANAGER, park_id=self.managers_of_park)
        return q

    def includes(self, user: User) -> bool:
        """`query()` in Python, for a user already read (`is_active` is the caller's)."""
        if user.pk in self.user_ids:
            return True
        if user.role == User.Role.ENTERPRISE:
            return self.enterprise_id is not None and user.enterprise_id == self.enterprise_id
        if user.role == User.Role.MANAGER:
            return (user.department_id is not None and user.department_id in self.head_of_departments) or (
                self.managers_of_park is not None and user.park_id == self.managers_of_park
            )
        return False


def is_urgent(event: TicketEvent) -> bool:
    """Supervision orders and urgent-priority tickets break through quiet hours."""
    return event.kind == EventKind.SUPERVISED or event.ticket.priority == Priority.URGENT


def audience_of(event: TicketEvent) -> Audience:
    """Assignee and owner (首问: every change); the enterprise's users for its public events;
    department heads for breaches, extension requests, assist requests and tickets nobody
    carries; park managers for supervision orders."""
    ticket = event.ticket
    kind = event.kind
    data = event.data if isinstance(event.data, dict) else {}
    ids = {pk for pk in (ticket.assignee_id, ticket.owner_id) if pk is not None}
    heads: set[int] = set()
    if kind == EventKind.TRANSFERRED and isinstance(data.get("from_assignee"), int):
        ids.add(data["from_assignee"])  # told that it is no longer theirs
    if kind == EventKind.ESCALATED and data.get("level") == "breach":
        heads.add(ticket.department_id)
    if kind == EventKind.EXTENSION_REQUESTED:
        heads.add(ticket.department_id)
    if kind == EventKind.ASSIST_REQUESTED and isinstance(data.get("department"), int):
        heads.add(data["department"])
    if kind in (EventKind.CREATED, EventKind.RETURNED, EventKind.TRANSFERRED) and ticket.assignee_id is None:
        heads.add(ticket.department_id)  # somebody has to dispatch it
    return Audience(
        user_ids=frozenset(ids),
        enterprise_id=ticket.enterprise_id if event.public and kind in ENTERPRISE_KINDS else None,
        head_of_departments=frozenset(heads),
        managers_of_park=ticket.park_id if kind == EventKind.SUPERVISED else None,
    )


def _preference(kind: str, channel: str) -> Subquery:
    return Subquery(
        NotificationPreference.objects.filter(user=OuterRef("pk"), event_kind=kind, channel=channel).values("enabled")[
            :1
        ],
        output_field=BooleanField(),
    )


def _recipients(events: Sequence[TicketEvent], audiences: Sequence[Audience]) -> tuple[list[User], list[str]]:
    """One query for any number of events: every user any of the audiences names (each
    event's own audience is picked out in Python by `Audience.includes`), with their quiet
    hours and their choices for the events' kinds (`pref_<i>_email` / `pref_<i>_sms` for the
    i-th kind of the returned list)."""
    ids: set[int] = set()
    enterprises: set[int] = set()
    heads: set[int] = set()
    parks: set[int] = set()
    for audience in audiences:
        ids |= audience.user_ids
        heads |= audience.head_of_departments
        if audience.enterprise_id is not None:
            enterprises.add(audience.enterprise_id)
        if audience.managers_of_park is not None:
            parks.add(audience.managers_of_park)
    q = Q(pk__in=ids)
    if enterprises:
        q |= Q(role=User.Role.ENTERPRISE, enterprise_id__in=enterprises)
    if heads:
        q |= Q(role=User.Role.MANAGER, department_id__in=heads)
    if parks:
        q |= Q(role=User.Role.MANAGER, park_id__in=parks)
    kinds = sorted({event.kind for event in events})
    annotations: dict[str, Subquery] = {}
    for i, kind in enumerate(kinds):
        annotations[f"pref_{i}_email"] = _preference(kind, Channel.EMAIL)
        annotations[f"pref_{i}_sms"] = _preference(kind, Channel.SMS)
    users = (
        User.objects.filter(q, is_active=True)
        .select_related("notification_settings")
        .annotate(**annotations)
        .order_by("pk")
    )
    return list(users), kinds


def channels_for(user: User, *, urgent: bool, pref_email: bool | None, pref_sms: bool | None) -> list[str]:
    """Inbox always; email by default for officers and managers; SMS by default only for
    urgent matters; an explicit preference wins. A channel needs an address."""
    channels: list[str] = [Channel.INBOX]
    email_on = pref_email if pref_email is not None else user.role in (User.Role.OFFICER, User.Role.MANAGER)
    if email_on and user.email:
        channels.append(Channel.EMAIL)
    sms_on = pref_sms if pref_sms is not None else urgent
    if sms_on and user.phone:
        channels.append(Channel.SMS)
    return channels


def _actor_name(event: TicketEvent, language: str) -> str:
    if event.actor is None:
        return "系统" if language.startswith("zh") else "the system"
    return str(event.actor)


def _context(event: TicketEvent, language: str) -> dict[str, object]:
    ticket = event.ticket
    data = event.data if isinstance(event.data, dict) else {}
    return {
        "number": ticket.number,
        "title": ticket.title,
        "actor": _actor_name(event, language),
        "body": (event.body or "")[:1000],
        "level": data.get("level", ""),
        "deadline": data.get("deadline", ""),
    }


def webhook_payload(event: TicketEvent) -> str:
    ticket = event.ticket
    return json.dumps(
        {
            "event": event.kind,
            "event_id": event.pk,
            "public": event.public,
            "body": event.body,
            "data": event.data,
            "created_at": timezone.localtime(event.created_at).isoformat(),
            "ticket": {
                "id": ticket.pk,
                "number": ticket.number,
                "title": ticket.title,
                "status": ticket.status,
                "priority": ticket.priority,
                "enterprise": ticket.enterprise_id,
                "department": ticket.department_id,
                "assignee": ticket.assignee_id,
                "owner": ticket.owner_id,
            },
        },
        ensure_ascii=False,
        sort_keys=True,
    )


class _Index:
    """The users of `_recipients` by the keys an audience names them by."""

    def __init__(self, users: Sequence[User]) -> None:
        self.by_pk = {user.pk: user for user in users}
        self.by_enterprise: dict[int, list[User]] = {}
        self.by_department: dict[int, list[User]] = {}
        self.by_park: dict[int, list[User]] = {}
        for user in users:
            if user.role == User.Role.ENTERPRISE and user.enterprise_id is not None:
                self.by_enterprise.setdefault(user.enterprise_id, []).append(user)
            elif user.role == User.Role.MANAGER:
                if user.department_id is not None:
                    self.by_department.setdefault(user.department_id, []).append(user)
                if user.park_id is not None:
                    self.by_park.setdefault(user.park_id, []).append(user)


def _members(index: _Index, audience: Audience) -> list[User]:
    """The audience's users among those read (a superset: `Audience.includes` decides), by pk."""
    found = {pk: index.by_pk[pk] for pk in audience.user_ids if pk in index.by_pk}
    groups = [index.by_enterprise.get(audience.enterprise_id or 0, [])]
    groups += [index.by_department.get(pk, []) for pk in audience.head_of_departments if pk is not None]
    groups.append(index.by_park.get(audience.managers_of_park or 0, []))
    for group in groups:
        for user in group:
            found[user.pk] = user
    return [found[pk] for pk in sorted(found)]


def _enterprise_sees(event: TicketEvent) -> bool:
    return event.public and event.kind in ENTERPRISE_KINDS


def _endpoints(events: Sequence[TicketEvent]) -> list[WebhookEndpoint]:
    """One query: the active endpoints of the events' departments, and of their enterprises
    for the events the enterprise is told about (`_endpoint_wants` picks per event)."""
    q = Q(department_id__in={event.ticket.department_id for event in events})
    enterprises = {event.ticket.enterprise_id for event in events if _enterprise_sees(event)}
    if enterprises:
        q |= Q(enterprise_id__in=enterprises)
    return list(WebhookEndpoint.objects.filter(q, active=True).order_by("pk"))


def _endpoint_wants(endpoint: WebhookEndpoint, event: TicketEvent) -> bool:
    ticket = event.ticket
    if endpoint.department_id is not None:
        return endpoint.department_id == ticket.department_id
    return _enterprise_sees(event) and endpoint.enterprise_id == ticket.enterprise_id


def notify_event(event: TicketEvent) -> list[Notification]:
    """Write the notifications of a ticket event in the caller's transaction and schedule
    their dispatch after commit (`notify_events` of one event)."""
    return notify_events([event])


def notify_events(events: Sequence[TicketEvent]) -> list[Notification]:
    """The notifications of any number of ticket events (a sweep batch), in the caller's
    transaction: two reads and one insert whatever the number of events and recipients,
    and after commit a few publishes (`publish_groups`): one for up to `PUBLISH_CHUNK` inbox rows,
    one per `REMOTE_CHUNK` email, SMS or webhook rows."""
    if not events:
        return []
    now = clock.now()
    grace = timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE)
    audiences = [audience_of(event) for event in events]
    users, kinds = _recipients(events, audiences)
    index = _Index(users)
    quiet: dict[int, datetime | None] = {}
    rows: list[Notification] = []
    for event, audience in zip(events, audiences, strict=True):
        urgent = is_urgent(event)
        k = kinds.index(event.kind)
        for user in _members(index, audience):
            if user.pk == event.actor_id or not audience.includes(user):
                continue  # never the actor themself
            language = user.language or "zh-hans"
            subject, body = render(event.kind, language, **_context(event, language))
            if user.pk not in quiet:
                quiet[user.pk] = _quiet_until_for(user, now)
            held_until = None if urgent else quiet[user.pk]
            for channel in channels_for(
                user,
                urgent=urgent,
                pref_email=getattr(user, f"pref_{k}_email"),
                pref_sms=getattr(user, f"pref_{k}_sms"),
            ):
                # the inbox is read when the user looks: it is never held back
                hold = held_until is not None and channel != Channel.INBOX
                rows.append(
                    Notification(
                        recipient=user,
                        channel=channel,
                        event_kind=event.kind,
                        ticket=event.ticket,
                        event=event,
                        subject=subject,
                        body=body,
                        language=language,
                        urgent=urgent,
                        status=Status.HELD if hold else Status.PENDING,
                        next_attempt_at=held_until if hold and held_until else now + grace,
                        dedup_key=f"{event.pk}:{user.pk}:{channel}",
                        created_at=now,
                    )
                )
    endpoints = _endpoints(events)
    for event in events if endpoints else ():
        wanted = [endpoint for endpoint in endpoints if _endpoint_wants(endpoint, event)]
        if not wanted:
            continue
        urgent = is_urgent(event)
        payload = webhook_payload(event)
        for endpoint in wanted:
            rows.append(
                Notification(
                    endpoint=endpoint,
                    channel=Channel.WEBHOOK,
                    event_kind=event.kind,
                    ticket=event.ticket,
                    event=event,
                    subject=f"{event.ticket.number} {event.kind}"[:200],
                    body=payload,
                    language=endpoint.language,
                    urgent=urgent,
                    status=Status.PENDING,
                    next_attempt_at=now + grace,
                    dedup_key=f"{event.pk}:wh{endpoint.pk}:{Channel.WEBHOOK}",
                    created_at=now,
                )
            )
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    due = [
        (row.pk, row.channel, row.endpoint_id) for row in created if row.status == Status.PENDING and row.pk is not None
    ]
    if due:
        transaction.on_commit(partial(notifications_enqueue_groups, publish_groups(due)))
    return created


# --- dispatch ---------------------------------------------------------------------------


#: notification ids per published send task
PUBLISH_CHUNK = 100


#: ids per task for the channels that talk to another server (email, SMS, webhooks): a burst
#: still spreads over the worker pool instead of waiting in one task's queue
REMOTE_CHUNK = 10


def publish_groups(rows: Iterable[tuple[int, str, int | None]]) -> list[list[int]]:
    """(id, channel, webhook endpoint) → lists of ids to publish together: the inbox rows
    in one list (a worker marks them sent together), email and SMS rows `REMOTE_CHUNK` at
    a time, and each endpoint's webhooks in lists of their own (a slow endpoint delays only
    its own deliveries)."""
    inbox: list[int] = []
    remote: list[int] = []
    hooks: dict[int, list[int]] = {}
    for pk, channel, endpoint_id in rows:
        if endpoint_id is not None:
            hooks.setdefault(endpoint_id, []).append(pk)
        elif channel == Channel.INBOX:
            inbox.append(pk)
        else:
            remote.append(pk)
    groups = [inbox] if inbox else []
    for ids in [remote, *(hooks[key] for key in sorted(hooks))]:
        groups += [ids[i : i + REMOTE_CHUNK] for i in range(0, len(ids), REMOTE_CHUNK)]
    return groups


def notifications_enqueue(notification_ids: Sequence[int]) -> int:
    """Publish send tasks for these notifications, `PUBLISH_CHUNK` ids per task. A broker
    outage never fails the caller and never blocks it long (a short publish retry policy):
    the rows stay pending and the periodic sweep sends them later. Returns how many ids
    were published: always a prefix of `notification_ids`."""
    from .tasks import notification_send_batch

    published = 0
    ids = list(notification_ids)
    for start in range(0, len(ids), PUBLISH_CHUNK):
        chunk = ids[start : start + PUBLISH_CHUNK]
        try:
            notification_send_batch.apply_async(
                (chunk,), retry=True, retry_policy=settings.NOTIFICATIONS_PUBLISH_RETRY_POLICY
            )
        except Exception as exc:  # kombu.OperationalError, redis/socket errors: the broker is down
            logger.warning(
                "broker unavailable, %d notification(s) left for the retry sweep: %s", len(ids) - published, exc
            )
            break
        published += len(chunk)
    return published


def notifications_enqueue_groups(groups: Sequence[Sequence[int]]) -> int:
    """`notifications_enqueue` for each group (see `publish_groups`); stops at the first broker
    failure. Returns how many ids were published."""
    published = 0
    for group in groups:
        done = notifications_enqueue(group)
        published += done
        if done < len(group):
            break
    return published


def _inbox_deliver(notification_ids: Sequence[int]) -> list[int]:
    """The pending inbox rows among these, marked sent together: the row is what the user
    reads, so "sending" it cannot fail and needs no round trip per row. Rows another worker
    holds are skipped (and left to it). Returns the ids marked sent now."""
    if not notification_ids:
        return []
    now = clock.now()
    with transaction.atomic():
        rows = Notification.objects.filter(pk__in=notification_ids, channel=Channel.INBOX, status=Status.PENDING)
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        ids = list(rows.values_list("pk", flat=True))
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                status=Status.SENT, attempts=F("attempts") + 1, sent_at=now, last_error=""
            )
    return ids


def notifications_deliver_many(*, notification_ids: Sequence[int]) -> dict[str, int]:
    """Deliver a batch: its pending inbox rows in one transaction (`_inbox_deliver`), every
    other row through `notification_deliver` in its own transaction (so one row's failure
    or a crash halfway never undoes or repeats another's delivery). Returns how many ended
    in each status."""
    done = set(_inbox_deliver(notification_ids))
    outcome: dict[str, int] = {Status.SENT: len(done)} if done else {}
    for notification_id in notification_ids:
        if notification_id in done:
            continue
        status = notification_deliver(notification_id=notification_id)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … capped (NOTIFICATIONS_BACKOFF_BASE / _MAX)."""
    seconds = settings.NOTIFICATIONS_BACKOFF_BASE * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.NOTIFICATIONS_BACKOFF_MAX))


def notification_deliver(*, notification_id: int) -> str:
    """Send one notification at most once: the row is locked (skipped when another worker
    holds it), and a sent or failed row is left alone. Returns the resulting status, or
    "locked"/"missing"."""
    now = clock.now()
    with transaction.atomic():
        rows = Notification.objects.filter(pk=notification_id).select_related("recipient", "endpoint")
        if connection.features.has_select_for_update:
            rows = rows.select_for_update(
                skip_locked=connection.features.has_select_for_update_skip_locked,
                of=("self",) if connection.features.has_select_for_update_of else (),
            )
        row = rows.first()
        if row is None:
            exists = Notification.objects.filter(pk=notification_id).exists()
            return "locked" if exists else "missing"
        if row.status in (Status.SENT, Status.FAILED):
            return row.status
        if row.status == Status.HELD and row.next_attempt_at > now:
            return row.status
        row.attempts += 1
        try:
            sender_for(row.channel)(row)
        except Exception as exc:  # any channel failure is recorded on the row and retried
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
                row.status = Status.FAILED
                row.last_error = f"gave up after {row.attempts} attempts: {row.last_error}"[:2000]
            else:
                row.status = Status.PENDING
                row.next_attempt_at = now + backoff(row.attempts)
            logger.info("notification %s not delivered (%s): %s", row.pk, row.status, row.last_error)
        else:
            row.status = Status.SENT
            row.sent_at = clock.now()
            row.last_error = ""
        row.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "sent_at"])
        return row.status


def notifications_release_due(*, limit: int = 500) -> list[int]:
    """The sweep: pending rows whose time has come (a missed nudge, a backoff that ran
    out) and held rows whose quiet hours are over. They are claimed for a while (so the
    next sweep does not publish them again) and published; rows over the attempt bound
    are marked failed."""
    now = clock.now()
    with transaction.atomic():
        due = Notification.objects.filter(status__in=(Status.PENDING, Status.HELD), next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        picked = list(due.order_by("next_attempt_at").values_list("pk", "attempts", "channel", "endpoint_id")[:limit])
        give_up = [pk for pk, attempts, *_ in picked if attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS]
        groups = publish_groups(
            (pk, channel, endpoint)
            for pk, attempts, channel, endpoint in picked
            if attempts < settings.NOTIFICATIONS_MAX_ATTEMPTS
        )
        ids = [pk for group in groups for pk in group]
        if give_up:
            Notification.objects.filter(pk__in=give_up).update(
                status=Status.FAILED, last_error=f"gave up after {settings.NOTIFICATIONS_MAX_ATTEMPTS} attempts"
            )
        if ids:
            Notification.objects.filter(pk__in=ids).update(
                status=Status.PENDING, next_attempt_at=now + timedelta(seconds=settings.NOTIFICATIONS_CLAIM_SECONDS)
            )
    published = notifications_enqueue_groups(groups)
    if published < len(ids):  # the broker is down: the next sweep tries them again
        Notification.objects.filter(pk__in=ids[published:], status=Status.PENDING).update(next_attempt_at=now)
    return ids


# --- the daily digest -------------------------------------------------------------------


def _digest_lines(tickets: Iterable[Ticket], language: str) -> str:
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    lines = []
    for ticket in tickets:
        due = ticket.resolve_due_at.astimezone(zone).strftime("%m-%d %H:%M") if ticket.resolve_due_at else "-"
        lines.append(f"- {ticket.number} {ticket.title} ({'期限' if language.startswith('zh') else 'due'} {due})")
    return "\n".join(lines)


def notifications_daily_digest() -> list[int]:
    """One digest per officer or manager who opted in: their open queue, and what is due
    today. Inbox, and email where email is on for them. Once a day (dedup key)."""
    now = clock.now()
    today = clock.today_local()
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    end_of_day = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=zone)
    users = list(
        User.objects.filter(
            notification_settings__daily_digest=True,
            role__in=(User.Role.OFFICER, User.Role.MANAGER),
            is_active=True,
        )
        .annotate(pref_email=_preference(DIGEST_KIND, Channel.EMAIL))
        .order_by("pk")
    )
    if not users:
        return []
    user_ids = [user.pk for user in users]
    queue: dict[int, list[Ticket]] = {pk: [] for pk in user_ids}
    open_tickets = Ticket.objects.filter(
        Q(assignee_id__in=user_ids) | Q(owner_id__in=user_ids), status__in=OPEN_STATUSES
    ).order_by("resolve_due_at", "pk")
    for ticket in open_tickets:
        for pk in {ticket.assignee_id, ticket.owner_id}:
            if pk in queue:
                queue[pk].append(ticket)
    rows = []
    for user in users:
        tickets = queue[user.pk]
        if not tickets:
            continue
        language = user.language or "zh-hans"
        due_today = [t for t in tickets if t.resolve_due_at is not None and t.resolve_due_at < end_of_day]
        subject, body = render(
            DIGEST_KIND,
            language,
            count=len(tickets),
            due_today=len(due_today),
            body=_digest_lines(due_today or tickets[:20], language),
        )
        channels = [Channel.INBOX]
        email_on = user.pref_email if user.pref_email is not None else True  # type: ignore[attr-defined]
        if email_on and user.email:
            channels.append(Channel.EMAIL)
        for channel in channels:
            rows.append(
                Notification(
                    recipient=user,
                    channel=channel,
                    event_kind=DIGEST_KIND,
                    subject=subject,
                    body=body,
                    language=language,
                    next_attempt_at=now + timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE),
                    dedup_key=f"digest:{today.isoformat()}:{user.pk}:{channel}",
                    created_at=now,
                )
            )
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    keys = [row.dedup_key for row in rows]
    ids = list(
        Notification.objects.filter(dedup_key__in=keys, status=Status.PENDING, sent_at__isnull=True).values_list(
            "pk", flat=True
        )
    )
    notifications_enqueue(ids)
    return ids


# --- the inbox --------------------------------------------------------------------------


def notification_mark_read(*, notification_id: int, user: User) -> Notification:
    """Mark one of the user's own inbox rows read (Notification.DoesNotExist otherwise)."""
    row = Notification.objects.get(pk=notification_id, recipient=user, channel=Channel.INBOX)
    if row.read_at is None:
        row.read_at = clock.now()
        row.save(update_fields=["read_at"])
    return row


def notification_mark_all_read(*, user: User) -> int:
    """Mark every unread inbox row of the user read, in one statement; returns how many."""
    return Notification.objects.filter(recipient=user, channel=Channel.INBOX, read_at__isnull=True).update(
        read_at=clock.now()
    )
