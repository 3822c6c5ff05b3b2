"""A periodic task that falls due while the broker is away is sent once when it is back: the
beat keeps it (one per entry) instead of counting it as sent. Our own Redis, stopped and
started again; the project's Celery app publishing to it."""

from __future__ import annotations

import pytest
import redis
from celery.beat import ScheduleEntry
from celery.schedules import crontab

from scaleout.beat import LeasedDatabaseScheduler
from tests.procs import RedisServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _queued(server: RedisServer) -> list[bytes]:
    client = redis.Redis.from_url(server.url)
    try:
        return client.lrange("celery", 0, -1)  # type: ignore[return-value]
    finally:
        client.close()


def test_a_task_due_while_the_broker_is_away_is_sent_once_when_it_is_back(broker: RedisServer) -> None:
    from config.celery import app

    scheduler = LeasedDatabaseScheduler(app=app)
    try:
        digest = ScheduleEntry(
            name="daily-digest", task="notifications.send_digests", schedule=crontab(hour=8, minute=0), app=app
        )
        broker.stop()
        scheduler.apply_entry(digest, producer=None)  # due at 08:00, Redis away: no exception
        scheduler.apply_entry(digest, producer=None)  # beat ticks on: still one kept
        assert list(scheduler.unsent) == ["daily-digest"]
        assert scheduler.send_unsent() == 0  # still away: kept
        broker.start()
        assert _queued(broker) == []
        assert scheduler.send_unsent() == 1
        assert scheduler.unsent == {}
        assert scheduler.send_unsent() == 0  # exactly once
        messages = _queued(broker)
        assert len(messages) == 1 and b"notifications.send_digests" in messages[0]
    finally:
        scheduler.lease.release()


def test_a_run_sent_on_schedule_covers_the_missed_one(broker: RedisServer) -> None:
    from config.celery import app

    scheduler = LeasedDatabaseScheduler(app=app)
    try:
        sweep = ScheduleEntry(name="sla-sweep", task="tickets.sweep", schedule=1.0, app=app)
        broker.stop()
        scheduler.apply_entry(sweep, producer=None)
        assert list(scheduler.unsent) == ["sla-sweep"]
        broker.start()
        scheduler.apply_entry(sweep, producer=None)  # the next run goes out on time
        assert scheduler.unsent == {}
        assert scheduler.send_unsent() == 0
        assert len(_queued(broker)) == 1
    finally:
        scheduler.lease.release()
