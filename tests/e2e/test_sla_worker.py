"""The SLA sweep through real Celery workers on Redis and PostgreSQL.

PostgreSQL only: the workers are separate processes and must share the test database (the
default SQLite test database is in memory). Run with
`DATABASE_URL=postgres://…/helper_sla REDIS_URL=redis://127.0.0.1:6379/7 pytest -m e2e tests/e2e`.
Each test gives its workers a queue of its own, so other workers on the same Redis never see
its messages; every process started here is stopped in a `finally`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.utils import timezone

from servicedesk.calendar import default_calendar
from servicedesk.models import User
from tests.factories import (
    DepartmentFactory,
    EnterpriseFactory,
    EnterpriseUserFactory,
    OfficerFactory,
    ServiceItemFactory,
)
from tickets import services
from tickets.models import Escalation, EventKind, Ticket, TicketEvent
from tickets.tasks import sla_sweep

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _needs_postgres_and_redis() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the workers share the test database: PostgreSQL only (set DATABASE_URL)")
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis at CELERY_BROKER_URL")


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += f":{db['PASSWORD']}"
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _worker_env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DB_CONN_MAX_AGE": "0",
    }


@contextmanager
def workers(queue: str, count: int = 1) -> Iterator[list[subprocess.Popen[bytes]]]:
    """`count` solo-pool workers on `queue`, pointed at the test database; whatever the
    test appends to the list is stopped too."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for i in range(count):
            procs.append(start_worker(queue, f"{queue}-{i}"))
        yield procs
    finally:
        for proc in procs:
            stop(proc)


def start_worker(queue: str, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
        [
            CELERY,
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "-n",
            f"{name}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=_worker_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop one process we started, by its own pid (TERM, then KILL after 10 s)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def file_late_tickets(count: int) -> list[int]:
    """`count` tickets filed two minutes ago on a one-minute acceptance limit (natural
    clock): each has its acceptance warning (45 s) and breach (60 s) due now."""
    default_calendar()
    dept = DepartmentFactory()
    chief, deputy = OfficerFactory(department=dept), OfficerFactory(department=dept)
    enterprise = EnterpriseFactory(chief_officer=chief, deputy_officer=deputy)
    company = EnterpriseUserFactory(enterprise=enterprise)
    item = ServiceItemFactory(department=dept, accept_limit="1m", resolve_limit="1h", clock="natural")
    with time_machine.travel(timezone.now() - timedelta(minutes=2), tick=True):
        return [
            services.ticket_create(
                actor=company, title="停电", description="厂区停电", kind="help", service_item=item
            ).pk
            for _ in range(count)
        ]


def assert_each_step_once(ticket_ids: list[int]) -> None:
    expected = 2 * len(ticket_ids)
    assert Escalation.objects.filter(ticket_id__in=ticket_ids).count() == expected
    events = TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind=EventKind.ESCALATED)
    assert events.count() == expected  # an event per step, none repeated
    pairs = {(e.ticket_id, e.data["level"], e.data["version"]) for e in events}
    assert len(pairs) == expected
    transfers = TicketEvent.objects.filter(ticket_id__in=ticket_ids, kind=EventKind.TRANSFERRED)
    assert transfers.count() == len(ticket_ids)


def test_a_one_minute_ticket_escalates_through_a_worker() -> None:
    queue = f"sla-e2e-{uuid.uuid4().hex[:8]}"
    (tid,) = file_late_tickets(1)
    deputy = Ticket.objects.get(pk=tid).enterprise.deputy_officer
    with workers(queue):
        sla_sweep.apply_async(queue=queue)
        wait_for(lambda: Escalation.objects.filter(ticket_id=tid).count() == 2, 30, "warning and breach")
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.overdue is True
    assert ticket.escalation_level == 2
    assert ticket.assignee == deputy
    assert_each_step_once([tid])


def test_two_workers_sweeping_at_once_never_double_fire() -> None:
    queue = f"sla-e2e-{uuid.uuid4().hex[:8]}"
    ids = file_late_tickets(120)
    with workers(queue, count=2):
        for _ in range(6):  # both workers sweep the same due rows at the same time
            sla_sweep.apply_async(kwargs={"batch": 5}, queue=queue)
        wait_for(lambda: Escalation.objects.filter(ticket_id__in=ids).count() >= 240, 40, "240 steps")
        time.sleep(1.0)  # let any late sweep finish: it must find nothing left to fire
    assert_each_step_once(ids)


def test_a_worker_killed_mid_sweep_loses_nothing_and_repeats_nothing() -> None:
    queue = f"sla-e2e-{uuid.uuid4().hex[:8]}"
    ids = file_late_tickets(200)
    total = 2 * len(ids)
    fired = lambda: Escalation.objects.filter(ticket_id__in=ids).count()  # noqa: E731
    with workers(queue) as procs:
        sla_sweep.apply_async(kwargs={"batch": 1}, queue=queue)
        wait_for(lambda: fired() > 0, 30, "the sweep to start")
        os.kill(procs[0].pid, signal.SIGKILL)  # only the worker this test started
        procs[0].wait(timeout=10)
        at_kill = fired()
        assert 0 < at_kill < total, "the sweep was not interrupted: make it longer"
        procs.append(start_worker(queue, f"{queue}-again"))
        sla_sweep.apply_async(kwargs={"batch": 20}, queue=queue)
        wait_for(lambda: fired() >= total, 40, "the rest of the steps")
    assert_each_step_once(ids)
    assert User.objects.filter(pk__in=Ticket.objects.filter(pk__in=ids).values("assignee")).count() == 1


def test_beat_drives_the_sweep_on_its_own(tmp_path: Path) -> None:
    # given a late ticket, a worker, and beat with the sweep every 2 s on a queue of this test
    queue = f"sla-e2e-{uuid.uuid4().hex[:8]}"
    (tid,) = file_late_tickets(1)
    beat_env = {**_worker_env(), "SLA_SWEEP_SECONDS": "2", "CELERY_TASK_DEFAULT_QUEUE": queue}
    with workers(queue) as procs:
        procs.append(
            subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
                [CELERY, "-A", "config", "beat", "--loglevel=WARNING", "--pidfile=", "-s", str(tmp_path / "beat")],
                cwd=ROOT,
                env=beat_env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
        # when nobody calls the sweep, then beat's schedule fires it and the steps happen once
        wait_for(lambda: Escalation.objects.filter(ticket_id=tid).count() == 2, 45, "beat to run the sweep")
        time.sleep(3)  # at least one more beat tick: it must find nothing left to fire
    assert_each_step_once([tid])
