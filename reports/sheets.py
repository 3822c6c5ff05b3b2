"""The pages' figures beyond the audit itself: the weekly dispatch sheet (每周一调度), the
quarterly bulletin (每季一通报) and the dashboard's counts, lists and weekly medians.

Like the audit, every count is one grouped query; the query count does not depend on the
number of tickets or of units."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext_lazy

from servicedesk import clock
from servicedesk.models import User
from tickets.models import BAD_SCORE_MAX, COUNTED, OPEN_STATUSES, ExtensionRequest, Rating, SupervisionOrder, Ticket
from tickets.sla import spent
from tickets.sla.worktime import WorkingTime

from .audit import Report, ReportRow, report_for, require_manager, ticket_scope, units_in_scope
from .periods import SHANGHAI, Period, period_containing

# --- 每周一调度: the weekly dispatch sheet ---------------------------------------------------


@dataclass
class DispatchRow:
    officer_id: int
    name: str
    received: int = 0
    open: int = 0
    due_this_week: int = 0
    overdue_now: int = 0
    pending_extensions: int = 0
    supervision_open: int = 0


DISPATCH_COLUMNS: tuple[str, ...] = (
    "officer_id",
    "name",
    "received",
    "open",
    "due_this_week",
    "overdue_now",
    "pending_extensions",
    "supervision_open",
)
#: The dispatch sheet's columns as the web page's download heads them.
DISPATCH_LABELS: dict[str, Any] = {
    "officer_id": gettext_lazy("ID"),
    "name": gettext_lazy("Officer"),
    "received": gettext_lazy("Received this week"),
    "open": gettext_lazy("Open now"),
    "due_this_week": gettext_lazy("Due this week"),
    "overdue_now": gettext_lazy("Overdue now"),
    "pending_extensions": gettext_lazy("Extensions pending"),
    "supervision_open": gettext_lazy("Supervision orders open"),
}


def dispatch_sheet(*, user: User, period: Period) -> list[DispatchRow]:
    """Per officer in the manager's scope (by the tickets they own, 首问): tickets received in
    the week; open now; open and due to be resolved within the week; overdue now; extension
    requests waiting for a decision; supervision orders not yet answered. Most urgent first."""
    require_manager(user)
    figures: dict[int, dict[str, Any]] = defaultdict(dict)
    is_open = Q(status__in=OPEN_STATUSES)
    tickets = (
        Ticket.objects.filter(ticket_scope(user), COUNTED, owner__isnull=False)
        .filter(is_open | Q(created_at__gte=period.since, created_at__lt=period.until))
        .values(unit=F("owner_id"))
        .order_by()
        .annotate(
            received=Count("pk", filter=Q(created_at__gte=period.since, created_at__lt=period.until)),
            open=Count("pk", filter=is_open),
            due_this_week=Count(
                "pk", filter=is_open & Q(resolve_due_at__gte=period.since, resolve_due_at__lt=period.until)
            ),
            overdue_now=Count("pk", filter=is_open & Q(overdue=True)),
        )
    )
    for entry in tickets:
        figures[entry["unit"]].update({k: v for k, v in entry.items() if k != "unit"})
    scope = ticket_scope(user, "ticket__")
    pending = ExtensionRequest.objects.filter(scope, status=ExtensionRequest.Status.PENDING)
    unanswered = SupervisionOrder.objects.filter(scope, answered_at__isnull=True)
    _count_by_owner(pending, "pending_extensions", figures)
    _count_by_owner(unanswered, "supervision_open", figures)
    officers = units_in_scope("officers", user)
    rows = [DispatchRow(officer_id=pk, name=name, **figures.get(pk, {})) for pk, name in officers]
    rows.sort(key=lambda r: (-r.overdue_now, -r.supervision_open, -r.due_this_week, -r.open, r.name, r.officer_id))
    return rows


def _count_by_owner(qs: QuerySet[Any], name: str, figures: dict[int, dict[str, Any]]) -> None:
    grouped = qs.exclude(ticket__owner=None).values(unit=F("ticket__owner_id")).order_by().annotate(n=Count("pk"))
    for entry in grouped:
        figures[entry["unit"]][name] = entry["n"]


# --- 每季一通报: the quarterly bulletin ------------------------------------------------------


@dataclass
class Bulletin:
    period: Period
    parks: Report
    departments: Report
    officers: Report

    @property
    def red_list(self) -> list[ReportRow]:
        return [r for r in self.officers.rows if r.red_list]

    @property
    def black_list(self) -> list[ReportRow]:
        return [r for r in self.officers.rows if r.black_list]

    @property
    def talks(self) -> list[ReportRow]:
        return [r for r in self.officers.rows if r.flagged_talk]

    @property
    def last(self) -> list[ReportRow]:
        return [r for r in self.officers.rows if r.flagged_last]

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the parks (every ticket belongs to exactly one park)."""
        names = ("received", "overdue_now", "escalations", "supervision_orders", "extensions_approved")
        return {name: sum(getattr(r, name) for r in self.parks.rows) for name in names}


def bulletin_for(*, user: User, period: Period) -> Bulletin:
    """The audit of the quarter by park, department and officer (three reports)."""
    require_manager(user)
    return Bulletin(
        period=period,
        parks=report_for(user=user, level="parks", period=period),
        departments=report_for(user=user, level="departments", period=period),
        officers=report_for(user=user, level="officers", period=period),
    )


# --- the dashboard --------------------------------------------------------------------------


@dataclass
class OpenCount:
    unit_id: int
    name: str
    open: int
    due_today: int
    overdue: int


def open_counts(*, user: User, by: Literal["park", "department"]) -> list[OpenCount]:
    """Open tickets, those due (for resolution) today and those overdue, per park or per
    handling department in the manager's scope: one grouped query."""
    require_manager(user)
    today = clock.now().astimezone(SHANGHAI).date()
    day = Period(today, today + dt.timedelta(days=1))
    rows = (
        Ticket.objects.filter(ticket_scope(user), status__in=OPEN_STATUSES)
        .values(unit=F(f"{by}_id"), label=F(f"{by}__name"))
        .order_by("label", "unit")
        .annotate(
            open=Count("pk"),
            due_today=Count("pk", filter=Q(resolve_due_at__gte=day.since, resolve_due_at__lt=day.until)),
            overdue=Count("pk", filter=Q(overdue=True)),
        )
    )
    return [OpenCount(r["unit"], r["label"], r["open"], r["due_today"], r["overdue"]) for r in rows]


@dataclass
class Waiting:
    pending_extensions: int
    unchecked_bad_reviews: int


def waiting_for(*, user: User) -> Waiting:
    """Extension requests waiting for a decision and bad reviews (1–2) waiting for a check."""
    require_manager(user)
    scope = ticket_scope(user, "ticket__")
    return Waiting(
        pending_extensions=ExtensionRequest.objects.filter(scope, status=ExtensionRequest.Status.PENDING).count(),
        unchecked_bad_reviews=Rating.objects.filter(scope, score__lte=BAD_SCORE_MAX, review_verdict="").count(),
    )


def unchecked_bad_reviews(*, user: User, limit: int = 10) -> list[Rating]:
    """The oldest bad reviews still waiting for a check (checked on the ticket's page)."""
    require_manager(user)
    scope = ticket_scope(user, "ticket__")
    return list(
        Rating.objects.filter(scope, score__lte=BAD_SCORE_MAX, review_verdict="")
        .select_related("ticket", "ticket__enterprise")
        .order_by("created_at", "pk")[:limit]
    )


def rectifications_in_progress(*, user: User, limit: int = 20) -> list[Ticket]:
    """Open rectification tickets (整改), the soonest due first."""
    require_manager(user)
    return list(
        Ticket.objects.filter(ticket_scope(user), is_rectification=True, status__in=OPEN_STATUSES)
        .select_related("enterprise", "assignee", "owner")
        .order_by(F("resolve_due_at").asc(nulls_last=True), "pk")[:limit]
    )


@dataclass
class WeekPoint:
    period: Period
    tickets: int = 0
    first_response_median: float | None = None
    resolution_median: float | None = None
    first_response: list[float] = field(default_factory=list, repr=False)
    resolution: list[float] = field(default_factory=list, repr=False)


def weekly_medians(*, user: User, weeks: int = 12) -> list[WeekPoint]:
    """Median first-response and resolution time in working minutes, per week (by the week a
    ticket was filed, the database's TruncWeek in Asia/Shanghai), over the last `weeks` weeks
    including the current one. One query of a row a ticket: its week and the working seconds
    stored with it (tickets.sla.spent; the calendar's holidays and make-up days are in them);
    the medians in Python, as in the audit (SQLite has no median)."""
    require_manager(user)
    current = period_containing("week", clock.now().astimezone(SHANGHAI).date())
    first = Period(current.start - dt.timedelta(days=7 * (weeks - 1)), current.start + dt.timedelta(days=7), "week")
    points = [
        WeekPoint(Period(first.start + dt.timedelta(days=7 * i), first.start + dt.timedelta(days=7 * (i + 1)), "week"))
        for i in range(weeks)
    ]
    wt = WorkingTime.default()
    by_start = {point.period.start: point for point in points}
    spans = spent.with_times(
        Ticket.objects.filter(ticket_scope(user), COUNTED, created_at__gte=first.since, created_at__lt=current.until)
        .annotate(week=TruncWeek("created_at", tzinfo=SHANGHAI))
        .order_by(),
        "week",
    )
    for week, first_seconds, resolution_seconds, filed, responded, resolved in spans.iterator(chunk_size=5000):
        point = by_start.get(week.astimezone(SHANGHAI).date())
        if point is None:
            continue
        point.tickets += 1
        if (value := spent.minutes(wt, first_seconds, filed, responded)) is not None:
            point.first_response.append(value)
        if (value := spent.minutes(wt, resolution_seconds, filed, resolved)) is not None:
            point.resolution.append(value)
    for point in points:
        if point.first_response:
            point.first_response_median = round(float(statistics.median(point.first_response)), 1)
        if point.resolution:
            point.resolution_median = round(float(statistics.median(point.resolution)), 1)
        point.first_response, point.resolution = [], []
    return points
