"""Sheets on schedule: due on the working calendar, sent once per (sheet, period, recipient)
by e-mail with the XLSX attached or to the manager's group robot through the outbox."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from openpyxl import load_workbook

from notifications.models import GroupRobot, Notification
from servicedesk.errors import Forbidden, Invalid, NotFound
from servicedesk.models import User
from subscriptions import services
from subscriptions.models import SheetDelivery
from subscriptions.schedule import due_on

pytestmark = pytest.mark.django_db

GOLDEN_WEEK_MONDAY = dt.date(2026, 10, 5)  # National Day: 5, 6, 7 October are holidays
FIRST_WORKING_DAY = dt.date(2026, 10, 8)


def _due(day: dt.date) -> dict[str, tuple[dt.date, dt.date]]:
    return {d.sheet: (d.period.start, d.period.end) for d in due_on(day)}


def test_a_holiday_monday_sends_on_the_next_working_day(world):  # type: ignore[no-untyped-def]
    assert _due(GOLDEN_WEEK_MONDAY) == {}
    assert _due(FIRST_WORKING_DAY) == {
        "dispatch": (dt.date(2026, 10, 5), dt.date(2026, 10, 12)),
        "ranking": (dt.date(2026, 9, 1), dt.date(2026, 10, 1)),
        "bulletin": (dt.date(2026, 7, 1), dt.date(2026, 10, 1)),
    }


def test_a_plain_monday_sends_the_week_and_last_month(world):  # type: ignore[no-untyped-def]
    assert _due(dt.date(2026, 11, 2)) == {
        "dispatch": (dt.date(2026, 11, 2), dt.date(2026, 11, 9)),
        "ranking": (dt.date(2026, 10, 1), dt.date(2026, 11, 1)),
    }
    assert _due(dt.date(2026, 11, 1)) == {}  # a Sunday: nothing yet
    assert "dispatch" not in _due(dt.date(2026, 11, 21))  # a Saturday after the catch-up days


@pytest.fixture
def manager(world):  # type: ignore[no-untyped-def]
    User.objects.filter(pk=world.park_manager.pk).update(email="manager@park.example", language="en")
    world.park_manager.refresh_from_db()
    return world.park_manager


def test_each_sheet_goes_once_by_mail_and_to_the_robot(world, manager, file_ticket):  # type: ignore[no-untyped-def]
    file_ticket(title='=HYPERLINK("http://evil.example")')
    GroupRobot.objects.create(name="园区群", kind="wecom", park=world.park, url="https://qyapi.weixin.qq.com/x")
    services.subscribe(user=manager, sheet="dispatch", channel="email")
    services.subscribe(user=manager, sheet="ranking", channel="robot")
    services.subscribe(user=manager, sheet="bulletin", channel="email")

    run = services.send_due(today=FIRST_WORKING_DAY)
    assert (run.due, run.sent, run.failed) == (3, 3, 0)
    subjects = sorted(m.subject for m in mail.outbox)
    assert len(subjects) == 2 and any("Weekly dispatch" in s and "2026-W41" in s for s in subjects)
    dispatch = next(m for m in mail.outbox if "Weekly dispatch" in m.subject)
    assert dispatch.to == ["manager@park.example"]
    assert "open tickets" in dispatch.body and "/reports/dispatch/?week=2026-W41" in dispatch.body
    (name, content, mime) = dispatch.attachments[0]
    assert name == "dispatch-2026-W41.xlsx" and mime.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(content)).active
    assert "Weekly dispatch" in str(sheet["A1"].value)
    robot = Notification.objects.get(robot__isnull=False, event_kind="sheet_ready")
    assert "2026-09" in robot.subject and "/reports/ranking/?month=2026-09" in robot.body

    again = services.send_due(today=FIRST_WORKING_DAY + dt.timedelta(days=1))  # beat again, or a second beat
    assert (again.sent, len(mail.outbox)) == (0, 2)
    assert Notification.objects.filter(event_kind="sheet_ready").count() == 1
    assert SheetDelivery.objects.filter(status="sent").count() == 3


def test_a_failed_mail_is_sent_at_the_next_run_and_only_then(world, manager, settings):  # type: ignore[no-untyped-def]
    services.subscribe(user=manager, sheet="dispatch", channel="email")
    settings.EMAIL_BACKEND = "tests.subscriptions.failing.Backend"
    assert services.send_due(today=FIRST_WORKING_DAY).failed == 1
    delivery = SheetDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1) and "refused" in delivery.error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert services.send_due(today=FIRST_WORKING_DAY).sent == 1
    assert services.send_due(today=FIRST_WORKING_DAY).sent == 0
    assert len(mail.outbox) == 1


def test_who_may_subscribe_and_to_what(world, manager):  # type: ignore[no-untyped-def]
    with pytest.raises(Forbidden):
        services.subscribe(user=world.chief, sheet="dispatch", channel="email")
    with pytest.raises(Invalid):
        services.subscribe(user=manager, sheet="ranking", channel="robot")  # no robot in the park
    with pytest.raises(Invalid):
        services.subscribe(user=world.zone_manager, sheet="ranking", channel="email")  # no address
    with pytest.raises(Invalid):
        services.subscribe(user=manager, sheet="weekly-gossip", channel="email")
    mine = services.subscribe(user=manager, sheet="dispatch", channel="email")
    assert services.subscribe(user=manager, sheet="dispatch", channel="email").pk == mine.pk
    with pytest.raises(NotFound):
        services.unsubscribe(user=world.other_park_manager, subscription_id=mine.pk)
    services.unsubscribe(user=manager, subscription_id=mine.pk)
    assert not services.subscriptions_of(manager).exists()


def test_a_manager_picks_sheets_on_the_profile_page(world, manager):  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(manager)
    page = client.get("/profile/").content.decode()
    assert "Sheets on schedule" in page and 'name="sheet-dispatch-email"' in page
    saved = client.post("/profile/", {"section": "sheets", "sheet-dispatch-email": "1", "sheet-bulletin-email": "1"})
    assert saved.status_code == 302
    assert {(s.sheet, s.channel) for s in services.subscriptions_of(manager)} == {
        ("dispatch", "email"),
        ("bulletin", "email"),
    }
    # a box that cannot be honoured (no robot in the park) changes nothing
    refused = client.post("/profile/", {"section": "sheets", "sheet-ranking-robot": "1"})
    assert refused.status_code == 400 and "no group robot" in refused.content.decode()
    assert len(services.subscriptions_of(manager)) == 2
    client.post("/profile/", {"section": "sheets"})  # all boxes cleared
    assert not services.subscriptions_of(manager).exists()

    officer = Client()
    officer.force_login(world.chief)
    assert 'name="sheet-dispatch-email"' not in officer.get("/profile/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_beats_at_once_send_each_sheet_once(world, manager, settings):  # type: ignore[no-untyped-def]
    """Two processes run the hour's sending at the same moment (two beats, or a beat and a
    retried task): the row lock and the unique delivery make one of them send, once."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    services.subscribe(user=manager, sheet="dispatch", channel="email")
    services.subscribe(user=manager, sheet="bulletin", channel="email")
    settings.EMAIL_BACKEND = "tests.subscriptions.failing.SlowBackend"
    mail.outbox = []
    runs: list[services.Run] = []

    def beat() -> None:
        try:
            runs.append(services.send_due(today=FIRST_WORKING_DAY))
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(runs) == 2
    assert len(mail.outbox) == 2  # the dispatch sheet and the bulletin, once each
    assert sum(run.sent for run in runs) == 2
    assert SheetDelivery.objects.filter(status="sent").count() == 2
