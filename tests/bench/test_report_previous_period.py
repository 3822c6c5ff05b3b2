"""The monthly report at zone scale (issue #7's benchmark found it over its 1.5 s target):
the previous period is computed only for its ranking (约谈 = last twice), so it must not pay
for the working-minute figures, which weigh nothing in the score."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports import Period, report_for
from reports import audit as reports
from tests.reports import test_reports as base
from tickets.sla.worktime import WorkingTime

pytestmark = pytest.mark.django_db

# the fixtures of the report tests: an organisation on a controlled clock, and the audit tickets
clock = base.clock
world = base.world
audit = base.audit
at, ticket = base.at, base.ticket

PERIOD = Period(date(2026, 9, 28), date(2026, 10, 12))


@pytest.fixture(autouse=True)
def _rank_small_worlds(settings):  # type: ignore[no-untyped-def]
    settings.REPORT_MIN_TICKETS = 1  # the audit world gives each officer one or two tickets


def _between_calls(monkeypatch: pytest.MonkeyPatch, run) -> list[tuple[object, object]]:  # type: ignore[no-untyped-def]
    calls: list[tuple[object, object]] = []
    original = WorkingTime.between

    def spy(self: WorkingTime, start, end):  # type: ignore[no-untyped-def]
        calls.append((start, end))
        return original(self, start, end)

    monkeypatch.setattr(WorkingTime, "between", spy)
    run()
    monkeypatch.setattr(WorkingTime, "between", original)
    return calls


def test_the_previous_period_computes_no_working_minutes(audit, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    wt = WorkingTime.default()
    ticket(  # answered in the previous period
        audit,
        owner=audit.chief,
        department=audit.service_dept,
        created_at=at(9, 15, 10),
        accept_due_at=at(9, 16, 10),
        accepted_at=at(9, 15, 11),
        first_response_at=at(9, 15, 11),
        resolve_due_at=at(9, 25, 17),
        resolved_at=at(9, 17, 11),
        status="closed",
    )
    current_only = _between_calls(
        monkeypatch, lambda: reports._figures("officers", audit.admin, PERIOD, wt, times=True)
    )
    previous_only = _between_calls(
        monkeypatch, lambda: reports._figures("officers", audit.admin, PERIOD.previous(), wt, times=True)
    )
    assert current_only and previous_only  # both periods have responded tickets
    whole = _between_calls(monkeypatch, lambda: report_for(user=audit.admin, level="officers", period=PERIOD))
    assert len(whole) == len(current_only)


def test_the_ranking_of_the_previous_period_is_unchanged(audit) -> None:  # type: ignore[no-untyped-def]
    wt, weights = WorkingTime.default(), reports.report_weights()
    full = reports._build("officers", audit.admin, PERIOD.previous(), wt, weights)
    lean = reports._build("officers", audit.admin, PERIOD.previous(), wt, weights, ranking_only=True)
    assert [(r.unit_id, r.received, r.score, r.rank, r.flagged_last) for r in lean.rows] == [
        (r.unit_id, r.received, r.score, r.rank, r.flagged_last) for r in full.rows
    ]
    assert any(r.flagged_last for r in full.rows)
    assert all(r.first_response_median is None for r in lean.rows)


def test_the_previous_period_costs_two_queries(audit) -> None:  # type: ignore[no-untyped-def]
    """Given the report of a period, when the previous period's ranking is added (约谈), then it
    costs two grouped queries (its tickets, its ratings): the units, the calendar and the other
    figures are not read again."""
    weights = reports.report_weights()
    with CaptureQueriesContext(connection) as current:
        reports._build("officers", audit.admin, PERIOD, WorkingTime.default(), weights)
    with CaptureQueriesContext(connection) as whole:
        report = report_for(user=audit.admin, level="officers", period=PERIOD)
    assert len(whole.captured_queries) == len(current.captured_queries) + 2
    assert report.rows
