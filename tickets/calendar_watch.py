"""When the default calendar changes for days already past, the working seconds stored with
the tickets answered or resolved since then (tickets.sla.spent) are computed again, by a task
queued when the change commits: one task a transaction, from its earliest day. Days still to
come change nothing stored. With the broker away the change is kept and the log says to run
`manage.py recompute_working_seconds --since <date>`."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from servicedesk import clock
from servicedesk.models import CalendarDay, WorkCalendar

log = logging.getLogger(__name__)


class _Recompute:
    """The on-commit callback of one transaction; later changes in it move its day earlier."""

    def __init__(self, since: dt.date | None) -> None:
        self.since = since

    def earlier(self, day: dt.date | None) -> None:
        self.since = None if day is None or self.since is None else min(self.since, day)

    def __call__(self) -> None:
        from .tasks import recompute_working_seconds

        since = self.since.isoformat() if self.since else None
        try:
            recompute_working_seconds.apply_async(kwargs={"since": since}, retry=False)
        except Exception:  # the broker is away: the calendar change stands, the figures wait
            log.exception(
                "could not queue the recompute of working seconds; run: manage.py recompute_working_seconds%s",
                f" --since {since}" if since else "",
            )


def calendar_changed(day: dt.date | None) -> None:
    """The default calendar changed from ``day`` on (None: every day, e.g. its hours)."""
    if day is not None and day > clock.now().date():
        return
    pending = transaction.get_connection().run_on_commit
    for entry in pending:
        if isinstance(entry[1], _Recompute):
            entry[1].earlier(day)
            return
    transaction.on_commit(_Recompute(day))


def _day_changed(sender: Any, instance: CalendarDay, **kwargs: Any) -> None:
    if instance.calendar.is_default:
        calendar_changed(instance.date - dt.timedelta(days=1))  # the day as seen from any time zone


def _calendar_changed(sender: Any, instance: WorkCalendar, created: bool = False, **kwargs: Any) -> None:
    if instance.is_default and not created:
        calendar_changed(None)


def connect() -> None:
    post_save.connect(_day_changed, sender=CalendarDay, dispatch_uid="tickets.calendar_watch.day_saved")
    post_delete.connect(_day_changed, sender=CalendarDay, dispatch_uid="tickets.calendar_watch.day_deleted")
    post_save.connect(_calendar_changed, sender=WorkCalendar, dispatch_uid="tickets.calendar_watch.calendar_saved")
