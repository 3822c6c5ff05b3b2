"""Celery tasks of the tickets app: thin wrappers around services, safe to run twice."""

from __future__ import annotations

from celery import Task, shared_task

from .sla import escalation


@shared_task(bind=True, acks_late=True, ignore_result=True)
def sla_sweep(
    self: Task,  # type: ignore[type-arg]
    limit: int = escalation.DEFAULT_SWEEP_LIMIT,
    batch: int = escalation.DEFAULT_SWEEP_BATCH,
) -> int:
    """Beat runs this every minute. The deadlines live in the database, so a sweep that was
    missed (worker or Redis down) is caught up by the next one; when one sweep hits its
    `limit`, it queues another at once for the rest."""
    fired = escalation.escalation_sweep(limit=limit, batch=batch)
    if fired >= limit:  # more is due: go on at once, on the queue this sweep came from
        queue = (self.request.delivery_info or {}).get("routing_key")
        sla_sweep.apply_async(kwargs={"limit": limit, "batch": batch}, queue=queue)
    return fired


@shared_task(acks_late=True, ignore_result=True)
def recompute_working_seconds(since: str | None = None) -> int:
    """Queued when the default calendar changes for days already past (tickets.calendar_watch):
    the stored working seconds of the tickets answered or resolved since ``since`` (an ISO
    date; None: every ticket) are computed again. Safe to run twice."""
    import datetime as dt

    from .sla import spent

    return spent.recompute(since=None if since is None else spent.start_of(dt.date.fromisoformat(since)))


@shared_task(acks_late=True, ignore_result=True)
def rating_auto_close() -> int:
    """Beat runs this every 15 minutes: resolved tickets nobody rated within
    `auto_close_days` close with the default rating 基本满意 (3). Safe to run twice."""
    from . import ratings

    return ratings.rating_auto_close()


@shared_task(acks_late=True)
def notification_daily_digest() -> int:
    """Daily at 08:00: each opted-in officer's and manager's open queue and what is due
    today, in their inbox (and by email). Once a day: a second run adds nothing."""
    from . import notify

    return len(notify.notifications_daily_digest())
