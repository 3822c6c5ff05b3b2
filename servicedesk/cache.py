"""The shared cache on Redis, which keeps answering while Redis is away.

Django's cache holds the API's throttle counters (and anything a library keeps behind
`django.core.cache`). With plain `RedisCache`, every throttled request raises
`redis.ConnectionError` while Redis is down: a 500 on every API call. `ResilientRedisCache`
answers from a memory cache of this process instead, so throttles keep counting, per process,
during the outage (the sign-in throttle still stops password spraying) and nobody sees a 5xx.

- The first failure is logged as a warning, once per process and outage; Redis's return is
  logged once too. Between the two, Redis is tried again every `RETRY_SECONDS` (default 5),
  so a request never waits on a dead Redis more than once in that interval per process.
- When Redis is back, the counters in Redis count again; what the process kept in memory is
  dropped (a limit may be met a little later across processes, never lifted).
- `clear()` deletes this cache's keys only (`KEY_PREFIX:*`), never the whole database: the
  Celery broker's queues may live in the same Redis database.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What "Redis is away" raises (refused, reset, timed out, loading, no Sentinel master).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)

T = TypeVar("T")


class _Outage:
    """Whether Redis at one location is known to be down, shared by every thread of the
    process (Django makes one cache object per thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.down_since: float | None = None  # time.monotonic() of the first failure
        self.retry_at = 0.0

    def skip(self) -> bool:
        return self.down_since is not None and time.monotonic() < self.retry_at

    def failed(self, location: str, exc: BaseException, retry_seconds: float) -> None:
        with self.lock:
            now = time.monotonic()
            self.retry_at = now + retry_seconds
            if self.down_since is None:
                self.down_since = now
                logger.warning(
                    "Redis cache at %s is unreachable (%s: %s); this process keeps the cache"
                    " (throttle counters) in memory for as long as it is away",
                    _safe(location),
                    exc.__class__.__name__,
                    exc,
                )

    def recovered(self, location: str, fallback: LocMemCache) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is None:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since = None
            fallback.clear()
            logger.warning("Redis cache at %s answers again after %.0f s", _safe(location), seconds)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


def _safe(location: str) -> str:
    """The location without a password (redis://:secret@host → redis://***@host)."""
    head, at, tail = location.rpartition("@")
    if not at:
        return location
    scheme, sep, _ = head.partition("://")
    return f"{scheme}{sep}***@{tail}"


class ResilientRedisCache(RedisCache):
    """`RedisCache` that falls back to this process's memory while Redis is unreachable."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        params = dict(params)
        self.retry_seconds = float(params.pop("RETRY_SECONDS", 5.0))
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._outage = _outage_for(self._location)
        # LocMemCache keeps its store per name at module level: one store per process.
        self._fallback = LocMemCache(
            f"resilient-fallback:{self._location}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10000}},
        )

    @property
    def redis_down(self) -> bool:
        """True while this process considers Redis unreachable."""
        return self._outage.down_since is not None

    def _guarded(self, on_redis: Callable[[], T], on_memory: Callable[[], T]) -> T:
        if self._outage.skip():
            return on_memory()
        try:
            result = on_redis()
        except REDIS_DOWN as exc:
            self._outage.failed(self._location, exc, self.retry_seconds)
            return on_memory()
        self._outage.recovered(self._location, self._fallback)
        return result

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version),
            lambda: self._fallback.add(key, value, timeout, version),
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).get(key, default, version),
            lambda: self._fallback.get(key, default, version),
        )

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(
            lambda: super(ResilientRedisCache, self).set(key, value, timeout, version),
            lambda: self._fallback.set(key, value, timeout, version),
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).touch(key, timeout, version),
            lambda: self._fallback.touch(key, timeout, version),
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).delete(key, version),
            lambda: self._fallback.delete(key, version),
        )

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).get_many(keys, version),
            lambda: self._fallback.get_many(keys, version),
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).has_key(key, version),
            lambda: self._fallback.has_key(key, version),
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).incr(key, delta, version),
            lambda: self._fallback.incr(key, delta, version),
        )

    def set_many(self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version),
            lambda: self._fallback.set_many(data, timeout, version),
        )

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._guarded(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version),
            lambda: self._fallback.delete_many(keys, version),
        )

    def clear(self) -> bool:  # type: ignore[override]  # Django's RedisCache answers a bool too
        """Delete this cache's keys, not the database (the broker may share it)."""

        def on_redis() -> bool:
            client = self._cache.get_client(None, write=True)
            batch: list[Any] = []
            for name in client.scan_iter(match=f"{_glob_escape(self.key_prefix)}:*", count=1000):
                batch.append(name)
                if len(batch) >= 1000:
                    client.delete(*batch)
                    batch = []
            if batch:
                client.delete(*batch)
            return True

        def on_memory() -> bool:
            self._fallback.clear()
            return True

        self._fallback.clear()
        return self._guarded(on_redis, on_memory)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
