"""The desk behind a real PgBouncer in transaction pooling mode (Debian's package), in front
of a PostgreSQL cluster of the test's own: migrations and the API's smoke path go through it,
the beat lease goes around it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django.conf import settings

from scaleout.lease import PostgresLease
from tests.procs import ROOT, PgBouncer, PostgresCluster, postgres_bindir

pytestmark = pytest.mark.e2e

DATABASE = "desk"


@pytest.fixture
def bouncer() -> Iterator[PgBouncer]:
    bindir = postgres_bindir()
    if bindir is None or not PgBouncer.available():
        pytest.skip("needs PostgreSQL's initdb and pg_ctl and Debian's pgbouncer")
    cluster = PostgresCluster(bindir)
    pool: PgBouncer | None = None
    try:
        cluster.init()
        cluster.start()
        cluster.create_database(DATABASE)
        pool = PgBouncer(cluster, DATABASE)
        pool.start()
        yield pool
    finally:
        if pool is not None:
            pool.stop()
        cluster.destroy()


def _desk(pool: PgBouncer, *args: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"},
        "DATABASE_URL": pool.url(),
        "DATABASE_PGBOUNCER": "1",
        "BEAT_LEASE_DATABASE_URL": pool.cluster.url(DATABASE),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    result = subprocess.run(  # noqa: S603 - this venv's python, the project's own scripts
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_smoke_path_runs_through_pgbouncer_in_transaction_mode(bouncer: PgBouncer) -> None:
    # given PgBouncer pooling transactions in front of the database
    assert {row["key"]: row["value"] for row in bouncer.show("CONFIG")}["pool_mode"] == "transaction"
    # when the desk migrates and runs the smoke path through it
    _desk(bouncer, "manage.py", "migrate", "--no-input")
    seen = json.loads(_desk(bouncer, "-m", "tests.scaleout.smoke").strip().splitlines()[-1])
    # then every step answered as it does on a direct connection, and the ticket closed
    assert seen["steps"] == {
        "file": 201,
        "accept": 200,
        "reply": 201,
        "resolve": 200,
        "rate": 200,
        "queue": 200,
        "events": 200,
        "report": 200,
        "report_csv": 200,
    }, seen
    assert seen["status"] == "closed"
    assert seen["received"] == 1  # the report counted it (its reads ran through PgBouncer too)
    transactions = sum(
        int(str(row["total_xact_count"])) for row in bouncer.show("STATS") if row["database"] == DATABASE
    )
    assert transactions > 50, "the desk's transactions did not go through PgBouncer"


def test_the_settings_turn_off_server_side_cursors_behind_pgbouncer() -> None:
    code = "from django.conf import settings as s; print(s.DATABASES['default'].get('DISABLE_SERVER_SIDE_CURSORS'))"
    env = {**os.environ, "DATABASE_URL": "postgres://u@db:6432/desk", "DATABASE_PGBOUNCER": "1"}
    out = subprocess.run(  # noqa: S603 - this venv's python, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "config.settings"},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    assert out.strip() == "True"


def test_a_session_lease_through_transaction_pooling_is_given_up_not_trusted(bouncer: PgBouncer) -> None:
    # given the lease mistakenly on the pooled URL, and another client keeping the pool busy
    lease = PostgresLease(bouncer.url(), "pooled")
    try:
        held = lease.hold()
        # then either PgBouncer keeps us on one backend (the lock is real) or the lease
        # notices a different backend and gives it up; it never claims a lock it does not hold
        if held:
            other = PostgresLease(bouncer.cluster.url(DATABASE), "pooled")
            try:
                assert not other.hold()
            finally:
                other.release()
    finally:
        lease.release()
