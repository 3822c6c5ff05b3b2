"""Celery beat that may run more than once: every beat process asks for one lease, and only
the one holding it sends the periodic tasks. The others check it every few seconds and
take over when its holder is gone (killed: at once; its machine lost: within ~30 s).

    CELERY_BEAT_SCHEDULER = "scaleout.beat:LeasedDatabaseScheduler"

It is django-celery-beat's `DatabaseScheduler` with two changes: `tick()` sends nothing
without the lease, and the holder writes each entry's `last_run_at` right after sending it,
so a beat that takes over reads from the database where the last one stopped (rather than
the schedule it loaded at start) and does not send again what was just sent. A lease lost
between sending and writing can still send one task twice: every periodic task is
idempotent on its own for that.

A periodic task that cannot be sent because the broker is away (Redis down at 08:00, when the
digest is due) is not lost: the beat keeps it, one per entry, and sends it once as soon as the
broker answers again, unless the entry's next run has been sent by then (it does the same
work)."""

from __future__ import annotations

import datetime
import logging
import time
from typing import Any

from django.conf import settings
from django.db import connections
from django_celery_beat.schedulers import DatabaseScheduler

from .lease import Lease, lease_for

logger = logging.getLogger(__name__)
beat_logger = logging.getLogger("celery.beat")

LEASE_NAME = "celery-beat"


def beat_lease() -> Lease:
    """The beat's lease: on `BEAT_LEASE_DATABASE_URL` when set (a direct PostgreSQL
    connection, when `DATABASE_URL` goes through PgBouncer), else on the default database."""
    return lease_for(
        LEASE_NAME,
        url=getattr(settings, "BEAT_LEASE_DATABASE_URL", ""),
        settings_dict=connections["default"].settings_dict,
    )


class LeasedDatabaseScheduler(DatabaseScheduler):  # type: ignore[misc]
    #: how often the holder re-checks its lease between ticks (seconds)
    lease_check_every = 1.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.lease = beat_lease()
        self.leading = False
        self._lease_checked_at = 0.0
        self._waiting_logged = False
        super().__init__(*args, **kwargs)
        self.sync_every_tasks = 1  # last_run_at to the database after every send
        self.lease_retry_seconds = float(getattr(settings, "BEAT_LEASE_RETRY_SECONDS", 5))
        self.unsent: dict[str, Any] = {}  # entry name -> the entry whose send failed
        self.unsent_retry_seconds = float(getattr(settings, "BEAT_UNSENT_RETRY_SECONDS", 5))
        self._unsent_tried_at = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.lead():
            return min(self.lease_retry_seconds, float(self.max_interval))
        if self.unsent and time.monotonic() - self._unsent_tried_at >= self.unsent_retry_seconds:
            self.send_unsent()
        return float(super().tick(*args, **kwargs))

    def apply_entry(self, entry: Any, producer: Any = None) -> None:
        """Send a due entry; when the broker refuses, keep it for :meth:`send_unsent` (logged
        once per entry and outage, not at every tick)."""
        # celery's own wording, kept: operators and tests read the beat's log for it
        beat_logger.info("Scheduler: Sending due task %s (%s)", entry.name, entry.task)
        try:
            self.apply_async(entry, producer=producer, advance=False)
        except Exception as exc:
            if entry.name not in self.unsent:
                logger.warning("beat: could not send %s (%s); it is sent when the broker is back", entry.name, exc)
            self.unsent[entry.name] = entry
            self._unsent_tried_at = time.monotonic()
        else:
            if self.unsent.pop(entry.name, None) is not None:
                logger.info("beat: %s sent on schedule; the missed run is covered by it", entry.name)

    def send_unsent(self) -> int:
        """Send the entries kept while the broker was away, each once; stop at the first
        failure (the broker is still away). Returns how many were sent."""
        self._unsent_tried_at = time.monotonic()
        sent = 0
        for name, entry in list(self.unsent.items()):
            try:
                self.apply_async(entry, producer=None, advance=False)  # from the pool: no blocking connect
            except Exception:
                return sent
            del self.unsent[name]
            sent += 1
            logger.info("beat: sent %s, missed while the broker was away", name)
        return sent

    def lead(self) -> bool:
        """Hold the lease or find out that another beat does; True when this beat ticks."""
        now = time.monotonic()
        if self.leading and now - self._lease_checked_at < self.lease_check_every:
            return True
        held = self.lease.hold()
        self._lease_checked_at = now
        if held and not self.leading:
            logger.info("beat: holding the lease %r, sending the periodic tasks", self.lease.name)
            self._take_over()
        elif not held and self.leading:
            logger.warning("beat: lost the lease %r, sending nothing until it is ours again", self.lease.name)
            self._dirty.clear()
        elif not held and not self._waiting_logged:
            logger.info("beat: another beat holds the lease %r; standing by", self.lease.name)
            self._waiting_logged = True
        self.leading = held
        return held

    def _take_over(self) -> None:
        """Start from what the database says was sent last, not from what this process read
        when it started."""
        self._dirty.clear()
        self._schedule = self.all_as_schedule()
        self._last_full_sync = datetime.datetime.now()
        self._heap = None  # rebuilt from the fresh schedule at the next tick
        self._waiting_logged = False

    def sync(self) -> None:
        if self.leading:
            super().sync()
        else:
            self._dirty.clear()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.lease.release()
            self.leading = False
