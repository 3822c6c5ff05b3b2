"""Which limits a ticket runs on, and its deadlines from them (creation, pause, reopen)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from servicedesk.calendar import default_calendar
from servicedesk.models import ServiceItem

from ..models import Priority, SlaPolicy
from .limits import NATURAL_DAY_MINUTES, Limit
from .worktime import WorkingTime, due_at


@dataclass(frozen=True)
class Plan:
    accept: Limit
    resolve: Limit
    clock: str  # "working" | "natural"


def working_time() -> WorkingTime:
    """The default calendar's working time, read now (an edit counts at once): one query
    for the calendar and its dated days together (two for a calendar without days, or
    none yet)."""
    from servicedesk.models import CalendarDay

    rows = list(
        CalendarDay.objects.filter(calendar__is_default=True).values_list(
            "date", "kind", "calendar__timezone", "calendar__working_hours", "calendar__working_weekdays"
        )
    )
    if not rows:  # no dated days: the calendar's week and hours alone
        calendar = default_calendar()
        return WorkingTime(
            timezone=calendar.timezone, periods=calendar.working_hours, weekdays=calendar.working_weekdays
        )
    _, _, timezone, hours, weekdays = rows[0]
    return WorkingTime(
        timezone=timezone,
        periods=hours,
        weekdays=weekdays,
        holidays=[day for day, kind, *_ in rows if kind == CalendarDay.Kind.HOLIDAY],
        workdays=[day for day, kind, *_ in rows if kind != CalendarDay.Kind.HOLIDAY],
    )


def plan_for(*, service_item: ServiceItem, kind: str, priority: str, policy: SlaPolicy, wt: WorkingTime) -> Plan:
    """The service item's own limits, else the kind's default; urgent runs on the policy's
    clock (natural by default) with a fraction (a quarter by default) of the limits."""
    accept = Limit.parse(service_item.accept_limit or policy.default_accept_limit)
    resolve = Limit.parse(service_item.resolve_limit or policy.resolve_limit_for(kind))
    clock = service_item.clock
    if priority == Priority.URGENT:
        clock = policy.urgent_clock
        day = wt.day_minutes if clock == "working" else NATURAL_DAY_MINUTES
        fraction = policy.urgent_fraction
        accept, resolve = accept.scaled(fraction, day_minutes=day), resolve.scaled(fraction, day_minutes=day)
    return Plan(accept=accept, resolve=resolve, clock=clock)


def initial_deadlines(*, start: datetime, plan: Plan, wt: WorkingTime) -> tuple[datetime, datetime]:
    return due_at(start, plan.accept, plan.clock, wt), due_at(start, plan.resolve, plan.clock, wt)


def resolve_due(*, start: datetime, plan: Plan, wt: WorkingTime) -> datetime:
    return due_at(start, plan.resolve, plan.clock, wt)


def limit_due(*, start: datetime, limit: str, clock: str, wt: WorkingTime) -> datetime:
    return due_at(start, Limit.parse(limit), clock, wt)


def pushed_by_pause(
    *, due: datetime, paused_from: datetime, paused_to: datetime, clock: str, wt: WorkingTime
) -> datetime:
    """`due` moved later by the time the ticket was paused, measured on its clock (exact)."""
    if clock == "natural":
        return due + (paused_to - paused_from)
    return wt.add_working(due, wt.working_delta(paused_from, paused_to))
