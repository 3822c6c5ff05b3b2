"""Every list filter of the ticket API, the orderings, the page size, and bad filter values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(world, api_as, file_ticket, clock):  # type: ignore[no-untyped-def]
    """Five tickets an hour apart, in different states; the zone manager sees them all."""
    made = {}
    made["power"] = file_ticket(title="用电报装申请", description="新厂房需要接入 10kV 双回路电源", priority="urgent")
    clock.shift(timedelta(hours=1))
    made["water"] = file_ticket(title="供水管网改造", description="厂区东侧水压不足", priority="low")
    clock.shift(timedelta(hours=1))
    made["permit"] = file_ticket(title="施工许可咨询", description="二期工程手续", kind="enquiry", priority="high")
    clock.shift(timedelta(hours=1))
    made["other"] = (
        api_as(world.chief)
        .post(
            "/api/v1/tickets/",
            {
                "title": "代办：排污许可",
                "description": "走访发现",
                "kind": "help",
                "service_item": world.item.code,
                "enterprise": world.enterprise.pk,
            },
            format="json",
        )
        .json()
    )
    clock.shift(timedelta(hours=1))
    made["far"] = (
        api_as(world.other_company)
        .post(
            "/api/v1/tickets/",
            {"title": "别园区的事", "description": "其他", "kind": "help", "service_item": world.item.code},
            format="json",
        )
        .json()
    )
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{made['power']['id']}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{made['water']['id']}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{made['water']['id']}/suspend/", {"reason": "等材料"}).status_code == 200
    transfer = {"to_officer": world.power_officer.pk, "reason": "供电"}
    assert chief.post(f"/api/v1/tickets/{made['permit']['id']}/transfer/", transfer).status_code == 200
    Ticket.objects.filter(pk=made["power"]["id"]).update(overdue=True)
    return {key: value["id"] for key, value in made.items()}


def _ids(client, **params) -> list[int]:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/tickets/", params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_status_one_and_several(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert set(_ids(zone, status="in_progress")) == {tickets["power"]}
    several = zone.get("/api/v1/tickets/?status=in_progress&status=waiting_on_enterprise")
    assert {row["id"] for row in several.json()["results"]} == {tickets["power"], tickets["water"]}
    assert set(_ids(zone, status="submitted")) == {tickets["permit"], tickets["other"], tickets["far"]}


def test_priority(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert _ids(zone, priority="urgent") == [tickets["power"]]
    both = zone.get("/api/v1/tickets/?priority=low&priority=high").json()["results"]
    assert {row["id"] for row in both} == {tickets["water"], tickets["permit"]}


def test_assignee_by_id_and_me_and_owner_me(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert _ids(zone, assignee=world.power_officer.pk) == [tickets["permit"]]
    assert _ids(api_as(world.power_officer), assignee="me") == [tickets["permit"]]
    mine = set(_ids(api_as(world.chief), assignee="me"))
    assert mine == {tickets["power"], tickets["water"], tickets["other"]}
    # the owner (首问) keeps the transferred ticket in the owner=me view
    owned = set(_ids(api_as(world.chief), owner="me"))
    assert owned == {tickets["power"], tickets["water"], tickets["other"], tickets["permit"]}


def test_enterprise_park_and_service_item(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert set(_ids(zone, enterprise=world.other_enterprise.pk)) == {tickets["far"]}
    assert len(_ids(zone, enterprise=world.enterprise.pk)) == 4
    assert set(_ids(zone, park=world.other_park.pk)) == {tickets["far"]}
    assert len(_ids(zone, park=world.park.pk)) == 4
    assert len(_ids(zone, service_item=world.item.code)) == 5
    assert _ids(zone, service_item="nope") == []


def test_overdue(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert _ids(zone, overdue="true") == [tickets["power"]]
    assert tickets["power"] not in _ids(zone, overdue="false")
    assert len(_ids(zone, overdue="false")) == 4


def test_created_after_and_before_with_offsets(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    # the tickets were filed at 10:00, 11:00, 12:00, 13:00 and 14:00 Shanghai time
    after = _ids(zone, created_after="2026-11-17T12:00:00+08:00")
    assert set(after) == {tickets["permit"], tickets["other"], tickets["far"]}
    before = _ids(zone, created_before="2026-11-17T03:00:00Z")  # 11:00 in Shanghai, exclusive
    assert before == [tickets["power"]]
    window = _ids(zone, created_after="2026-11-17T11:00:00+08:00", created_before="2026-11-17T13:00:00+08:00")
    assert set(window) == {tickets["water"], tickets["permit"]}


def test_search_in_title_description_and_number(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    assert _ids(zone, search="供水") == [tickets["water"]]
    assert _ids(zone, search="双回路") == [tickets["power"]]
    number = Ticket.objects.get(pk=tickets["permit"]).number
    assert _ids(zone, search=number) == [tickets["permit"]]
    assert _ids(zone, search="没有这样的内容") == []
    assert len(_ids(zone, search="  ")) == 5
    # the enterprise user searches their own tickets only
    assert _ids(api_as(world.other_company), search="供水") == []


def test_orderings(world, api_as, tickets):
    zone = api_as(world.zone_manager)
    filed = [tickets[key] for key in ("power", "water", "permit", "other", "far")]
    assert _ids(zone, ordering="created_at") == filed
    assert _ids(zone, ordering="-created_at") == filed[::-1]
    assert _ids(zone) == filed[::-1]  # the default: newest first
    by_due = _ids(zone, ordering="resolve_due_at")
    dues = [Ticket.objects.get(pk=pk).resolve_due_at for pk in by_due]
    assert dues == sorted(dues)
    by_priority = _ids(zone, ordering="priority")
    ranks = [Ticket.objects.get(pk=pk).priority_rank for pk in by_priority]
    assert ranks == sorted(ranks)
    assert by_priority[0] == tickets["water"]  # low
    assert _ids(zone, ordering="-priority")[0] == tickets["power"]  # urgent
    # an ordering that is not offered is ignored rather than leaking another field's order
    assert _ids(zone, ordering="description") == filed[::-1]


def test_the_officers_queue(world, api_as, tickets):
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{tickets['other']}/accept/").status_code == 200
    queue = _ids(chief, assignee="me", status="in_progress", ordering="resolve_due_at")
    assert set(queue) == {tickets["power"], tickets["other"]}
    dues = [Ticket.objects.get(pk=pk).resolve_due_at for pk in queue]
    assert dues == sorted(dues)


def test_page_size_up_to_200_is_honoured_and_more_is_capped(world, api_as):
    now = timezone.now()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"T-{i:04d}",
            title=f"t{i}",
            description="d",
            enterprise=world.enterprise,
            park=world.park,
            service_item=world.item,
            department=world.service_dept,
            created_by=world.company,
            created_at=now,
            updated_at=now,
        )
        for i in range(205)
    )
    zone = api_as(world.zone_manager)
    assert len(zone.get("/api/v1/tickets/").json()["results"]) == 50
    assert len(zone.get("/api/v1/tickets/", {"page_size": 120}).json()["results"]) == 120
    assert len(zone.get("/api/v1/tickets/", {"page_size": 200}).json()["results"]) == 200
    capped = zone.get("/api/v1/tickets/", {"page_size": 1000}).json()
    assert len(capped["results"]) == 200
    assert capped["count"] == 205
    assert capped["next"]


@pytest.mark.parametrize(
    "params",
    [
        {"assignee": "abc"},
        {"owner": "-1"},
        {"assignee": "١"},
        {"created_after": "notadate"},
        {"created_before": "2026-13-45"},
        {"created_after": "0001-01-01"},  # before the desk's years (at year 1, UTC overflows)
        {"created_before": "9999-12-31T23:59:59Z"},
        {"status": "bogus"},
        {"priority": "extreme"},
        {"overdue": "perhaps"},
        {"enterprise": "abc"},
        {"park": "1e309"},
        {"search": "x" * 101},
    ],
)
def test_bad_filter_values_are_400_with_a_message(world, api_as, tickets, params):
    client = api_as(world.zone_manager)
    client.raise_request_exception = False
    response = client.get("/api/v1/tickets/", params)
    assert response.status_code == 400, (params, response.status_code, response.content[:300])
    body = response.json()
    assert body, body
    messages = str(body)
    assert any(key in messages for key in params), body


@pytest.mark.parametrize("params", [{"enterprise": "99999999999999999999999"}, {"park": "-5"}, {"page": "999"}])
def test_out_of_range_values_are_never_500(world, api_as, tickets, params):
    client = api_as(world.zone_manager)
    client.raise_request_exception = False
    response = client.get("/api/v1/tickets/", params)
    assert response.status_code in (200, 400, 404), response.content[:300]


@pytest.mark.parametrize("who", ["chief", "power_officer", "deputy", "park_manager", "zone_manager"])
def test_assignee_me_lists_exactly_the_scoped_tickets_assigned_to_the_caller(world, api_as, tickets, who):  # type: ignore[no-untyped-def]
    """An officer's queue skips the scope's OR (its first arm is the filter itself): the same
    tickets as the scope and the filter together, for officers and for everyone else."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from servicedesk.models import User
    from tickets import selectors

    user = getattr(world, who)
    # one of their park's tickets and one of another park's assigned to them
    Ticket.objects.filter(pk__in=[tickets["power"], tickets["far"]]).update(assignee=user)
    expected = set(selectors.ticket_list_for(user).filter(assignee_id=user.pk).values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as ctx:
        for value in ("me", str(user.pk)):
            assert set(_ids(api_as(user), assignee=value)) == expected, value
    page = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"] and "tickets_ticket" in q["sql"]]
    assert page
    if user.role == User.Role.OFFICER:
        assert tickets["far"] in expected  # assigned to them: in their scope
        assert all("EXISTS" not in sql and "chief_officer_id" not in sql for sql in page)
    elif who == "park_manager":
        assert expected == {tickets["power"]}  # a park manager's scope still applies
