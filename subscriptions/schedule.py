"""Which sheets are due on a day, on the working calendar.

- The weekly dispatch sheet covers the week it is sent in; it goes out on the week's first
  working day (a holiday Monday: the next working day; a week without one: not at all).
- The monthly ranking covers the assessment month just ended, the quarterly bulletin the
  assessment quarter just ended; each goes out on the first working day on or after the
  period's end.
- A sheet stays due for a few days after its day (CATCH_UP_DAYS), so a desk that was down on
  Monday sends on Tuesday; the deliveries' rows keep it to once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from reports.downloads import PERIOD_KIND, SHEETS, Sheet
from reports.periods import Period, period_containing
from tickets.sla.worktime import WorkingTime

CATCH_UP_DAYS = {"week": 5, "month": 15, "quarter": 20}
SEARCH_DAYS = 40  # the longest run of days without a working day that is looked through


@dataclass(frozen=True)
class Due:
    sheet: Sheet
    period: Period
    send_day: dt.date


def first_working_day(day: dt.date, wt: WorkingTime, *, before: dt.date | None = None) -> dt.date | None:
    """The first working day on or after `day` (and before `before`), or None."""
    for offset in range(SEARCH_DAYS):
        candidate = day + dt.timedelta(days=offset)
        if before is not None and candidate >= before:
            return None
        if wt.is_working_day(candidate):
            return candidate
    return None


def period_of(sheet: Sheet, today: dt.date) -> tuple[Period, dt.date]:
    """The period the sheet sent around `today` covers, and the day from which it is sent."""
    kind = PERIOD_KIND[sheet]
    current = period_containing(kind, today)
    if sheet == "dispatch":
        return current, current.start
    previous = period_containing(kind, current.start - dt.timedelta(days=1))
    return previous, previous.end


def due_on(today: dt.date, wt: WorkingTime | None = None) -> list[Due]:
    """The sheets to send on `today` (a local date), each with its period."""
    wt = wt or WorkingTime.default()
    found = []
    for sheet in SHEETS:
        period, anchor = period_of(sheet, today)
        before = period.end if sheet == "dispatch" else None
        send_day = first_working_day(anchor, wt, before=before)
        if send_day is None:
            continue
        if send_day <= today < send_day + dt.timedelta(days=CATCH_UP_DAYS[PERIOD_KIND[sheet]]):
            found.append(Due(sheet, period, send_day))
    return found
