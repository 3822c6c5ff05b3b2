"""The shipped cache (servicedesk.cache.ResilientRedisCache) against a Redis server of the
test's own, which the test stops and starts again (the machine's Redis is never touched)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from django.conf import settings

from servicedesk.cache import ResilientRedisCache
from tests.procs import RedisServer, free_port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RedisServer]:
    own = RedisServer(tmp_path / "redis")
    own.start()
    try:
        yield own
    finally:
        own.stop()


def shipped_cache(url: str, retry_seconds: float = 0.2) -> ResilientRedisCache:
    """The backend with the shipped parameters, at `url`."""
    params = dict(settings.CACHES["default"])
    params["RETRY_SECONDS"] = retry_seconds
    return ResilientRedisCache(url, params)


def test_the_shipped_configuration_uses_this_backend() -> None:
    assert settings.CACHES["default"]["BACKEND"] == "servicedesk.cache.ResilientRedisCache"
    assert settings.CACHES["default"]["OPTIONS"]["socket_timeout"] <= 1


def test_with_redis_up_values_live_in_redis(server: RedisServer) -> None:
    cache = shipped_cache(server.url)
    cache.set("k", [1, 2], 30)
    cache.set("n", 1, 30)
    assert cache.incr("n", 2) == 3
    assert cache.get("k") == [1, 2]
    assert cache.get_many(["k", "n"]) == {"k": [1, 2], "n": 3}
    assert cache.add("k", "other") is False
    # a second cache object (another process, another thread) sees the same values
    assert shipped_cache(server.url).get("k") == [1, 2]
    assert redis.Redis.from_url(server.url).exists(cache.make_key("k")) == 1


def test_while_redis_is_down_nothing_raises_and_the_process_counts_in_memory(
    server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    cache = shipped_cache(server.url)
    cache.set("before", "in redis", 60)
    server.stop()
    caplog.set_level(logging.WARNING, logger="servicedesk.cache")

    started = time.monotonic()
    assert cache.get("before") is None  # a miss, not an exception
    assert cache.get("missing", "default") == "default"
    cache.set("history", [3, 2, 1], 60)
    assert cache.get("history") == [3, 2, 1]  # remembered in this process's memory
    assert cache.add("history", "x") is False
    assert cache.add("fresh", 1, 60) is True
    assert cache.incr("fresh") == 2
    with pytest.raises(ValueError):
        cache.incr("never-set")  # the same answer as Redis gives
    assert cache.has_key("fresh")
    assert cache.get_many(["history", "fresh"]) == {"history": [3, 2, 1], "fresh": 2}
    cache.set_many({"a": 1, "b": 2}, 60)
    cache.delete_many(["a"])
    assert cache.delete("b") is True
    assert cache.touch("fresh", 60) is True
    for _ in range(200):
        cache.get("history")
    assert time.monotonic() - started < 5, "requests waited on the dead Redis"
    # another cache object of the process (Django makes one per thread) shares the memory
    assert shipped_cache(server.url).get("history") == [3, 2, 1]

    down = [r for r in caplog.records if "unreachable" in r.getMessage()]
    assert len(down) == 1, [r.getMessage() for r in caplog.records]  # once per outage, not per call

    server.start()  # same port
    time.sleep(0.3)  # past RETRY_SECONDS: the next call tries Redis again
    assert cache.get("before") is None  # a fresh Redis (no persistence): empty
    cache.set("after", "in redis", 60)
    assert redis.Redis.from_url(server.url).exists(cache.make_key("after")) == 1
    assert cache.get("history") is None  # the memory of the outage is dropped
    back = [r for r in caplog.records if "answers again" in r.getMessage()]
    assert len(back) == 1
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 1


def test_a_redis_that_never_answers_costs_a_connect_attempt_per_retry_interval(
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = shipped_cache(f"redis://:secret@127.0.0.1:{free_port()}/0", retry_seconds=60)
    caplog.set_level(logging.WARNING, logger="servicedesk.cache")
    started = time.monotonic()
    for n in range(1000):
        cache.set(f"k{n}", n, 60)
        assert cache.get(f"k{n}") == n
    assert time.monotonic() - started < 2
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1
    assert "secret" not in messages[0]  # the password never reaches the log


def test_clear_deletes_the_cache_keys_and_leaves_the_broker_queue(server: RedisServer) -> None:
    cache = shipped_cache(server.url)
    client = redis.Redis.from_url(server.url)
    client.lpush("celery", "a queued task")  # the broker shares the database
    cache.set("throttle_user_1", [1.0], 60)
    cache.set("other", 1, 60)
    cache.clear()
    assert cache.get("throttle_user_1") is None
    assert cache.get("other") is None
    assert client.llen("celery") == 1
