"""走访 and 惠企日: officers log visits to the enterprises they serve, problems found on a visit
become tickets in the same step, everyone sees visits in their scope only (404 outside;
for enterprise users the visit log does not exist, as DESIGN.md gives it to officers and managers),
and the coverage figures per officer (computed by hand on a small fixture)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.factories import EnterpriseFactory, ManagerFactory, OfficerFactory
from tests.tickets import conftest as tickets_conftest
from tickets.models import EventKind, Ticket, TicketEvent
from visits import services as visits
from visits.models import Visit, VisitProblem

pytestmark = pytest.mark.django_db

# the fixtures of the tickets' tests: `world` (an organisation) on a controlled `clock`
clock = tickets_conftest.clock
world = tickets_conftest.world
SHANGHAI = tickets_conftest.SHANGHAI
T0 = tickets_conftest.T0


def _body(world: Any, **overrides: Any) -> dict[str, Any]:
    return {
        "enterprise": world.enterprise.pk,
        "visited_at": (T0 - timedelta(hours=1)).isoformat(),
        "method": "on_site",
        "people_met": "张总（总经理）",
        "summary": "了解新厂房建设进度",
        **overrides,
    }


# --- logging a visit, problems to tickets ---------------------------------------------------


def test_an_officer_logs_a_visit_and_its_problems_become_tickets_in_one_step(world, api_as):
    response = api_as(world.chief).post(
        "/api/v1/visits/",
        _body(
            world,
            problems=[
                {"description": "新厂房需要接入 10kV 电源", "to_ticket": True, "service_item": world.item.code},
                {"description": "招工难，希望对接人社部门", "to_ticket": False},
                {
                    "description": "咨询研发费用加计扣除政策",
                    "to_ticket": True,
                    "service_item": world.item.code,
                    "kind": "enquiry",
                },
            ],
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["enterprise"], body["officer"], body["method"]) == (world.enterprise.pk, world.chief.pk, "on_site")
    problems = body["problems"]
    assert [p["ticket"] is not None for p in problems] == [True, False, True]
    assert problems[0]["ticket_number"].startswith("SD-2026-")
    tickets = Ticket.objects.filter(pk__in=[p["ticket"] for p in problems if p["ticket"]]).order_by("id")
    for ticket in tickets:
        assert (ticket.channel, ticket.owner, ticket.assignee, ticket.created_by, ticket.enterprise) == (
            "visit",
            world.chief,
            world.chief,
            world.chief,
            world.enterprise,
        )
        created = TicketEvent.objects.get(ticket=ticket, kind=EventKind.CREATED)
        assert created.data["channel"] == "visit"
    assert [t.kind for t in tickets] == ["help", "enquiry"]
    assert tickets[0].description == "新厂房需要接入 10kV 电源"
    # the enterprise sees the tickets the visit produced, not the visit log
    assert api_as(world.company).get(f"/api/v1/visits/{body['id']}/").status_code == 404
    assert api_as(world.company).get(f"/api/v1/tickets/{problems[0]['ticket']}/").status_code == 200


def test_a_visit_whose_ticket_cannot_be_filed_leaves_nothing_behind(world, api_as):
    world.item.is_active = False
    world.item.save()
    response = api_as(world.chief).post(
        "/api/v1/visits/",
        _body(world, problems=[{"description": "用电", "to_ticket": True, "service_item": world.item.code}]),
        format="json",
    )
    assert response.status_code == 400
    assert (Visit.objects.count(), VisitProblem.objects.count(), Ticket.objects.count()) == (0, 0, 0)


@pytest.mark.parametrize(
    "overrides",
    [
        {"problems": [{"description": "用电", "to_ticket": True}]},  # a ticket needs its service item
        {"problems": [{"description": "", "to_ticket": False}]},
        {"summary": ""},
        {"method": "letter"},
        {"enterprise": "abc"},
        {"visited_at": "yesterday"},
        {"problems": "用电"},
    ],
)
def test_malformed_visits_are_400(world, api_as, overrides):
    response = api_as(world.chief).post("/api/v1/visits/", _body(world, **overrides), format="json")
    assert response.status_code == 400, response.json()
    assert not Visit.objects.exists()


def test_a_visit_is_logged_after_it_happened(world, api_as):
    future = (T0 + timedelta(days=1)).isoformat()
    response = api_as(world.chief).post("/api/v1/visits/", _body(world, visited_at=future), format="json")
    assert response.status_code == 400


LOGGERS = {
    "chief": 201,
    "deputy": 201,  # serves the enterprise as its deputy
    "park_manager": 201,
    "zone_manager": 201,
    "admin": 201,
    "other_officer": 404,  # serves another enterprise
    "power_officer": 404,
    "other_park_manager": 404,
    "dept_head": 404,  # no officer of the power department serves it
    "company": 404,  # the visit log does not exist for enterprise users
    "other_company": 404,
}


@pytest.mark.parametrize(("who", "code"), LOGGERS.items())
def test_who_logs_a_visit_to_which_enterprise(world, api_as, who, code):
    response = api_as(getattr(world, who)).post("/api/v1/visits/", _body(world), format="json")
    assert response.status_code == code, response.json()
    assert Visit.objects.count() == (1 if code == 201 else 0)


def test_a_visit_to_an_enterprise_that_does_not_exist_is_404(world, api_as):
    response = api_as(world.chief).post("/api/v1/visits/", _body(world, enterprise=999999), format="json")
    assert response.status_code == 404


# --- who sees which visits -------------------------------------------------------------


def test_visits_are_scoped(world, api_as):
    mine = visits.visit_create(actor=world.chief, enterprise=world.enterprise, visited_at=T0, summary="走访")
    deputy_visit = visits.visit_create(actor=world.deputy, enterprise=world.enterprise, visited_at=T0, summary="走访")
    elsewhere = visits.visit_create(
        actor=world.other_officer, enterprise=world.other_enterprise, visited_at=T0, summary="走访"
    )

    def ids(user: Any) -> set[int]:
        response = api_as(user).get("/api/v1/visits/")
        assert response.status_code == 200
        assert set(response.json()) >= {"count", "next", "previous", "results"}
        return {row["id"] for row in response.json()["results"]}

    assert ids(world.chief) == {mine.pk}
    assert ids(world.deputy) == {deputy_visit.pk}
    assert ids(world.park_manager) == {mine.pk, deputy_visit.pk}
    assert ids(world.zone_manager) == ids(world.admin) == {mine.pk, deputy_visit.pk, elsewhere.pk}
    assert ids(world.dept_head) == set()
    for user in (world.chief, world.park_manager, world.dept_head):
        assert api_as(user).get(f"/api/v1/visits/{elsewhere.pk}/").status_code == 404
    for user in (world.other_park_manager, world.other_officer):
        assert api_as(user).get(f"/api/v1/visits/{elsewhere.pk}/").status_code == 200
    assert api_as(world.chief).get("/api/v1/visits/١/").status_code == 404
    assert api_as(world.chief).patch(f"/api/v1/visits/{mine.pk}/", {"summary": "x"}).status_code == 405
    assert api_as(world.chief).delete(f"/api/v1/visits/{mine.pk}/").status_code == 405


def test_the_visit_list_does_not_grow_its_queries_with_its_length(world, api_as, django_assert_max_num_queries):
    for _ in range(6):
        visits.visit_create(
            actor=world.chief,
            enterprise=world.enterprise,
            visited_at=T0,
            summary="走访",
            problems=[visits.ProblemInput(description="问题", to_ticket=True, service_item=world.item)],
        )
    with django_assert_max_num_queries(6):
        response = api_as(world.chief).get("/api/v1/visits/")
    assert response.status_code == 200 and response.json()["count"] == 6


# --- 惠企日 coverage -----------------------------------------------------------------------


def _at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def coverage_world(world, clock):
    """Week 2026-W48 is Monday 23 to Sunday 29 November; its visiting day is Thursday 26.

    officer A serves E1, E2 (chief) and E3 (deputy): 3 enterprises
    officer B serves E3 (chief) and E4 (chief): 2 enterprises
    officer C serves none
    """
    clock.move_to(_at(30, 12, month=11) + timedelta(days=1))  # Tuesday 1 December
    dept = world.service_dept
    a, b, c = (OfficerFactory(department=dept) for _ in range(3))
    e1 = EnterpriseFactory(park=world.park, chief_officer=a)
    e2 = EnterpriseFactory(park=world.park, chief_officer=a)
    e3 = EnterpriseFactory(park=world.park, chief_officer=b, deputy_officer=a)
    e4 = EnterpriseFactory(park=world.park, chief_officer=b)
    e5 = EnterpriseFactory(park=world.park, chief_officer=world.chief)  # served by neither

    def visit(officer: Any, enterprise: Any, at: datetime) -> None:
        Visit.objects.create(enterprise=enterprise, officer=officer, visited_at=at, summary="走访", created_at=at)

    visit(a, e1, _at(26, 10))  # Thursday, in the week
    visit(a, e1, _at(27, 15))  # Friday, in the week (same enterprise again)
    visit(a, e5, _at(26, 14))  # Thursday, an enterprise A does not serve
    visit(a, e2, _at(10, 9))  # earlier in November: the month, not the week
    visit(a, e3, _at(30, 10, month=10))  # October: neither
    visit(b, e3, _at(23, 0, 30))  # Monday 00:30 local (Sunday 16:30 UTC): in the week
    visit(b, e4, _at(29, 23, 30))  # Sunday 23:30 local: in the week
    visit(b, e4, _at(30, 1))  # Monday 30th: the next week
    return {"a": a, "b": b, "c": c}


def test_coverage_per_officer_matches_the_hand_count(coverage_world, world, api_as):
    response = api_as(world.zone_manager).get("/api/v1/visits/coverage/?week=2026-W48")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["from"], body["to"], body["month_from"], body["visit_weekday"]) == (
        "2026-11-23",
        "2026-11-29",
        "2026-11-01",
        4,
    )
    rows = {row["officer"]: row for row in body["results"]}
    a, b, c = (rows[coverage_world[k].pk] for k in "abc")
    keys = [
        "enterprises_served",
        "visited_in_period",
        "visited_in_month",
        "visits_in_period",
        "visits_on_visit_day",
        "coverage_rate",
        "month_coverage_rate",
    ]
    assert [a[k] for k in keys] == [3, 1, 2, 3, 2, 0.3333, 0.6667]
    assert [b[k] for k in keys] == [2, 2, 2, 2, 0, 1.0, 1.0]
    assert [c[k] for k in keys] == [0, 0, 0, 0, 0, None, None]


def test_coverage_over_a_date_range_and_the_visiting_day_setting(coverage_world, world, api_as, settings):
    settings.VISIT_WEEKDAY = 5  # Friday
    response = api_as(world.park_manager).get("/api/v1/visits/coverage/?from=2026-11-01&to=2026-11-30")
    assert response.status_code == 200, response.json()
    rows = {row["officer"]: row for row in response.json()["results"]}
    a, b = rows[coverage_world["a"].pk], rows[coverage_world["b"].pk]
    # A: E1, E2 served and visited (E5 is not A's); 4 visits in November, one on a Friday
    assert (a["visited_in_period"], a["visits_in_period"], a["visits_on_visit_day"]) == (2, 4, 1)
    # B: E3, E4 visited; 3 visits in November
    assert (b["visited_in_period"], b["visits_in_period"], b["coverage_rate"]) == (2, 3, 1.0)
    assert response.json()["visit_weekday"] == 5


def test_coverage_is_scoped(coverage_world, world, api_as):
    a = coverage_world["a"]
    own = api_as(a).get("/api/v1/visits/coverage/?week=2026-W48")
    assert own.status_code == 200
    assert [row["officer"] for row in own.json()["results"]] == [a.pk]
    assert api_as(world.company).get("/api/v1/visits/coverage/").status_code == 404
    head = ManagerFactory(department=world.power_dept)
    assert {row["officer"] for row in api_as(head).get("/api/v1/visits/coverage/").json()["results"]} == {
        world.power_officer.pk
    }


@pytest.mark.parametrize(
    "query", ["week=2026-48", "week=2026-W60", "from=2026-11-01", "from=2026-11-30&to=2026-11-01", "from=x&to=y"]
)
def test_malformed_coverage_periods_are_400(world, api_as, query):
    assert api_as(world.zone_manager).get(f"/api/v1/visits/coverage/?{query}").status_code == 400


def test_coverage_defaults_to_this_week(world, api_as):
    body = api_as(world.zone_manager).get("/api/v1/visits/coverage/").json()
    assert (body["from"], body["to"]) == ("2026-11-16", "2026-11-22")  # T0 is Tuesday 17 November


# --- photos -------------------------------------------------------------------------------


def _png() -> bytes:
    import struct
    import zlib

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))


def _photo(client: Any, visit_id: int, name: str, content: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        f"/api/v1/visits/{visit_id}/photos/", {"file": SimpleUploadedFile(name, content)}, format="multipart"
    )


def test_photos_of_a_visit_pass_the_upload_checks(world, api_as, settings):
    visit = visits.visit_create(actor=world.chief, enterprise=world.enterprise, visited_at=T0, summary="走访")

    added = _photo(api_as(world.chief), visit.pk, "现场.png", _png())
    assert added.status_code == 201, added.json()
    assert (added.json()["content_type"], added.json()["original_name"]) == ("image/png", "现场.png")
    # a manager in scope sees and downloads it; enterprise users never
    listed = api_as(world.park_manager).get(f"/api/v1/visits/{visit.pk}/").json()["photos"]
    assert [p["id"] for p in listed] == [added.json()["id"]]
    download = api_as(world.park_manager).get(listed[0]["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"\x89PNG")
    assert api_as(world.company).get(listed[0]["download_url"]).status_code == 404
    assert api_as(world.other_park_manager).get(listed[0]["download_url"]).status_code == 404

    # not an image, a disguised program, too large, not the visitor, out of scope
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert _photo(api_as(world.chief), visit.pk, "报告.pdf", pdf).status_code == 400
    assert _photo(api_as(world.chief), visit.pk, "photo.png", b"MZ\x90\x00" + b"\x00" * 100).status_code == 400
    settings.UPLOAD_MAX_BYTES = 10
    assert _photo(api_as(world.chief), visit.pk, "big.png", _png()).status_code == 413
    settings.UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    assert _photo(api_as(world.company), visit.pk, "x.png", _png()).status_code == 404
    assert _photo(api_as(world.deputy), visit.pk, "x.png", _png()).status_code == 404
    assert _photo(api_as(world.park_manager), visit.pk, "x.png", _png()).status_code == 201
    assert _photo(api_as(world.other_park_manager), visit.pk, "x.png", _png()).status_code == 404
    assert len(api_as(world.chief).get(f"/api/v1/visits/{visit.pk}/").json()["photos"]) == 2


def test_the_visit_log_does_not_exist_for_enterprise_users(world, api_as):
    """DESIGN.md gives the visit log to officers and managers: for an enterprise user every
    route of it answers 404, also for a visit to their own enterprise, as for no path at all."""
    visit = visits.visit_create(actor=world.chief, enterprise=world.enterprise, visited_at=T0, summary="内部判断")
    company = api_as(world.company)
    for path in ("", f"{visit.pk}/", "coverage/", f"{visit.pk}/photos/1/"):
        answer = company.get(f"/api/v1/visits/{path}")
        assert answer.status_code == 404, path
        assert "内部判断" not in answer.content.decode()
    assert company.post("/api/v1/visits/", _body(world), format="json").status_code == 404
    assert company.options("/api/v1/visits/").status_code == 404
    assert not Visit.objects.exclude(pk=visit.pk).exists()
    assert not visits.visit_list_for(world.company).exists()
    assert api_as(world.chief).get("/api/v1/visits/").json()["count"] == 1


def test_the_visit_pages_do_not_exist_for_enterprise_users(world, client):
    visit = visits.visit_create(actor=world.chief, enterprise=world.enterprise, visited_at=T0, summary="内部判断")
    client.force_login(world.company)
    for path in ("/work/visits/", "/work/visits/new/", "/work/visits/new/problem/", f"/work/visits/{visit.pk}/"):
        assert client.get(path).status_code == 404, path
    client.force_login(world.chief)
    assert client.get(f"/work/visits/{visit.pk}/").status_code == 200
