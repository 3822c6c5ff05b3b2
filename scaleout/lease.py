"""A lease: of all the processes that ask for one by the same name, exactly one holds it at
a time, and when the holder dies another one gets it.

On PostgreSQL the lease is a session-level advisory lock held on a connection of its own
(never the one Django uses for queries, and never through PgBouncer in transaction mode:
set `BEAT_LEASE_DATABASE_URL` to a direct connection then). The lock lives as long as the
session: a holder killed with `kill -9` loses it the moment the kernel closes its socket;
a holder whose machine vanished loses it when the server's TCP keepalives give up on the
session (set on the session: about 25 s). The holder checks its session before every use
and gives the lease up at once when it cannot: it stops before the server lets another in.

On SQLite (one machine, development) the lease is an exclusive `flock` on a file beside
the database file: the kernel releases it when the holder exits, however it exits."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from pathlib import Path
from typing import IO, Any, LiteralString, Protocol

import psycopg

logger = logging.getLogger(__name__)

#: libpq and server settings of the lease's own session: the client notices a dead server
#: within ~10 s (unacknowledged data, keepalives), the server a dead client within ~25 s.
CLIENT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 3,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "tcp_user_timeout": 10_000,
}
SERVER_KEEPALIVES: tuple[LiteralString, ...] = (
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
)


class Lease(Protocol):
    name: str

    def hold(self) -> bool:
        """Take the lease if it is free, or check that it is still ours; True when we hold it."""

    def release(self) -> None:
        """Give the lease up (when held) and close what holds it."""


def lease_key(name: str) -> int:
    """The advisory lock key of a lease name: a stable signed 64-bit integer."""
    digest = hashlib.sha256(f"servicedesk-lease:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PostgresLease:
    """A session-level advisory lock on a connection of its own."""

    def __init__(self, conninfo: str, name: str) -> None:
        self.conninfo = conninfo
        self.name = name
        self.key = lease_key(name)
        self._conn: psycopg.Connection[tuple[Any, ...]] | None = None
        self._pid: int | None = None
        self.held = False

    def _connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        conn = psycopg.connect(
            self.conninfo, autocommit=True, application_name=f"servicedesk-lease-{self.name}", **CLIENT_OPTIONS
        )
        for statement in SERVER_KEEPALIVES:
            conn.execute(statement)
        return conn

    def _row(self, conn: psycopg.Connection[tuple[Any, ...]], sql: LiteralString, *params: object) -> tuple[Any, ...]:
        row = conn.execute(sql, params).fetchone()
        if row is None:  # pragma: no cover - these SELECTs always answer one row
            raise psycopg.InterfaceError(f"no row from {sql}")
        return row

    def hold(self) -> bool:
        try:
            if self._conn is None or self._conn.closed:
                self.held = False
                self._conn = self._connect()
            if self.held:
                # The lock lives with the session: same backend, still there. A pooler that
                # handed us another backend (transaction pooling) means the lock is not ours.
                if self._row(self._conn, "SELECT pg_backend_pid()")[0] != self._pid:
                    logger.error("lease %s: the session changed under us (a pooler?): lease given up", self.name)
                    self._drop()
            else:
                row = self._row(self._conn, "SELECT pg_try_advisory_lock(%s), pg_backend_pid()", self.key)
                self.held, self._pid = bool(row[0]), int(row[1])
        except psycopg.Error as exc:
            if self.held:
                logger.warning("lease %s: lost its database session (%s): lease given up", self.name, exc)
            self._drop()
        return self.held

    def _drop(self) -> None:
        self.held = False
        self._pid = None
        if self._conn is not None:
            with contextlib.suppress(psycopg.Error):  # closing a broken connection
                self._conn.close()
        self._conn = None

    def release(self) -> None:
        if self._conn is not None and self.held:
            with contextlib.suppress(psycopg.Error):  # closing the session below releases it anyway
                self._conn.execute("SELECT pg_advisory_unlock(%s)", [self.key])
        self._drop()


class FileLease:
    """An exclusive, non-blocking `flock` on a file: for processes on one machine (SQLite)."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def hold(self) -> bool:
        if self._file is not None:
            return True
        import fcntl

        handle = open(self.path, "ab")  # noqa: SIM115 - kept open while the lease is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._file = handle
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor releases the flock
            self._file = None


def conninfo_for(settings_dict: dict[str, object]) -> str:
    """A libpq connection string for a Django PostgreSQL connection's settings."""
    options: dict[str, object] = {
        "dbname": settings_dict.get("NAME") or "",
        "user": settings_dict.get("USER") or "",
        "password": settings_dict.get("PASSWORD") or "",
        "host": settings_dict.get("HOST") or "",
        "port": settings_dict.get("PORT") or "",
    }
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in options.items() if v})


def lease_for(name: str, *, url: str = "", settings_dict: dict[str, object] | None = None) -> Lease:
    """The lease `name` on the database given by `url` (a direct PostgreSQL URL) or by a
    Django connection's settings: PostgreSQL → advisory lock, SQLite → a file lock beside
    the database file."""
    if url:
        return PostgresLease(url, name)
    settings_dict = settings_dict or {}
    engine = str(settings_dict.get("ENGINE", ""))
    if "postgresql" in engine:
        return PostgresLease(conninfo_for(settings_dict), name)
    if "sqlite" in engine:
        database = str(settings_dict.get("NAME") or "")
        if not database or database == ":memory:" or database.startswith("file:"):
            database = os.path.join(os.getcwd(), "db")
        return FileLease(Path(f"{database}.{name}.lock"), name)
    raise ValueError(f"no lease for the database engine {engine!r}")
