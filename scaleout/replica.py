"""Heavy reads on a PostgreSQL hot standby, everything else on the primary.

    DATABASES["replica"] = ...                       # from DATABASE_REPLICA_URL
    DATABASE_ROUTERS = ["scaleout.replica.ReplicaRouter"]

    report = replica_read(report_for, user=..., ...)  # a report, a ranking, an export

Only the reads inside `replica_read()` (or `reads_from_replica()`) go to the standby, and only when

- the standby answers and is at most `REPLICA_MAX_LAG_SECONDS` behind (checked at most
  every `REPLICA_CHECK_SECONDS` per process; a standby that does not answer is not asked
  again before then);
- the code is not inside a transaction on the primary (what it reads there must be what it
  is about to change);
- the person asking did not change something in the last `REPLICA_PIN_SECONDS`
  (`PrimaryAfterWriteMiddleware` marks them with a cookie: they read their own writes).

Otherwise the reads go to the primary, and `/readyz` says why (`replica_status()`).
Writes always go to the primary; the standby is never migrated."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponseBase

logger = logging.getLogger(__name__)

T = TypeVar("T")

REPLICA = "replica"
PIN_COOKIE = "sd_primary"

_wanted: ContextVar[bool] = ContextVar("scaleout_replica_wanted", default=False)
_pinned: ContextVar[bool] = ContextVar("scaleout_replica_pinned", default=False)

#: how far a standby may be behind, as PostgreSQL tells it: 0 while it has replayed all it
#: received, else the age of the last transaction it replayed
LAG_SQL = """
SELECT CASE
  WHEN NOT pg_is_in_recovery() THEN 0
  WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
  ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""


@dataclass(frozen=True)
class ReplicaStatus:
    configured: bool
    usable: bool
    detail: str  # "ok", "not configured", "fallback: …"
    lag: float | None = None


_NOT_CONFIGURED = ReplicaStatus(configured=False, usable=False, detail="not configured")
_lock = threading.Lock()
_cached: tuple[float, ReplicaStatus] | None = None


def configured() -> bool:
    return REPLICA in connections.databases


def _probe() -> ReplicaStatus:
    max_lag = float(getattr(settings, "REPLICA_MAX_LAG_SECONDS", 30))
    conn = connections[REPLICA]
    try:
        with conn.cursor() as cursor:
            cursor.execute(LAG_SQL)
            row = cursor.fetchone()
        lag = float(row[0]) if row and row[0] is not None else 0.0
    except DatabaseError as exc:
        conn.close()  # a standby that went away: connect afresh at the next check
        logger.warning("replica unreachable, reading from the primary: %s", exc)
        return ReplicaStatus(configured=True, usable=False, detail=f"fallback: unreachable ({exc.__class__.__name__})")
    if lag > max_lag:
        logger.warning("replica %.1f s behind (more than %.0f s), reading from the primary", lag, max_lag)
        return ReplicaStatus(
            configured=True, usable=False, detail=f"fallback: {lag:.1f} s behind (max {max_lag:g} s)", lag=lag
        )
    return ReplicaStatus(configured=True, usable=True, detail="ok", lag=lag)


def replica_status(*, fresh: bool = False) -> ReplicaStatus:
    """Whether the standby takes reads now, checked at most every `REPLICA_CHECK_SECONDS`."""
    global _cached
    if not configured():
        return _NOT_CONFIGURED
    every = float(getattr(settings, "REPLICA_CHECK_SECONDS", 5))
    now = time.monotonic()
    with _lock:
        if not fresh and _cached is not None and now - _cached[0] < every:
            return _cached[1]
        status = _probe()
        _cached = (now, status)
        return status


def forget_status() -> None:
    """Check the standby afresh at the next read (tests, and after a switch)."""
    global _cached
    with _lock:
        _cached = None


@contextlib.contextmanager
def reads_from_replica() -> Iterator[None]:
    """Reads inside go to the standby when it may take them (see the module's docstring)."""
    token = _wanted.set(True)
    try:
        yield
    finally:
        _wanted.reset(token)


def replica_read(fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
    """`fn(*args, **kwargs)` with its reads on the standby when it may take them; when the
    standby fails under it (stopped between two checks), once more on the primary."""
    with reads_from_replica():
        if read_alias() != REPLICA:
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if replica_status(fresh=True).usable:
                raise  # the standby is fine: the failure was not its
    return fn(*args, **kwargs)


@contextlib.contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Reads inside go to the primary, `reads_from_replica` or not."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def read_alias() -> str | None:
    """The database alias a read should use now: REPLICA, or None for the default."""
    if not _wanted.get() or _pinned.get() or not configured():
        return None
    if connections["default"].in_atomic_block:
        return None
    return REPLICA if replica_status().usable else None


class ReplicaRouter:
    """Django database router: reads inside `reads_from_replica()` to the standby when it
    may take them; writes, migrations and everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        return read_alias()

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        return db != REPLICA


class PrimaryAfterWriteMiddleware:
    """Who just changed something reads from the primary for `REPLICA_PIN_SECONDS`: a
    successful POST, PUT, PATCH or DELETE sets a short cookie, and a request carrying it is
    pinned to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not configured():
            return self.get_response(request)
        with contextlib.ExitStack() as stack:
            if request.COOKIES.get(PIN_COOKIE):
                stack.enter_context(pinned_to_primary())
            response = self.get_response(request)
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and response.status_code < 400:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(getattr(settings, "REPLICA_PIN_SECONDS", 30)),
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
                httponly=True,
                samesite="Lax",
            )
        return response
