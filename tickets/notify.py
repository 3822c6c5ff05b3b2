"""Who is told about a ticket event, and what (the outbox, notifications, is told the
recipients, the kind and the texts; it knows nothing of tickets).

Assignee and owner (首问) hear of every change; the enterprise's users of its public events;
department heads of breaches, extension and assist requests and of tickets nobody carries;
park managers of supervision orders. Supervision orders and urgent tickets break through
quiet hours. Every ticket event goes through `notify_event`, called by
`tickets.events.record_event` in the transaction of the change; the SLA sweep calls
`notify_events` for a whole batch. The texts are in tickets.notify_texts; the daily digest
(each subscriber's open queue) is built here too and sent by the outbox."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from notifications.models import DIGEST_KIND, Notification
from notifications.sentences import render
from notifications.services import (
    Audience,
    Digest,
    Message,
    Robots,
    Topic,
    Webhook,
    digest_subscribers,
    digests_send,
    notify,
)
from servicedesk import clock
from servicedesk.models import User

from .models import OPEN_STATUSES, EventKind, Priority, Ticket, TicketEvent
from .notify_texts import register_all as _register_sentences  # noqa: F401  the sentences, registered

#: The outbox's name for what a ticket's notifications are about (Notification.topic_type);
#: the web links it to the ticket page.
TOPIC = "ticket"
DEFAULT_TIMEZONE = "Asia/Shanghai"

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
        EventKind.MERGED,  # public on the duplicate only (internal on the primary)
        EventKind.MERGED_REPLY,
    }
)


# --- who is told ------------------------------------------------------------------------


def is_urgent(event: TicketEvent) -> bool:
    """Supervision orders and the staff's (or the sweep's) events on urgent-priority tickets
    break through quiet hours. What an enterprise user does never does: an enterprise cannot
    page the staff at night, nor send SMS at will, by replying to an urgent ticket."""
    if event.kind == EventKind.SUPERVISED:
        return True
    if event.ticket.priority != Priority.URGENT:
        return False
    # the actor came with the event (record_event): no query
    actor = event.actor if event.actor_id is not None else None
    return actor is None or actor.role != User.Role.ENTERPRISE or actor.is_superuser


def audience_of(event: TicketEvent) -> Audience:
    """Assignee and owner (首问: every change); the enterprise's users for its public events;
    department heads for breaches, extension requests, assist requests and tickets nobody
    carries; park managers for supervision orders."""
    ticket = event.ticket
    kind = event.kind
    data = event.data if isinstance(event.data, dict) else {}
    ids = {pk for pk in (ticket.assignee_id, ticket.owner_id) if pk is not None}
    if kind == EventKind.MERGED_REPLY:
        ids = set()  # the primary's reply, forwarded to a duplicate: its enterprise's news alone
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


def _local(value: object) -> str:
    """An ISO timestamp from an event's data as Shanghai's "YYYY-MM-DD HH:MM" (else "")."""
    if not isinstance(value, str) or not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).strftime("%Y-%m-%d %H:%M")


def payload_of(event: TicketEvent) -> dict[str, object]:
    """What the sentence of a ticket event needs, language-neutral (notifications.sentences
    renders it when read): number, title, actor, excerpt and the codes of the event's data."""
    ticket = event.ticket
    data = event.data if isinstance(event.data, dict) else {}
    payload: dict[str, object] = {
        "number": ticket.number,
        "title": ticket.title,
        "actor": str(event.actor) if event.actor is not None else "",
        "excerpt": (event.body or "")[:1000],
    }
    for key in ("level", "deadline", "verdict", "side", "other"):
        if isinstance(data.get(key), str):
            payload[key] = data[key]
    if data.get("resolved") is True:
        payload["resolved"] = "yes"
    if isinstance(data.get("score"), int):
        payload["score"] = str(data["score"])
    if due := _local(data.get("resolve_due_at")):
        payload["due"] = due
    return payload


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


def _enterprise_sees(event: TicketEvent) -> bool:
    return event.public and event.kind in ENTERPRISE_KINDS


def robots_of(event: TicketEvent) -> Robots | None:
    """The chat groups that hear of a ticket event: the department's group of a ticket routed
    to it (filed, or transferred from another department); the park's group of breaches and
    supervision orders."""
    ticket = event.ticket
    data = event.data if isinstance(event.data, dict) else {}
    link = f"/tickets/{ticket.number}/"
    moved = event.kind == EventKind.TRANSFERRED and data.get("from_department") != data.get("to_department")
    if event.kind == EventKind.CREATED or moved:
        return Robots(department_id=ticket.department_id, link=link)
    if event.kind == EventKind.SUPERVISED or (event.kind == EventKind.ESCALATED and data.get("level") == "breach"):
        return Robots(park_id=ticket.park_id, link=link)
    return None


def message_for(event: TicketEvent) -> Message:
    """The outbox's message for a ticket event: its audience, its texts, and its signed JSON
    for the webhooks of the ticket's department (and of its enterprise for what the
    enterprise is told)."""
    ticket = event.ticket
    return Message(
        kind=event.kind,
        audience=audience_of(event),
        payload=payload_of(event),
        key=str(event.pk),
        urgent=is_urgent(event),
        actor_id=event.actor_id,
        topic=Topic(type=TOPIC, id=ticket.pk, label=ticket.number),
        event_id=event.pk,
        webhook=Webhook(
            department_id=ticket.department_id,
            enterprise_id=ticket.enterprise_id if _enterprise_sees(event) else None,
            subject=f"{ticket.number} {event.kind}",
            body=partial(webhook_payload, event),
        ),
        robots=robots_of(event),
    )


def notify_event(event: TicketEvent) -> list[Notification]:
    """Write the notifications of a ticket event in the caller's transaction and schedule
    their dispatch after commit (`notify_events` of one event)."""
    return notify_events([event])


def notify_events(events: Sequence[TicketEvent]) -> list[Notification]:
    """The notifications of any number of ticket events (a sweep batch), in the caller's
    transaction: two reads and one insert whatever the number of events and recipients
    (notifications.services.notify)."""
    return notify([message_for(event) for event in events])


# --- the daily digest -------------------------------------------------------------------


def _digest_lines(tickets: Iterable[Ticket]) -> list[dict[str, str]]:
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return [
        {
            "number": ticket.number,
            "title": ticket.title,
            "due": ticket.resolve_due_at.astimezone(zone).strftime("%m-%d %H:%M") if ticket.resolve_due_at else "-",
        }
        for ticket in tickets
    ]


def notifications_daily_digest() -> list[int]:
    """One digest per officer or manager who opted in: their open queue, and what is due
    today. Inbox, and email where email is on for them. Once a day (dedup key)."""
    today = clock.today_local()
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    end_of_day = datetime.combine(today + timedelta(days=1), time(0, 0), tzinfo=zone)
    users = digest_subscribers()
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
    digests = []
    for user in users:
        tickets = queue[user.pk]
        if not tickets:
            continue
        language = user.language or "zh-hans"
        due_today = [t for t in tickets if t.resolve_due_at is not None and t.resolve_due_at < end_of_day]
        payload = {
            "count": len(tickets),
            "due_today": len(due_today),
            "lines": _digest_lines(due_today or tickets[:20]),
        }
        texts = render(DIGEST_KIND, payload, language)
        digests.append(Digest(user=user, subject=texts.subject, body=texts.body, language=language, payload=payload))
    return digests_send(digests, day=today)
