"""The outbox: given who to tell (an `Audience`), what happened (a kind) and how to say it,
`notify` writes the notifications in the caller's transaction and has them sent after commit.

It knows nothing of what the messages are about: the sender decides who is told and names
the subject (`Topic`: a type, an id and a label, e.g. a ticket and its number); for ticket
events that is tickets.notify. The outbox applies each recipient's own rules: the inbox
always, email and SMS by role or by their preference for the kind, quiet hours (有事必到、
无事不扰) for what is not urgent, never the actor themself, and one row per recipient and
channel at most (the dedup key). A message may also go, as signed JSON, to the webhook
endpoints of a department and of an enterprise.

`notify` reads twice (the recipients, the endpoints) and inserts once whatever the number of
messages and recipients, and after commit publishes a few send tasks (`publish_groups`). The
broker only carries nudges: when Redis is down the caller still succeeds and the periodic
sweep (`notifications_release_due`) sends the rows later. The sending itself is
notifications.delivery; the tasks and their publishing are notifications.tasks (re-exported
here: this module is the app's interface)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, OuterRef, Q, QuerySet, Subquery

from servicedesk import clock
from servicedesk.models import User
from servicedesk.reads import read_together

from .channels import robot_message
from .delivery import backoff as backoff
from .delivery import notification_deliver as notification_deliver
from .delivery import notifications_deliver_many as notifications_deliver_many
from .models import (
    DIGEST_KIND,
    GroupRobot,
    Notification,
    NotificationChannel,
    NotificationPreference,
    NotificationSettings,
    NotificationStatus,
    WebhookEndpoint,
)
from .sentences import render
from .tasks import PUBLISH_CHUNK as PUBLISH_CHUNK
from .tasks import REMOTE_CHUNK as REMOTE_CHUNK
from .tasks import notifications_enqueue as notifications_enqueue
from .tasks import notifications_enqueue_groups as notifications_enqueue_groups
from .tasks import notifications_release_due as notifications_release_due
from .tasks import publish_groups as publish_groups
from .tasks import target_of as target_of

Channel = NotificationChannel
Status = NotificationStatus

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
    """The people a message is for, as one query's filter: users by id, the users of an
    enterprise, the heads of departments (their managers), the managers of a park."""

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


@dataclass(frozen=True)
class Topic:
    """What a notification is about, as its sender names it: a type (e.g. "ticket"), the id
    in the sender's table and how to show it (the ticket's number). The web turns it into a
    link; the outbox only stores it."""

    type: str
    id: int
    label: str = ""


@dataclass(frozen=True)
class Webhook:
    """A message's signed JSON for webhook endpoints: every active endpoint of the department,
    and those of the enterprise when one is named. `body` is called only when an endpoint
    wants the message."""

    department_id: int | None
    enterprise_id: int | None
    subject: str
    body: Callable[[], str]


@dataclass(frozen=True)
class Robots:
    """The chat groups (`GroupRobot`) that hear a message: the robots of a park and of a
    department. They are told the message's sentence (in the robot's language) with a link
    to `link` (a path of the desk, e.g. the ticket page)."""

    park_id: int | None = None
    department_id: int | None = None
    link: str = ""


@dataclass(frozen=True)
class Message:
    """One thing to tell: its `kind` (the key of the recipients' preferences), who to tell,
    and what its sentence needs (`payload`, rendered by notifications.sentences: in the
    reader's language when read, in the recipient's for email). `key` is unique per message
    and makes each row's dedup key (`<key>:<user>:<channel>`); the actor is never told of
    their own action; `urgent` messages break through quiet hours."""

    kind: str
    audience: Audience
    payload: Mapping[str, object]
    key: str
    urgent: bool = False
    actor_id: int | None = None
    topic: Topic | None = None
    event_id: int | None = None
    webhook: Webhook | None = None
    robots: Robots | None = None


def _preference(kind: str, channel: str) -> Subquery:
    return Subquery(
        NotificationPreference.objects.filter(user=OuterRef("pk"), event_kind=kind, channel=channel).values("enabled")[
            :1
        ],
        output_field=BooleanField(),
    )


def _recipients(messages: Sequence[Message]) -> tuple[list[User], list[str]]:
    """One query for any number of messages: every user any of their audiences names (each
    message's own audience is picked out in Python by `Audience.includes`), with their quiet
    hours and their choices for the messages' kinds (`pref_<i>_email` / `pref_<i>_sms` for the
    i-th kind of the returned list)."""
    ids: set[int] = set()
    enterprises: set[int] = set()
    heads: set[int] = set()
    parks: set[int] = set()
    for audience in (message.audience for message in messages):
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
    kinds = sorted({message.kind for message in messages})
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


def _endpoints(messages: Sequence[Message]) -> QuerySet[WebhookEndpoint] | None:
    """The active endpoints of the messages' departments and enterprises (`_endpoint_wants`
    picks per message); None when no message has a webhook."""
    hooks = [message.webhook for message in messages if message.webhook is not None]
    departments = {hook.department_id for hook in hooks if hook.department_id is not None}
    enterprises = {hook.enterprise_id for hook in hooks if hook.enterprise_id is not None}
    if not departments and not enterprises:
        return None
    q = Q(department_id__in=departments) | Q(enterprise_id__in=enterprises)
    return WebhookEndpoint.objects.filter(q, active=True).order_by("pk")


def _targets(messages: Sequence[Message]) -> tuple[list[WebhookEndpoint], list[GroupRobot]]:
    """The webhook endpoints and the group robots the messages may reach, in one query
    (servicedesk.reads.read_together) when both are asked for."""
    asked = {
        name: qs for name, qs in (("endpoints", _endpoints(messages)), ("robots", _robots(messages))) if qs is not None
    }
    found = dict(zip(asked, read_together(*asked.values()), strict=True))
    return found.get("endpoints", []), found.get("robots", [])


def _endpoint_wants(endpoint: WebhookEndpoint, hook: Webhook) -> bool:
    if endpoint.department_id is not None:
        return endpoint.department_id == hook.department_id
    return hook.enterprise_id is not None and endpoint.enterprise_id == hook.enterprise_id


def _robots(messages: Sequence[Message]) -> QuerySet[GroupRobot] | None:
    """The active robots of the messages' parks and departments; None when no message is for
    a robot."""
    targets = [message.robots for message in messages if message.robots is not None]
    parks = {t.park_id for t in targets if t.park_id is not None}
    departments = {t.department_id for t in targets if t.department_id is not None}
    if not parks and not departments:
        return None
    q = Q(park_id__in=parks) | Q(department_id__in=departments)
    return GroupRobot.objects.filter(q, active=True).order_by("pk")


def _robot_wants(robot: GroupRobot, target: Robots) -> bool:
    if robot.park_id is not None:
        return robot.park_id == target.park_id
    return robot.department_id == target.department_id


def _robot_rows(
    messages: Sequence[Message], robots: list[GroupRobot], now: datetime, grace: timedelta
) -> list[Notification]:
    """One row per message and robot that hears it, its body the robot's message (JSON, signed
    when sent); quiet hours are the robot's own (the group is people too), and urgent messages
    break through."""
    rows: list[Notification] = []
    for message in messages if robots else ():
        target = message.robots
        if target is None:
            continue
        about = _topic_fields(message)
        for robot in (r for r in robots if _robot_wants(r, target)):
            rendered = render(message.kind, message.payload, robot.language)
            held_until = None
            if not message.urgent:
                held_until = quiet_until(now, start=robot.quiet_start, end=robot.quiet_end, tz=DEFAULT_TIMEZONE)
            content = robot_message(
                robot.kind, title=rendered.subject, text=rendered.body, link=target.link, language=robot.language
            )
            rows.append(
                Notification(
                    robot=robot,
                    channel=robot.kind,
                    event_kind=message.kind,
                    **about,
                    payload=dict(message.payload),
                    subject=rendered.subject[:200],
                    body=json.dumps(content, ensure_ascii=False),
                    language=robot.language,
                    urgent=message.urgent,
                    status=Status.HELD if held_until else Status.PENDING,
                    next_attempt_at=held_until or now + grace,
                    dedup_key=f"{message.key}:rb{robot.pk}:{robot.kind}",
                    created_at=now,
                )
            )
    return rows


def _topic_fields(message: Message) -> dict[str, object]:
    topic = message.topic
    if topic is None:
        return {"event_id": message.event_id}
    return {"topic_type": topic.type, "topic_id": topic.id, "topic_label": topic.label, "event_id": message.event_id}


def notify(messages: Sequence[Message]) -> list[Notification]:
    """The notifications of any number of messages (a sweep batch), in the caller's
    transaction: two reads and one insert whatever the number of messages and recipients,
    and after commit a few publishes (`publish_groups`): one for up to `PUBLISH_CHUNK` inbox
    rows, one per `REMOTE_CHUNK` email, SMS or webhook rows."""
    if not messages:
        return []
    now = clock.now()
    grace = timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE)
    users, kinds = _recipients(messages)
    index = _Index(users)
    quiet: dict[int, datetime | None] = {}
    rows: list[Notification] = []
    for message in messages:
        audience = message.audience
        urgent = message.urgent
        k = kinds.index(message.kind)
        about = _topic_fields(message)
        texts: dict[str, tuple[str, str]] = {}
        for user in _members(index, audience):
            if user.pk == message.actor_id or not audience.includes(user):
                continue  # never the actor themself
            language = user.language or "zh-hans"
            if language not in texts:
                rendered = render(message.kind, message.payload, language)
                texts[language] = (rendered.subject, rendered.body)
            subject, body = texts[language]
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
                        event_kind=message.kind,
                        **about,
                        payload=dict(message.payload),
                        subject=subject,
                        body=body,
                        language=language,
                        urgent=urgent,
                        status=Status.HELD if hold else Status.PENDING,
                        next_attempt_at=held_until if hold and held_until else now + grace,
                        dedup_key=f"{message.key}:{user.pk}:{channel}",
                        created_at=now,
                    )
                )
    endpoints, robots = _targets(messages)
    for message in messages if endpoints else ():
        hook = message.webhook
        if hook is None:
            continue
        wanted = [endpoint for endpoint in endpoints if _endpoint_wants(endpoint, hook)]
        if not wanted:
            continue
        payload = hook.body()
        about = _topic_fields(message)
        for endpoint in wanted:
            rows.append(
                Notification(
                    endpoint=endpoint,
                    channel=Channel.WEBHOOK,
                    event_kind=message.kind,
                    **about,
                    subject=hook.subject[:200],
                    body=payload,
                    language=endpoint.language,
                    urgent=message.urgent,
                    status=Status.PENDING,
                    next_attempt_at=now + grace,
                    dedup_key=f"{message.key}:wh{endpoint.pk}:{Channel.WEBHOOK}",
                    created_at=now,
                )
            )
    rows += _robot_rows(messages, robots, now, grace)
    if not rows:
        return []
    created = Notification.objects.bulk_create(rows)
    due = [
        (row.pk, row.channel, target_of(row.endpoint_id, row.robot_id))
        for row in created
        if row.status == Status.PENDING and row.pk is not None
    ]
    if due:
        transaction.on_commit(partial(notifications_enqueue_groups, publish_groups(due)))
    return created


# --- group robots ---------------------------------------------------------------------


def robot_test_send(*, robot: GroupRobot) -> None:
    """Send a test message to a robot at once (not through the outbox: the admin wants the
    answer now); DeliveryError with the robot's own words when it fails."""
    from django.utils import translation
    from django.utils.translation import gettext

    from .channels import sender_for

    with translation.override(robot.language):
        title = gettext("Test message from the park service desk")
        text = gettext("This group will hear from the service desk here.")
    payload = robot_message(robot.kind, title=title, text=text, link="/", language=robot.language)
    row = Notification(robot=robot, channel=robot.kind, subject=title, body=json.dumps(payload, ensure_ascii=False))
    sender_for(robot.kind)(row)


# --- the daily digest -------------------------------------------------------------------


def digest_subscribers() -> list[User]:
    """The officers and managers who asked for the daily digest, each with `pref_email`:
    their choice for the digest by email (None: the default, on)."""
    return list(
        User.objects.filter(
            notification_settings__daily_digest=True,
            role__in=(User.Role.OFFICER, User.Role.MANAGER),
            is_active=True,
        )
        .annotate(pref_email=_preference(DIGEST_KIND, Channel.EMAIL))
        .order_by("pk")
    )


@dataclass(frozen=True)
class Digest:
    """One subscriber's digest of the day (a user from `digest_subscribers`)."""

    user: User
    subject: str
    body: str
    language: str
    payload: Mapping[str, object] = field(default_factory=dict)


def digests_send(digests: Sequence[Digest], *, day: date) -> list[int]:
    """The day's digests: inbox, and email where email is on for the user; once a day per
    user and channel (the dedup key), so a second run the same day adds nothing. Published
    at once (the caller holds no transaction). Returns the ids of the rows still to send."""
    now = clock.now()
    rows = []
    for digest in digests:
        user = digest.user
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
                    payload=dict(digest.payload),
                    subject=digest.subject,
                    body=digest.body,
                    language=digest.language,
                    next_attempt_at=now + timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE),
                    dedup_key=f"digest:{day.isoformat()}:{user.pk}:{channel}",
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
