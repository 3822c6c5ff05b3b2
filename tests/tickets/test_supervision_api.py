from __future__ import annotations

from datetime import datetime

import pytest

from tests.tickets.conftest import SHANGHAI
from tickets.models import EventKind, SupervisionOrder, TicketEvent
from tickets.sla.escalation import escalation_sweep

pytestmark = pytest.mark.django_db

URL = "/api/v1/supervision-orders/"


@pytest.fixture
def supervised(world, file_ticket, clock):
    """A ticket left unaccepted until its supervision order: handed to the deputy at the breach."""
    tid = file_ticket()["id"]
    clock.move_to(datetime(2026, 11, 18, 15, 30, tzinfo=SHANGHAI))
    assert escalation_sweep() == 3
    return SupervisionOrder.objects.get(ticket_id=tid)


def test_managers_and_officers_list_the_orders_in_their_scope(world, api_as, supervised):
    for user in (world.park_manager, world.zone_manager, world.deputy, world.chief, world.admin):
        response = api_as(user).get(URL)
        assert response.status_code == 200, user
        assert [o["id"] for o in response.json()["results"]] == [supervised.pk], user
    for user in (world.other_park_manager, world.other_officer):
        assert api_as(user).get(URL).json()["results"] == []
        assert api_as(user).get(f"{URL}{supervised.pk}/").status_code == 404
    assert api_as(world.company).get(URL).status_code == 403
    body = api_as(world.park_manager).get(f"{URL}{supervised.pk}/").json()
    assert body["addressed_to"] == world.deputy.pk
    assert body["managers"] == [world.park_manager.pk]
    assert body["level"] == "automatic"
    assert body["answered_at"] is None


def test_the_handling_officer_answers_once(world, api_as, supervised):
    answer = f"{URL}{supervised.pk}/answer/"
    assert api_as(world.other_park_manager).post(answer, {"answer": "x"}).status_code == 404
    assert api_as(world.other_officer).post(answer, {"answer": "x"}).status_code == 404
    assert api_as(world.park_manager).post(answer, {"answer": "x"}).status_code == 403
    assert api_as(world.deputy).post(answer, {"answer": "   "}).status_code == 400
    assert api_as(world.deputy).post(f"{URL}99999/answer/", {"answer": "x"}).status_code == 404
    assert api_as(world.deputy).post(f"{URL}١/answer/", {"answer": "x"}).status_code == 404

    response = api_as(world.deputy).post(answer, {"answer": "已于今日签收并安排勘察"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["answered_by"] == world.deputy.pk
    assert response.json()["answer"] == "已于今日签收并安排勘察"
    assert api_as(world.chief).post(answer, {"answer": "again"}).status_code == 409  # the owner: answered already
    note = TicketEvent.objects.filter(ticket_id=supervised.ticket_id, kind=EventKind.NOTED).get()
    assert note.data == {"supervision_order": supervised.pk}
    assert note.public is False


def test_a_manager_issues_one_by_hand(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    body = {"ticket": tid, "reason": "企业多次来电催办"}
    assert api_as(world.chief).post(URL, body).status_code == 403
    assert api_as(world.other_park_manager).post(URL, body).status_code == 404
    assert api_as(world.park_manager).post(URL, {"ticket": tid, "reason": ""}).status_code == 400
    response = api_as(world.park_manager).post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["level"] == "manual"
    assert response.json()["issued_by"] == world.park_manager.pk
    assert response.json()["addressed_to"] == world.chief.pk
    event = TicketEvent.objects.get(ticket_id=tid, kind=EventKind.SUPERVISED)
    assert event.actor_id == world.park_manager.pk
    assert set(event.data) == {"level", "deadline", "version", "due_at"}
    assert event.data["deadline"] == "accept"

    api_as(world.company).post(f"/api/v1/tickets/{tid}/withdraw/", {"reason": "不需要了"})
    assert api_as(world.park_manager).post(URL, body).status_code == 409
