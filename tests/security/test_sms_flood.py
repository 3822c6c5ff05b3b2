"""Issue 23, item 3: SMS flooding by an enterprise. The attack: 50 tickets marked urgent
and 20 replies in seconds sent 70 SMS, through quiet hours, carrying the enterprise's text.
Now urgency is the staff's, an enterprise's events never break quiet hours, an SMS says
only the kind, the number and the desk's address, and an enterprise's writes are throttled
per user (the shipped cache, the shipped throttle, a lower rate through the setting)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from notifications import services
from notifications.channels.sms import LocmemSmsBackend
from notifications.models import Notification
from servicedesk.models import User
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 11, 17, 23, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
BODY = {"title": "停电", "description": "全厂停电", "kind": "help", "service_item": "power-connect"}


def test_an_enterprise_may_not_mark_its_ticket_urgent(world, api_as):
    response = api_as(world.company).post("/api/v1/tickets/", {**BODY, "priority": "urgent"}, format="json")
    assert response.status_code == 400
    assert "priority" in response.json()["detail"] or "priority" in str(response.json())
    assert not Ticket.objects.exists()
    # staff decide urgency: the chief officer files it urgent on the enterprise's behalf
    on_behalf = {**BODY, "priority": "urgent", "enterprise": world.enterprise.pk}
    assert api_as(world.chief).post("/api/v1/tickets/", on_behalf, format="json").status_code == 201


def test_the_portal_form_does_not_offer_urgent(world):
    from web.tickets.forms import TicketCreateForm

    assert "urgent" not in dict(TicketCreateForm().fields["priority"].choices)  # type: ignore[attr-defined]


def test_enterprise_replies_on_an_urgent_ticket_never_break_quiet_hours(world, api_as, file_ticket, clock):
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com", phone="13800000000")
    tid = file_ticket(priority="urgent")["id"]
    clock.move_to(NIGHT)
    company = api_as(world.company)
    for n in range(3):
        assert company.post(f"/api/v1/tickets/{tid}/reply/", {"body": f"快来 {n}"}).status_code == 201
    replies = Notification.objects.filter(event_kind="replied")
    assert replies.exists()
    assert not replies.filter(urgent=True).exists()
    assert not replies.filter(channel="sms").exclude(status="held").exists()
    assert replies.filter(channel="email", status="held").exists()


def test_an_sms_is_a_fixed_template_with_the_number_and_a_link(world, api_as, settings):
    settings.SERVICEDESK_BASE_URL = "https://desk.example.org"
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    User.objects.update(phone="13800000000")
    LocmemSmsBackend.outbox.clear()
    body = {**BODY, "title": "点此领奖 http://evil.example", "priority": "urgent", "enterprise": world.enterprise.pk}
    created = api_as(world.deputy).post("/api/v1/tickets/", body, format="json").json()
    for pk in Notification.objects.filter(channel="sms").values_list("pk", flat=True):
        services.notification_deliver(notification_id=pk)
    assert LocmemSmsBackend.outbox
    for _phone, text in LocmemSmsBackend.outbox:
        assert created["number"] in text and "https://desk.example.org/" in text
        assert "evil" not in text and "领奖" not in text and "全厂停电" not in text


@override_settings(ENTERPRISE_TICKET_THROTTLE_RATE="3/hour", ENTERPRISE_WRITE_THROTTLE_RATE="2/hour")
def test_an_enterprise_users_tickets_and_replies_are_throttled_per_user(world, api_as):
    company = api_as(world.company)
    codes = [
        company.post("/api/v1/tickets/", {**BODY, "priority": "high"}, format="json").status_code for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    tid = Ticket.objects.first().pk  # type: ignore[union-attr]
    replies = [company.post(f"/api/v1/tickets/{tid}/reply/", {"body": "催"}).status_code for _ in range(3)]
    assert replies == [201, 201, 429]
    # reading is not limited; another user of the same enterprise has their own count
    assert company.get(f"/api/v1/tickets/{tid}/").status_code == 200
    from tests.factories import EnterpriseUserFactory

    colleague = api_as(EnterpriseUserFactory(enterprise=world.enterprise))
    assert colleague.post(f"/api/v1/tickets/{tid}/reply/", {"body": "催"}).status_code == 201
    # staff are not limited by the enterprise rates
    chief = api_as(world.chief)
    assert [chief.post(f"/api/v1/tickets/{tid}/reply/", {"body": "在办"}).status_code for _ in range(3)] == [201] * 3


@override_settings(ENTERPRISE_TICKET_THROTTLE_RATE="3/hour", ENTERPRISE_WRITE_THROTTLE_RATE="2/hour")
def test_the_portal_shares_the_apis_limits(world, api_as):
    from django.test import Client
    from django.urls import reverse

    portal = Client()
    portal.force_login(world.company)
    form = {**BODY, "priority": "normal"}
    assert api_as(world.company).post("/api/v1/tickets/", form, format="json").status_code == 201
    codes = [portal.post(reverse("portal-new"), form).status_code for _ in range(3)]
    assert codes == [302, 302, 429]  # the API's filing counted too
    assert Ticket.objects.count() == 3
    refused = portal.post(reverse("portal-new"), form)
    assert refused.status_code == 429 and "停电" in refused.content.decode()  # what was typed is kept

    number = Ticket.objects.first().number  # type: ignore[union-attr]
    reply = reverse("ticket-action", kwargs={"number": number, "action": "reply"})
    replies = [portal.post(reply, {"reply-body": "催"}).status_code for _ in range(3)]
    assert replies == [302, 302, 429]
    assert Ticket.objects.first().events.filter(kind="replied").count() == 2  # type: ignore[union-attr]
