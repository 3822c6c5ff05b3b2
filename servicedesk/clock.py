"""The one place domain code takes "now" from, so tests can move time (time-machine)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today_local() -> date:
    return timezone.localdate(now())
