"""Working-time arithmetic: "when have N working minutes elapsed since this instant?" and
"how much working time lies between these two instants?".

Working time is the periods of a working day (09:00–12:00 and 13:30–17:30 by default, wall
clock in the calendar's time zone) on the working days: the working weekdays, minus the
holidays, plus the make-up working days (调休). The computations walk day by day and period by
period, never minute by minute; whole working days and whole weeks without a dated exception
are skipped in one step, so a deadline 10 working days out costs a few dozen operations.

Time zones: everything is computed on the calendar's wall clock and returned as aware UTC
datetimes. The calendar's default, Asia/Shanghai, has no daylight saving time; for a zone
with DST a period that contains a clock change would be counted by its wall-clock length."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .limits import Limit

if TYPE_CHECKING:
    from servicedesk.models import WorkCalendar

Period = tuple[dt.time, dt.time]

DEFAULT_TIMEZONE = "Asia/Shanghai"
DEFAULT_PERIODS: tuple[Period, ...] = ((dt.time(9, 0), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))
DEFAULT_WEEKDAYS: frozenset[int] = frozenset({1, 2, 3, 4, 5})

WORKING = "working"
NATURAL = "natural"

_ZERO = dt.timedelta(0)
_DAY = dt.timedelta(days=1)
_WEEK = dt.timedelta(days=7)
_SECOND = dt.timedelta(seconds=1)


def _aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, not {value!r}")


class WorkingTime:
    """A working calendar in memory. Build it from a WorkCalendar with `for_calendar()` (one
    query for its dated exceptions) or from plain values (no database needed).

    Every method takes aware datetimes in any zone and returns aware datetimes in UTC."""

    def __init__(
        self,
        *,
        timezone: str = DEFAULT_TIMEZONE,
        periods: Sequence[Period] | str = DEFAULT_PERIODS,
        weekdays: Iterable[int] | str = DEFAULT_WEEKDAYS,
        holidays: Iterable[dt.date] = (),
        workdays: Iterable[dt.date] = (),
    ) -> None:
        from servicedesk.validators import parse_periods, parse_weekdays

        try:
            self.tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {timezone!r}") from exc
        self.timezone_name = timezone
        if isinstance(periods, str):
            periods = parse_periods(periods)
        self.periods: tuple[Period, ...] = _checked_periods(periods)
        if isinstance(weekdays, str):
            self.weekdays = parse_weekdays(weekdays)
        else:
            self.weekdays = parse_weekdays("".join(str(d) for d in weekdays))
        self.holidays: frozenset[dt.date] = frozenset(holidays)
        self.workdays: frozenset[dt.date] = frozenset(workdays)
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"a day cannot be both a holiday and a make-up working day: {min(both)}")
        # Offsets of the periods from midnight, and the working time of a normal day and week.
        self._spans: tuple[tuple[dt.timedelta, dt.timedelta], ...] = tuple(
            (_since_midnight(s), _since_midnight(e)) for s, e in self.periods
        )
        self.day_length: dt.timedelta = sum((e - s for s, e in self._spans), _ZERO)
        self._week_length = self.day_length * len(self.weekdays)
        self._exceptions: list[dt.date] = sorted(self.holidays | self.workdays)

    # --- construction from the database -------------------------------------------------------

    @classmethod
    def for_calendar(cls, calendar: WorkCalendar) -> WorkingTime:
        """The calendar with its CalendarDay rows, loaded now (one query, a few dozen rows a
        year). Nothing is cached across calls, so an edit in the admin counts at once in every
        process; when computing many deadlines in a row (a sweep), build one and reuse it."""
        from servicedesk.models import CalendarDay

        holidays: set[dt.date] = set()
        workdays: set[dt.date] = set()
        for day, kind in calendar.days.values_list("date", "kind"):
            (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
        return cls(
            timezone=calendar.timezone,
            periods=calendar.working_hours,
            weekdays=calendar.working_weekdays,
            holidays=holidays,
            workdays=workdays,
        )

    @classmethod
    def default(cls) -> WorkingTime:
        """The default calendar's working time (servicedesk.calendar.default_calendar())."""
        from servicedesk.calendar import default_calendar

        return cls.for_calendar(default_calendar())

    def __repr__(self) -> str:
        hours = ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self.periods)
        return (
            f"<WorkingTime {self.timezone_name} {hours} weekdays={''.join(map(str, sorted(self.weekdays)))} "
            f"holidays={len(self.holidays)} workdays={len(self.workdays)}>"
        )

    # --- days ---------------------------------------------------------------------------------

    @property
    def day_minutes(self) -> int:
        """Working minutes of a normal working day (420 for 09:00–12:00 + 13:30–17:30);
        "1d" on the working clock. Exact for periods in whole minutes (seconds are floored)."""
        return int(self.day_length // dt.timedelta(minutes=1))

    def is_working_day(self, day: dt.date) -> bool:
        """A working weekday that is not a holiday, or a make-up working day."""
        if day in self.workdays:
            return True
        return day.isoweekday() in self.weekdays and day not in self.holidays

    def _plain_week_from(self, day: dt.date) -> bool:
        """No holiday nor make-up day in [day, day + 7): the week holds exactly `_week_length`."""
        i = bisect.bisect_left(self._exceptions, day)
        return i == len(self._exceptions) or self._exceptions[i] >= day + _WEEK

    # --- arithmetic ---------------------------------------------------------------------------

    def local(self, instant: dt.datetime) -> dt.datetime:
        """`instant` on the calendar's wall clock (aware, in the calendar's zone)."""
        _aware(instant, "instant")
        return instant.astimezone(self.tz)

    def add(self, start: dt.datetime, minutes: int) -> dt.datetime:
        """The instant when `minutes` working minutes have elapsed since `start`.

        Counting starts at the first working instant at or after `start` (a start in the lunch
        break, out of hours, on a weekend or a holiday waits for the next period). A deadline
        that uses up the last minute of a period is due at the end of that period (17:30, not
        the next morning). `minutes == 0` gives `start` itself."""
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            raise TypeError(f"minutes must be an int, not {minutes!r}")
        if minutes < 0:
            raise ValueError(f"minutes must not be negative, not {minutes}")
        return self.add_working(start, dt.timedelta(minutes=minutes))

    def add_working(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """Like `add()`, for any non-negative amount of working time (seconds, microseconds)."""
        _aware(start, "start")
        if amount < _ZERO:
            raise ValueError(f"the working time to add must not be negative, not {amount}")
        if amount == _ZERO:
            return start.astimezone(dt.UTC)
        wall = start.astimezone(self.tz).replace(tzinfo=None)
        day = wall.date()
        offset = wall - dt.datetime.combine(day, dt.time(0))  # time since local midnight
        remaining = amount
        try:
            while True:
                if self.is_working_day(day):
                    if offset == _ZERO and remaining > self.day_length:
                        remaining -= self.day_length  # a whole working day
                    else:
                        for begin, end in self._spans:
                            if offset >= end:
                                continue
                            since = max(begin, offset)
                            available = end - since
                            if remaining <= available:
                                return self._instant(day, since + remaining)
                            remaining -= available
                day += _DAY
                offset = _ZERO
                # Whole weeks without a dated exception go in one step.
                while remaining > self._week_length and self._plain_week_from(day):
                    remaining -= self._week_length
                    day += _WEEK
        except OverflowError:
            raise ValueError(f"{amount} of working time from {start.isoformat()} ends after the year 9999") from None

    def between(self, a: dt.datetime, b: dt.datetime) -> int:
        """Whole seconds of working time between `a` and `b` (0 when `b <= a`)."""
        return int(self.working_delta(a, b) // _SECOND)

    def working_delta(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """The working time between `a` and `b`, exact (a timedelta; zero when `b <= a`)."""
        _aware(a, "a")
        _aware(b, "b")
        if b <= a:
            return _ZERO
        wall_a = a.astimezone(self.tz).replace(tzinfo=None)
        wall_b = b.astimezone(self.tz).replace(tzinfo=None)
        first, last = wall_a.date(), wall_b.date()
        from_a = wall_a - dt.datetime.combine(first, dt.time(0))
        to_b = wall_b - dt.datetime.combine(last, dt.time(0))
        if first == last:
            return self._within_day(first, from_a, to_b)
        total = self._within_day(first, from_a, _DAY)
        day = first + _DAY
        while day < last:
            if day + _WEEK <= last and self._plain_week_from(day):
                total += self._week_length
                day += _WEEK
                continue
            if self.is_working_day(day):
                total += self.day_length
            day += _DAY
        return total + self._within_day(last, _ZERO, to_b)

    def add_natural(self, start: dt.datetime, delta: dt.timedelta) -> dt.datetime:
        """`start + delta` in elapsed time (the natural clock ignores the calendar)."""
        _aware(start, "start")
        if delta < _ZERO:
            raise ValueError(f"the time to add must not be negative, not {delta}")
        try:
            return start.astimezone(dt.UTC) + delta
        except OverflowError:
            raise ValueError(f"{delta} from {start.isoformat()} ends after the year 9999") from None

    # --- helpers ------------------------------------------------------------------------------

    def _within_day(self, day: dt.date, since: dt.timedelta, until: dt.timedelta) -> dt.timedelta:
        """Working time of `day` between two offsets from its midnight."""
        if since >= until or not self.is_working_day(day):
            return _ZERO
        total = _ZERO
        for begin, end in self._spans:
            low, high = max(begin, since), min(end, until)
            if high > low:
                total += high - low
        return total

    def _instant(self, day: dt.date, offset: dt.timedelta) -> dt.datetime:
        wall = dt.datetime.combine(day, dt.time(0)) + offset
        return wall.replace(tzinfo=self.tz).astimezone(dt.UTC)


def _checked_periods(periods: Sequence[Period]) -> tuple[Period, ...]:
    """The rules of the admin's `parse_periods`: at least one, each non-empty, ordered, not overlapping."""
    checked: list[Period] = []
    for begin, end in periods:
        if begin.tzinfo is not None or end.tzinfo is not None:
            raise ValueError("working periods are wall-clock times without a time zone")
        if begin >= end:
            raise ValueError(f"the period {begin}-{end} ends before it starts")
        if checked and begin < checked[-1][1]:
            raise ValueError(f"the period {begin}-{end} overlaps or precedes the period before it")
        checked.append((begin, end))
    if not checked:
        raise ValueError("a working day needs at least one period, e.g. 09:00-12:00")
    return tuple(checked)


def _since_midnight(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second, microseconds=t.microsecond)


def due_at(start: dt.datetime, limit: Limit, clock: str, wt: WorkingTime) -> dt.datetime:
    """When `limit` runs out from `start`: on the working clock `limit` is working time (a day
    is `wt.day_minutes`), on the natural clock elapsed time (a day is 24 hours). Aware, UTC."""
    if clock == WORKING:
        return wt.add(start, limit.working_minutes(wt.day_minutes))
    if clock == NATURAL:
        return wt.add_natural(start, limit.natural_delta())
    raise ValueError(f"clock must be {WORKING!r} or {NATURAL!r}, not {clock!r}")
