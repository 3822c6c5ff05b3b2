"""Redis stops while tickets are filed and escalations fall due; then it comes back.

A Redis of the test's own (the shared one is never touched), a real worker and real beat
(the sweep every second). Redis is down for `FAULT_OUTAGE_SECONDS` (10 s here, 60 s under
`make fault`). During the outage every ticket filed through the API is a 201 at once (the
send tasks cannot be published; the outbox rows wait), and breach deadlines fall due that
beat cannot have swept. After Redis returns: every ticket exists once, every due step fired
once, every notification was delivered once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from notifications.models import Notification
from tests.faults.conftest import Desk, Receiver, all_sent, assert_delivered_once, outage_seconds, retry_until_sent
from tests.procs import wait_for
from tickets import services
from tickets.models import Escalation, EventKind, SlaDeadline, Ticket, TicketEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LATE_TICKETS = 6


def test_tickets_and_escalations_during_a_redis_outage_happen_exactly_once_after_it(
    desk: Desk, receiver: Receiver, broker, start, api_as, settings, tmp_path
):  # type: ignore[no-untyped-def]
    outage = outage_seconds()
    settings.NOTIFICATIONS_SWEEP_GRACE = 0
    start()
    start("beat", "--loglevel=WARNING", "--pidfile=", "-s", str(tmp_path / "beat-schedule"), SLA_SWEEP_SECONDS="1")
    company = api_as(desk.company)

    def file(title: str) -> int:
        started = time.monotonic()
        response = company.post(
            "/api/v1/tickets/",
            {"title": title, "description": "d", "kind": "help", "service_item": desk.item.code},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert time.monotonic() - started < 3, "a request waited on the broker"
        return int(response.json()["id"])

    # with Redis up, the pipeline works: filed, sent by the worker
    filed = [file("上线前")]
    wait_for(all_sent, 30, "the first delivery")

    # tickets whose acceptance breach (60 s after filing) falls inside the coming outage
    now = timezone.now()
    late: list[int] = []
    for i in range(LATE_TICKETS):
        due_in = 3 + (outage - 5) * i / (LATE_TICKETS - 1)
        with time_machine.travel(now + timedelta(seconds=due_in - 60), tick=False):
            ticket = services.ticket_create(
                actor=desk.company, title=f"逾期{i}", description="d", kind="help", service_item=desk.item
            )
        late.append(ticket.pk)

    broker.stop()
    down_at = timezone.now()
    down = time.monotonic()
    n = 0
    while time.monotonic() - down < outage:
        filed.append(file(f"断线{n}"))
        n += 1
        time.sleep(min(1.0, outage / 10))
    breaches = Escalation.objects.filter(ticket_id__in=late, level="breach")
    deadlines = SlaDeadline.objects.filter(ticket_id__in=late, kind="accept")
    in_outage = [pk for pk, due in deadlines.values_list("ticket_id", "due_at") if down_at < due]
    assert len(in_outage) >= LATE_TICKETS - 1  # (a slow start may let the first fall due before)
    assert not breaches.filter(ticket_id__in=in_outage).exists(), "a breach fired while the broker was down"
    assert Notification.objects.filter(topic_id__in=filed[1:], status="pending").exists()

    broker.start()  # same port: worker and beat reconnect
    up_at = timezone.now()
    wait_for(lambda: breaches.count() == LATE_TICKETS, 90, "the breaches after the outage", every=0.5)
    assert all(e.fired_at >= up_at for e in breaches.filter(ticket_id__in=in_outage)), "fired with Redis down"
    retry_until_sent(90)
    time.sleep(3)  # more beat ticks: nothing may fire or send twice

    assert Ticket.objects.count() == len(filed) + LATE_TICKETS
    assert sorted(Ticket.objects.filter(title__startswith="断线").values_list("pk", flat=True)) == sorted(filed[1:])
    assert len(set(Ticket.objects.values_list("number", flat=True))) == Ticket.objects.count()
    for pk in filed + late:
        assert TicketEvent.objects.filter(ticket_id=pk, kind=EventKind.CREATED).count() == 1
    steps = Escalation.objects.filter(ticket_id__in=late)
    assert steps.count() == 2 * LATE_TICKETS  # warning and breach, each once
    events = TicketEvent.objects.filter(ticket_id__in=late, kind=EventKind.ESCALATED)
    assert len({(e.ticket_id, e.data["level"], e.data["version"]) for e in events}) == events.count() == 2 * len(late)
    assert TicketEvent.objects.filter(ticket_id__in=late, kind=EventKind.TRANSFERRED).count() == LATE_TICKETS
    assert all_sent()
    assert_delivered_once(receiver)
