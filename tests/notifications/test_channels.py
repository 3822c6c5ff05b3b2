"""Each channel, delivered through `notification_deliver`: inbox, email (text + HTML), SMS
(pluggable backend) and webhooks to a real local receiver that checks the signature."""

from __future__ import annotations

import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core import mail

from notifications import services
from notifications.channels.sms import ConsoleSmsBackend, LocmemSmsBackend
from notifications.channels.webhook import sign
from notifications.models import Notification, WebhookEndpoint
from servicedesk import clock
from servicedesk.clock import now as clock_now
from servicedesk.models import User
from tests.notifications.conftest import SECRET
from tickets.events import record_event
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def deliver_all(**filters: object) -> list[str]:
    return [
        services.notification_deliver(notification_id=pk)
        for pk in Notification.objects.filter(**filters).order_by("pk").values_list("pk", flat=True)
    ]


def test_inbox_delivery_marks_the_row_sent(world, file_ticket):  # type: ignore[no-untyped-def]
    file_ticket()
    row = Notification.objects.get(channel="inbox", recipient=world.chief)
    assert row.status == "pending"
    assert services.notification_deliver(notification_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts, row.sent_at) == ("sent", 1, clock.now())


def test_email_has_a_text_and_an_html_part(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    ticket = file_ticket(title="<b>用电</b>报装")
    assert deliver_all(channel="email") == ["sent"]
    (message,) = mail.outbox
    assert message.to == ["chief@example.com"]
    assert ticket["number"] in message.subject
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    assert "&lt;b&gt;用电&lt;/b&gt;" in html  # escaped


def test_email_without_an_address_fails_and_is_retried(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    file_ticket()
    User.objects.filter(pk=world.chief.pk).update(email="")
    assert deliver_all(channel="email") == ["pending"]
    row = Notification.objects.get(channel="email")
    assert row.attempts == 1
    assert "no email address" in row.last_error
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)


def test_sms_goes_through_the_configured_backend_only_for_urgent_matters(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.update(phone="13800000000")
    file_ticket()
    assert not Notification.objects.filter(channel="sms").exists()  # not urgent: no SMS by default
    file_ticket(priority="urgent")  # filed by the chief officer: staff mark urgency
    assert deliver_all(channel="sms") == ["sent"]
    ((phone, text),) = LocmemSmsBackend.outbox
    assert phone == "13800000000"
    assert "新工单" in text


def test_the_console_sms_backend_prints(capsys):  # type: ignore[no-untyped-def]
    ConsoleSmsBackend().send("13800000000", "hello")
    assert "SMS to 13800000000: hello" in capsys.readouterr().out


def test_a_webhook_is_a_signed_json_post(world, file_ticket, receiver):  # type: ignore[no-untyped-def]
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/ok"), secret=SECRET)
    ticket = file_ticket()
    assert deliver_all(channel="webhook") == ["sent"]
    (body,) = receiver.bodies("/ok")  # only valid signatures are counted
    assert body["event"] == "created"
    assert body["ticket"]["number"] == ticket["number"]  # type: ignore[index]


def test_a_wrong_secret_is_refused_by_the_receiver(world, file_ticket, receiver):  # type: ignore[no-untyped-def]
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/ok"), secret="wrong")
    file_ticket()
    assert deliver_all(channel="webhook") == ["pending"]
    assert "401" in Notification.objects.get(channel="webhook").last_error


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body() -> None:
    assert sign("k", "1700000000", b"{}") == "sha256=" + hmac.new(b"k", b"1700000000.{}", "sha256").hexdigest()


def test_a_slow_endpoint_does_not_delay_another(world, file_ticket, receiver):  # type: ignore[no-untyped-def]
    slow = WebhookEndpoint.objects.create(department=world.service_dept, url=receiver.url("/slow"), secret=SECRET)
    fast = WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/ok"), secret=SECRET)
    file_ticket()
    slow_row = Notification.objects.get(endpoint=slow)
    fast_row = Notification.objects.get(endpoint=fast)

    started = time.monotonic()
    assert services.notification_deliver(notification_id=slow_row.pk) == "pending"  # timed out (1 s)
    assert time.monotonic() - started < 2.5  # bounded by the timeout, not by the endpoint
    started = time.monotonic()
    assert services.notification_deliver(notification_id=fast_row.pk) == "sent"  # its own task
    assert time.monotonic() - started < 0.5
    slow_row.refresh_from_db()
    assert "timed out" in slow_row.last_error
    assert slow_row.next_attempt_at > clock.now()


def test_a_failing_endpoint_backs_off_and_gives_up_after_the_bound(world, file_ticket, receiver, settings):  # type: ignore[no-untyped-def]
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url("/fail"), secret=SECRET)
    file_ticket()
    row = Notification.objects.get(channel="webhook")
    for attempt in range(1, settings.NOTIFICATIONS_MAX_ATTEMPTS + 1):
        services.notification_deliver(notification_id=row.pk)
        row.refresh_from_db()
        if attempt < settings.NOTIFICATIONS_MAX_ATTEMPTS:
            assert row.next_attempt_at == clock_now() + services.backoff(attempt)
    assert row.status == "failed"
    assert row.attempts == settings.NOTIFICATIONS_MAX_ATTEMPTS
    assert row.last_error.startswith("gave up after 8 attempts: DeliveryError: webhook answered HTTP 500")
    assert services.notification_deliver(notification_id=row.pk) == "failed"  # left alone
    assert [services.backoff(n).total_seconds() for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1920, 3600]


def test_an_inactive_endpoint_gets_nothing(world, file_ticket, receiver):  # type: ignore[no-untyped-def]
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url(), secret=SECRET, active=False)
    file_ticket()
    assert not Notification.objects.filter(channel="webhook").exists()


def test_an_enterprise_endpoint_gets_public_events_only(world, file_ticket, receiver):  # type: ignore[no-untyped-def]
    ent = WebhookEndpoint.objects.create(enterprise=world.enterprise, url=receiver.url(), secret=SECRET)
    dept = WebhookEndpoint.objects.create(department=world.service_dept, url=receiver.url(), secret=SECRET)
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    record_event(ticket, world.chief, "noted", body="内部", public=False)
    assert set(Notification.objects.filter(event_kind="noted").values_list("endpoint", flat=True)) == {dept.pk}
    assert set(
        Notification.objects.filter(event_kind="created").exclude(endpoint=None).values_list("endpoint", flat=True)
    ) == {
        ent.pk,
        dept.pk,
    }
    payload = json.loads(Notification.objects.get(event_kind="noted", endpoint=dept).body)
    assert payload["body"] == "内部"
