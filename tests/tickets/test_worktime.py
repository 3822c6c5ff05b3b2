"""The working-time arithmetic of the SLA engine (tickets/sla) and the `sla_due` command.

The 2026 calendar comes from the chinesecalendar package (servicedesk.calendar.chinesecalendar_entries):
Mid-autumn Fri 25 – Sun 27 September; National Day Thu 1 – Wed 7 October; make-up working days
Sun 20 September and Sat 10 October. Working hours 09:00–12:00 and 13:30–17:30: 420 minutes a day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from servicedesk.calendar import calendar_days_upsert, chinesecalendar_entries, default_calendar
from servicedesk.models import CalendarDay, WorkCalendar
from tickets.sla import NATURAL, NATURAL_DAY_MINUTES, WORKING, Limit, WorkingTime, due_at

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

ENTRIES_2026 = chinesecalendar_entries(2026)
HOLIDAYS_2026 = frozenset(e.date for e in ENTRIES_2026 if e.kind == CalendarDay.Kind.HOLIDAY)
WORKDAYS_2026 = frozenset(e.date for e in ENTRIES_2026 if e.kind == CalendarDay.Kind.WORKDAY)
WT = WorkingTime(
    timezone="Asia/Shanghai",
    periods=[(dt.time(9), dt.time(12)), (dt.time(13, 30), dt.time(17, 30))],
    weekdays={1, 2, 3, 4, 5},
    holidays=HOLIDAYS_2026,
    workdays=WORKDAYS_2026,
)


def sh(text: str) -> dt.datetime:
    """'2026-09-30 16:00' → that wall-clock instant in Asia/Shanghai."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=SH)


def add(start: str, minutes: int) -> dt.datetime:
    """WT.add, the result on the Shanghai wall clock."""
    return WT.add(sh(start), minutes).astimezone(SH)


# --- the package data the hand-computed cases rely on --------------------------------------------


def test_the_2026_national_day_data_is_what_the_cases_assume() -> None:
    assert {dt.date(2026, 10, d) for d in range(1, 8)} <= HOLIDAYS_2026
    assert {dt.date(2026, 9, 25), dt.date(2026, 9, 26), dt.date(2026, 9, 27)} <= HOLIDAYS_2026
    assert {dt.date(2026, 9, 20), dt.date(2026, 10, 10)} <= WORKDAYS_2026
    assert dt.date(2026, 10, 8) not in HOLIDAYS_2026


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-09-18", True),  # Friday
        ("2026-09-19", False),  # Saturday
        ("2026-09-20", True),  # Sunday, make-up working day
        ("2026-09-25", False),  # Friday, Mid-autumn
        ("2026-09-30", True),
        ("2026-10-01", False),  # Thursday, National Day
        ("2026-10-05", False),  # Monday, National Day
        ("2026-10-07", False),
        ("2026-10-08", True),
        ("2026-10-10", True),  # Saturday, make-up working day
        ("2026-10-11", False),  # Sunday
    ],
)
def test_is_working_day(day: str, working: bool) -> None:
    assert WT.is_working_day(dt.date.fromisoformat(day)) is working


def test_a_normal_day_has_420_working_minutes() -> None:
    assert WT.day_minutes == 420
    assert WorkingTime().day_minutes == 420  # the defaults are the standard calendar


# --- add(): hand-computed cases ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "minutes", "due"),
    [
        # DESIGN: 16:00–17:30 is 90 minutes, the other 30 after National Day.
        ("2026-09-30 16:00", 120, "2026-10-08 09:30"),
        # The last working minute at 17:30 is due at 17:30, not the next morning.
        ("2026-09-30 16:00", 90, "2026-09-30 17:30"),
        ("2026-09-29 09:00", 420, "2026-09-29 17:30"),  # 1d from the opening: the same evening
        ("2026-09-29 09:00", 421, "2026-09-30 09:01"),
        # ... and at 12:00 it is due at 12:00, not 13:30.
        ("2026-09-29 11:00", 60, "2026-09-29 12:00"),
        ("2026-09-29 09:00", 180, "2026-09-29 12:00"),
        ("2026-09-29 09:00", 181, "2026-09-29 13:31"),
        # A start in the lunch break counts from 13:30.
        ("2026-09-29 12:15", 30, "2026-09-29 14:00"),
        ("2026-09-29 12:00", 1, "2026-09-29 13:31"),
        # Before the opening, after closing.
        ("2026-09-29 07:00", 60, "2026-09-29 10:00"),
        ("2026-09-29 17:30", 1, "2026-09-30 09:01"),
        ("2026-09-29 18:00", 60, "2026-09-30 10:00"),
        ("2026-09-29 23:59", 60, "2026-09-30 10:00"),
        # Starting on a holiday: the clock starts on 8 October.
        ("2026-10-03 10:00", 60, "2026-10-08 10:00"),
        ("2026-10-07 23:59", 1, "2026-10-08 09:01"),
        ("2026-09-25 10:00", 60, "2026-09-28 10:00"),  # Mid-autumn Friday
        # Make-up working days count.
        ("2026-10-09 17:00", 60, "2026-10-10 09:30"),  # Friday → the make-up Saturday
        ("2026-09-19 10:00", 60, "2026-09-20 10:00"),  # Saturday → the make-up Sunday
        # 5 working days (2100 minutes) from a Friday afternoon.
        ("2026-11-06 15:00", 5 * 420, "2026-11-13 15:00"),  # a plain week: the next Friday
        ("2026-10-09 15:00", 5 * 420, "2026-10-15 15:00"),  # Sat 10 Oct works: Thursday
        ("2026-09-18 15:00", 5 * 420, "2026-09-24 15:00"),  # Sun 20 Sep works: Thursday
        # 10 working days from Thursday 24 September, over Mid-autumn and National Day:
        # 28, 29, 30 Sep, 8, 9, 10, 12, 13, 14, 15 Oct.
        ("2026-09-24 10:00", 10 * 420, "2026-10-15 10:00"),
        # Whole weeks skipped over a span without exceptions: 4 weeks of 5 days.
        ("2026-11-02 09:00", 20 * 420, "2026-11-27 17:30"),
        ("2026-11-02 09:00", 20 * 420 + 1, "2026-11-30 09:01"),
        # Over the new year: 2027 has no data in the set, so it is a plain Monday–Friday week.
        ("2026-12-31 17:00", 60, "2027-01-01 09:30"),
    ],
)
def test_add(start: str, minutes: int, due: str) -> None:
    assert add(start, minutes) == sh(due)


def test_add_returns_aware_utc() -> None:
    result = WT.add(sh("2026-09-30 16:00"), 120)
    assert result.tzinfo is UTC
    assert result == dt.datetime(2026, 10, 8, 1, 30, tzinfo=UTC)


def test_add_zero_minutes_is_the_start_itself_even_out_of_hours() -> None:
    for start in ("2026-09-30 16:00", "2026-10-03 03:00", "2026-09-29 12:30:15"):
        assert WT.add(sh(start), 0) == sh(start)


def test_add_keeps_the_seconds_of_the_start() -> None:
    assert add("2026-09-29 16:00:30", 90) == sh("2026-09-30 09:00:30")
    assert add("2026-09-29 16:00:30", 89) == sh("2026-09-29 17:29:30")
    start = sh("2026-09-29 10:00:00.250000")
    assert WT.add(start, 1) == sh("2026-09-29 10:01:00.250000")


def test_add_takes_a_start_in_any_zone() -> None:
    start = dt.datetime(2026, 9, 30, 8, 0, tzinfo=UTC)  # 16:00 in Shanghai
    assert WT.add(start, 120) == sh("2026-10-08 09:30")


def test_add_refuses_naive_and_negative() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WT.add(dt.datetime(2026, 9, 30, 16), 10)
    with pytest.raises(ValueError, match="negative"):
        WT.add(sh("2026-09-30 16:00"), -1)
    with pytest.raises(TypeError):
        WT.add(sh("2026-09-30 16:00"), 1.5)  # type: ignore[arg-type]


def test_add_far_out_is_fast_and_exact() -> None:
    # 100 years of working time is computed by skipping whole weeks; a result past 9999 is a clear error.
    start = sh("2026-11-02 09:00")
    weeks = 100 * 52
    assert WT.add(start, weeks * 5 * 420) == sh("2026-11-02 09:00") + dt.timedelta(weeks=weeks) - dt.timedelta(
        days=2, hours=15, minutes=30
    )
    with pytest.raises(ValueError, match="9999"):
        WT.add(start, 10**10)


# --- between() -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        ("2026-09-30 16:00", "2026-10-08 09:30", 120),  # across National Day
        ("2026-09-24 12:00", "2026-10-08 12:00", 240 + 3 * 420 + 180),  # across Mid-autumn too
        ("2026-10-01 00:00", "2026-10-08 00:00", 0),  # the whole holiday
        ("2026-10-09 17:00", "2026-10-12 09:00", 30 + 420),  # Friday evening, make-up Saturday
        ("2026-09-29 12:00", "2026-09-29 13:30", 0),  # lunch
        ("2026-09-29 11:59", "2026-09-29 13:31", 2),
        ("2026-09-29 17:30", "2026-09-30 09:00", 0),
        ("2026-11-02 00:00", "2026-11-30 00:00", 20 * 420),  # four plain weeks
        ("2026-11-02 10:00", "2026-11-02 10:00", 0),
    ],
)
def test_between(a: str, b: str, minutes: int) -> None:
    assert WT.between(sh(a), sh(b)) == minutes * 60


def test_between_is_zero_backwards_and_counts_seconds() -> None:
    assert WT.between(sh("2026-10-08 10:00"), sh("2026-09-30 10:00")) == 0
    assert WT.between(sh("2026-09-29 16:00:30"), sh("2026-09-30 09:00:45")) == 89 * 60 + 30 + 45
    assert WT.working_delta(sh("2026-09-29 10:00"), sh("2026-09-29 10:00:00.5")) == dt.timedelta(seconds=0.5)
    assert WT.between(sh("2026-09-29 10:00"), sh("2026-09-29 10:00:00.5")) == 0  # whole seconds, floored


# --- the natural clock and due_at() --------------------------------------------------------------


def test_add_natural_ignores_the_calendar() -> None:
    start = sh("2026-09-30 16:00")
    assert WT.add_natural(start, dt.timedelta(hours=2)) == sh("2026-09-30 18:00")
    assert WT.add_natural(start, dt.timedelta(days=5)) == sh("2026-10-05 16:00")
    assert WT.add_natural(start, dt.timedelta(hours=2)).tzinfo is UTC
    with pytest.raises(ValueError, match="negative"):
        WT.add_natural(start, dt.timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("start", "limit", "clock", "due"),
    [
        ("2026-09-30 16:00", "2h", WORKING, "2026-10-08 09:30"),
        ("2026-09-30 16:00", "90m", WORKING, "2026-09-30 17:30"),
        ("2026-09-30 16:00", "1d", WORKING, "2026-10-08 16:00"),  # 90 + 180 + 150 minutes
        ("2026-10-09 15:00", "5d", WORKING, "2026-10-15 15:00"),
        ("2026-09-30 16:00", "2h", NATURAL, "2026-09-30 18:00"),
        ("2026-09-30 16:00", "5d", NATURAL, "2026-10-05 16:00"),
        ("2026-09-30 16:00", "90m", NATURAL, "2026-09-30 17:30"),
    ],
)
def test_due_at(start: str, limit: str, clock: str, due: str) -> None:
    assert due_at(sh(start), Limit.parse(limit), clock, WT) == sh(due)


def test_due_at_refuses_an_unknown_clock() -> None:
    with pytest.raises(ValueError, match="clock"):
        due_at(sh("2026-09-30 16:00"), Limit.parse("2h"), "lunar", WT)


def test_urgent_gets_a_quarter_on_the_natural_clock() -> None:
    urgent = Limit.parse("10d").scaled(Fraction(1, 4), day_minutes=NATURAL_DAY_MINUTES)
    assert str(urgent) == "3600m"
    assert due_at(sh("2026-09-30 16:00"), urgent, NATURAL, WT) == sh("2026-10-03 04:00")


# --- WorkingTime from other values ---------------------------------------------------------------


def test_another_calendar_from_strings() -> None:
    wt = WorkingTime(timezone="UTC", periods="08:00-12:00", weekdays="123456", holidays={dt.date(2026, 1, 3)})
    assert wt.day_minutes == 240
    start = dt.datetime(2026, 1, 2, 11, 0, tzinfo=UTC)  # Friday
    # Friday 60, Saturday 3 Jan is a holiday, Sunday is off, Monday 08:00 + 60.
    assert wt.add(start, 120) == dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    assert wt.is_working_day(dt.date(2026, 1, 10))  # a Saturday


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "time zone"),
        ({"periods": "13:30-17:30,09:00-12:00"}, "precedes"),
        ({"periods": [(dt.time(9), dt.time(12)), (dt.time(11), dt.time(14))]}, "overlaps"),
        ({"periods": [(dt.time(12), dt.time(9))]}, "ends before"),
        ({"periods": []}, "at least one period"),
        ({"weekdays": "8"}, "weekday"),
        ({"weekdays": set()}, "weekday"),
        ({"holidays": {dt.date(2026, 10, 10)}, "workdays": {dt.date(2026, 10, 10)}}, "both"),
    ],
)
def test_working_time_refuses_bad_settings(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WorkingTime(**kwargs)  # type: ignore[arg-type]


# --- Limit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount", "unit"), [("90m", 90, "m"), ("2h", 2, "h"), ("5d", 5, "d"), (" 1d ", 1, "d")]
)
def test_limit_parse(text: str, amount: int, unit: str) -> None:
    limit = Limit.parse(text)
    assert (limit.amount, limit.unit) == (amount, unit)
    assert str(limit) == text.strip()
    assert Limit.parse(str(limit)) == limit


@pytest.mark.parametrize("text", ["", "90", "m", "0m", "05m", "-5m", "1.5h", "2H", "2 h", "100000m", "5w", "2h30m"])
def test_limit_parse_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a time limit"):
        Limit.parse(text)


def test_limit_constructor_checks() -> None:
    with pytest.raises(ValueError):
        Limit(0, "m")
    with pytest.raises(ValueError):
        Limit(1, "w")  # type: ignore[arg-type]


def test_limit_conversions() -> None:
    assert Limit.parse("90m").working_minutes(420) == 90
    assert Limit.parse("2h").working_minutes(420) == 120
    assert Limit.parse("5d").working_minutes(420) == 2100
    assert Limit.parse("5d").working_minutes(WT.day_minutes) == 2100
    assert Limit.parse("90m").natural_delta() == dt.timedelta(minutes=90)
    assert Limit.parse("2h").natural_delta() == dt.timedelta(hours=2)
    assert Limit.parse("5d").natural_delta() == dt.timedelta(days=5)


@pytest.mark.parametrize(
    ("limit", "fraction", "day_minutes", "scaled"),
    [
        ("2h", Fraction(1, 4), 420, "30m"),
        ("4h", 0.25, 420, "1h"),
        ("8d", "1/4", 420, "2d"),
        ("5d", Fraction(1, 4), 420, "525m"),  # 1.25 working days
        ("5d", Fraction(1, 4), NATURAL_DAY_MINUTES, "1800m"),
        ("3d", Fraction(1, 4), NATURAL_DAY_MINUTES, "1080m"),
        ("90m", 0.25, 420, "23m"),  # 22.5 → rounded up
        ("1m", 0.25, 420, "1m"),
        ("10d", 0.1, 420, "1d"),  # 0.1 read as 1/10 exactly, not as a binary float
        ("1h", 0.1, 420, "6m"),
        ("7m", Decimal("0.5"), 420, "4m"),
        ("2h", 2, 420, "4h"),
    ],
)
def test_limit_scaled(limit: str, fraction: Fraction | float | str | Decimal, day_minutes: int, scaled: str) -> None:
    assert str(Limit.parse(limit).scaled(fraction, day_minutes=day_minutes)) == scaled


@pytest.mark.parametrize("fraction", [0, -0.25, "a quarter", float("nan"), float("inf"), True])
def test_limit_scaled_refuses(fraction: object) -> None:
    with pytest.raises(ValueError):
        Limit.parse("2h").scaled(fraction, day_minutes=420)  # type: ignore[arg-type]


# --- properties ----------------------------------------------------------------------------------

starts_2026 = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2026, 12, 31, 23, 59, 59, 999999),
    timezones=st.sampled_from([SH, UTC]),
)
working_minutes = st.integers(min_value=0, max_value=20000)


@given(start=starts_2026, minutes=working_minutes)
def test_between_undoes_add(start: dt.datetime, minutes: int) -> None:
    assert WT.between(start, WT.add(start, minutes)) == minutes * 60


@given(start=starts_2026, minutes=st.integers(min_value=1, max_value=20000))
def test_add_is_the_first_instant_with_that_much_working_time(start: dt.datetime, minutes: int) -> None:
    due = WT.add(start, minutes)
    # Not a microsecond earlier ...
    assert WT.working_delta(start, due - dt.timedelta(microseconds=1)) < dt.timedelta(minutes=minutes)
    # ... so the deadline falls in working time or at the end of a period (17:30, 12:00).
    local = due.astimezone(SH)
    assert WT.is_working_day(local.date())
    assert any(begin < local.time() <= end for begin, end in WT.periods)


@given(start=starts_2026, m1=working_minutes, m2=working_minutes)
def test_add_is_monotonic_and_additive(start: dt.datetime, m1: int, m2: int) -> None:
    low, high = sorted((m1, m2))
    assert WT.add(start, low) <= WT.add(start, high)
    assert WT.add(WT.add(start, m1), m2) == WT.add(start, m1 + m2)


@given(
    a=starts_2026,
    gaps=st.tuples(
        st.timedeltas(dt.timedelta(0), dt.timedelta(days=40)), st.timedeltas(dt.timedelta(0), dt.timedelta(days=40))
    ),
)
def test_between_is_additive(a: dt.datetime, gaps: tuple[dt.timedelta, dt.timedelta]) -> None:
    b = a + gaps[0]
    c = b + gaps[1]
    assert WT.working_delta(a, b) + WT.working_delta(b, c) == WT.working_delta(a, c)


def _reference_add(start: dt.datetime, minutes: int) -> dt.datetime:
    """Minute by minute, straight from the rules: the test oracle (too slow for the engine)."""
    t = start.astimezone(SH)
    counted = 0
    while counted < minutes:
        day = t.date()
        working_day = day in WORKDAYS_2026 or (day.isoweekday() <= 5 and day not in HOLIDAYS_2026)
        hhmm = (t.hour, t.minute)
        if working_day and ((9, 0) <= hhmm < (12, 0) or (13, 30) <= hhmm < (17, 30)):
            counted += 1
        t += dt.timedelta(minutes=1)
    return t


@settings(max_examples=60)
@given(
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 12, 31, 23, 59)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=SH)
    ),
    minutes=st.integers(min_value=0, max_value=1500),
)
def test_add_agrees_with_a_minute_by_minute_reference(start: dt.datetime, minutes: int) -> None:
    assert WT.add(start, minutes) == _reference_add(start, minutes)


@pytest.mark.parametrize(
    "start",
    ["2026-09-30 16:00", "2026-09-24 10:00", "2026-10-01 00:00", "2026-09-29 12:15", "2026-10-09 17:30"],
)
def test_add_agrees_with_the_reference_around_national_day(start: str) -> None:
    for minutes in (0, 1, 89, 90, 91, 180, 419, 420, 421, 2100, 4200):
        assert WT.add(sh(start), minutes) == _reference_add(sh(start), minutes), minutes


# --- with the database ---------------------------------------------------------------------------


def _load_2026() -> WorkCalendar:
    calendar = default_calendar()
    calendar_days_upsert(calendar=calendar, entries=ENTRIES_2026, source=CalendarDay.Source.CHINESECALENDAR)
    return calendar


@pytest.mark.django_db
def test_for_calendar_reads_the_database_and_sees_edits_at_once() -> None:
    calendar = _load_2026()
    wt = WorkingTime.for_calendar(calendar)
    assert wt.holidays == HOLIDAYS_2026
    assert wt.workdays == WORKDAYS_2026
    assert wt.add(sh("2026-09-30 16:00"), 120) == sh("2026-10-08 09:30")
    # An edit in place (same row count, same ids) counts at once: nothing is cached.
    CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 10, 10)).update(kind=CalendarDay.Kind.HOLIDAY)
    assert not WorkingTime.for_calendar(calendar).is_working_day(dt.date(2026, 10, 10))


@pytest.mark.django_db
def test_the_deadlines_read_the_default_calendar_in_one_query_and_see_edits_at_once(
    django_assert_num_queries,
) -> None:
    from tickets.sla.deadlines import working_time

    calendar = _load_2026()
    WorkCalendar.objects.filter(pk=calendar.pk).update(
        working_hours="08:00-12:00,13:00-17:00", working_weekdays="123456"
    )
    with django_assert_num_queries(1):
        wt = working_time()
    expected = WorkingTime.for_calendar(WorkCalendar.objects.get(pk=calendar.pk))
    assert (wt.holidays, wt.workdays, wt.periods, wt.weekdays, wt.timezone_name) == (
        expected.holidays,
        expected.workdays,
        expected.periods,
        expected.weekdays,
        expected.timezone_name,
    )
    CalendarDay.objects.filter(calendar=calendar, date=dt.date(2026, 10, 10)).update(kind=CalendarDay.Kind.HOLIDAY)
    assert not working_time().is_working_day(dt.date(2026, 10, 10))
    CalendarDay.objects.all().delete()  # no dated days yet: the calendar's own settings still count
    assert working_time().weekdays == frozenset({1, 2, 3, 4, 5, 6})


@pytest.mark.django_db
def test_for_calendar_uses_the_calendar_settings() -> None:
    calendar = WorkCalendar.objects.create(
        name="shifts", timezone="UTC", working_weekdays="1234567", working_hours="08:00-20:00"
    )
    CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 10, 1), kind=CalendarDay.Kind.HOLIDAY)
    wt = WorkingTime.for_calendar(calendar)
    assert wt.day_minutes == 720
    start = dt.datetime(2026, 9, 30, 19, 0, tzinfo=UTC)
    assert wt.add(start, 120) == dt.datetime(2026, 10, 2, 9, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_sla_due_prints_the_design_example() -> None:
    _load_2026()
    out = StringIO()
    call_command("sla_due", "--start", "2026-09-30T16:00+08:00", "--limit", "2h", "--clock", "working", stdout=out)
    assert out.getvalue().strip() == "2026-10-08T09:30:00+08:00"


@pytest.mark.django_db
def test_sla_due_with_the_load_calendar_command_and_other_limits() -> None:
    call_command("load_calendar", "--year", "2026", stdout=StringIO())

    def run(*args: str) -> str:
        out = StringIO()
        call_command("sla_due", *args, stdout=out)
        return out.getvalue().strip()

    assert run("--start", "2026-10-09T15:00+08:00", "--limit", "5d") == "2026-10-15T15:00:00+08:00"
    assert run("--start", "2026-09-30T16:00+08:00", "--limit", "90m") == "2026-09-30T17:30:00+08:00"
    assert run("--start", "2026-09-30T08:00Z", "--limit", "2h") == "2026-10-08T09:30:00+08:00"
    assert run("--start", "2026-09-30T16:00", "--limit", "2h") == "2026-10-08T09:30:00+08:00"  # local time
    natural = ("--start", "2026-09-30T16:00+08:00", "--limit", "5d", "--clock", "natural")
    assert run(*natural) == "2026-10-05T16:00:00+08:00"


@pytest.mark.django_db
def test_sla_due_uses_the_calendar_in_the_database() -> None:
    # Without the 2026 holidays, 1 October is a plain Thursday.
    out = StringIO()
    call_command("sla_due", "--start", "2026-09-30T16:00+08:00", "--limit", "2h", stdout=out)
    assert out.getvalue().strip() == "2026-10-01T09:30:00+08:00"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2026-09-30T16:00+08:00", "--limit", "2x"], "--limit"),
        (["--start", "2026-09-30T16:00+08:00", "--limit", "0m"], "--limit"),
        (["--start", "yesterday", "--limit", "2h"], "--start"),
        (["--start", "2026-09-30T16:00+08:00", "--limit", "2h", "--clock", "lunar"], "lunar"),
        (["--start", "2026-09-30T16:00+08:00"], "--limit"),
        (["--start", "9999-12-31T16:00+08:00", "--limit", "5d"], "9999"),
    ],
)
def test_sla_due_bad_input_is_a_command_error(args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("sla_due", *args, stdout=StringIO())


@pytest.mark.django_db
def test_sla_due_starts_now_by_default() -> None:
    _load_2026()
    out = StringIO()
    with time_machine.travel(sh("2026-09-30 16:00"), tick=False):
        call_command("sla_due", "--limit", "2h", stdout=out)
    assert out.getvalue().strip() == "2026-10-08T09:30:00+08:00"


@pytest.mark.django_db
def test_sla_due_checks_the_clock_and_the_calendar_also_from_code() -> None:
    with pytest.raises(CommandError, match="lunar"):
        call_command("sla_due", limit="2h", clock="lunar", stdout=StringIO())
    WorkCalendar.objects.filter(pk=default_calendar().pk).update(timezone="Mars/Olympus")
    with pytest.raises(CommandError, match="Mars/Olympus"):
        call_command("sla_due", limit="2h", stdout=StringIO())
