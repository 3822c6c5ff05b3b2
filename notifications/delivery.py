"""Sending: one row at most once (`notification_deliver`), a task's batch
(`notifications_deliver_many`), and the backoff between attempts. The channels do the
talking (notifications.channels); the Celery tasks call in here."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from servicedesk import clock

from .channels import Undeliverable, sender_for
from .models import Notification, NotificationChannel, NotificationStatus

logger = logging.getLogger(__name__)

Channel = NotificationChannel
Status = NotificationStatus


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
        rows = Notification.objects.filter(pk=notification_id).select_related("recipient", "endpoint", "robot")
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
        except Exception as exc:  # any channel failure is recorded on the row; retried unless Undeliverable
            row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if isinstance(exc, Undeliverable):  # a redirect, a refused address: no retry helps
                row.status = Status.FAILED
            elif row.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
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
