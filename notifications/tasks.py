"""Thin, idempotent Celery tasks: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import services


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_send(notification_id: int) -> str:
    """Send one notification; a no-op when it was already sent (safe to run twice)."""
    return services.notification_deliver(notification_id=notification_id)


@shared_task(acks_late=True, autoretry_for=(DatabaseError,), retry_backoff=True, retry_jitter=True, max_retries=5)
def notification_send_batch(notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notifications (what one event or one sweep batch wrote), each row in
    its own locking transaction; rows sent already are left alone, so a retry of the whole
    batch repeats nothing."""
    return services.notifications_deliver_many(notification_ids=notification_ids)


@shared_task(acks_late=True)
def notification_retry_pending() -> int:
    """Periodic: publish what is due again (missed nudges, backoff over, quiet hours over)."""
    return len(services.notifications_release_due())


@shared_task(acks_late=True)
def notification_daily_digest() -> int:
    """Daily: each opted-in officer's queue and what is due today."""
    return len(services.notifications_daily_digest())
