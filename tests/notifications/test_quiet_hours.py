"""有事必到、无事不扰: quiet hours hold non-urgent email and SMS until morning; urgent
matters break through; the inbox is never held."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from notifications import services
from notifications.models import Notification, NotificationPreference, NotificationSettings
from servicedesk.models import User
from tests.tickets.conftest import SHANGHAI
from tickets.events import record_event
from tickets.models import Ticket

pytestmark = pytest.mark.django_db

NIGHT = datetime(2026, 11, 17, 23, 30, tzinfo=SHANGHAI)
MORNING = datetime(2026, 11, 18, 8, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 11, 17, 21, 59, tzinfo=SHANGHAI), None),
        (datetime(2026, 11, 17, 22, 0, tzinfo=SHANGHAI), MORNING),
        (datetime(2026, 11, 18, 3, 0, tzinfo=SHANGHAI), MORNING),
        (datetime(2026, 11, 18, 8, 0, tzinfo=SHANGHAI), None),
    ],
)
def test_quiet_until_runs_over_midnight(local, until) -> None:  # type: ignore[no-untyped-def]
    assert services.quiet_until(local, start=time(22), end=time(8), tz="Asia/Shanghai") == until


def test_a_daytime_quiet_period_and_none_at_all() -> None:
    noon = datetime(2026, 11, 17, 12, 30, tzinfo=SHANGHAI)
    assert services.quiet_until(noon, start=time(12), end=time(13, 30), tz="Asia/Shanghai") == datetime(
        2026, 11, 17, 13, 30, tzinfo=SHANGHAI
    )
    assert services.quiet_until(noon, start=time(8), end=time(8), tz="Asia/Shanghai") is None


@pytest.fixture
def ticket(world, file_ticket):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.chief.pk).update(email="chief@example.com", phone="13800000000")
    return Ticket.objects.get(pk=file_ticket()["id"])


def test_at_night_email_is_held_until_eight_and_the_inbox_is_not(world, ticket, clock):  # type: ignore[no-untyped-def]
    clock.move_to(NIGHT)
    record_event(ticket, world.company, "replied", body="夜里补充")
    email = Notification.objects.get(event_kind="replied", channel="email")
    inbox = Notification.objects.get(event_kind="replied", channel="inbox")
    assert (email.status, email.next_attempt_at) == ("held", MORNING)
    assert inbox.status == "pending"
    assert services.notification_deliver(notification_id=email.pk) == "held"  # a stray task: not yet

    clock.move_to(datetime(2026, 11, 18, 7, 59, tzinfo=SHANGHAI))
    assert email.pk not in services.notifications_release_due()
    clock.move_to(MORNING)
    assert email.pk in services.notifications_release_due()
    assert services.notification_deliver(notification_id=email.pk) == "sent"


def test_urgent_breaks_through_at_night(world, ticket, clock):  # type: ignore[no-untyped-def]
    clock.move_to(NIGHT)
    record_event(ticket, world.zone_manager, "supervised", public=False, level="supervision")
    rows = Notification.objects.filter(event_kind="supervised", recipient=world.chief)
    assert {(r.channel, r.status) for r in rows} == {("inbox", "pending"), ("email", "pending"), ("sms", "pending")}


def test_own_quiet_hours_and_preferences_apply(world, ticket, clock):  # type: ignore[no-untyped-def]
    NotificationSettings.objects.create(user=world.chief, quiet_start=time(12), quiet_end=time(13, 30))
    NotificationPreference.objects.create(user=world.chief, event_kind="replied", channel="sms", enabled=True)
    clock.move_to(datetime(2026, 11, 17, 23, 30, tzinfo=SHANGHAI))  # not quiet for this user
    record_event(ticket, world.company, "replied", body="r")
    assert set(Notification.objects.filter(event_kind="replied").values_list("channel", "status")) == {
        ("inbox", "pending"),
        ("email", "pending"),
        ("sms", "pending"),
    }
    NotificationPreference.objects.create(user=world.chief, event_kind="resumed", channel="email", enabled=False)
    record_event(ticket, world.company, "resumed")
    assert set(Notification.objects.filter(event_kind="resumed").values_list("channel", flat=True)) == {"inbox"}
