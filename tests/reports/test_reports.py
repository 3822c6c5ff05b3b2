"""The managers' audit: figures by hand across the National Day holiday (2026-10-01 … 07;
10-08 is a working day), the ranking and its flags, scoping, exports, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from itertools import count
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from reports import Period, period_containing, report_for
from tests.factories import EnterpriseUserFactory
from tests.tickets import conftest as tickets_conftest
from tickets.models import (
    DeadlineKind,
    Escalation,
    EscalationLevel,
    ExtensionRequest,
    Rating,
    ReturnVisit,
    ReviewVerdict,
    SlaDeadline,
    Status,
    SupervisionOrder,
    Ticket,
)
from visits.models import Visit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rank_small_worlds(settings):  # type: ignore[no-untyped-def]
    """These worlds give each officer one or two tickets: rank from one (the rule's own cases,
    with the default minimum, are in test_ranking_rules.py)."""
    settings.REPORT_MIN_TICKETS = 1


SH = ZoneInfo("Asia/Shanghai")
NUMBERS = count(1)
# the fixtures of the tickets' tests: `world` (an organisation) on a controlled `clock`
clock = tickets_conftest.clock
world = tickets_conftest.world
PERIOD = {"from": "2026-09-28", "to": "2026-10-12"}  # previous period: 09-14 … 09-28


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SH)


def ticket(world, *, owner, department, other_park=False, **fields) -> Ticket:  # type: ignore[no-untyped-def]
    enterprise = world.other_enterprise if other_park else world.enterprise
    return Ticket.objects.create(
        number=f"T{next(NUMBERS):08d}",
        title="t",
        description="d",
        enterprise=enterprise,
        park=enterprise.park,
        service_item=world.item,
        department=department,
        assignee=owner,
        owner=owner,
        created_by=world.company,
        updated_at=fields["created_at"],
        **fields,
    )


def rating(t: Ticket, score: int, when: datetime, **fields) -> Rating:  # type: ignore[no-untyped-def]
    return Rating.objects.create(ticket=t, score=score, created_at=when, **fields)


@pytest.fixture
def audit(world):  # type: ignore[no-untyped-def]
    """Chief: T1 on time (5), T2 late everywhere (2, checked valid, return visit, escalation,
    supervision order, extension). Deputy: T3 on time (default rating), T4 never accepted and
    overdue, a visit. Power officer: T5 on time (4). Other officer (other park): T6 accepted
    late; T0 in the previous period, still open and overdue. Chief: T0b in the previous
    period, on time."""
    w = world
    t1 = ticket(
        w,
        owner=w.chief,
        department=w.service_dept,
        created_at=at(9, 30, 16),
        accept_due_at=at(10, 8, 9, 30),
        accepted_at=at(10, 8, 9, 20),
        first_response_at=at(10, 8, 10),  # 90 + 60 = 150 working minutes
        resolve_due_at=at(10, 9, 17, 30),
        resolved_at=at(10, 9, 12),  # 90 + 420 + 180 = 690
        status=Status.CLOSED,
    )
    rating(t1, 5, at(10, 9, 13))
    t2 = ticket(
        w,
        owner=w.chief,
        department=w.service_dept,
        created_at=at(9, 29, 10),
        accept_due_at=at(9, 29, 14),
        accepted_at=at(9, 29, 15),  # late
        first_response_at=at(9, 29, 15),  # 120 + 90 = 210
        resolve_due_at=at(10, 8, 12),
        resolved_at=at(10, 9, 10),  # late: 360 + 420 + 420 + 60 = 1260
        status=Status.IN_PROGRESS,
        extension_count=1,
    )
    bad = rating(t2, 2, at(10, 9, 11), review_verdict=ReviewVerdict.VALID, reviewed_at=at(10, 9, 14))
    ReturnVisit.objects.create(
        ticket=t2, rating=bad, method="phone", result="ok", satisfied=True, visited_by=w.chief, visited_at=at(10, 9, 16)
    )
    deadline = SlaDeadline.objects.create(
        ticket=t2,
        kind=DeadlineKind.RESOLVE,
        version=1,
        started_at=at(9, 29, 10),
        due_at=at(10, 8, 12),
        created_at=at(9, 29, 10),
    )
    Escalation.objects.create(
        ticket=t2,
        deadline=deadline,
        kind=DeadlineKind.RESOLVE,
        level=EscalationLevel.BREACH,
        version=1,
        due_at=at(10, 8, 12),
        fired_at=at(10, 8, 12),
    )
    SupervisionOrder.objects.create(
        ticket=t2, deadline_kind=DeadlineKind.RESOLVE, answer_due_at=at(10, 10, 12), created_at=at(10, 9, 12)
    )
    ExtensionRequest.objects.create(
        ticket=t2,
        requested_by=w.chief,
        previous_resolve_due_at=at(10, 8, 9),
        new_resolve_due_at=at(10, 8, 12),
        reason="r",
        status=ExtensionRequest.Status.APPROVED,
        decided_at=at(9, 30, 15),
        created_at=at(9, 30, 14),
    )
    t3 = ticket(
        w,
        owner=w.deputy,
        department=w.service_dept,
        created_at=at(9, 30, 17),
        accept_due_at=at(10, 8, 12),
        accepted_at=at(10, 8, 9),
        first_response_at=at(10, 8, 9, 5),  # 30 + 5 = 35
        resolve_due_at=at(10, 15, 17, 30),
        resolved_at=at(10, 9, 9, 30),  # 30 + 420 + 30 = 480
        status=Status.CLOSED,
    )
    rating(t3, 3, at(10, 11, 9), is_default=True)
    ticket(
        w,
        owner=w.deputy,
        department=w.service_dept,
        created_at=at(10, 9, 9),
        accept_due_at=at(10, 9, 13),
        status=Status.SUBMITTED,
        overdue=True,
    )
    Visit.objects.create(
        enterprise=w.enterprise, officer=w.deputy, visited_at=at(10, 9, 15), summary="s", created_at=at(10, 9, 18)
    )
    t5 = ticket(
        w,
        owner=w.power_officer,
        department=w.power_dept,
        created_at=at(10, 8, 14),
        accept_due_at=at(10, 8, 16),
        accepted_at=at(10, 8, 14, 30),
        first_response_at=at(10, 8, 14, 30),  # 30
        resolve_due_at=at(10, 12, 17, 30),
        resolved_at=at(10, 9, 9),  # 210
        status=Status.CLOSED,
    )
    rating(t5, 4, at(10, 9, 10))
    ticket(
        w,
        owner=w.other_officer,
        department=w.service_dept,
        other_park=True,
        created_at=at(10, 9, 10),
        accept_due_at=at(10, 9, 11),
        accepted_at=at(10, 9, 12),
        resolve_due_at=at(12, 1, 17, 30),
        status=Status.IN_PROGRESS,
    )
    # the previous period
    ticket(
        w,
        owner=w.other_officer,
        department=w.service_dept,
        other_park=True,
        created_at=at(9, 21, 10),
        accept_due_at=at(9, 21, 12),
        accepted_at=at(9, 21, 13),
        resolve_due_at=at(9, 25, 17, 30),
        status=Status.IN_PROGRESS,
        overdue=True,
    )
    ticket(
        w,
        owner=w.chief,
        department=w.service_dept,
        created_at=at(9, 22, 10),
        accept_due_at=at(9, 22, 12),
        accepted_at=at(9, 22, 11),
        status=Status.IN_PROGRESS,
    )
    return w


def rows_by_id(body):  # type: ignore[no-untyped-def]
    return {row["unit_id"]: row for row in body["results"]}


def get(api_as, user, level, **params):  # type: ignore[no-untyped-def]
    return api_as(user).get(f"/api/v1/reports/{level}/", {**PERIOD, **params})


def test_officer_figures_by_hand(audit, api_as) -> None:
    w = audit
    response = get(api_as, w.admin, "officers")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["period"] == {"kind": "custom", "from": "2026-09-28", "to": "2026-10-12"}
    rows = rows_by_id(body)
    chief = rows[w.chief.pk]
    assert chief == {
        "unit_id": w.chief.pk,
        "name": "王首席",
        "received": 2,
        "accepted_on_time": 1,
        "acceptance_due": 2,
        "acceptance_rate": 0.5,
        "first_response_count": 2,
        "first_response_median": 180.0,
        "first_response_p90": 210.0,
        "resolved_on_time": 1,
        "resolution_due": 2,
        "resolution_rate": 0.5,
        "resolution_count": 2,
        "resolution_median": 975.0,
        "overdue_now": 0,
        "escalations": 1,
        "supervision_orders": 1,
        "extensions_approved": 1,
        "satisfied": 1,
        "rated": 2,
        "satisfaction_rate": 0.5,
        "default_ratings": 0,
        "valid_bad_reviews": 1,
        "return_visits": 1,
        "return_visit_rate": 1.0,
        "visits": 0,
        "score": 0.5,
        "rank": 3,
        "red_list": False,
        "black_list": True,
        "flagged_last": False,
        "flagged_talk": False,
    }
    deputy = rows[w.deputy.pk]
    assert (deputy["received"], deputy["accepted_on_time"], deputy["acceptance_due"]) == (2, 1, 2)
    assert (deputy["first_response_median"], deputy["first_response_p90"], deputy["resolution_median"]) == (
        35.0,
        35.0,
        480.0,
    )
    assert (deputy["resolved_on_time"], deputy["resolution_due"], deputy["overdue_now"]) == (1, 1, 1)
    assert (deputy["rated"], deputy["default_ratings"], deputy["satisfaction_rate"], deputy["visits"]) == (
        0,
        1,
        None,
        1,
    )
    assert deputy["score"] == 0.75  # (0.3 × 0.5 + 0.3 × 1) / 0.6: no satisfaction rate, weights renormalised
    power = rows[w.power_officer.pk]
    assert (power["first_response_median"], power["resolution_median"], power["score"], power["rank"]) == (
        30.0,
        210.0,
        1.0,
        1,
    )
    other = rows[w.other_officer.pk]
    assert (other["received"], other["acceptance_rate"], other["resolution_due"], other["overdue_now"]) == (
        1,
        0.0,
        0,
        1,
    )
    assert (other["score"], other["rank"], other["flagged_last"]) == (0.0, 4, True)
    # last in the previous period too (T0 late, T0b on time): the admonishing talk
    assert other["flagged_talk"] is True
    assert [r["unit_id"] for r in body["results"]] == [w.power_officer.pk, w.deputy.pk, w.chief.pk, w.other_officer.pk]
    # four ranked: two places on each list, the last place (score 0) on the watch list
    assert body["red_list"] == [w.power_officer.pk, w.deputy.pk]
    assert body["black_list"] == [w.chief.pk, w.other_officer.pk]


def test_red_and_black_lists_follow_the_list_size(audit, api_as, settings) -> None:
    settings.REPORT_LIST_SIZE = 1
    body = get(api_as, audit.admin, "officers").json()
    assert body["red_list"] == [audit.power_officer.pk]
    assert body["black_list"] == [audit.other_officer.pk]


def test_too_few_tickets_are_not_ranked(audit, api_as, settings) -> None:
    settings.REPORT_MIN_TICKETS = 2  # the power officer received one ticket
    rows = rows_by_id(get(api_as, audit.admin, "officers").json())
    power = rows[audit.power_officer.pk]
    assert (power["score"], power["rank"], power["red_list"], power["black_list"]) == (1.0, None, False, False)
    assert rows[audit.deputy.pk]["rank"] == 1 and rows[audit.deputy.pk]["red_list"] is True


def test_weights_are_a_setting(audit, settings) -> None:
    settings.REPORT_WEIGHTS = {"acceptance": 0, "resolution": 0, "satisfaction": 1}
    report = report_for(user=audit.admin, level="officers", period=Period(date(2026, 9, 28), date(2026, 10, 12)))
    scores = {r.unit_id: r.score for r in report.rows}
    assert scores[audit.power_officer.pk] == 1.0
    assert scores[audit.chief.pk] == 0.5
    assert scores[audit.deputy.pk] is None and scores[audit.other_officer.pk] is None
    assert [r.unit_id for r in report.rows if r.flagged_last] == [audit.chief.pk]


def test_departments_and_parks(audit, api_as) -> None:
    w = audit
    departments = rows_by_id(get(api_as, w.admin, "departments").json())
    service, power = departments[w.service_dept.pk], departments[w.power_dept.pk]
    assert (service["received"], service["accepted_on_time"], service["acceptance_due"]) == (5, 2, 5)
    assert (service["resolved_on_time"], service["resolution_due"]) == (2, 3)
    assert (service["satisfied"], service["rated"], service["default_ratings"]) == (1, 2, 1)
    assert service["first_response_median"] == 150.0  # 35, 150, 210
    assert service["first_response_p90"] == 210.0
    assert service["overdue_now"] == 2 and service["escalations"] == 1 and service["visits"] == 1
    assert service["score"] == 0.52  # 0.3 × 0.4 + 0.3 × 2/3 + 0.4 × 0.5
    assert (service["rank"], service["flagged_last"], service["flagged_talk"]) == (2, True, False)
    assert (power["score"], power["rank"], power["flagged_last"]) == (1.0, 1, False)

    parks = rows_by_id(get(api_as, w.admin, "parks").json())
    park, other = parks[w.park.pk], parks[w.other_park.pk]
    assert (park["received"], park["accepted_on_time"], park["acceptance_due"]) == (5, 3, 5)
    assert (park["resolved_on_time"], park["resolution_due"], park["satisfied"], park["rated"]) == (3, 4, 2, 3)
    assert park["score"] == 0.6717  # 0.3 × 0.6 + 0.3 × 0.75 + 0.4 × 2/3
    assert park["first_response_median"] == 92.5  # 30, 35, 150, 210
    assert park["first_response_p90"] == 210.0
    assert (other["score"], other["rank"], other["flagged_last"], other["flagged_talk"]) == (0.0, 2, True, True)
    assert other["overdue_now"] == 1


def test_scoping(audit, api_as) -> None:
    w = audit
    # park manager: their park's tickets; the other officer's ticket is in the other park
    rows = rows_by_id(get(api_as, w.park_manager, "officers").json())
    assert rows[w.other_officer.pk]["received"] == 0 and rows[w.other_officer.pk]["rank"] is None
    assert rows[w.chief.pk]["flagged_last"] is True and rows[w.chief.pk]["rank"] == 3
    assert set(rows_by_id(get(api_as, w.park_manager, "parks").json())) == {w.park.pk}
    # department head (power): their department and its officers only
    rows = rows_by_id(get(api_as, w.dept_head, "officers").json())
    assert set(rows) == {w.power_officer.pk}
    assert set(rows_by_id(get(api_as, w.dept_head, "departments").json())) == {w.power_dept.pk}
    parks = rows_by_id(get(api_as, w.dept_head, "parks").json())
    assert parks[w.park.pk]["received"] == 1 and parks[w.other_park.pk]["received"] == 0
    # zone manager: everything
    assert len(rows_by_id(get(api_as, w.zone_manager, "officers").json())) >= 4


@pytest.mark.parametrize("who", ["chief", "company"])
def test_officers_and_enterprises_are_refused(audit, api_as, who) -> None:
    for level in ("officers", "departments", "parks"):
        assert get(api_as, getattr(audit, who), level).status_code == 403


def test_anonymous_is_refused(api) -> None:
    assert api.get("/api/v1/reports/officers/", PERIOD).status_code in (401, 403)


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01", "to": "2026-10-12"},
        {"from": "2026-10-12", "to": "2026-10-12"},
        {"from": "2026-10-01", "to": ""},
        {"from": "x", "to": "2026-10-12"},
        {"from": "2026-09-28", "to": "2026-10-12", "format": "pdf"},
        {"from": "", "to": "", "period": "year"},
        {"from": "", "to": "", "period": "month", "at": "tomorrow"},
        {"period": "month"},  # with from/to as well
    ],
)
def test_bad_params_are_400(audit, api_as, params) -> None:
    response = get(api_as, audit.admin, "officers", **params)
    assert response.status_code == 400, response.content
    assert response.json()


def test_period_shortcuts(audit, api_as, settings) -> None:
    settings.ASSESSMENT_MONTH_START_DAY = 19
    assert period_containing("month", date(2026, 11, 17)) == Period(date(2026, 10, 19), date(2026, 11, 19), "month")
    assert period_containing("month", date(2026, 11, 19)) == Period(date(2026, 11, 19), date(2026, 12, 19), "month")
    assert period_containing("month", date(2026, 1, 5)) == Period(date(2025, 12, 19), date(2026, 1, 19), "month")
    assert period_containing("quarter", date(2026, 11, 17)).start == date(2026, 10, 19)
    assert period_containing("quarter", date(2026, 11, 17)).end == date(2027, 1, 19)
    assert period_containing("week", date(2026, 11, 17)) == Period(date(2026, 11, 16), date(2026, 11, 23), "week")
    month = Period(date(2026, 11, 19), date(2026, 12, 19), "month")
    assert month.previous() == Period(date(2026, 10, 19), date(2026, 11, 19), "month")
    # today is 2026-11-17 (the clock fixture)
    body = api_as(audit.admin).get("/api/v1/reports/parks/", {"period": "month"}).json()
    assert body["period"] == {"kind": "month", "from": "2026-10-19", "to": "2026-11-19"}
    body = api_as(audit.admin).get("/api/v1/reports/parks/", {"period": "week", "at": "2026-10-09"}).json()
    assert body["period"] == {"kind": "week", "from": "2026-10-05", "to": "2026-10-12"}
    assert rows_by_id(body)[audit.park.pk]["received"] == 2  # T4 and T5


def test_csv_download_parses_back(audit, api_as) -> None:
    response = get(api_as, audit.admin, "officers", format="csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "report-officers-20260928-20261012.csv" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    chief = next(r for r in rows if r["unit_id"] == str(audit.chief.pk))
    assert chief["name"] == "王首席"
    assert (chief["accepted_on_time"], chief["acceptance_due"], chief["first_response_p90"]) == ("1", "2", "210.0")
    assert (chief["rank"], chief["flagged_last"]) == ("3", "0")


def test_xlsx_download_parses_back(audit, api_as) -> None:
    response = get(api_as, audit.admin, "departments", format="xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    service = dict(zip(header, next(r for r in rows if r[0] == audit.service_dept.pk), strict=True))
    assert (service["received"], service["score"], service["rank"], service["flagged_last"]) == (5, 0.52, 2, 1)


def _queries(user, level) -> int:  # type: ignore[no-untyped-def]
    period = Period(date(2026, 9, 28), date(2026, 10, 12))
    with CaptureQueriesContext(connection) as ctx:
        report_for(user=user, level=level, period=period)
    return len(ctx.captured_queries)


@pytest.mark.parametrize("level", ["officers", "departments", "parks"])
def test_query_count_does_not_grow_with_tickets(audit, api_as, level, django_assert_max_num_queries) -> None:
    before = _queries(audit.admin, level)
    for i in range(30):
        t = ticket(
            audit,
            owner=audit.chief if i % 2 else audit.deputy,
            department=audit.service_dept,
            created_at=at(10, 9, 9, i),
            accept_due_at=at(10, 9, 12),
            accepted_at=at(10, 9, 10),
            first_response_at=at(10, 9, 10, i),
            resolved_at=at(10, 9, 16),
            resolve_due_at=at(10, 10, 12),
        )
        rating(t, 4, at(10, 9, 17))
    EnterpriseUserFactory()  # and one more enterprise, officer, park and department
    assert _queries(audit.admin, level) == before
    with django_assert_max_num_queries(before + 2):
        assert get(api_as, audit.admin, level).status_code == 200


def test_stored_working_seconds_and_the_timestamps_give_the_same_report(audit, api_as) -> None:
    """The audit's tickets are written around the services (no stored seconds): the report
    computes their working time from the timestamps. Stored (tickets.sla.spent.recompute),
    every figure is the same, and it is the stored value that is read."""
    from tickets.sla import spent

    w = audit
    level_rows = {
        level: get(api_as, w.admin, level).json()["results"] for level in ("officers", "departments", "parks")
    }
    assert not Ticket.objects.filter(first_response_seconds__isnull=False).exists()
    assert spent.recompute() == Ticket.objects.filter(first_response_at__isnull=False).count()
    for level, rows in level_rows.items():
        assert get(api_as, w.admin, level).json()["results"] == rows, level
    chief = rows_by_id(get(api_as, w.admin, "officers").json())[w.chief.pk]
    assert chief["first_response_median"] == 180.0  # 150 and 210 working minutes
    Ticket.objects.filter(owner=w.chief, first_response_seconds=150 * 60).update(first_response_seconds=90 * 60)
    chief = rows_by_id(get(api_as, w.admin, "officers").json())[w.chief.pk]
    assert chief["first_response_median"] == 150.0  # 90 and 210: the stored seconds are what counts
