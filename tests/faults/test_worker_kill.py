"""kill -9 of a Celery worker in the middle of delivering notifications.

The SLA sweep side of this fault is tests/e2e/test_sla_worker.py; here the worker dies
while it is posting a webhook (the receiver has the request, the row's transaction has not
committed). Tasks are acks_late, so the message stays unacknowledged in Redis; the row
stays pending, and the periodic retry sweep hands it to the next worker."""

from __future__ import annotations

import os
import signal
import time

import pytest

from notifications.models import Notification
from tests.faults.conftest import Desk, Receiver, assert_delivered_once, retry_until_sent
from tests.procs import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_worker_killed_while_delivering_leaves_each_notification_delivered_once(
    desk: Desk, receiver: Receiver, start, api_as, settings
):  # type: ignore[no-untyped-def]
    settings.NOTIFICATIONS_SWEEP_GRACE = 0  # the retry sweep may take a row at once
    receiver.delay = 1.5  # each webhook takes a while: the kill lands inside one
    company = api_as(desk.company)
    for n in range(8):  # published before any worker runs: they queue up in Redis
        response = company.post(
            "/api/v1/tickets/",
            {"title": f"停水{n}", "description": "d", "kind": "help", "service_item": desk.item.code},
            format="json",
        )
        assert response.status_code == 201, response.content
    total = Notification.objects.count()
    assert Notification.objects.filter(channel="webhook").count() == 8

    worker = start()  # one solo worker: exactly one delivery in flight at a time
    wait_for(lambda: len(receiver.events()) >= 3, 60, "three webhooks to arrive", every=0.02)
    os.kill(worker.pid, signal.SIGKILL)  # only the worker this test started
    worker.wait(timeout=10)
    in_flight = receiver.events()[-1]
    sent_at_kill = Notification.objects.filter(status="sent").count()
    assert 0 < sent_at_kill < total, "the kill did not interrupt the deliveries"
    # the webhook the worker was posting was heard, but its row was never marked sent
    killed_row = Notification.objects.get(channel="webhook", event_id=in_flight)
    assert killed_row.status == "pending"
    assert killed_row.attempts == 0  # the attempt died with its transaction

    start()  # a fresh worker takes the queue; beat's retry sweep takes the orphaned row
    time.sleep(1.0)
    retry_until_sent(60)
    assert_delivered_once(receiver, in_flight=1)
    assert receiver.events().count(in_flight) == 2  # heard twice: once by the dead worker
