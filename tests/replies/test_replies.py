"""Canned replies (回复模板): personal or a department's, scoped to their writers; unknown
placeholders refused with a field error; filled in from a ticket through the API and in the
ticket page's reply box, each use counted."""

from __future__ import annotations

from typing import Any

import pytest

from replies import services
from replies.models import CannedReply
from tests.factories import OfficerFactory
from tests.tickets import conftest as tickets_conftest
from tickets.models import EventKind, TicketEvent

pytestmark = pytest.mark.django_db

clock = tickets_conftest.clock
world = tickets_conftest.world
file_ticket = tickets_conftest.file_ticket

BODY = "{enterprise}您好：工单{ticket}已由{officer}受理，将于{due}前办结。如需帮助请回复。"


def _reply(world: Any, *, actor: Any = None, department: Any = None, body: str = BODY) -> CannedReply:
    return services.reply_create(actor=actor or world.chief, title="已受理", body=body, department=department)


def _accepted_ticket(world: Any, api_as: Any, file_ticket: Any) -> dict[str, Any]:
    ticket = file_ticket()
    assert api_as(world.chief).post(f"/api/v1/tickets/{ticket['id']}/accept/").status_code == 200
    return api_as(world.chief).get(f"/api/v1/tickets/{ticket['id']}/").json()


def test_the_list_holds_ones_own_and_the_departments_replies(world, api_as):
    mine = _reply(world)
    shared = _reply(world, actor=world.deputy, department=world.service_dept)
    deputys_own = _reply(world, actor=world.deputy)
    power = _reply(world, actor=world.power_officer, department=world.power_dept)

    listed = api_as(world.chief).get("/api/v1/replies/").json()

    assert {row["id"] for row in listed["results"]} == {mine.pk, shared.pk}
    assert api_as(world.chief).get(f"/api/v1/replies/{deputys_own.pk}/").status_code == 404
    assert api_as(world.chief).get(f"/api/v1/replies/{power.pk}/").status_code == 404
    assert {r["id"] for r in api_as(world.zone_manager).get("/api/v1/replies/").json()["results"]} == {
        mine.pk,
        shared.pk,
        deputys_own.pk,
        power.pk,
    }
    assert api_as(world.dept_head).get(f"/api/v1/replies/{power.pk}/").status_code == 200  # head of power


def test_enterprises_have_no_canned_replies(world, api_as):
    assert api_as(world.company).get("/api/v1/replies/").status_code == 403
    response = api_as(world.company).post("/api/v1/replies/", {"title": "x", "body": "y"}, format="json")
    assert response.status_code == 403


def test_creating_through_the_api_personal_or_for_ones_department(world, api_as):
    client = api_as(world.chief)
    personal = client.post("/api/v1/replies/", {"title": "已受理", "body": BODY}, format="json")
    shared = client.post(
        "/api/v1/replies/",
        {"title": "材料清单", "body": "请{enterprise}补充材料。", "department": world.service_dept.pk},
    )

    assert personal.status_code == 201, personal.json()
    assert personal.json()["owner"] == world.chief.pk and personal.json()["department"] is None
    assert personal.json()["placeholders"] == ["enterprise", "ticket", "officer", "due"]
    assert shared.status_code == 201 and shared.json()["department"] == world.service_dept.pk
    other = client.post("/api/v1/replies/", {"title": "x", "body": "y", "department": world.power_dept.pk})
    assert other.status_code == 400 and "department" in other.json()


@pytest.mark.parametrize(
    "body",
    ["您好{company}", "{ticket.__class__}", "{due:%Y}", "{officer!r}", "单独的 { 括号", "多余的 } 括号", "{}", "{0}"],
)
def test_unknown_placeholders_are_a_field_error_on_save(world, api_as, body):
    response = api_as(world.chief).post("/api/v1/replies/", {"title": "坏模板", "body": body}, format="json")

    assert response.status_code == 400
    assert "body" in response.json()
    assert not CannedReply.objects.exists()


def test_an_edit_is_checked_like_a_new_reply(world, api_as):
    reply = _reply(world)
    bad = api_as(world.chief).patch(f"/api/v1/replies/{reply.pk}/", {"body": "{联系人}"}, format="json")
    good = api_as(world.chief).patch(f"/api/v1/replies/{reply.pk}/", {"body": "{{括号}} {ticket}"}, format="json")

    assert bad.status_code == 400 and "body" in bad.json()
    assert good.status_code == 200 and good.json()["placeholders"] == ["ticket"]


def test_only_the_owner_changes_a_personal_reply_department_members_a_shared_one(world, api_as):
    personal = _reply(world)
    shared = _reply(world, department=world.service_dept)

    assert api_as(world.deputy).patch(f"/api/v1/replies/{personal.pk}/", {"title": "改"}).status_code == 404
    assert api_as(world.deputy).patch(f"/api/v1/replies/{shared.pk}/", {"title": "改"}).status_code == 200
    assert api_as(world.deputy).delete(f"/api/v1/replies/{shared.pk}/").status_code == 204
    assert not CannedReply.objects.filter(pk=shared.pk).exists()


def test_render_fills_the_placeholders_from_the_ticket_and_counts_the_use(world, api_as, file_ticket):
    ticket = _accepted_ticket(world, api_as, file_ticket)
    reply = _reply(world)

    response = api_as(world.chief).post(f"/api/v1/replies/{reply.pk}/render/", {"ticket": ticket["id"]})
    api_as(world.chief).post(f"/api/v1/replies/{reply.pk}/render/", {"ticket": ticket["id"]})

    assert response.status_code == 200, response.json()
    due = services.fill("{due}", ticket=world.enterprise.tickets.get(), actor=world.chief)
    assert response.json()["text"] == (
        f"{world.enterprise.name}您好：工单{ticket['number']}已由王首席受理，将于{due}前办结。如需帮助请回复。"
    )
    assert due.startswith("2026-")
    reply.refresh_from_db()
    assert reply.usage_count == 2 and reply.last_used_at is not None


def test_render_for_a_ticket_outside_the_scope_is_not_found_and_not_counted(world, api_as, file_ticket):
    ticket = _accepted_ticket(world, api_as, file_ticket)
    stranger = OfficerFactory(department=world.service_dept)
    reply = _reply(world, actor=stranger)

    response = api_as(stranger).post(f"/api/v1/replies/{reply.pk}/render/", {"ticket": ticket["id"]})

    assert response.status_code == 404
    assert CannedReply.objects.get(pk=reply.pk).usage_count == 0


def test_the_reply_box_offers_the_replies_and_fills_the_message(world, client, api_as, file_ticket):
    ticket = _accepted_ticket(world, api_as, file_ticket)
    reply = _reply(world)
    client.force_login(world.chief)

    page = client.get(f"/tickets/{ticket['number']}/").content.decode()
    filled = client.get(f"/tickets/{ticket['number']}/canned-reply/", {"reply-canned": reply.pk})
    nothing = client.get(f"/tickets/{ticket['number']}/canned-reply/", {"reply-canned": ""})

    assert 'name="reply-canned"' in page and "已受理" in page
    assert f'hx-get="/tickets/{ticket["number"]}/canned-reply/"' in page
    assert filled.status_code == 200
    body = filled.content.decode()
    assert 'id="id_reply-body"' in body and world.enterprise.name in body and ticket["number"] in body
    assert nothing.status_code == 204
    assert CannedReply.objects.get(pk=reply.pk).usage_count == 1


def test_sending_a_reply_from_the_box_ignores_the_choice(world, client, api_as, file_ticket):
    ticket = _accepted_ticket(world, api_as, file_ticket)
    reply = _reply(world)
    client.force_login(world.chief)

    response = client.post(
        f"/tickets/{ticket['number']}/reply/", {"reply-canned": reply.pk, "reply-body": "已安排勘察", "do": "reply"}
    )

    assert response.status_code == 302
    assert TicketEvent.objects.filter(ticket_id=ticket["id"], kind=EventKind.REPLIED, body="已安排勘察").exists()


def test_enterprise_users_see_no_canned_replies_in_the_box(world, client, api_as, file_ticket):
    ticket = _accepted_ticket(world, api_as, file_ticket)
    _reply(world)
    client.force_login(world.company)

    page = client.get(f"/tickets/{ticket['number']}/").content.decode()
    fill = client.get(f"/tickets/{ticket['number']}/canned-reply/", {"reply-canned": 1})

    assert "reply-canned" not in page
    assert fill.status_code == 404
