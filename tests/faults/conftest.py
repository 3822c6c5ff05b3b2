"""Fixtures of the fault tests: a Redis of their own, this process's Celery app publishing
to it, Celery workers against the test database, a small world on natural-time limits, and
a webhook receiver that counts every arrival (also the ones whose sender died)."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from notifications.models import Notification, WebhookEndpoint
from servicedesk.calendar import default_calendar
from servicedesk.models import Department, ServiceItem, User
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    ServiceItemFactory,
)
from tests.procs import RedisServer, celery, stop, worker_args


def outage_seconds() -> float:
    """How long Redis stays down: 10 s in CI, `FAULT_OUTAGE_SECONDS=60` for the full minute."""
    return float(os.environ.get("FAULT_OUTAGE_SECONDS", "10"))


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the workers are separate processes sharing the test database: PostgreSQL only (DATABASE_URL)")


def database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def broker(redis_server: RedisServer) -> Iterator[RedisServer]:
    """Our Redis, and this process's Celery app publishing to it (never the shared one)."""
    from config.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = redis_server.url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield redis_server
    finally:
        app.conf.broker_url = old
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture
def stack_env(broker: RedisServer) -> dict[str, str]:
    """The environment of every worker/beat process of a test."""
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_TASK_DEFAULT_QUEUE": "celery",
        "DB_CONN_MAX_AGE": "0",
        "NOTIFICATIONS_SWEEP_GRACE": "0",
        "NOTIFICATIONS_WEBHOOK_TIMEOUT": "5",
        "NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",  # the local webhook receiver
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    }


@pytest.fixture
def start(stack_env: dict[str, str], tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """start(*celery_args, **env) → a Celery process of this test; all stopped at the end."""
    procs: list[subprocess.Popen[bytes]] = []

    def run(*args: str, **env: str) -> subprocess.Popen[bytes]:
        proc = celery(list(args) or worker_args(), {**stack_env, **env}, log=tmp_path / "celery.log")
        procs.append(proc)
        return proc

    try:
        yield run
    finally:
        for proc in procs:
            stop(proc)


# --- a webhook receiver that counts arrivals ------------------------------------------------


@dataclass
class Receiver:
    """Records each POST when it *arrives* (before answering), then waits `delay` seconds
    and answers 204: a sender killed during the wait has still been heard."""

    port: int = 0
    delay: float = 0.0
    arrivals: list[int] = field(default_factory=list)  # event ids, in arrival order
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def events(self) -> list[int]:
        with self.lock:
            return list(self.arrivals)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with rec.lock:
                rec.arrivals.append(int(json.loads(body)["event_id"]))
            time.sleep(rec.delay)
            try:
                self.send_response(204)
                self.end_headers()
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()


# --- the world --------------------------------------------------------------------------


@dataclass
class Desk:
    department: Department
    chief: User
    deputy: User
    company: User
    item: ServiceItem  # acceptance in 1 minute, resolution in 1 hour, natural clock


@pytest.fixture
def desk(receiver: Receiver) -> Desk:
    default_calendar()
    department = DepartmentFactory()
    chief, deputy = OfficerFactory(department=department), OfficerFactory(department=department)
    enterprise = EnterpriseFactory(chief_officer=chief, deputy_officer=deputy)
    company = EnterpriseUserFactory(enterprise=enterprise)
    item = ServiceItemFactory(department=department, accept_limit="1m", resolve_limit="1h", clock="natural")
    WebhookEndpoint.objects.create(department=department, url=receiver.url, secret="fault-test-secret")
    return Desk(department=department, chief=chief, deputy=deputy, company=company, item=item)


def all_sent() -> bool:
    return Notification.objects.exists() and not Notification.objects.exclude(status="sent").exists()


def retry_until_sent(timeout: float) -> None:
    """Publish the periodic retry task (beat does it every minute) until every row is sent."""
    from notifications.tasks import notification_retry_pending

    deadline = time.monotonic() + timeout
    while not all_sent():
        if time.monotonic() > deadline:
            left = list(Notification.objects.exclude(status="sent").values_list("pk", "status", "last_error"))
            raise AssertionError(f"not delivered after {timeout} s: {left}")
        with contextlib.suppress(Exception):  # the broker may still be reconnecting: next round
            notification_retry_pending.apply_async()
        time.sleep(1.0)


def assert_delivered_once(receiver: Receiver, *, in_flight: int = 0) -> None:
    """Every outbox row sent in one attempt; each webhook heard once, except at most
    `in_flight` that a killed sender had already posted (the receiver dedupes on event_id)."""
    rows = list(Notification.objects.values_list("dedup_key", "status", "attempts", "channel", "event_id"))
    assert rows
    assert len({r[0] for r in rows}) == len(rows)
    assert all(status == "sent" and attempts == 1 for _, status, attempts, _, _ in rows), [
        r for r in rows if r[1] != "sent" or r[2] != 1
    ]
    hooks = sorted(r[4] for r in rows if r[3] == "webhook")
    heard = receiver.events()
    assert sorted(set(heard)) == hooks  # every webhook row heard, nothing else
    assert len(heard) - len(hooks) <= in_flight, f"{len(heard) - len(hooks)} repeated webhooks"
