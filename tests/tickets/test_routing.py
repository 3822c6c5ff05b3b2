"""Who gets a new ticket (首席服务员 → deputy → the department's least-loaded officer →
nobody, for a manager to dispatch), filing on behalf (代办), and ticket numbers."""

from __future__ import annotations

import re

import pytest

from tests.factories import OfficerFactory
from tickets import services
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _file(api, world, **extra):
    body = {"title": "用电报装", "description": "接入 10kV", "kind": "help", "service_item": world.item.code, **extra}
    return api.post("/api/v1/tickets/", body, format="json")


def test_the_chief_officer_gets_the_ticket(world, file_ticket):
    ticket = file_ticket()
    assert (ticket["assignee"], ticket["owner"]) == (world.chief.pk, world.chief.pk)
    assert ticket["department"] == world.service_dept.pk
    assert ticket["channel"] == "online"


def test_the_deputy_stands_in_for_a_chief_on_leave(world, file_ticket):
    world.chief.on_leave = True
    world.chief.save()
    ticket = file_ticket()
    assert (ticket["assignee"], ticket["owner"]) == (world.deputy.pk, world.deputy.pk)


def test_an_inactive_chief_is_passed_over_too(world, file_ticket):
    world.chief.is_active = False
    world.chief.save()
    assert file_ticket()["assignee"] == world.deputy.pk


def test_without_chief_and_deputy_the_least_loaded_officer_of_the_items_department(world, file_ticket):
    world.chief.on_leave = True
    world.chief.save()
    world.deputy.on_leave = True
    world.deputy.save()
    # power_officer (lowest id) already carries an open ticket; the fresh officer carries none
    busy = file_ticket()
    assert busy["assignee"] == world.power_officer.pk
    fresh = OfficerFactory(department=world.power_dept)
    OfficerFactory(department=world.power_dept, on_leave=True)
    ticket = file_ticket()
    assert ticket["assignee"] == fresh.pk
    assert ticket["department"] == world.power_dept.pk


def test_closed_tickets_do_not_count_as_load(world, file_ticket):
    for officer in (world.chief, world.deputy):
        officer.on_leave = True
        officer.save()
    first = file_ticket()
    assert first["assignee"] == world.power_officer.pk
    services.ticket_withdraw(ticket_id=first["id"], actor=world.company)
    OfficerFactory(department=world.power_dept)
    assert file_ticket()["assignee"] == world.power_officer.pk  # tie at 0 → lowest id


def test_with_nobody_available_a_manager_dispatches(world, file_ticket, api_as):
    world.chief.on_leave = True
    world.chief.save()
    world.deputy.on_leave = True
    world.deputy.save()
    world.power_officer.on_leave = True
    world.power_officer.save()
    ticket = file_ticket()
    assert ticket["assignee"] is None
    assert ticket["owner"] is None
    assert ticket["department"] == world.power_dept.pk
    tid = ticket["id"]
    # the item's department head sees it; nobody can accept it yet
    assert api_as(world.dept_head).get(f"/api/v1/tickets/{tid}/").status_code == 200
    assert api_as(world.dept_head).post(f"/api/v1/tickets/{tid}/accept/").status_code == 409
    world.power_officer.on_leave = False
    world.power_officer.save()
    response = api_as(world.dept_head).post(
        f"/api/v1/tickets/{tid}/transfer/", {"to_department": world.power_dept.pk, "reason": "派单"}
    )
    assert response.status_code == 200, response.content
    # the first officer to receive it becomes its owner (首问)
    assert (response.json()["assignee"], response.json()["owner"]) == (world.power_officer.pk, world.power_officer.pk)
    assert api_as(world.power_officer).post(f"/api/v1/tickets/{tid}/accept/").status_code == 200


def test_an_officer_files_on_behalf_of_an_enterprise_they_serve(world, api_as):
    response = _file(api_as(world.deputy), world, enterprise=world.enterprise.pk)
    assert response.status_code == 201, response.content
    ticket = response.json()
    assert (ticket["assignee"], ticket["owner"], ticket["channel"]) == (world.deputy.pk, world.deputy.pk, "proxy")
    assert ticket["enterprise"] == world.enterprise.pk
    assert Ticket.objects.get(pk=ticket["id"]).created_by == world.deputy
    # the enterprise sees it as its own
    assert api_as(world.company).get(f"/api/v1/tickets/{ticket['id']}/").status_code == 200


def test_an_officer_filing_from_a_visit_keeps_the_channel(world, api_as):
    response = _file(api_as(world.chief), world, enterprise=world.enterprise.pk, channel="visit")
    assert response.status_code == 201, response.content
    assert response.json()["channel"] == "visit"


def test_an_officer_cannot_file_for_an_enterprise_they_do_not_serve(world, api_as):
    before = Ticket.objects.count()
    response = _file(api_as(world.power_officer), world, enterprise=world.enterprise.pk)
    assert response.status_code == 404
    response = _file(api_as(world.chief), world, enterprise=world.other_enterprise.pk)
    assert response.status_code == 404
    assert Ticket.objects.count() == before


def test_an_officer_must_name_the_enterprise(world, api_as):
    assert _file(api_as(world.chief), world).status_code == 400


def test_an_enterprise_user_files_only_for_their_own_enterprise(world, api_as):
    response = _file(api_as(world.company), world, enterprise=world.other_enterprise.pk)
    assert response.status_code == 404
    assert Ticket.objects.count() == 0


def test_a_manager_files_on_behalf_and_the_ticket_is_routed(world, api_as):
    response = _file(api_as(world.park_manager), world, enterprise=world.enterprise.pk)
    assert response.status_code == 201, response.content
    assert (response.json()["assignee"], response.json()["channel"]) == (world.chief.pk, "proxy")
    assert _file(api_as(world.other_park_manager), world, enterprise=world.enterprise.pk).status_code == 404


def test_ticket_numbers_are_unique_and_increasing(world, file_ticket):
    numbers = [file_ticket()["number"] for _ in range(5)]
    assert all(re.fullmatch(r"SD-2026-\d{6}", n) for n in numbers)
    assert len(set(numbers)) == 5
    assert numbers == sorted(numbers)
    values = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert values == sorted(values)
    assert values[0] >= 1
