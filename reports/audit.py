"""The managers' audit (考核): figures per officer, department or park over [start, end), a
weighted ranking with red and black lists, and the 末位 / 约谈 flags.

Every figure is aggregated by the database, one grouped query per source table; the only
Python pass is over (unit, created_at, first_response_at, resolved_at) tuples of the
period's tickets, because working minutes come from the calendar (tickets.sla.worktime).
The query count does not depend on the number of tickets or of units."""

from __future__ import annotations

import bisect
import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from servicedesk import clock
from servicedesk.errors import Forbidden, Invalid
from servicedesk.models import Department, Park, User
from servicedesk.selectors import is_admin, is_zone_manager
from tickets.models import (
    BAD_SCORE_MAX,
    COUNTED,
    OPEN_STATUSES,
    Escalation,
    ExtensionRequest,
    Rating,
    ReviewVerdict,
    Status,
    SupervisionOrder,
    Ticket,
)
from tickets.sla import spent
from tickets.sla.worktime import WorkingTime
from visits.models import Visit

from .periods import Period

Level = Literal["officers", "departments", "parks"]
LEVELS: tuple[Level, ...] = ("officers", "departments", "parks")
# The ticket field a unit is accountable through: the owner (首问责任制), the handling
# department, the park.
_TICKET_KEY: dict[Level, str] = {"officers": "owner_id", "departments": "department_id", "parks": "park_id"}
_VISIT_KEY: dict[Level, str] = {
    "officers": "officer_id",
    "departments": "officer__department_id",
    "parks": "enterprise__park_id",
}


# --- weights ------------------------------------------------------------------------------


def report_weights() -> dict[str, float]:
    """REPORT_WEIGHTS: acceptance / resolution / satisfaction (default 0.3 / 0.3 / 0.4)."""
    raw = getattr(settings, "REPORT_WEIGHTS", None) or {}
    weights = {"acceptance": 0.3, "resolution": 0.3, "satisfaction": 0.4}
    weights.update({k: float(v) for k, v in dict(raw).items() if k in weights})
    return weights


# --- figures ------------------------------------------------------------------------------


def _rate(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _median(values: list[float]) -> float | None:
    return round(float(statistics.median(values)), 1) if values else None


def _p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile: the smallest value with at least 90 % at or below it."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[math.ceil(0.9 * len(ordered)) - 1], 1)


@dataclass
class ReportRow:
    unit_id: int
    name: str
    received: int = 0
    accepted_on_time: int = 0
    acceptance_due: int = 0
    first_response_count: int = 0
    first_response_median: float | None = None
    first_response_p90: float | None = None
    resolved_on_time: int = 0
    resolution_due: int = 0
    resolution_count: int = 0
    resolution_median: float | None = None
    overdue_now: int = 0
    escalations: int = 0
    supervision_orders: int = 0
    extensions_approved: int = 0
    satisfied: int = 0
    rated: int = 0
    default_ratings: int = 0
    valid_bad_reviews: int = 0
    return_visits: int = 0
    visits: int = 0
    score: float | None = None
    rank: int | None = None
    red_list: bool = False
    black_list: bool = False
    flagged_last: bool = False
    flagged_talk: bool = False

    @property
    def acceptance_rate(self) -> float | None:
        return _rate(self.accepted_on_time, self.acceptance_due)

    @property
    def resolution_rate(self) -> float | None:
        return _rate(self.resolved_on_time, self.resolution_due)

    @property
    def satisfaction_rate(self) -> float | None:
        return _rate(self.satisfied, self.rated)

    @property
    def return_visit_rate(self) -> float | None:
        return _rate(self.return_visits, self.valid_bad_reviews)

    @property
    def score_points(self) -> float | None:
        """The score as points out of 100, one decimal: how the pages and sheets show it."""
        return None if self.score is None else round(self.score * 100, 1)

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COLUMNS}


COLUMNS: tuple[str, ...] = (
    "unit_id",
    "name",
    "received",
    "accepted_on_time",
    "acceptance_due",
    "acceptance_rate",
    "first_response_count",
    "first_response_median",
    "first_response_p90",
    "resolved_on_time",
    "resolution_due",
    "resolution_rate",
    "resolution_count",
    "resolution_median",
    "overdue_now",
    "escalations",
    "supervision_orders",
    "extensions_approved",
    "satisfied",
    "rated",
    "satisfaction_rate",
    "default_ratings",
    "valid_bad_reviews",
    "return_visits",
    "return_visit_rate",
    "visits",
    "score",
    "rank",
    "red_list",
    "black_list",
    "flagged_last",
    "flagged_talk",
)


#: How the web pages' downloads head each column (the API's downloads keep the names above).
COLUMN_LABELS: dict[str, Any] = {
    "unit_id": gettext_lazy("ID"),
    "name": gettext_lazy("Name"),
    "received": gettext_lazy("Received"),
    "accepted_on_time": gettext_lazy("Accepted on time"),
    "acceptance_due": pgettext_lazy("report column: tickets whose acceptance fell due", "Acceptance due"),
    "acceptance_rate": gettext_lazy("Acceptance rate"),
    "first_response_count": gettext_lazy("First responses"),
    "first_response_median": gettext_lazy("First response, median (working min)"),
    "first_response_p90": gettext_lazy("First response, p90 (working min)"),
    "resolved_on_time": gettext_lazy("Resolved on time"),
    "resolution_due": pgettext_lazy("report column: tickets whose resolution fell due", "Resolution due"),
    "resolution_rate": gettext_lazy("Resolution rate"),
    "resolution_count": gettext_lazy("Resolutions"),
    "resolution_median": gettext_lazy("Resolution, median (working min)"),
    "overdue_now": gettext_lazy("Overdue now"),
    "escalations": gettext_lazy("Escalations"),
    "supervision_orders": gettext_lazy("Supervision orders"),
    "extensions_approved": gettext_lazy("Extensions approved"),
    "satisfied": gettext_lazy("Satisfied"),
    "rated": gettext_lazy("Rated"),
    "satisfaction_rate": gettext_lazy("Satisfaction rate"),
    "default_ratings": gettext_lazy("Default ratings"),
    "valid_bad_reviews": gettext_lazy("Valid bad reviews"),
    "return_visits": gettext_lazy("Return visits"),
    "return_visit_rate": gettext_lazy("Return visit rate"),
    "visits": gettext_lazy("Enterprise visits"),
    "score": gettext_lazy("Score (of 100)"),
    "rank": gettext_lazy("Rank"),
    "red_list": gettext_lazy("Honour roll"),
    "black_list": gettext_lazy("Watch list"),
    "flagged_last": gettext_lazy("Last place"),
    "flagged_talk": gettext_lazy("Called to a talk"),
}


@dataclass
class Report:
    level: Level
    period: Period
    weights: dict[str, float]
    rows: list[ReportRow] = field(default_factory=list)

    @property
    def red_list(self) -> list[int]:
        return [r.unit_id for r in self.rows if r.red_list]

    @property
    def black_list(self) -> list[int]:
        return [r.unit_id for r in self.rows if r.black_list]


# --- scope --------------------------------------------------------------------------------


def require_manager(user: User) -> None:
    if not (is_admin(user) or user.role == User.Role.MANAGER):
        raise Forbidden(_("Only managers and administrators read reports."))


def ticket_scope(user: User, prefix: str = "") -> Q:
    """Park manager: their park's tickets; department head: their department's; zone
    managers and admins: all."""
    if is_admin(user) or is_zone_manager(user):
        return Q()
    if user.park_id:
        return Q(**{f"{prefix}park_id": user.park_id})
    return Q(**{f"{prefix}department_id": user.department_id})


def scope_name(user: User) -> str:
    """What a manager's figures cover, in words: the whole zone, their park or their department."""
    if is_admin(user) or is_zone_manager(user):
        return _("the whole zone")
    if user.park_id:
        park = Park.objects.filter(pk=user.park_id).values_list("name", flat=True).first()
        return park or _("your park")
    department = Department.objects.filter(pk=user.department_id or 0).values_list("name", flat=True).first()
    return department or _("your department")


def _visit_scope(user: User) -> Q:
    if is_admin(user) or is_zone_manager(user):
        return Q()
    if user.park_id:
        return Q(enterprise__park_id=user.park_id)
    return Q(officer__department_id=user.department_id)


def units_in_scope(level: Level, user: User) -> list[tuple[int, str]]:
    """The rows of the report: the units in the manager's scope, with their names."""
    everything = is_admin(user) or is_zone_manager(user)
    if level == "officers":
        officers = User.objects.filter(role=User.Role.OFFICER)
        if not everything:
            officers = officers.filter(
                Q(department__park_id=user.park_id)
                | Q(department__park__isnull=True)  # zone-level departments serve every park
                | Q(chief_of__park_id=user.park_id)
                | Q(deputy_of__park_id=user.park_id)
                if user.park_id
                else Q(department_id=user.department_id)
            )
        return [
            (pk, display or username)
            for pk, display, username in officers.distinct()
            .order_by("pk")
            .values_list("pk", "display_name", "username")
        ]
    qs: QuerySet[Department] | QuerySet[Park]
    if level == "departments":
        qs = Department.objects.all()
        if not everything:
            qs = (
                qs.filter(Q(park_id=user.park_id) | Q(park__isnull=True))
                if user.park_id
                else qs.filter(Q(pk=user.department_id))
            )
    else:
        qs = Park.objects.all()
        if not everything and user.park_id:
            qs = qs.filter(pk=user.park_id)
    return list(qs.order_by("pk").values_list("pk", "name"))


# --- the report ---------------------------------------------------------------------------


def _figures(
    level: Level, user: User, period: Period, wt: WorkingTime, *, times: bool = True, ranking_only: bool = False
) -> dict[int, dict[str, Any]]:
    """{unit id: figures} for the period, in a constant number of grouped queries, each bounded
    by the period on an indexed column. Without `times`, the working-minute figures are left
    out: they weigh nothing in the score, and they are the costly part (a row per ticket of the
    period, read into Python for the medians). `ranking_only` keeps what the score and the ranking
    read (received, the on-time counts, the ratings): two queries, for the previous period."""
    since, until, now = period.since, period.until, clock.now()
    times = times and not ranking_only
    key = _TICKET_KEY[level]
    in_period = Q(created_at__gte=since, created_at__lt=until)
    figures: dict[int, dict[str, Any]] = defaultdict(dict)

    # a duplicate merged into its primary is counted once, as the primary (tickets.merge)
    tickets = Ticket.objects.filter(ticket_scope(user), COUNTED).exclude(**{key: None})
    not_withdrawn = ~Q(status=Status.WITHDRAWN)
    acceptance_due = Q(accepted_at__isnull=False) | Q(accept_due_at__lt=now, accepted_at__isnull=True) & not_withdrawn
    resolution_due = Q(resolved_at__isnull=False) | Q(resolve_due_at__lt=now, resolved_at__isnull=True) & not_withdrawn
    overdue_now = Q(overdue=True, status__in=OPEN_STATUSES)
    grouped = (
        tickets.filter(in_period if ranking_only else in_period | overdue_now)
        .values(unit=F(key))
        .order_by()
        .annotate(
            received=Count("pk", filter=in_period),
            accepted_on_time=Count("pk", filter=in_period & Q(accepted_at__lte=F("accept_due_at"))),
            acceptance_due=Count("pk", filter=in_period & Q(accept_due_at__isnull=False) & acceptance_due),
            resolved_on_time=Count("pk", filter=in_period & Q(resolved_at__lte=F("resolve_due_at"))),
            resolution_due=Count("pk", filter=in_period & Q(resolve_due_at__isnull=False) & resolution_due),
            overdue_now=Count("pk", filter=overdue_now),
        )
    )
    for entry in grouped:
        figures[entry["unit"]].update({k: v for k, v in entry.items() if k != "unit"})

    # Working minutes: stored with each ticket when it is answered and resolved (tickets.sla.spent)
    first: dict[int, list[float]] = defaultdict(list)
    resolution: dict[int, list[float]] = defaultdict(list)
    spans = spent.with_times(
        (tickets.filter(in_period) if times else tickets.none())
        .filter(Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False))
        .order_by(),
        key,
    )
    for unit, first_seconds, resolution_seconds, filed, responded, resolved in spans.iterator(chunk_size=5000):
        if (value := spent.minutes(wt, first_seconds, filed, responded)) is not None:
            first[unit].append(value)
        if (value := spent.minutes(wt, resolution_seconds, filed, resolved)) is not None:
            resolution[unit].append(value)
    for unit, values in first.items():
        figures[unit].update(
            first_response_count=len(values), first_response_median=_median(values), first_response_p90=_p90(values)
        )
    for unit, values in resolution.items():
        figures[unit].update(resolution_count=len(values), resolution_median=_median(values))

    related_key = f"ticket__{key}"
    scope = ticket_scope(user, "ticket__")

    def count_by_unit(qs: QuerySet[Any], name: str, **extra: Any) -> None:
        rows = qs.filter(scope).exclude(**{related_key: None}).values(unit=F(related_key)).order_by()
        for entry in rows.annotate(**{name: Count("pk")}, **extra):
            figures[entry["unit"]].update({k: v for k, v in entry.items() if k != "unit"})

    count_by_unit(
        Rating.objects.filter(created_at__gte=since, created_at__lt=until),
        "default_ratings",
        rated=Count("pk", filter=Q(is_default=False)),
        satisfied=Count("pk", filter=Q(is_default=False, score__gte=4)),
    )
    # default_ratings above counted every rating; keep only the defaults.
    for unit_figures in figures.values():
        if "default_ratings" in unit_figures:
            unit_figures["default_ratings"] -= unit_figures["rated"]
    if ranking_only:
        return figures
    count_by_unit(Escalation.objects.filter(fired_at__gte=since, fired_at__lt=until), "escalations")
    count_by_unit(SupervisionOrder.objects.filter(created_at__gte=since, created_at__lt=until), "supervision_orders")
    count_by_unit(
        ExtensionRequest.objects.filter(
            status=ExtensionRequest.Status.APPROVED, decided_at__gte=since, decided_at__lt=until
        ),
        "extensions_approved",
    )
    count_by_unit(
        Rating.objects.filter(
            score__lte=BAD_SCORE_MAX, review_verdict=ReviewVerdict.VALID, reviewed_at__gte=since, reviewed_at__lt=until
        ),
        "valid_bad_reviews",
        return_visits=Count("pk", filter=Q(return_visit__isnull=False)),
    )
    visits = (
        Visit.objects.filter(_visit_scope(user), visited_at__gte=since, visited_at__lt=until)
        .values(unit=F(_VISIT_KEY[level]))
        .order_by()
        .annotate(visits=Count("pk"))
    )
    for visit_entry in visits:
        if visit_entry["unit"] is not None:
            figures[visit_entry["unit"]]["visits"] = visit_entry["visits"]
    return figures


def _score(row: ReportRow, weights: dict[str, float]) -> float | None:
    """The weighted score over the rates that exist (a rate with no denominator drops out
    and the other weights are renormalised); None when the unit has none of them."""
    parts = [
        (weights["acceptance"], row.acceptance_rate),
        (weights["resolution"], row.resolution_rate),
        (weights["satisfaction"], row.satisfaction_rate),
    ]
    present = [(w, r) for w, r in parts if r is not None and w > 0]
    total = sum(w for w, _ in present)
    if not present or total <= 0:
        return None
    return round(sum(w * r for w, r in present) / total, 4)


def list_rules() -> tuple[int, int]:
    """(REPORT_LIST_SIZE, REPORT_MIN_TICKETS): the places on each list, and the tickets a unit
    must have received in the period to be ranked at all."""
    return int(getattr(settings, "REPORT_LIST_SIZE", 5)), int(getattr(settings, "REPORT_MIN_TICKETS", 3))


def _rank(rows: list[ReportRow], weights: dict[str, float]) -> list[int]:
    """Scores, ranks, the honour roll (红榜), the watch list (黑榜) and the last place (末位).
    Returns the ids in last place. The rules:

    - Ranked: a unit that received at least REPORT_MIN_TICKETS tickets in the period and has
      a score. The others keep their figures and score but get no rank, list or flag.
    - Ranks are competition ranks by score (1, 2, 2, 4): a tie shares the rank.
    - Each list has k = min(REPORT_LIST_SIZE, ranked // 2) places, so the two never meet and
      a single ranked unit is on neither. A tie at a list's edge takes the whole tie group.
    - Honour roll: fewer than k ranked units score higher. Watch list: fewer than k score lower.
      A tie group that reaches into both goes on the watch list when it holds the last place,
      on the honour roll when it holds the first, and otherwise on neither; when everybody
      ties there is no list at all. Nobody is on both.
    - Never on the honour roll: a score of 0, or a satisfaction rate of 0 %.
    - Last place: the lowest score, when at least two units are ranked and not all tie.
    """
    size, min_tickets = list_rules()
    for row in rows:
        row.score = _score(row, weights)
    ranked = sorted(
        (r for r in rows if r.score is not None and r.received >= max(min_tickets, 1)),
        key=lambda r: (-(r.score or 0), r.name, r.unit_id),
    )
    scores = [r.score or 0.0 for r in ranked]
    ascending = scores[::-1]  # how many score higher or lower: two binary searches, not a pass each

    def higher(score: float) -> int:
        return len(ascending) - bisect.bisect_right(ascending, score)

    for row in ranked:
        row.rank = 1 + higher(row.score or 0.0)
    if len(ranked) < 2 or scores[0] == scores[-1]:
        return []
    k = min(size, len(ranked) // 2)
    top, bottom = scores[0], scores[-1]
    for row in ranked:
        score = row.score or 0.0
        honour, watch = higher(score) < k, bisect.bisect_left(ascending, score) < k
        if honour and watch:  # a tie group reaching into both lists
            honour, watch = score == top, score == bottom
        row.black_list = watch
        row.red_list = honour and score > 0 and row.satisfaction_rate != 0
    return [r.unit_id for r in ranked if r.score == bottom]


def _build(
    level: Level,
    user: User,
    period: Period,
    wt: WorkingTime,
    weights: dict[str, float],
    *,
    units: list[tuple[int, str]] | None = None,
    ranking_only: bool = False,
) -> Report:
    figures = _figures(level, user, period, wt, ranking_only=ranking_only)
    units = units_in_scope(level, user) if units is None else units
    rows = [ReportRow(unit_id=pk, name=name, **figures.get(pk, {})) for pk, name in units]
    last = set(_rank(rows, weights))
    for row in rows:
        row.flagged_last = row.unit_id in last
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.name, r.unit_id))
    return Report(level=level, period=period, weights=weights, rows=rows)


def report_for(*, user: User, level: Level, period: Period) -> Report:
    """The report of `level` over `period` for a manager or an admin (Forbidden otherwise):
    the units in their scope, every figure, the ranking and the flags. 约谈 (flagged_talk):
    last in this period and in the previous one of the same length."""
    require_manager(user)
    if level not in LEVELS:
        raise Invalid(_("Reports are by officers, departments or parks."))
    wt = WorkingTime.default()
    weights = report_weights()
    units = units_in_scope(level, user)
    report = _build(level, user, period, wt, weights, units=units)
    # the previous period only decides who was last there: its score and ranking, from the
    # same units, in two queries (not the minutes, the escalations, orders or visits)
    before = _build(level, user, period.previous(), wt, weights, units=units, ranking_only=True)
    last_before = {r.unit_id for r in before.rows if r.flagged_last}
    for row in report.rows:
        row.flagged_talk = row.flagged_last and row.unit_id in last_before
    return report
