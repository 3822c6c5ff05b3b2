"""The one place domain code takes "now" from, so tests can move time (time-machine)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today_local() -> date:
    return timezone.localdate(now())


#: The dates a report, a period or a query parameter may name: the desk's own years, with room
#: (a far date is a mistake or a probe, and date arithmetic near year 1 or 9999 overflows).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST
