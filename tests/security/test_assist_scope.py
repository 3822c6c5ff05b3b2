"""Issue 23, item 1: a department asked to assist (协办) reads and answers; it does not
manage. The attack: the assisting head approved the extension, transferred the ticket to
their own department and resolved it, and the owning head lost it."""

from __future__ import annotations

import pytest

from tests.factories import ManagerFactory, ServiceItemFactory
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def assisted(world, api_as):  # type: ignore[no-untyped-def]
    """A ticket of the service department, accepted, with a pending extension, and the power
    department asked to assist."""
    item = ServiceItemFactory(code="site-visit", department=world.service_dept, accept_limit="4h", resolve_limit="5d")
    body = {"title": "现场勘察", "description": "请派人", "kind": "help", "service_item": item.code}
    created = api_as(world.company).post("/api/v1/tickets/", body, format="json")
    assert created.status_code == 201, created.json()
    tid = created.json()["id"]
    handler = api_as(Ticket.objects.get(pk=tid).assignee)
    assert handler.post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    extension = handler.post(
        f"/api/v1/tickets/{tid}/extend/", {"new_resolve_due_at": "2026-12-01T10:00:00+08:00", "reason": "等设备"}
    )
    assert extension.status_code == 201, extension.json()
    assist = handler.post(f"/api/v1/tickets/{tid}/assist/", {"department": world.power_dept.pk, "request": "请协助"})
    assert assist.status_code == 201, assist.json()
    return tid, extension.json()["id"], assist.json()["id"]


def test_the_assisting_head_reads_and_answers_but_does_not_manage(world, api_as, assisted):
    tid, extension, assist = assisted
    head = api_as(world.dept_head)  # head of the power department, only asked to assist

    shown = head.get(f"/api/v1/tickets/{tid}/")
    assert shown.status_code == 200
    assert not {"resolve", "transfer", "decide_extension", "accept", "suspend"} & set(shown.json()["allowed_actions"])
    listed = {t["id"]: t for t in head.get("/api/v1/tickets/").json()["results"]}
    assert "resolve" not in listed[tid]["allowed_actions"]
    assert head.post(f"/api/v1/assists/{assist}/answer/", {"answer": "可以配合"}).status_code == 200

    assert head.post(f"/api/v1/extensions/{extension}/approve/", {}).status_code in (403, 404)
    transfer = {"to_department": world.power_dept.pk, "reason": "我们来办"}
    assert head.post(f"/api/v1/tickets/{tid}/transfer/", transfer).status_code in (403, 404)
    assert head.post(f"/api/v1/tickets/{tid}/resolve/", {"resolution": "已办结"}).status_code in (403, 404)

    ticket = Ticket.objects.get(pk=tid)
    assert (ticket.department_id, ticket.status) == (world.service_dept.pk, "in_progress")
    assert ticket.extension_count == 0


def test_the_owning_head_keeps_control(world, api_as, assisted):
    tid, extension, _assist = assisted
    owner_head = api_as(ManagerFactory(department=world.service_dept))
    assert owner_head.get(f"/api/v1/tickets/{tid}/").status_code == 200
    assert owner_head.post(f"/api/v1/extensions/{extension}/approve/", {}).status_code == 200
    assert owner_head.post(f"/api/v1/tickets/{tid}/resolve/", {"resolution": "已办结"}).status_code == 200
