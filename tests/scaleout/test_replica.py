"""The read replica against a real streaming standby: a PostgreSQL cluster of the test's
own, a standby made from it by pg_basebackup on another port, both removed at the end.
The desk runs in a process of its own (tests/scaleout/replica_probe.py) with
DATABASE_URL on the primary and DATABASE_REPLICA_URL on the standby."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.procs import ROOT, PostgresCluster, postgres_bindir, wait_for

pytestmark = pytest.mark.e2e

DATABASE = "desk"


@pytest.fixture(scope="module")
def clusters() -> Iterator[tuple[PostgresCluster, PostgresCluster]]:
    bindir = postgres_bindir()
    if bindir is None or not (bindir / "pg_basebackup").exists():
        pytest.skip("needs PostgreSQL's initdb, pg_ctl and pg_basebackup (PG_BINDIR)")
    primary = PostgresCluster(bindir)
    standby: PostgresCluster | None = None
    try:
        primary.init()
        primary.start()
        primary.create_database(DATABASE)
        _desk(primary, None, "manage.py", "migrate", "--no-input")
        standby = primary.standby()
        standby.start()
        yield primary, standby
    finally:
        if standby is not None:
            standby.destroy()
        primary.destroy()


def _desk(primary: PostgresCluster, standby: PostgresCluster | None, *args: str, **extra: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
        "DATABASE_URL": primary.url(DATABASE),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **extra,
    }
    if standby is not None:
        env["DATABASE_REPLICA_URL"] = standby.url(DATABASE)
    result = subprocess.run(  # noqa: S603 - this venv's python, the project's own scripts
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def _report(primary: PostgresCluster, standby: PostgresCluster, **extra: str) -> dict[str, object]:
    out = _desk(primary, standby, "-m", "tests.scaleout.replica_probe", "report", **extra)
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _ticket_reads(queries: object) -> list[str]:
    assert isinstance(queries, list)
    return [q for q in queries if '"tickets_' in q]


def _has_user(standby: PostgresCluster) -> bool:
    rows = standby.psql("SELECT count(*) FROM servicedesk_user WHERE username = 'replica-probe-admin'", DATABASE)
    return rows[0][0] == 1


def test_reports_read_from_the_standby_and_fall_back_when_it_lags_or_stops(clusters) -> None:  # type: ignore[no-untyped-def]
    primary, standby = clusters
    _desk(primary, standby, "-m", "tests.scaleout.replica_probe", "setup")
    wait_for(lambda: _has_user(standby), 30, "the standby to replay the new user")
    assert standby.psql("SELECT pg_is_in_recovery()")[0][0] is True

    # given a standby that is caught up, when a manager reads a report by API and by page,
    # then its queries ran on the standby (its own session there shows them), none on the primary
    seen = _report(primary, standby)
    assert (seen["api"], seen["page"]) == (200, 200)
    assert _ticket_reads(seen["replica_queries"]), "no report query ran on the standby"
    assert not _ticket_reads(seen["primary_queries"]), _ticket_reads(seen["primary_queries"])[:2]
    sessions = seen["standby_sessions"]
    assert isinstance(sessions, list) and sessions, "the desk has no session on the standby"
    assert seen["readyz"]["http"] == 200 and seen["readyz"]["replica"] == "ok"  # type: ignore[index]

    # given a standby that stopped replaying while the primary goes on writing
    standby.psql("SELECT pg_wal_replay_pause()")
    try:
        primary.psql("CREATE TABLE replica_lag_probe (x int); INSERT INTO replica_lag_probe VALUES (1)", DATABASE)
        wait_for(
            lambda: standby.psql("SELECT pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn()")[0][0] is True,
            30,
            "the standby to receive WAL it does not replay",
        )
        time.sleep(2)
        # when a report is read with a lag limit of one second, then the primary answers it
        behind = _report(primary, standby, REPLICA_MAX_LAG_SECONDS="1")
    finally:
        standby.psql("SELECT pg_wal_replay_resume()")
    assert (behind["api"], behind["page"]) == (200, 200)
    assert _ticket_reads(behind["primary_queries"])
    assert not _ticket_reads(behind["replica_queries"])
    assert str(behind["readyz"]["replica"]).startswith("fallback: ")  # type: ignore[index]
    assert "behind" in str(behind["readyz"]["replica"])  # type: ignore[index]
    assert behind["readyz"]["http"] == 200  # type: ignore[index]

    # given the standby stopped, when the report is read, then the primary answers it and
    # /readyz stays ready but says the replica is not used
    standby.stop()
    down = _report(primary, standby)
    assert (down["api"], down["page"]) == (200, 200)
    assert _ticket_reads(down["primary_queries"])
    assert down["replica_queries"] == []
    assert down["readyz"]["http"] == 200  # type: ignore[index]
    assert str(down["readyz"]["replica"]).startswith("fallback: unreachable")  # type: ignore[index]
