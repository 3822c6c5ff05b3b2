"""Who is told what: for the main events, the recipients and channels of the outbox rows."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from servicedesk import clock
from servicedesk.models import User
from tests.factories import EnterpriseUserFactory, ManagerFactory
from tests.notifications.conftest import _notification_settings, published, receiver  # noqa: F401  fixtures (the outbox, no broker)
from tickets.events import record_event
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def told(kind: str, *, ticket_id: int | None = None) -> set[tuple[str, str]]:
    rows = Notification.objects.filter(event_kind=kind).select_related("recipient", "endpoint")
    if ticket_id is not None:
        rows = rows.filter(topic_id=ticket_id)
    return {(r.recipient.username if r.recipient else f"webhook:{r.endpoint_id}", r.channel) for r in rows}


def people(kind: str, **kw: int) -> set[str]:
    return {who for who, _ in told(kind, **kw)}


@pytest.fixture
def emails(world) -> None:  # type: ignore[no-untyped-def]
    for user in (world.chief, world.deputy, world.company, world.park_manager, world.dept_head):
        User.objects.filter(pk=user.pk).update(email=f"{user.username}@example.com")


def test_a_new_ticket_tells_its_assignee_and_the_enterprise_colleagues_never_the_filer(world, file_ticket, emails):  # type: ignore[no-untyped-def]
    colleague = EnterpriseUserFactory(enterprise=world.enterprise)
    ticket = file_ticket()
    assert ticket["assignee"] == world.chief.pk
    assert told("created") == {
        (world.chief.username, "inbox"),
        (world.chief.username, "email"),  # an officer: email on by default
        (colleague.username, "inbox"),  # an enterprise user: inbox only by default
    }
    assert world.company.username not in people("created")  # the actor
    assert world.other_company.username not in people("created")


def test_accept_reply_and_resolve_are_told_to_the_enterprise(world, file_ticket, api_as, emails):  # type: ignore[no-untyped-def]
    ticket = file_ticket()
    chief = api_as(world.chief)
    assert chief.post(f"/api/v1/tickets/{ticket['id']}/accept/").status_code == 200
    assert chief.post(f"/api/v1/tickets/{ticket['id']}/reply/", {"body": "已安排现场勘察"}).status_code in (200, 201)
    assert chief.post(f"/api/v1/tickets/{ticket['id']}/resolve/", {"resolution": "已接电"}).status_code == 200
    for kind in ("accepted", "replied", "resolved"):
        assert people(kind) == {world.company.username}, kind  # the chief acted; the company is told
    reply = Notification.objects.get(event_kind="replied", recipient=world.company)
    assert "已安排现场勘察" in reply.body
    assert reply.language == "zh-hans"


def test_an_internal_note_is_never_told_to_the_enterprise(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    record_event(ticket, world.deputy, "noted", body="内部：等供电局回复", public=False)
    assert people("noted") == {world.chief.username}  # the assignee and owner
    assert not Notification.objects.filter(event_kind="noted", recipient__role=User.Role.ENTERPRISE).exists()


def test_a_reply_by_the_enterprise_tells_the_owner(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    ticket = file_ticket()
    assert api_as(world.company).post(f"/api/v1/tickets/{ticket['id']}/reply/", {"body": "补充材料"}).status_code in (
        200,
        201,
    )
    assert people("replied") == {world.chief.username}


def test_a_warning_tells_the_assignee_and_a_breach_also_the_department_head(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    head = ManagerFactory(department=ticket.department)
    record_event(ticket, None, "escalated", public=False, level="warning", deadline="accept")
    assert people("escalated") == {world.chief.username}
    Notification.objects.all().delete()
    record_event(ticket, None, "escalated", public=False, level="breach", deadline="resolve")
    assert people("escalated") == {world.chief.username, head.username}
    assert world.dept_head.username not in people("escalated")  # head of another department
    row = Notification.objects.get(event_kind="escalated", recipient=head, channel="inbox")
    assert "已超时" in row.subject
    assert not row.urgent


def test_a_supervision_order_tells_the_park_managers_and_the_assignee_urgently(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    record_event(ticket, world.zone_manager, "supervised", public=False, level="supervision")
    assert people("supervised") == {world.chief.username, world.park_manager.username}
    assert all(row.urgent for row in Notification.objects.filter(event_kind="supervised"))
    assert world.other_park_manager.username not in people("supervised")


def test_an_english_speaker_gets_english(world, file_ticket, api_as):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.company.pk).update(language="en")
    ticket = file_ticket()
    api_as(world.chief).post(f"/api/v1/tickets/{ticket['id']}/accept/")
    row = Notification.objects.get(event_kind="accepted", recipient=world.company)
    assert row.language == "en"
    assert row.subject == f"Ticket {ticket['number']} accepted"


def test_an_unassigned_ticket_tells_the_department_head(world):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.create(
        number="T-1",
        title="t",
        description="d",
        enterprise=world.enterprise,
        park=world.park,
        service_item=world.item,
        department=world.power_dept,
        created_by=world.company,
        created_at=clock.now(),
        updated_at=clock.now(),
    )
    record_event(ticket, world.company, "created")
    assert people("created") == {world.dept_head.username}


def test_notify_event_is_cheap(world, file_ticket, django_assert_max_num_queries, receiver):  # type: ignore[no-untyped-def]  # noqa: F811
    from notifications.models import WebhookEndpoint

    for _ in range(3):
        EnterpriseUserFactory(enterprise=world.enterprise)
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url(), secret="x")
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    with django_assert_max_num_queries(4):  # event insert, recipients, endpoints, one bulk insert
        record_event(ticket, world.chief, "replied", body="r")
    assert Notification.objects.filter(event_kind="replied").count() == 5  # 4 company users + 1 webhook
