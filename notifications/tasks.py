"""Thin, idempotent Celery tasks: ids in, the delivery does the work; and their publishing.

The broker only carries nudges: `notifications_enqueue` publishes send tasks and never fails
its caller when the broker is down (the rows stay pending), and the periodic
`notification_retry_pending` publishes again whatever is due (`notifications_release_due`).
Publishing lives here, beside the tasks it publishes, so that this module imports nothing
that imports it back (services.py writes the rows and imports this module)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from servicedesk import clock

from . import delivery
from .models import Notification, NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)

Channel = NotificationChannel
Status = NotificationStatus


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_send(notification_id: int) -> str:
    """Send one notification; a no-op when it was already sent (safe to run twice)."""
    return delivery.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_send_batch(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notifications (what one event or one sweep batch wrote), each row in
    its own locking transaction; rows sent already are left alone, so a retry of the whole
    batch repeats nothing."""
    return delivery.notifications_deliver_many(notification_ids=notification_ids)


@shared_task(acks_late=True)
def notification_retry_pending() -> int:
    """Periodic: publish what is due again (missed nudges, backoff over, quiet hours over)."""
    return len(notifications_release_due())


# --- publishing ---------------------------------------------------------------------------


#: notification ids per published send task
PUBLISH_CHUNK = 100


#: ids per task for the channels that talk to another server (email, SMS, webhooks): a burst
#: still spreads over the worker pool instead of waiting in one task's queue
REMOTE_CHUNK = 10


def target_of(endpoint_id: int | None, robot_id: int | None) -> int | str | None:
    """The key `publish_groups` groups a row's deliveries by: its webhook endpoint's id, its
    group robot as "robot<id>", or None for a person's row."""
    if endpoint_id is not None:
        return endpoint_id
    return f"robot{robot_id}" if robot_id is not None else None


def publish_groups(rows: Iterable[tuple[int, str, int | str | None]]) -> list[list[int]]:
    """(id, channel, target: webhook endpoint or robot, `target_of`) → lists of ids to
    publish together: the inbox rows in one list (a worker marks them sent together), email
    and SMS rows `REMOTE_CHUNK` at a time, and each endpoint's or robot's rows in lists of
    their own (a slow endpoint delays only its own deliveries)."""
    inbox: list[int] = []
    remote: list[int] = []
    hooks: dict[int | str, list[int]] = {}
    for pk, channel, endpoint_id in rows:
        if endpoint_id is not None:
            hooks.setdefault(endpoint_id, []).append(pk)
        elif channel == Channel.INBOX:
            inbox.append(pk)
        else:
            remote.append(pk)
    groups = [inbox] if inbox else []
    order = sorted(hooks, key=lambda k: (isinstance(k, str), k if isinstance(k, int) else 0, str(k)))
    for ids in [remote, *(hooks[key] for key in order)]:
        groups += [ids[i : i + REMOTE_CHUNK] for i in range(0, len(ids), REMOTE_CHUNK)]
    return groups


def notifications_enqueue(notification_ids: Sequence[int]) -> int:
    """Publish send tasks for these notifications, `PUBLISH_CHUNK` ids per task. A broker
    outage never fails the caller and never blocks it long (a short publish retry policy):
    the rows stay pending and the periodic sweep sends them later. Returns how many ids
    were published: always a prefix of `notification_ids`."""
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
        picked = [
            (pk, attempts, channel, target_of(endpoint_id, robot_id))
            for pk, attempts, channel, endpoint_id, robot_id in due.order_by("next_attempt_at").values_list(
                "pk", "attempts", "channel", "endpoint_id", "robot_id"
            )[:limit]
        ]
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
