"""A ticket's creation reads the SLA policy and the working calendar in one query, and gets
what the two separate reads give."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from servicedesk.calendar import calendar_days_upsert, chinesecalendar_entries, default_calendar
from servicedesk.models import CalendarDay
from tickets.models import SlaPolicy
from tickets.sla import deadlines

pytestmark = pytest.mark.django_db


def _same(a: object, b: object) -> dict[str, object]:
    return {k: (getattr(a, k), getattr(b, k)) for k in vars(a) if k != "_state" and getattr(a, k) != getattr(b, k)}


def test_policy_and_working_time_are_the_two_reads_in_one_query() -> None:
    # given an edited policy and a calendar with hours, a short week and the 2026 holidays
    SlaPolicy.objects.update(is_active=False)
    SlaPolicy.objects.create(name="edited", help_resolve_limit="7d", urgent_fraction=Decimal("0.5"))
    calendar = default_calendar()
    calendar.working_hours, calendar.working_weekdays = "09:00-12:00,13:00-18:00", "12345"
    calendar.save()
    calendar_days_upsert(calendar=calendar, entries=chinesecalendar_entries(2026), source=CalendarDay.Source.ADMIN)
    # when both are read together
    with CaptureQueriesContext(connection) as ctx:
        policy, wt = deadlines.policy_and_working_time()
    # then they are what SlaPolicy.current() and working_time() give
    assert len(ctx.captured_queries) == (1 if connection.vendor == "postgresql" else 3)
    assert policy.name == "edited" and policy.urgent_fraction == Decimal("0.5")
    assert _same(policy, SlaPolicy.current()) == {}
    alone = deadlines.working_time()
    assert (wt.timezone_name, wt.periods, wt.weekdays) == (alone.timezone_name, alone.periods, alone.weekdays)
    assert wt.holidays == alone.holidays and wt.workdays == alone.workdays
    assert dt.date(2026, 10, 1) in wt.holidays


def test_without_an_active_policy_the_defaults_apply() -> None:
    SlaPolicy.objects.update(is_active=False)
    policy, _wt = deadlines.policy_and_working_time()
    assert policy.pk is None and policy.help_resolve_limit == SlaPolicy().help_resolve_limit
