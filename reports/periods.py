"""Report periods: weeks (Monday to Monday), assessment months and quarters, in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from servicedesk import clock
from servicedesk.errors import Invalid

SHANGHAI = ZoneInfo("Asia/Shanghai")


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """[start, end) in Asia/Shanghai dates; `kind` is week | month | quarter | custom."""

    start: dt.date
    end: dt.date
    kind: str = "custom"

    @property
    def since(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(0), tzinfo=SHANGHAI)

    @property
    def until(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(0), tzinfo=SHANGHAI)

    def previous(self) -> Period:
        """The period of the same length just before (the previous week / assessment month /
        assessment quarter; for custom periods the same number of days)."""
        if self.kind == "week":
            return Period(self.start - dt.timedelta(days=7), self.start, "week")
        if self.kind in ("month", "quarter"):
            months = 1 if self.kind == "month" else 3
            return Period(_add_months(self.start, -months), self.start, self.kind)
        return Period(self.start - (self.end - self.start), self.start, "custom")


def _start_day() -> int:
    day = int(getattr(settings, "ASSESSMENT_MONTH_START_DAY", 1))
    return min(max(day, 1), 28)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1)


def period_containing(kind: str, at: dt.date) -> Period:
    """The week (Monday to Monday), assessment month (ASSESSMENT_MONTH_START_DAY to the same
    day of the next month) or assessment quarter (three assessment months starting in
    January, April, July or October) that contains `at`."""
    if kind == "week":
        start = at - dt.timedelta(days=at.weekday())
        return Period(start, start + dt.timedelta(days=7), "week")
    if kind not in ("month", "quarter"):
        raise Invalid(
            # Translators: period is the name of the API parameter; week, month, quarter its values
            _("period is week, month or quarter."),
            detail={"period": [_("week, month or quarter.")]},
        )
    first = at.replace(day=_start_day())
    month_start = first if at >= first else _add_months(first, -1)
    if kind == "month":
        return Period(month_start, _add_months(month_start, 1), "month")
    quarter_start = _add_months(month_start, -((month_start.month - 1) % 3))
    return Period(quarter_start, _add_months(quarter_start, 3), "quarter")


def period_from_params(params: Any) -> Period:
    """`period=week|month|quarter` (optionally `at=YYYY-MM-DD`, default today) or
    `from=YYYY-MM-DD&to=YYYY-MM-DD` (to exclusive), dates in Asia/Shanghai."""

    def date_param(name: str) -> dt.date | None:
        raw = params.get(name)
        if raw in (None, ""):
            return None
        try:
            day = dt.date.fromisoformat(str(raw)[:10]) if len(str(raw)) == 10 else _bad(name)
        except ValueError:
            return _bad(name)
        return day if clock.in_range(day) else _out_of_range(name)

    kind = params.get("period")
    start, end = date_param("from"), date_param("to")
    if kind:
        if start or end:
            raise Invalid(
                # Translators: period, from and to are the names of the API parameters
                _("Give either period or from/to, not both."),
                detail={"period": [_("Not with from/to.")]},
            )
        at = date_param("at") or clock.now().astimezone(SHANGHAI).date()
        return period_containing(str(kind), at)
    if start is None or end is None:
        raise Invalid(
            _("Give period=week|month|quarter or from and to."),
            detail={"from": [_("Required.")], "to": [_("Required.")]},
        )
    if end <= start:
        raise Invalid(_("to must be after from."), detail={"to": [_("Must be after from.")]})
    if (end - start).days > 3660:
        raise Invalid(_("The period is at most ten years."), detail={"to": [_("At most ten years after from.")]})
    return Period(start, end, "custom")


def _out_of_range(name: str) -> dt.date:
    message = _("Between %(earliest)s and %(latest)s.") % {"earliest": clock.EARLIEST, "latest": clock.LATEST}
    raise Invalid(
        # Translators: %(name)s is a query parameter: at, from or to
        _("%(name)s is outside the dates the desk reports on.") % {"name": name},
        detail={name: [message]},
    )


def _bad(name: str) -> dt.date:
    raise Invalid(
        # Translators: %(name)s is a query parameter, from or to
        _("%(name)s is a date (YYYY-MM-DD).") % {"name": name},
        detail={name: [_("Use YYYY-MM-DD.")]},
    )


# --- the pages' period names: ?week=2026-W47, ?month=2026-11, ?quarter=2026-Q4 -----------


def period_following(period: Period) -> Period:
    """The period of the same kind just after `period`."""
    if period.kind == "week":
        return Period(period.end, period.end + dt.timedelta(days=7), "week")
    if period.kind in ("month", "quarter"):
        months = 1 if period.kind == "month" else 3
        return Period(period.end, _add_months(period.end, months), period.kind)
    return Period(period.end, period.end + (period.end - period.start), "custom")


def period_name(period: Period) -> str:
    """The page parameter's value for a period: 2026-W47 (ISO week), 2026-11 (the assessment
    month that starts in November), 2026-Q4 (the assessment quarter that starts in October)."""
    if period.kind == "week":
        year, week, _ = period.start.isocalendar()
        return f"{year}-W{week:02d}"
    if period.kind == "month":
        return f"{period.start:%Y-%m}"
    if period.kind == "quarter":
        return f"{period.start.year}-Q{(period.start.month - 1) // 3 + 1}"
    return f"{period.start.isoformat()}/{period.end.isoformat()}"


_FORMATS = {"week": "YYYY-Www", "month": "YYYY-MM", "quarter": "YYYY-Qn"}


def _bad_name(kind: str) -> Invalid:
    example = period_name(period_containing(kind, dt.date(2026, 11, 17)))
    message = _("%(kind)s is %(format)s, e.g. %(example)s.") % {
        "kind": kind,
        "format": _FORMATS[kind],
        "example": example,
    }
    return Invalid(message, detail={kind: [message]})


def _named(kind: str, raw: str) -> Period:
    """The period named `raw` (see period_name); ValueError when it names none."""
    if kind == "week":
        year, sep, week = raw.partition("-W")
        if len(year) != 4 or not sep or len(week) != 2:
            raise ValueError(raw)
        start = dt.date.fromisocalendar(int(year), int(week), 1)
        return Period(start, start + dt.timedelta(days=7), "week")
    if kind == "month":
        year, sep, month = raw.partition("-")
        if len(year) != 4 or not sep or len(month) != 2:
            raise ValueError(raw)
        start = dt.date(int(year), int(month), _start_day())
        return Period(start, _add_months(start, 1), "month")
    year, sep, quarter = raw.partition("-Q")
    if len(year) != 4 or quarter not in ("1", "2", "3", "4"):
        raise ValueError(raw)
    start = dt.date(int(year), (int(quarter) - 1) * 3 + 1, _start_day())
    return Period(start, _add_months(start, 3), "quarter")


def period_from_page(params: Any, kind: str) -> Period:
    """The page's period: `?<kind>=<name>` (see period_name), default the one containing
    today. Raises Invalid for a malformed name or one outside 2000–2100."""
    if kind not in _FORMATS:
        raise Invalid(_("The period is week, month or quarter."))
    raw = str(params.get(kind) or "").strip()
    if not raw:
        return period_containing(kind, clock.now().astimezone(SHANGHAI).date())
    try:
        period = _named(kind, raw)
    except (ValueError, OverflowError):  # OverflowError: a period running past year 9999
        raise _bad_name(kind) from None
    if not 2000 <= period.start.year <= 2100:
        raise _bad_name(kind)
    return period
