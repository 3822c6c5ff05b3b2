"""督办, 延期 and 协办 pages: scoped lists (404 outside scope), the written answers and the
managers' decisions through the services, errors next to the fields with nothing written,
role checks, CSRF and constant query counts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.tickets.conftest import SHANGHAI
from tickets.models import AssistRequest, ExtensionRequest, SupervisionOrder, Ticket
from tickets.sla.escalation import escalation_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def supervised(world, file_ticket, clock) -> SupervisionOrder:
    """A ticket left unaccepted until its supervision order: handed to the deputy at the breach."""
    tid = file_ticket()["id"]
    clock.move_to(datetime(2026, 11, 18, 15, 30, tzinfo=SHANGHAI))
    escalation_sweep()
    return SupervisionOrder.objects.get(ticket_id=tid)


@pytest.fixture
def accepted(world, file_ticket, api_as) -> Ticket:
    tid = file_ticket()["id"]
    assert api_as(world.chief).post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
    return Ticket.objects.get(pk=tid)


@pytest.fixture
def extension(world, accepted, api_as) -> ExtensionRequest:
    new_due = accepted.resolve_due_at + timedelta(days=3)
    response = api_as(world.chief).post(
        f"/api/v1/tickets/{accepted.pk}/extend/",
        {"new_resolve_due_at": new_due.isoformat(), "reason": "等待供电公司排期"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return ExtensionRequest.objects.get(pk=response.json()["id"])


@pytest.fixture
def assist(world, accepted, api_as) -> AssistRequest:
    response = api_as(world.chief).post(
        f"/api/v1/tickets/{accepted.pk}/assist/",
        {"department": world.power_dept.pk, "request": "请供电中心协助勘察线路"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return AssistRequest.objects.get(pk=response.json()["id"])


# --- supervision orders --------------------------------------------------------------------


def test_the_officer_sees_the_orders_addressed_to_them_and_answers_one(world, web_as, supervised):
    client = web_as(world.deputy)
    body = client.get(reverse("work-supervision")).content.decode()
    assert supervised.ticket.number in body and "awaiting answer" in body
    detail = reverse("work-supervision-detail", args=[supervised.pk])
    assert 'name="answer"' in client.get(detail).content.decode()

    response = client.post(detail, {"answer": "已于今日签收并安排勘察"})

    assert response.status_code == 302 and response["Location"] == reverse("work-supervision")
    supervised.refresh_from_db()
    assert (supervised.answer, supervised.answered_by) == ("已于今日签收并安排勘察", world.deputy)
    assert "answered" in client.get(reverse("work-supervision")).content.decode()


def test_an_empty_answer_is_a_field_error_and_nothing_is_written(world, web_as, supervised):
    response = web_as(world.deputy).post(reverse("work-supervision-detail", args=[supervised.pk]), {"answer": "  "})
    assert response.status_code == 400
    assert 'id="id_answer_error"' in response.content.decode()
    supervised.refresh_from_db()
    assert supervised.answered_at is None


def test_answering_twice_is_a_conflict(world, web_as, supervised):
    detail = reverse("work-supervision-detail", args=[supervised.pk])
    assert web_as(world.deputy).post(detail, {"answer": "第一次"}).status_code == 302
    again = web_as(world.chief).post(detail, {"answer": "第二次"})
    assert again.status_code == 409
    supervised.refresh_from_db()
    assert supervised.answer == "第一次"


def test_managers_see_the_orders_in_scope_but_do_not_answer(world, web_as, supervised):
    detail = reverse("work-supervision-detail", args=[supervised.pk])
    manager = web_as(world.park_manager)
    assert supervised.ticket.number in manager.get(reverse("work-supervision")).content.decode()
    assert 'name="answer"' not in manager.get(detail).content.decode()
    assert manager.post(detail, {"answer": "x"}).status_code == 403
    supervised.refresh_from_db()
    assert supervised.answered_at is None


def test_orders_outside_scope_are_a_404(world, web_as, supervised):
    detail = reverse("work-supervision-detail", args=[supervised.pk])
    for user in (world.other_park_manager, world.other_officer):
        client = web_as(user)
        assert supervised.ticket.number not in client.get(reverse("work-supervision")).content.decode()
        assert client.get(detail).status_code == 404
        assert client.post(detail, {"answer": "x"}).status_code == 404
    supervised.refresh_from_db()
    assert supervised.answered_at is None


# --- extension requests ---------------------------------------------------------------------


def test_a_manager_approves_a_pending_extension(world, web_as, extension):
    client = web_as(world.park_manager)
    assert extension.ticket.number in client.get(reverse("work-extensions")).content.decode()
    form = client.get(reverse("work-extension-detail", args=[extension.pk])).content.decode()
    assert 'name="decision" value="approve"' in form and 'name="decision" value="reject"' in form
    response = client.post(reverse("work-extension-detail", args=[extension.pk]), {"decision": "approve"})
    assert response.status_code == 302
    extension.refresh_from_db()
    assert (extension.status, extension.decided_by) == ("approved", world.park_manager)
    assert Ticket.objects.get(pk=extension.ticket_id).resolve_due_at == extension.new_resolve_due_at
    # decided requests leave the pending list, and show with ?show=all
    assert extension.ticket.number not in client.get(reverse("work-extensions")).content.decode()
    assert extension.ticket.number in client.get(reverse("work-extensions"), {"show": "all"}).content.decode()


def test_rejecting_needs_a_reason(world, web_as, extension):
    detail = reverse("work-extension-detail", args=[extension.pk])
    client = web_as(world.park_manager)
    response = client.post(detail, {"decision": "reject", "reason": "  "})
    assert response.status_code == 400
    assert 'id="id_reason_error"' in response.content.decode()
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"
    assert client.post(detail, {"decision": "maybe"}).status_code == 400
    assert client.post(detail, {"decision": "reject", "reason": "可在原期限内完成"}).status_code == 302
    extension.refresh_from_db()
    assert (extension.status, extension.decision_reason) == ("rejected", "可在原期限内完成")


def test_officers_see_their_own_requests_and_cannot_decide(world, web_as, extension):
    detail = reverse("work-extension-detail", args=[extension.pk])
    chief = web_as(world.chief)
    body = chief.get(reverse("work-extensions")).content.decode()
    assert extension.ticket.number in body and "pending" in body
    assert "Approve the extension" not in chief.get(detail).content.decode()
    assert chief.post(detail, {"decision": "approve"}).status_code == 403
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"
    assert extension.ticket.number not in web_as(world.deputy).get(reverse("work-extensions")).content.decode()
    # once decided, the officer still sees it (all their requests by default)
    assert web_as(world.park_manager).post(detail, {"decision": "reject", "reason": "不需要"}).status_code == 302
    body = chief.get(reverse("work-extensions")).content.decode()
    assert extension.ticket.number in body and "rejected" in body
    assert extension.ticket.number not in chief.get(reverse("work-extensions"), {"show": "pending"}).content.decode()


def test_another_parks_extension_is_a_404(world, web_as, extension):
    detail = reverse("work-extension-detail", args=[extension.pk])
    client = web_as(world.other_park_manager)
    assert extension.ticket.number not in client.get(reverse("work-extensions")).content.decode()
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"decision": "approve"}).status_code == 404
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"


# --- assist requests ------------------------------------------------------------------------


def test_the_asked_department_answers_an_assist_request(world, web_as, assist):
    client = web_as(world.power_officer)
    assert assist.ticket.number in client.get(reverse("work-assists")).content.decode()
    detail = reverse("work-assist-detail", args=[assist.pk])
    assert client.post(detail, {"answer": ""}).status_code == 400
    assert AssistRequest.objects.get(pk=assist.pk).answered_at is None
    assert client.post(detail, {"answer": "已安排明日上午勘察"}).status_code == 302
    assist.refresh_from_db()
    assert (assist.answer, assist.answered_by) == ("已安排明日上午勘察", world.power_officer)
    assert client.post(detail, {"answer": "again"}).status_code in {404, 409}


def test_other_departments_do_not_see_an_assist_request(world, web_as, assist):
    detail = reverse("work-assist-detail", args=[assist.pk])
    for user in (world.other_officer, world.other_park_manager):
        client = web_as(user)
        assert assist.ticket.number not in client.get(reverse("work-assists")).content.decode()
        assert client.get(detail).status_code == 404
        assert client.post(detail, {"answer": "x"}).status_code == 404
    assert AssistRequest.objects.get(pk=assist.pk).answered_at is None


# --- roles, CSRF, query counts -------------------------------------------------------------


@pytest.mark.parametrize("name", ["work-supervision", "work-extensions", "work-assists"])
def test_enterprise_users_may_not_open_the_workspace(world, web_as, name):
    assert web_as(world.company).get(reverse(name)).status_code == 403
    anonymous = Client().get(reverse(name))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))


def test_enterprise_users_may_not_post_a_decision(world, web_as, extension, supervised):
    assert web_as(world.company).post(reverse("work-extension-detail", args=[extension.pk]), {}).status_code == 403
    assert web_as(world.company).post(reverse("work-supervision-detail", args=[supervised.pk]), {}).status_code == 403


def test_decisions_and_answers_need_the_csrf_token(world, web_as, extension, assist):
    strict = web_as(world.park_manager, enforce_csrf_checks=True)
    detail = reverse("work-extension-detail", args=[extension.pk])
    assert strict.post(detail, {"decision": "approve"}).status_code == 403
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"
    strict = web_as(world.power_officer, enforce_csrf_checks=True)
    assert strict.post(reverse("work-assist-detail", args=[assist.pk]), {"answer": "x"}).status_code == 403
    assert AssistRequest.objects.get(pk=assist.pk).answered_at is None


def _queries(client: Client, url: str, capture: Any, limit: int) -> int:
    with capture(limit) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_lists_run_the_same_queries_for_few_and_many_rows(
    world, web_as, file_ticket, api_as, django_assert_max_num_queries
):
    manager = web_as(world.park_manager)
    power = web_as(world.power_officer)

    def more() -> None:
        tid = file_ticket()["id"]
        chief = api_as(world.chief)
        assert chief.post(f"/api/v1/tickets/{tid}/accept/").status_code == 200
        due = Ticket.objects.get(pk=tid).resolve_due_at + timedelta(days=2)
        chief.post(f"/api/v1/tickets/{tid}/extend/", {"new_resolve_due_at": due.isoformat(), "reason": "r"})
        chief.post(f"/api/v1/tickets/{tid}/assist/", {"department": world.power_dept.pk, "request": "q"})
        api_as(world.park_manager).post("/api/v1/supervision-orders/", {"ticket": tid, "reason": "督办"})

    more()
    pages = [(manager, "work-extensions"), (manager, "work-supervision"), (power, "work-assists")]
    counts = [_queries(client, reverse(name), django_assert_max_num_queries, 10) for client, name in pages]
    for _ in range(4):
        more()
    for (client, name), count in zip(pages, counts, strict=True):
        _queries(client, reverse(name), django_assert_max_num_queries, count)
    assert (ExtensionRequest.objects.count(), AssistRequest.objects.count(), SupervisionOrder.objects.count()) == (
        5,
        5,
        5,
    )


def test_approving_after_the_deadline_moved_later_is_a_conflict_shown_as_a_message(world, web_as, extension):
    later = extension.new_resolve_due_at + timedelta(days=1)
    Ticket.objects.filter(pk=extension.ticket_id).update(resolve_due_at=later)  # a pause pushed it
    response = web_as(world.park_manager).post(
        reverse("work-extension-detail", args=[extension.pk]), {"decision": "approve"}
    )
    assert response.status_code == 409
    assert "reject this request" in response.content.decode()
    assert ExtensionRequest.objects.get(pk=extension.pk).status == "pending"
    assert Ticket.objects.get(pk=extension.ticket_id).resolve_due_at == later
