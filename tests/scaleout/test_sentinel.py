"""Redis behind Sentinel: the URL forms, and the cache and the broker through a real
failover (Debian's redis-server and redis-sentinel on free ports, killed by the test)."""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache
from django.utils.module_loading import import_string
from kombu import Connection

from scaleout.redis import parse_sentinel_url, redis_client
from tests.procs import SentinelGroup, wait_for


def test_a_plain_redis_url_is_not_sentinel() -> None:
    assert parse_sentinel_url("redis://127.0.0.1:6379/0") is None


def test_kombus_and_redis_pys_sentinel_urls_give_the_same_configuration() -> None:
    kombu = parse_sentinel_url("sentinel://:s3cret@10.0.0.1:26379;sentinel://10.0.0.2;sentinel://10.0.0.3:26380/2")
    redis_py = parse_sentinel_url("redis+sentinel://:s3cret@10.0.0.1:26379;10.0.0.2:26379;10.0.0.3:26380/2")
    assert kombu == redis_py
    assert kombu is not None
    assert kombu.sentinels == [("10.0.0.1", 26379), ("10.0.0.2", 26379), ("10.0.0.3", 26380)]
    assert (kombu.db, kombu.password, kombu.master) == (2, "s3cret", "mymaster")
    assert kombu.broker_url() == (
        "sentinel://:s3cret@10.0.0.1:26379;sentinel://:s3cret@10.0.0.2:26379;sentinel://:s3cret@10.0.0.3:26380/2"
    )
    config = parse_sentinel_url("sentinel://h:1/0", master="desk", sentinel_password="pw")
    assert config is not None
    assert config.broker_transport_options()["master_name"] == "desk"
    assert config.broker_transport_options()["sentinel_kwargs"]["password"] == "pw"
    assert config.cache_location() == "redis://desk/0"  # one location: Django splits on ; and ,
    assert config.cache_options()["pool_class"] == "scaleout.redis.SentinelPool"


@pytest.mark.parametrize(
    "url", ["sentinel:///0", "sentinel://h:1;redis://h:2/0", "sentinel://h:1/zero", "sentinel://;"]
)
def test_a_bad_sentinel_url_is_refused_with_a_reason(url: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_sentinel_url(url)


@pytest.fixture
def sentinels(tmp_path: Path) -> Iterator[SentinelGroup]:
    if not SentinelGroup.available():
        pytest.skip("needs Debian's redis-server and redis-sentinel")
    group = SentinelGroup(tmp_path / "sentinel")
    try:
        group.start()
        yield group
    finally:
        group.stop()


def _held(value):  # type: ignore[no-untyped-def]
    """The value, or an error while the cache does not have it yet (for `_until`)."""
    if value is None:
        raise LookupError("not in the cache (yet)")
    return value


def _until(action, timeout: float = 30):  # type: ignore[no-untyped-def]
    """Run `action` until it stops raising (the switch window); its result."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return action()
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.mark.e2e
def test_the_cache_and_the_broker_go_on_after_the_master_is_killed(sentinels: SentinelGroup) -> None:
    config = parse_sentinel_url(sentinels.url)
    assert config is not None
    # given the desk's cache (Django's Redis cache with the Sentinel pool) and broker on Sentinel
    # the shipped backend, whichever it is (the tests' own settings put a memory cache there)
    backend = import_string(importlib.import_module("config.settings").CACHES["default"]["BACKEND"])
    assert issubclass(backend, RedisCache)
    cache = backend(config.cache_location(), {"OPTIONS": {"socket_timeout": 2, **config.cache_options()}})
    cache.set("before", 1)
    queue = f"sentinel-{uuid.uuid4().hex[:8]}"
    with Connection(config.broker_url(), transport_options=config.broker_transport_options()) as conn:
        conn.SimpleQueue(queue).put({"n": 1})
    redis_client(sentinels.url).execute_command("WAIT", 1, 2000)  # the replica has it
    assert redis_client(sentinels.url).ping()

    # when the master is killed, then Sentinel promotes the replica
    took = sentinels.kill_master()
    print(f"Sentinel failover after kill -9 of the master: {took:.1f} s")

    # and after the switch window the cache answers, with what it held
    # (the shipped backend answers from process memory while there is no master, never raises)
    assert _until(lambda: _held(cache.get("before"))) == 1
    cache.set("after", 2)
    assert cache.get("after") == 2
    # and the broker delivers what was queued before, once, and what is queued after
    with Connection(config.broker_url(), transport_options=config.broker_transport_options()) as conn:
        q = _until(lambda: conn.SimpleQueue(queue))
        _until(lambda: q.put({"n": 2}))
        got = []
        for _ in range(2):
            message = q.get(timeout=10)
            got.append(message.payload["n"])
            message.ack()
        assert sorted(got) == [1, 2]
        with pytest.raises(q.Empty):  # nothing twice
            q.get(timeout=1)
    # and the health check's client follows the new master
    assert redis_client(sentinels.url, socket_connect_timeout=1).ping()
    wait_for(lambda: sentinels.master_port() == sentinels.ports[1], 5, "the replica to be the master")


def test_the_settings_put_broker_and_cache_on_sentinel_from_redis_url() -> None:
    import json
    import os
    import subprocess
    import sys

    from tests.procs import ROOT

    env = {
        **os.environ,
        "REDIS_URL": "sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379/3",
        "REDIS_SENTINEL_MASTER": "desk",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    env.pop("CACHE_URL", None)
    code = (
        "import json; from django.conf import settings as s; "
        "print(json.dumps([s.CELERY_BROKER_URL, s.CELERY_BROKER_TRANSPORT_OPTIONS, s.CACHES['default']]))"
    )
    out = subprocess.run(  # noqa: S603 - this venv's python, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    broker, options, cache = json.loads(out)
    assert broker == "sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379/3"
    assert options["master_name"] == "desk" and options["visibility_timeout"] == 3600
    assert cache["BACKEND"].endswith("RedisCache")  # the shipped backend, with the Sentinel pool
    assert cache["LOCATION"] == "redis://desk/3"
    assert cache["OPTIONS"]["pool_class"] == "scaleout.redis.SentinelPool"
    assert cache["OPTIONS"]["sentinels"] == [["10.0.0.1", 26379], ["10.0.0.2", 26379]]
