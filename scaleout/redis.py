"""Redis behind Sentinel: one URL for the broker, the cache and the health check.

`REDIS_URL` takes Kombu's Sentinel form — every Sentinel, `;`-separated, the database at the
end — with the master's name in `REDIS_SENTINEL_MASTER`:

    sentinel://10.0.0.1:26379;sentinel://10.0.0.2:26379;sentinel://10.0.0.3:26379/0
    redis+sentinel://:masterpassword@10.0.0.1:26379;…/0      (the same, redis-py's spelling)

A password in the URL is the master's (Redis `requirepass`); `REDIS_SENTINEL_PASSWORD` is the
Sentinels' own, when they have one. `sentinel_settings()` turns this into the broker URL and
transport options Kombu takes, and the cache options Django's Redis cache takes: the cache
keeps its backend and gets `SentinelPool` as its connection pool, which asks the Sentinels
where the master is and asks again after a failover."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.sentinel import Sentinel, SentinelConnectionPool

SCHEMES = ("sentinel://", "redis+sentinel://")


@dataclass(frozen=True)
class SentinelConfig:
    sentinels: list[tuple[str, int]]
    db: int = 0
    password: str | None = None  # the master's
    master: str = "mymaster"
    sentinel_password: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def sentinel_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"socket_connect_timeout": 2, "socket_timeout": 2}
        if self.sentinel_password:
            kwargs["password"] = self.sentinel_password
        return kwargs

    def broker_url(self) -> str:
        """Kombu's form: `sentinel://[:pw@]host:port;…/db`."""
        auth = f":{self.password}@" if self.password else ""
        hosts = ";".join(f"sentinel://{auth}{host}:{port}" for host, port in self.sentinels)
        return f"{hosts}/{self.db}"

    def broker_transport_options(self) -> dict[str, Any]:
        return {"master_name": self.master, "sentinel_kwargs": self.sentinel_kwargs}

    def cache_location(self) -> str:
        """A single pseudo-location (Django's Redis cache splits a LOCATION on `;` and `,`):
        the master's name; `SentinelPool` finds the master itself."""
        return f"redis://{self.master}/{self.db}"

    def cache_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {
            "pool_class": "scaleout.redis.SentinelPool",
            "sentinels": self.sentinels,
            "service_name": self.master,
            "sentinel_kwargs": self.sentinel_kwargs,
        }
        if self.password:
            options["password"] = self.password
        return options

    def client(self, **kwargs: Any) -> redis.Redis:
        """A client of the current master (for checks and tests)."""
        sentinel = Sentinel(self.sentinels, sentinel_kwargs=self.sentinel_kwargs, **kwargs)
        client: redis.Redis = sentinel.master_for(self.master, db=self.db, password=self.password, **kwargs)
        return client


def parse_sentinel_url(url: str, *, master: str = "mymaster", sentinel_password: str = "") -> SentinelConfig | None:
    """The Sentinel configuration in `url`, or None when it is a plain `redis://` URL."""
    if not url.startswith(SCHEMES):
        return None
    sentinels: list[tuple[str, int]] = []
    password: str | None = None
    db = 0
    for part in url.split(";"):
        part = part.strip()
        if not part:
            continue
        if "://" not in part:
            part = f"sentinel://{part}"
        parts = urlsplit(part)
        if parts.scheme not in ("sentinel", "redis+sentinel"):
            raise ValueError(f"a Sentinel URL lists sentinel:// hosts only, not {parts.scheme}://")
        if not parts.hostname:
            raise ValueError("a Sentinel URL needs a host in every part")
        sentinels.append((parts.hostname, parts.port or 26379))
        if parts.password:
            password = unquote(parts.password)
        path = parts.path.strip("/")
        if path:
            if not path.isdigit():
                raise ValueError(f"the Redis database is a number, not {path!r}")
            db = int(path)
    if not sentinels:
        raise ValueError("a Sentinel URL needs at least one sentinel")
    return SentinelConfig(
        sentinels=sentinels, db=db, password=password, master=master, sentinel_password=sentinel_password or None
    )


class SentinelPool(SentinelConnectionPool):  # type: ignore[misc]
    """The connection pool of Django's Redis cache behind Sentinel: `RedisCache` (and the
    desk's cache backends built on it) call `pool_class.from_url(LOCATION, **OPTIONS)`."""

    @classmethod
    def from_url(  # type: ignore[override]  # Django passes the Sentinel options by name
        cls,
        url: str,
        *,
        sentinels: list[tuple[str, int]],
        service_name: str,
        sentinel_kwargs: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> SentinelPool:
        db = urlsplit(url).path.strip("/")
        kwargs.setdefault("db", int(db) if db.isdigit() else 0)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}  # parser_class=None from Django
        manager = Sentinel([tuple(s) for s in sentinels], sentinel_kwargs=sentinel_kwargs or {})
        return cls(service_name, manager, **kwargs)


def redis_client(url: str, *, master: str = "mymaster", sentinel_password: str = "", **kwargs: Any) -> redis.Redis:
    """A client for `url`, Sentinel or plain."""
    config = parse_sentinel_url(url, master=master, sentinel_password=sentinel_password)
    if config is not None:
        return config.client(**kwargs)
    return redis.Redis.from_url(url, **kwargs)
