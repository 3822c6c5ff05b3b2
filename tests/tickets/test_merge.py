"""Linking related tickets and merging a duplicate into its primary (tickets.merge): the
outcome, the followers, the scope and the refusals, the reports and the query counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from notifications.models import Notification
from notifications.sentences import render
from reports import Period, report_for
from tests.factories import EnterpriseFactory, EnterpriseUserFactory
from tests.notifications.conftest import _notification_settings, published, receiver  # noqa: F401  fixtures (the outbox, no broker)
from tickets.models import EventKind, ExtensionRequest, SlaDeadline, Status, Ticket, TicketEvent, TicketLink

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(world):  # type: ignore[no-untyped-def]
    """A second enterprise of the same park and the same chief officer, and its user: its
    ticket is the duplicate of the company's."""
    enterprise = EnterpriseFactory(park=world.park, chief_officer=world.chief, deputy_officer=world.deputy)
    return EnterpriseUserFactory(enterprise=enterprise)


@pytest.fixture
def pair(world, neighbour, api_as):  # type: ignore[no-untyped-def]
    """(primary id, duplicate id): the same problem filed by two enterprises of one park."""

    def file(user, title: str) -> int:  # type: ignore[no-untyped-def]
        body = {"title": title, "description": "园区东路停电，厂房无法生产", "kind": "help"}
        response = api_as(user).post("/api/v1/tickets/", {**body, "service_item": world.item.code}, format="json")
        assert response.status_code == 201, response.json()
        return int(response.json()["id"])

    return file(world.company, "东路停电"), file(neighbour, "东路又停电了")


def _merge(client, duplicate: int, primary: int, **extra):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tickets/{duplicate}/merge/", {"into": primary, **extra}, format="json")


# --- the merge's outcome -------------------------------------------------------------------


def test_a_merge_closes_the_duplicate_with_a_pointer_and_records_it_on_both(world, pair, api_as) -> None:
    primary, duplicate = pair
    response = _merge(api_as(world.chief), duplicate, primary, reason="同一故障")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == Status.CLOSED
    assert body["merged_into"] == primary
    assert body["closed_at"] is not None
    dup = Ticket.objects.get(pk=duplicate)
    assert dup.merged_into_id == primary and dup.status == Status.CLOSED
    assert Ticket.objects.get(pk=primary).status == Status.SUBMITTED  # the primary goes on
    on_dup = TicketEvent.objects.get(ticket_id=duplicate, kind=EventKind.MERGED)
    on_primary = TicketEvent.objects.get(ticket_id=primary, kind=EventKind.MERGED)
    assert on_dup.public and on_dup.body == "同一故障" and on_dup.data["side"] == "duplicate"
    assert not on_primary.public and on_primary.data["duplicate"] == duplicate


def test_the_duplicates_deadlines_stop_and_its_pending_extension_expires(world, pair, api_as) -> None:
    primary, duplicate = pair
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{duplicate}/accept/").status_code == 200
    due = Ticket.objects.get(pk=duplicate).resolve_due_at
    extend = {"new_resolve_due_at": (due + timedelta(days=3)).isoformat(), "reason": "r"}
    assert chief.post(f"/api/v1/tickets/{duplicate}/extend/", extend, format="json").status_code == 201
    assert SlaDeadline.objects.filter(ticket_id=duplicate, stopped_at__isnull=True).exists()
    assert _merge(chief, duplicate, primary).status_code == 200
    running = SlaDeadline.objects.filter(ticket_id=duplicate, stopped_at__isnull=True)
    assert not running.exists()
    assert not SlaDeadline.objects.filter(ticket_id=duplicate, next_step_at__isnull=False).exists()
    assert SlaDeadline.objects.filter(ticket_id=primary, stopped_at__isnull=True).exists()  # the primary's run on
    assert not ExtensionRequest.objects.filter(ticket_id=duplicate, status="pending").exists()


def test_the_duplicates_enterprise_is_told_in_both_languages_without_the_primarys_content(
    world, pair, neighbour, api_as
) -> None:
    primary, duplicate = pair
    assert _merge(api_as(world.chief), duplicate, primary).status_code == 200
    told = Notification.objects.filter(event_kind=EventKind.MERGED, recipient=neighbour)
    assert told.exists()
    row = told.first()
    assert row is not None and row.topic_id == duplicate  # the link goes to its own ticket
    assert not Notification.objects.filter(event_kind=EventKind.MERGED, recipient=world.company).exists()
    primary_number = Ticket.objects.get(pk=primary).number
    for language, words in (("en", "replies given there"), ("zh-hans", "合并")):
        text = render(EventKind.MERGED, row.payload, language)
        assert words in text.body, (language, text.body)
        assert primary_number not in text.body and "东路停电" not in text.body


def test_the_duplicates_enterprise_follows_the_staffs_replies_on_the_primary(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    chief = api_as(world.chief)
    assert _merge(chief, duplicate, primary).status_code == 200
    assert chief.post(f"/api/v1/tickets/{primary}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{primary}/reply/", {"body": "抢修队已出发"}).status_code == 201
    # the primary's enterprise replies: its words stay on its own ticket
    assert api_as(world.company).post(f"/api/v1/tickets/{primary}/reply/", {"body": "我司地址是"}).status_code == 201
    assert chief.post(f"/api/v1/tickets/{primary}/resolve/", {"resolution": "已恢复供电"}).status_code == 200

    followed = TicketEvent.objects.filter(ticket_id=duplicate, kind=EventKind.MERGED_REPLY).order_by("id")
    assert [e.body for e in followed] == ["抢修队已出发", "已恢复供电"]
    assert all(e.public for e in followed)
    told = Notification.objects.filter(event_kind=EventKind.MERGED_REPLY, recipient=neighbour, topic_id=duplicate)
    assert {n.body.split("\n")[-1] for n in told} == {"抢修队已出发", "已恢复供电"}
    assert not Notification.objects.filter(event_kind=EventKind.MERGED_REPLY).exclude(recipient=neighbour).exists()
    # it reads them on its own ticket; the primary stays out of its reach
    neighbour_api = api_as(neighbour)
    events = neighbour_api.get(f"/api/v1/tickets/{duplicate}/events/").json()
    assert [e["body"] for e in events if e["kind"] == EventKind.MERGED_REPLY] == ["抢修队已出发", "已恢复供电"]
    assert neighbour_api.get(f"/api/v1/tickets/{primary}/").status_code == 404
    assert neighbour_api.get(f"/api/v1/tickets/{primary}/events/").status_code == 404


def test_a_merged_duplicate_is_not_reopened_nor_replied_to(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    assert _merge(api_as(world.chief), duplicate, primary).status_code == 200
    assert api_as(neighbour).post(f"/api/v1/tickets/{duplicate}/reply/", {"body": "?"}).status_code == 409
    reopen = api_as(world.park_manager).post(f"/api/v1/tickets/{duplicate}/reopen/", {"reason": "r"})
    assert reopen.status_code == 409
    assert Ticket.objects.get(pk=duplicate).status == Status.CLOSED


def test_a_park_manager_merges_in_their_park(world, pair, api_as) -> None:
    primary, duplicate = pair
    assert _merge(api_as(world.park_manager), duplicate, primary).status_code == 200


# --- scope and refusals ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other_park_manager", "other_officer", "power_officer"])
def test_outside_the_callers_scope_is_404(world, pair, api_as, who) -> None:
    primary, duplicate = pair
    assert _merge(api_as(getattr(world, who)), duplicate, primary).status_code == 404
    assert (
        api_as(getattr(world, who)).post(f"/api/v1/tickets/{duplicate}/link/", {"ticket": primary}).status_code == 404
    )
    assert Ticket.objects.get(pk=duplicate).merged_into_id is None


def test_one_of_the_two_outside_the_scope_is_404(world, pair, api_as) -> None:
    """The chief sees both of the pair, not the other park's ticket: 404 either way round."""
    primary, _duplicate = pair
    response = api_as(world.other_company).post(
        "/api/v1/tickets/",
        {"title": "停电", "description": "停电", "kind": "help", "service_item": world.item.code},
        format="json",
    )
    foreign = response.json()["id"]
    chief = api_as(world.chief)
    assert _merge(chief, primary, foreign).status_code == 404
    assert _merge(chief, foreign, primary).status_code == 404
    assert chief.post(f"/api/v1/tickets/{primary}/link/", {"ticket": foreign}).status_code == 404
    assert _merge(chief, primary, 999_999_999).status_code == 404
    assert not TicketEvent.objects.filter(kind__in=[EventKind.MERGED, EventKind.LINKED]).exists()


def test_enterprise_users_are_403(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    assert _merge(api_as(neighbour), duplicate, primary).status_code == 403
    assert api_as(neighbour).post(f"/api/v1/tickets/{duplicate}/link/", {"ticket": primary}).status_code == 403
    # another enterprise's ticket is out of scope: 404, as every read
    assert _merge(api_as(world.company), duplicate, primary).status_code == 404


def test_an_officer_who_only_sees_the_duplicate_may_link_but_not_merge_it(world, pair, api_as) -> None:
    """The deputy officer of the enterprises sees their tickets without carrying them."""
    primary, duplicate = pair
    deputy = api_as(world.deputy)
    assert _merge(deputy, duplicate, primary).status_code == 403
    assert deputy.post(f"/api/v1/tickets/{duplicate}/link/", {"ticket": primary}).status_code == 201
    assert Ticket.objects.get(pk=duplicate).merged_into_id is None


def test_closed_tickets_are_409(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    assert api_as(neighbour).post(f"/api/v1/tickets/{duplicate}/withdraw/", {}).status_code == 200
    response = _merge(api_as(world.chief), duplicate, primary)
    assert response.status_code == 409
    assert Ticket.objects.get(pk=duplicate).number in str(response.json())  # which ticket, and why
    assert _merge(api_as(world.chief), primary, duplicate).status_code == 409  # into a closed primary
    assert Ticket.objects.get(pk=primary).merged_into_id is None


def test_merged_already_is_409(world, pair, api_as) -> None:
    primary, duplicate = pair
    chief = api_as(world.chief)
    assert _merge(chief, duplicate, primary).status_code == 200
    assert _merge(chief, duplicate, primary).status_code == 409


def test_self_and_chains_are_400(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    chief = api_as(world.chief)
    assert _merge(chief, duplicate, duplicate).status_code == 400
    assert chief.post(f"/api/v1/tickets/{duplicate}/link/", {"ticket": duplicate}).status_code == 400
    assert _merge(chief, duplicate, primary).status_code == 200
    third = (
        api_as(neighbour)
        .post(
            "/api/v1/tickets/",
            {"title": "停电", "description": "停电", "kind": "help", "service_item": world.item.code},
            format="json",
        )
        .json()["id"]
    )
    assert _merge(chief, third, duplicate).status_code == 400  # into a merged duplicate
    assert _merge(chief, primary, third).status_code == 400  # a primary with duplicates
    assert Ticket.objects.get(pk=third).merged_into_id is None


@pytest.mark.parametrize("body", [{}, {"into": "x"}, {"into": True}, {"into": 1.5}, {"into": -1}, {"into": [1]}])
def test_bad_input_is_400(world, pair, api_as, body) -> None:
    _primary, duplicate = pair
    assert api_as(world.chief).post(f"/api/v1/tickets/{duplicate}/merge/", body, format="json").status_code == 400


# --- links ----------------------------------------------------------------------------------


def test_a_link_is_recorded_on_both_once(world, pair, neighbour, api_as) -> None:
    primary, duplicate = pair
    chief = api_as(world.chief)
    response = chief.post(f"/api/v1/tickets/{duplicate}/link/", {"ticket": primary}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["tickets"]) == sorted([primary, duplicate])
    assert TicketLink.objects.count() == 1
    for tid in pair:
        event = TicketEvent.objects.get(ticket_id=tid, kind=EventKind.LINKED)
        assert not event.public
    assert chief.post(f"/api/v1/tickets/{primary}/link/", {"ticket": duplicate}).status_code == 409
    assert not Notification.objects.filter(event_kind=EventKind.LINKED, recipient__role="enterprise").exists()
    # the links and merges are staff business: nothing of them in the enterprise's timeline
    kinds = {e["kind"] for e in api_as(neighbour).get(f"/api/v1/tickets/{duplicate}/events/").json()}
    assert EventKind.LINKED not in kinds


# --- reports and query counts ------------------------------------------------------------


def test_reports_count_the_pair_once(world, pair, api_as) -> None:
    primary, duplicate = pair
    period = Period(date(2026, 11, 16), date(2026, 11, 23))

    def received() -> int:
        report = report_for(user=world.zone_manager, level="officers", period=period)
        return sum(row.received for row in report.rows)

    assert received() == 2
    assert _merge(api_as(world.chief), duplicate, primary).status_code == 200
    assert received() == 1
    from reports.sheets import dispatch_sheet, weekly_medians

    assert sum(row.received for row in dispatch_sheet(user=world.zone_manager, period=period)) == 1
    assert sum(point.tickets for point in weekly_medians(user=world.zone_manager)) == 1


@pytest.mark.parametrize("size", [2, 12])
def test_lists_stay_constant_with_merged_tickets(world, neighbour, api_as, django_assert_max_num_queries, size):
    chief = api_as(world.chief)
    body = {"title": "停电", "description": "停电", "kind": "help", "service_item": world.item.code}
    primary = api_as(world.company).post("/api/v1/tickets/", body, format="json").json()["id"]
    for _ in range(size):
        duplicate = api_as(neighbour).post("/api/v1/tickets/", body, format="json").json()["id"]
        assert _merge(chief, duplicate, primary).status_code == 200
    for user in (world.chief, world.park_manager, neighbour):
        with django_assert_max_num_queries(2):
            response = api_as(user).get("/api/v1/tickets/", {"page_size": 200})
        rows = response.json()["results"]
        assert sum(1 for row in rows if row["merged_into"] == primary) == size
