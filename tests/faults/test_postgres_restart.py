"""PostgreSQL restarts while clients file tickets through a real web server.

A cluster of the test's own (initdb into a temporary directory, a free port; the machine's
PostgreSQL is never touched), gunicorn with two workers and the production connection
settings, a Celery worker, a Redis of the test's own, and a few client threads filing
tickets for `FAULT_LOAD_SECONDS` (12 s here; `make fault` runs longer), all on the shipped
settings with `DEBUG` off, as production runs. A third of the way in, the server is stopped
(`pg_ctl -m fast`) and started again. While it is down: `/healthz` 200, `/readyz` 503 naming
the database, the API a JSON 503 with `Retry-After`, a signed-in web page the site's own 503
page; every client call that fails is such a 503, never a 500, a 4xx or a half written
ticket. Afterwards, with no process restarted: every 201 ticket exists once with its created
event, deadlines and outbox; every notification is sent; the web server answers again and
its log holds no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.faults.conftest import Receiver
from tests.faults.test_redis_outage import web_sign_in
from tests.procs import BIN, ROOT, PostgresCluster, RedisServer, celery, free_port, postgres_bindir, stop, wait_for
from tests.procs import worker_args as celery_worker

pytestmark = [pytest.mark.e2e]

CLIENTS = 6


def load_seconds() -> float:
    return float(os.environ.get("FAULT_LOAD_SECONDS", "12"))


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): set PG_BINDIR or put pg_config on the PATH")
    if os.geteuid() == 0:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root without a postgres account to run the cluster as")
    pg = PostgresCluster(bindir)
    try:
        pg.init()
        pg.start()
        pg.create_database("desk")
        yield pg
    finally:
        pg.destroy()


@dataclass
class Call:
    title: str
    started: float
    ended: float
    status: int  # 0: no HTTP answer (refused, reset, timed out)
    ticket_id: int | None = None
    body: dict[str, object] | None = None


def _post(url: str, token: str, body: dict[str, str]) -> tuple[int, dict[str, object] | None]:
    request = urllib.request.Request(  # noqa: S310 - 127.0.0.1 only
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            return int(response.status), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            return int(exc.code), json.loads(exc.read())
        except ValueError:
            return int(exc.code), None
    except OSError:
        return 0, None


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())  # type: ignore[arg-type]


def probe_the_gap(base: str, world: dict[str, object], person: requests.Session) -> dict[str, object]:
    """While the server is down: what the health checks, the API and a signed-in page say."""
    tokens: list[str] = world["tokens"]  # type: ignore[assignment]
    gap: dict[str, object] = {}
    gap["healthz"] = requests.get(f"{base}/healthz", timeout=10).status_code
    ready = requests.get(f"{base}/readyz", timeout=10)
    gap["readyz"] = ready.status_code
    assert "database" in ready.json()["failed"], ready.text
    api = requests.get(f"{base}/api/v1/tickets/", headers={"Authorization": f"Token {tokens[0]}"}, timeout=10)
    gap["api"] = api.status_code
    assert api.headers.get("Retry-After") and api.json()["code"] == "unavailable", api.text[:500]
    page = person.get(f"{base}/", timeout=10)
    gap["web"] = page.status_code
    assert "平台暂时无法使用" in page.text and "Traceback" not in page.text, page.text[:1000]
    return gap


def test_a_postgres_restart_under_load_loses_no_ticket_and_halves_none(
    cluster: PostgresCluster, redis_server: RedisServer, receiver: Receiver, tmp_path: Path
) -> None:
    db = cluster.url("desk")
    env = {
        **os.environ,
        "DATABASE_URL": db,
        "REDIS_URL": redis_server.url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "NOTIFICATIONS_SWEEP_GRACE": "0",
        "NOTIFICATIONS_ALLOWED_PRIVATE_NETWORKS": "127.0.0.1/32",  # the local webhook receiver
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DJANGO_DEBUG": "0",  # as production: no technical error pages
    }
    env.pop("DB_CONN_MAX_AGE", None)  # the production default: persistent connections
    run = {"cwd": ROOT, "env": env, "check": True, "timeout": 300, "capture_output": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], **run)  # type: ignore[call-overload]
    seeded = subprocess.run([sys.executable, "-m", "tests.faults.world", receiver.url], **run)  # type: ignore[call-overload]  # noqa: S603
    world = json.loads(seeded.stdout.strip().splitlines()[-1])

    port = free_port()
    log = open(tmp_path / "gunicorn.log", "ab")  # noqa: SIM115 - closed below
    web = subprocess.Popen(  # noqa: S603 - our venv's gunicorn, fixed arguments
        [str(BIN / "gunicorn"), "config.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "2", "--timeout", "30"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    worker = celery(celery_worker("threads", 2), env, log=tmp_path / "celery.log")
    base = f"http://127.0.0.1:{port}"
    calls: list[Call] = []
    lock = threading.Lock()
    try:

        def healthy() -> bool:
            try:
                with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                    return int(response.status) == 200
            except OSError:
                return False

        wait_for(healthy, 60, "gunicorn", every=0.3)
        person = web_sign_in(base, str(world["username"]))  # a signed-in web session
        assert person.get(f"{base}/", timeout=20).status_code == 200
        seconds = load_seconds()
        began = time.monotonic()

        def client(n: int) -> None:
            token = world["tokens"][n % len(world["tokens"])]
            i = 0
            while time.monotonic() - began < seconds:
                title = f"pg-{n}-{i}"
                i += 1
                started = time.monotonic()
                status, body = _post(
                    f"{base}/api/v1/tickets/",
                    token,
                    {
                        "title": title,
                        "description": "d",
                        "kind": "help",
                        "service_item": world["item"],
                        "enterprise": world["enterprise"],  # type: ignore[dict-item]
                    },
                )
                ticket_id = int(body["id"]) if status == 201 and body else None  # type: ignore[call-overload]
                call = Call(title, started, time.monotonic(), status, ticket_id, body)
                with lock:
                    calls.append(call)
                if status != 201:
                    time.sleep(0.2)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        time.sleep(seconds / 3)
        stopped = time.monotonic()
        cluster.stop("fast")  # every connection of web and worker is cut
        gap = probe_the_gap(base, world, person)
        cluster.start()
        restarted = time.monotonic()
        for thread in threads:
            thread.join(timeout=seconds + 60)
        assert not any(t.is_alive() for t in threads)

        assert healthy()
        assert web.poll() is None and worker.poll() is None  # nothing restarted
        assert person.get(f"{base}/", timeout=20).status_code == 200  # the same session again

        # a restart while nobody is asking: the first requests after it must not fail on the
        # web processes' pooled connections, which died with the server
        for _ in range(4):
            assert _post(f"{base}/api/v1/tickets/", world["tokens"][0], {})[0] == 400  # warm every process
        cluster.stop("fast")
        cluster.start()
        quiet = [
            _post(
                f"{base}/api/v1/tickets/",
                world["tokens"][0],
                {
                    "title": f"quiet-{i}",
                    "description": "d",
                    "kind": "help",
                    "service_item": world["item"],
                    "enterprise": world["enterprise"],  # type: ignore[dict-item]
                },
            )
            for i in range(6)
        ]
        assert [status for status, _ in quiet] == [201] * 6
        calls.extend(
            Call(f"quiet-{i}", time.monotonic(), time.monotonic(), 201, int(body["id"]))  # type: ignore[call-overload, index]
            for i, (_, body) in enumerate(quiet)
        )

        # the worker reconnects and sends what the web wrote (beat's retry sweep, by hand)
        def unsent() -> int:
            return int(_rows(db, "SELECT count(*) FROM notifications_notification WHERE status <> 'sent'")[0][0])

        deadline = time.monotonic() + 60
        while unsent() and time.monotonic() < deadline:
            retry = celery(["call", "notifications.tasks.notification_retry_pending"], env)
            retry.wait(timeout=30)
            time.sleep(2)
    finally:
        stop(worker)
        stop(web)
        log.close()

    ok = [c for c in calls if c.status == 201]
    failed = [c for c in calls if c.status != 201]
    assert len(ok) > 20, "too little load to say anything"
    assert any(c.started > restarted for c in ok), "no ticket was filed after the restart"
    # failures: only the API's 503 (never a 500, a 4xx or no answer), only around the restart
    assert all(c.status == 503 and c.body and c.body.get("code") == "unavailable" for c in failed), [
        (c.title, c.status, c.body) for c in failed
    ]
    assert gap["api"] == gap["web"] == gap["readyz"] == 503, gap
    assert gap["healthz"] == 200, gap
    log_text = (tmp_path / "gunicorn.log").read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log_text and "Internal Server Error" not in log_text, log_text[-3000:]
    assert log_text.count("Booting worker") == 2, log_text[-3000:]  # no web process was restarted
    # once PostgreSQL accepts connections again, no request fails (stale pooled connections are
    # checked before use: CONN_HEALTH_CHECKS)
    assert all(stopped - 20 <= c.started <= restarted for c in failed), [
        (c.title, c.status, round(c.started - stopped, 2), round(c.ended - restarted, 2)) for c in failed
    ]

    tickets = _rows(db, "SELECT id, title FROM tickets_ticket")
    by_title: dict[str, list[int]] = {}
    for pk, title in tickets:
        by_title.setdefault(str(title), []).append(int(pk))  # type: ignore[call-overload]
    for call in ok:
        assert by_title.get(call.title) == [call.ticket_id], call.title  # once, the id the client was given
    assert all(len(ids) == 1 for ids in by_title.values())  # a failed call left one ticket or none
    assert set(by_title) <= {c.title for c in calls}
    # no half-written ticket: each has its created event, both deadlines and its outbox rows
    assert not _rows(
        db,
        "SELECT t.id FROM tickets_ticket t WHERE"
        " (SELECT count(*) FROM tickets_ticketevent e WHERE e.ticket_id = t.id AND e.kind = 'created') <> 1"
        " OR (SELECT count(*) FROM tickets_sladeadline d WHERE d.ticket_id = t.id) <> 2"
        " OR NOT EXISTS (SELECT 1 FROM notifications_notification n WHERE n.topic_id = t.id)",
    )
    assert not _rows(db, "SELECT id, status, last_error FROM notifications_notification WHERE status <> 'sent'")
    hooks = sorted(
        int(r[0])  # type: ignore[call-overload]
        for r in _rows(db, "SELECT event_id FROM notifications_notification WHERE channel = 'webhook'")
    )
    heard = receiver.events()
    assert sorted(set(heard)) == hooks
    # a webhook posted just before its row's commit was cut is sent again: at least once
    assert len(heard) - len(hooks) <= 2
    print(f"\n{len(ok)} tickets filed, {len(failed)} calls failed during the restart ({restarted - stopped:.1f} s)")
