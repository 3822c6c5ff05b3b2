"""Dispatch after commit, the broker outage path, dedup under repeated tasks, the sweep and
the daily digest."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from kombu.exceptions import OperationalError

from notifications import services, tasks
from notifications.models import Notification, NotificationSettings
from servicedesk import clock
from servicedesk.models import User
from tests.tickets.conftest import SHANGHAI
from tickets import notify
from tickets import tasks as ticket_tasks
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db


def test_the_send_tasks_are_published_after_commit_only(
    world, file_ticket, published, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        file_ticket()
    assert published == []  # nothing inside the transaction
    for callback in callbacks:
        callback()
    assert sorted(published) == sorted(Notification.objects.filter(status="pending").values_list("pk", flat=True))


def test_a_broker_outage_never_fails_the_request(world, api_as, monkeypatch, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from notifications.tasks import notification_send_batch

    calls = []

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(notification_send_batch, "apply_async", down)
    colleague = User.objects.create(username="colleague", role="enterprise", enterprise=world.enterprise)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(world.company).post(
            "/api/v1/tickets/",
            {"title": "t", "description": "d", "kind": "help", "service_item": world.item.code},
            format="json",
        )
    assert response.status_code == 201
    assert time.monotonic() - started < 2
    assert len(calls) == 1  # gave up on the first refusal: the sweep sends the rest
    assert Notification.objects.filter(status="pending").count() == 2  # chief + colleague
    assert colleague.notifications.exists()


def test_the_sweep_sends_what_the_outage_left_behind(world, file_ticket, published, clock, settings, eager):  # type: ignore[no-untyped-def]
    file_ticket()
    assert services.notifications_release_due() == []  # within the grace of its own task
    clock.shift(timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE))
    assert tasks.notification_retry_pending() == 1
    assert Notification.objects.get().status == "sent"
    assert tasks.notification_retry_pending() == 0


def test_the_sweep_puts_back_what_it_could_not_publish(world, file_ticket, clock, settings, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tasks, "notifications_enqueue", lambda ids: 0)
    file_ticket()
    clock.shift(timedelta(seconds=settings.NOTIFICATIONS_SWEEP_GRACE))
    (pk,) = services.notifications_release_due()
    assert Notification.objects.get(pk=pk).next_attempt_at == clock_now()
    assert services.notifications_release_due() == [pk]  # tried again next time


def clock_now() -> datetime:
    return clock.now()


def test_the_sweep_gives_up_on_rows_over_the_bound(world, file_ticket, settings):  # type: ignore[no-untyped-def]
    file_ticket()
    Notification.objects.update(attempts=settings.NOTIFICATIONS_MAX_ATTEMPTS, next_attempt_at=clock.now())
    assert services.notifications_release_due() == []
    row = Notification.objects.get()
    assert (row.status, row.last_error) == ("failed", "gave up after 8 attempts")


def test_a_repeated_task_sends_once(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    file_ticket()
    row = Notification.objects.get(channel="email")
    assert tasks.notification_send(row.pk) == "sent"
    assert tasks.notification_send(row.pk) == "sent"
    assert tasks.notification_send(row.pk) == "sent"
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.attempts == 1
    assert tasks.notification_send(987654) == "missing"


def test_the_dedup_key_refuses_a_second_row_for_the_same_event(world, file_ticket):  # type: ignore[no-untyped-def]
    file_ticket()
    event = TicketEvent.objects.get(kind="created")
    with pytest.raises(IntegrityError), transaction.atomic():
        notify.notify_event(event)
    assert Notification.objects.count() == 1


def test_the_daily_digest_lists_the_queue_and_what_is_due_today(world, file_ticket, clock, published):  # type: ignore[no-untyped-def]
    NotificationSettings.objects.create(user=world.chief, daily_digest=True)
    NotificationSettings.objects.create(user=world.deputy, daily_digest=True)  # nothing in their queue
    NotificationSettings.objects.create(user=world.company, daily_digest=True)  # not an officer
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    first = file_ticket(title="今天到期")
    file_ticket(title="以后到期")
    Ticket.objects.filter(pk=first["id"]).update(resolve_due_at=datetime(2026, 11, 17, 17, 0, tzinfo=SHANGHAI))
    published.clear()
    assert ticket_tasks.notification_daily_digest() == 2  # inbox + email of the chief
    rows = Notification.objects.filter(event_kind="digest")
    assert {(r.recipient_id, r.channel) for r in rows} == {(world.chief.pk, "inbox"), (world.chief.pk, "email")}
    digest = rows.get(channel="inbox")
    assert digest.subject == "今日待办：2 件"
    assert "今天到期" in digest.body
    assert "以后到期" not in digest.body
    assert sorted(published) == sorted(r.pk for r in rows)
    assert ticket_tasks.notification_daily_digest() == 2  # still pending: published again, not duplicated
    assert rows.count() == 2
    NotificationSettings.objects.all().update(daily_digest=False)
    assert ticket_tasks.notification_daily_digest() == 0


# --- many events at once (a sweep batch) -------------------------------------------------


def _outbox_rows(rows: list[Notification]) -> set[tuple[object, ...]]:
    return {
        (r.dedup_key, r.recipient_id, r.endpoint_id, r.channel, r.status, r.next_attempt_at, r.subject, r.body)
        for r in rows
    }


def test_the_notifications_of_many_events_at_once_are_those_of_each_alone(world, file_ticket, clock):  # type: ignore[no-untyped-def]
    from notifications.models import NotificationPreference, WebhookEndpoint
    from tests.factories import EnterpriseUserFactory, ManagerFactory

    first = Ticket.objects.get(pk=file_ticket()["id"])
    other = Ticket.objects.get(pk=file_ticket(priority="urgent")["id"])
    EnterpriseUserFactory(enterprise=world.enterprise)
    ManagerFactory(department=first.department, email="head@example.com")
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com", phone="13800000000")
    NotificationPreference.objects.create(user=world.chief, event_kind="escalated", channel="email", enabled=False)
    NotificationSettings.objects.create(user=world.park_manager)
    WebhookEndpoint.objects.create(department=first.department, url="http://127.0.0.1:9/d", secret="s")
    WebhookEndpoint.objects.create(enterprise=world.enterprise, url="http://127.0.0.1:9/e", secret="s")
    clock.move_to(datetime(2026, 11, 17, 23, 0, tzinfo=SHANGHAI))  # quiet hours: email held, not SMS of urgent
    events = [
        TicketEvent.objects.create(ticket=t, actor=actor, kind=kind, public=public, data=data, created_at=clock_now())
        for t, actor, kind, public, data in [
            (first, None, "escalated", False, {"level": "breach", "deadline": "accept"}),
            (other, None, "supervised", False, {"level": "supervision", "deadline": "accept"}),
            (first, world.chief, "replied", True, {}),
            (other, world.company, "transferred", False, {"from_assignee": world.deputy.pk}),
            (first, world.chief, "escalated", False, {"level": "warning", "deadline": "resolve"}),
        ]
    ]
    with transaction.atomic():
        alone = _outbox_rows([row for event in events for row in notify.notify_event(event)])
        transaction.set_rollback(True)
    together = notify.notify_events(events)
    assert _outbox_rows(together) == alone
    assert {r.channel for r in together} == {"inbox", "email", "sms", "webhook"}
    assert {r.status for r in together} == {"pending", "held"}


def test_webhooks_are_published_apart_per_endpoint(world, file_ticket, monkeypatch, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    from notifications.models import WebhookEndpoint

    slow = WebhookEndpoint.objects.create(enterprise=world.enterprise, url="http://127.0.0.1:9/slow", secret="s")
    dept = WebhookEndpoint.objects.create(department=world.service_dept, url="http://127.0.0.1:9/d", secret="s")
    published: list[list[int]] = []
    monkeypatch.setattr(tasks.notification_send_batch, "apply_async", lambda args, **kw: published.append(args[0]))
    with django_capture_on_commit_callbacks(execute=True):
        file_ticket()
    rows = {r.pk: r for r in Notification.objects.all()}
    assert len(published) == 3  # the users' rows, then each endpoint's own
    assert {rows[pk].channel for pk in published[0]} == {"inbox"}
    assert [[rows[pk].endpoint_id for pk in batch] for batch in published[1:]] == [[slow.pk], [dept.pk]]


def test_a_batch_task_sends_each_row_once_and_reports_the_outcome(world, file_ticket, published):  # type: ignore[no-untyped-def]
    file_ticket()
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert tasks.notification_send_batch([*ids, 987654]) == {"sent": len(ids), "missing": 1}
    assert tasks.notification_send_batch(ids) == {"sent": len(ids)}  # a retry repeats nothing
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


def test_a_broker_outage_midway_leaves_the_rest_for_the_sweep(world, monkeypatch):  # type: ignore[no-untyped-def]
    calls: list[list[int]] = []

    def flaky(args, **kwargs):  # type: ignore[no-untyped-def]
        if calls:
            raise OperationalError("Connection refused.")
        calls.append(args[0])

    monkeypatch.setattr(tasks.notification_send_batch, "apply_async", flaky)
    monkeypatch.setattr(tasks, "PUBLISH_CHUNK", 2)
    assert services.notifications_enqueue_groups([[1, 2, 3], [4]]) == 2
    assert calls == [[1, 2]]


def test_a_batch_marks_its_inbox_rows_sent_together_and_sends_the_rest_one_by_one(  # type: ignore[no-untyped-def]
    world, file_ticket, published, django_assert_max_num_queries
):
    for _ in range(5):
        file_ticket()
    inbox = list(Notification.objects.filter(channel="inbox").values_list("pk", flat=True))
    assert len(inbox) >= 5
    with django_assert_max_num_queries(4):  # whatever the number of inbox rows
        assert tasks.notification_send_batch(inbox) == {"sent": len(inbox)}
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com")
    file_ticket()
    fresh = list(Notification.objects.filter(status="pending").order_by("pk").values_list("pk", flat=True))
    assert sorted(Notification.objects.filter(pk__in=fresh).values_list("channel", flat=True)) == ["email", "inbox"]
    assert tasks.notification_send_batch([*fresh, inbox[0]]) == {"sent": 3}  # the sent one: left alone
    rows = Notification.objects.all()
    assert {(r.status, r.attempts, r.sent_at is not None, r.last_error) for r in rows} == {("sent", 1, True, "")}
    assert len(mail.outbox) == 1


def test_the_inbox_rows_go_in_one_task_the_remote_channels_in_small_ones(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tasks, "REMOTE_CHUNK", 2)
    rows = [
        (1, "inbox", None),
        (2, "email", None),
        (3, "sms", None),
        (4, "email", None),
        (5, "inbox", None),
        (6, "webhook", 9),
        (7, "webhook", 3),
        (8, "webhook", 9),
        (9, "webhook", 9),
    ]
    # email and SMS spread over the worker pool; each endpoint's webhooks apart from the rest
    assert services.publish_groups(rows) == [[1, 5], [2, 3], [4], [7], [6, 8], [9]]
