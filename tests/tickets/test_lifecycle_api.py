import pytest

from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


def test_a_ticket_walks_from_filing_to_rating(world, api_as, file_ticket, clock):
    ticket = file_ticket()
    assert ticket["status"] == "submitted"
    assert ticket["assignee"] == world.chief.pk
    assert ticket["owner"] == world.chief.pk
    assert ticket["number"].startswith("SD-2026-")
    assert ticket["accept_due_at"] == "2026-11-17T15:30:00+08:00"  # 10–12, lunch, 13:30–15:30
    assert ticket["resolve_due_at"] == "2026-11-24T10:00:00+08:00"  # 5 working days
    tid = ticket["id"]
    officer = api_as(world.chief)

    assert officer.post(f"/api/v1/tickets/{tid}/accept/").json()["status"] == "in_progress"
    assert officer.post(f"/api/v1/tickets/{tid}/reply/", {"body": "已安排现场勘察"}).status_code == 201
    assert officer.post(f"/api/v1/tickets/{tid}/note/", {"body": "内部：需供电局配合"}).status_code == 201
    assert officer.post(f"/api/v1/tickets/{tid}/suspend/", {"reason": "等待企业补充图纸"}).status_code == 200
    clock.shift(60 * 60 * 24)  # one working day paused
    resumed = officer.post(f"/api/v1/tickets/{tid}/resume/").json()
    assert resumed["resolve_due_at"] == "2026-11-25T10:00:00+08:00"
    assert officer.post(f"/api/v1/tickets/{tid}/resolve/", {"resolution": "已送电"}).json()["status"] == "resolved"
    rated = api_as(world.company).post(f"/api/v1/tickets/{tid}/rate/", {"score": 5, "comment": "非常满意"})
    assert rated.status_code == 200, rated.json()
    assert rated.json()["status"] == "closed"
    assert rated.json()["rating"] == 5

    kinds = [e["kind"] for e in api_as(world.chief).get(f"/api/v1/tickets/{tid}/events/").json()]
    assert kinds == ["created", "accepted", "replied", "noted", "suspended", "resumed", "resolved", "rated"]
    public = [e["kind"] for e in api_as(world.company).get(f"/api/v1/tickets/{tid}/events/").json()]
    assert "noted" not in public


def test_invalid_transition_is_409_and_changes_nothing(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    before = TicketEvent.objects.count()
    response = api_as(world.chief).post(f"/api/v1/tickets/{tid}/resolve/", {"resolution": "x"})
    assert response.status_code == 409
    assert TicketEvent.objects.count() == before


def test_other_company_gets_404_everywhere(world, api_as, file_ticket):
    tid = file_ticket()["id"]
    other = api_as(world.other_company)
    assert other.get(f"/api/v1/tickets/{tid}/").status_code == 404
    assert other.get(f"/api/v1/tickets/{tid}/events/").status_code == 404
    assert other.post(f"/api/v1/tickets/{tid}/reply/", {"body": "hi"}).status_code == 404
    assert other.get("/api/v1/tickets/").json()["count"] == 0


def test_a_rule_broken_in_a_service_answers_with_field_errors_at_the_top_level(world, api_as, file_ticket):
    # given an accepted ticket; when it is transferred to the department it is already in
    tid = file_ticket()["id"]
    officer = api_as(world.chief)
    officer.post(f"/api/v1/tickets/{tid}/accept/")
    response = officer.post(f"/api/v1/tickets/{tid}/assist/", {"department": world.service_dept.pk, "request": "x"})
    # then the 400 names the field like any serializer error, with a message
    assert response.status_code == 400
    body = response.json()
    assert "department" in body and body["detail"]


def test_accepting_after_the_acceptance_breach_clears_overdue_but_keeps_the_record(world, api_as, file_ticket, clock):
    from tickets.models import Escalation, Ticket
    from tickets.sla.escalation import escalation_sweep

    # given a ticket whose acceptance deadline (15:30) has passed and was swept as a breach
    tid = file_ticket()["id"]
    clock.shift(6 * 60 * 60)  # 16:00
    escalation_sweep()
    assert Ticket.objects.get(pk=tid).overdue is True
    # when its officer (the deputy now: the breach handed it over) accepts it
    ticket = Ticket.objects.get(pk=tid)
    response = api_as(ticket.assignee).post(f"/api/v1/tickets/{tid}/accept/")
    # then no running deadline is past, so it is no longer overdue; the breach stays on record
    assert response.status_code == 200, response.json()
    assert response.json()["overdue"] is False
    assert Escalation.objects.filter(ticket_id=tid, level="breach").exists()


def test_a_pending_extension_expires_when_the_ticket_is_resolved(world, api_as, file_ticket):
    from tickets.models import ExtensionRequest

    # given an accepted ticket with an extension request waiting for a decision
    tid = file_ticket()["id"]
    officer = api_as(world.chief)
    officer.post(f"/api/v1/tickets/{tid}/accept/")
    ask = {"new_resolve_due_at": "2026-12-10T17:30:00+08:00", "reason": "设备到货延迟"}
    assert officer.post(f"/api/v1/tickets/{tid}/extend/", ask).status_code == 201
    # when the ticket is resolved, then the request expires (it could never be decided)
    officer.post(f"/api/v1/tickets/{tid}/resolve/", {"resolution": "已办结"})
    extension = ExtensionRequest.objects.get(ticket_id=tid)
    assert extension.status == "rejected"
    assert extension.decision_reason.startswith("expired")
    # and after a reopen a new request can be made
    api_as(world.company).post(f"/api/v1/tickets/{tid}/reopen/", {"reason": "问题复现"})
    assert officer.post(f"/api/v1/tickets/{tid}/extend/", ask).status_code == 201
