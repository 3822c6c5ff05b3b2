"""Two celery beat processes on one database: one sends, the other stands by and takes over
when the first is killed. PostgreSQL and Redis (the test's queue of its own) only.
`BEAT_SOAK_SECONDS=600` lets the two run ten minutes before the kill (8 s by default)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from tests.procs import BIN, ROOT, stop, wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

HOLDING = "holding the lease"
SENDING = "Sending due task sla-sweep"


@pytest.fixture
def broker() -> Iterator[redis.Redis]:
    if connection.vendor != "postgresql":
        pytest.skip("the beats share the test database: PostgreSQL only (DATABASE_URL)")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis at CELERY_BROKER_URL")
    yield client
    client.close()


def _database_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_beat(log: Path, queue: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "SLA_SWEEP_SECONDS": "1",
        "BEAT_LEASE_RETRY_SECONDS": "1",
        "DB_CONN_MAX_AGE": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    out = open(log, "ab")  # noqa: SIM115 - the child keeps it
    return subprocess.Popen(  # noqa: S603 - our own venv's celery, fixed arguments
        [str(BIN / "celery"), "-A", "config", "beat", "--loglevel=INFO", "--pidfile="],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=out,
    )


def sent(client: redis.Redis, queue: str) -> Counter[str]:
    """The periodic tasks waiting on the test's queue (no worker consumes it), by name."""
    return Counter(json.loads(body)["headers"]["task"] for body in client.lrange(queue, 0, -1))


def sweeps_sent(client: redis.Redis, queue: str) -> int:
    return sent(client, queue)["tickets.tasks.sla_sweep"]


def test_two_beats_send_as_often_as_one_and_the_other_takes_over_when_the_holder_dies(broker, tmp_path) -> None:  # type: ignore[no-untyped-def]
    queue = f"beat-lease-{uuid.uuid4().hex[:8]}"
    logs = [tmp_path / "beat-a.log", tmp_path / "beat-b.log"]
    beats = [start_beat(logs[0], queue), start_beat(logs[1], queue)]
    text = lambda i: logs[i].read_text(errors="replace")  # noqa: E731
    try:
        # given two beats, one of them holding the lease
        wait_for(lambda: any(HOLDING in text(i) for i in (0, 1)), 60, "a beat to hold the lease")
        lead = 0 if HOLDING in text(0) else 1
        other = 1 - lead
        wait_for(lambda: sweeps_sent(broker, queue) > 0, 30, "the first sweep")
        # when they run for a while, then each periodic task went out as often as its schedule
        # says, not twice: the sweep once a second, the retry sweep once a minute
        before, started = sent(broker, queue), time.monotonic()
        time.sleep(float(os.environ.get("BEAT_SOAK_SECONDS", "8")))
        counts, elapsed = sent(broker, queue) - before, time.monotonic() - started
        sweeps, retries = counts["tickets.tasks.sla_sweep"], counts["notifications.tasks.notification_retry_pending"]
        print(f"two beats, {elapsed:.0f} s: {dict(counts)}")
        # (never more than the schedule; a little less over a long run: beat's interval drifts
        # by its own latency per run, ~7 % on a one-second schedule: 560 in 600 s)
        assert min(elapsed - 2.5, 0.9 * elapsed) <= sweeps <= elapsed + 1.5, f"{sweeps} sweeps in {elapsed:.1f} s"
        assert elapsed // 60 - 1 <= retries <= elapsed // 60 + 1, f"{retries} retry sweeps in {elapsed:.1f} s"
        assert SENDING not in text(other)
        assert HOLDING not in text(other)
        # when the holder is killed, then the other takes over well within a minute
        os.kill(beats[lead].pid, signal.SIGKILL)  # only the beat this test started
        beats[lead].wait(timeout=10)
        killed = time.monotonic()
        wait_for(lambda: HOLDING in text(other), 60, "the other beat to take over")
        takeover = time.monotonic() - killed
        assert takeover < 60
        wait_for(lambda: SENDING in text(other), 30, "the new holder to send")
        # and goes on at the same rate, alone
        before, started = sweeps_sent(broker, queue), time.monotonic()
        time.sleep(5)
        sweeps, elapsed = sweeps_sent(broker, queue) - before, time.monotonic() - started
        assert elapsed - 2.5 <= sweeps <= elapsed + 1.5, f"{sweeps} sweeps in {elapsed:.1f} s after the take-over"
        print(f"beat take-over after kill -9 of the holder: {takeover:.1f} s")
    finally:
        for beat in beats:
            stop(beat)
        broker.delete(queue)
