"""The lease: one holder at a time, handed over when the holder lets go or its session dies."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from scaleout.lease import FileLease, PostgresLease, lease_for, lease_key
from tests.procs import wait_for

pytestmark = pytest.mark.django_db


def test_lease_keys_are_stable_64_bit_and_differ_by_name() -> None:
    assert lease_key("celery-beat") == lease_key("celery-beat")
    assert lease_key("celery-beat") != lease_key("other")
    assert -(2**63) <= lease_key("celery-beat") < 2**63


def test_a_file_lease_has_one_holder_and_passes_on_release(tmp_path) -> None:  # type: ignore[no-untyped-def]
    first, second = FileLease(tmp_path / "x.lock", "x"), FileLease(tmp_path / "x.lock", "x")
    assert first.hold() and first.hold()
    assert not second.hold()
    first.release()
    assert second.hold()
    assert not first.hold()
    second.release()


def test_lease_for_sqlite_is_a_file_beside_the_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    lease = lease_for("beat", settings_dict={"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "d.db")})
    assert isinstance(lease, FileLease)
    assert lease.path == tmp_path / "d.db.beat.lock"
    with pytest.raises(ValueError, match="no lease"):
        lease_for("beat", settings_dict={"ENGINE": "django.db.backends.mysql"})


@pytest.fixture
def postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks: PostgreSQL only (DATABASE_URL)")


def _leases(name: str) -> tuple[PostgresLease, PostgresLease]:
    a = lease_for(name, settings_dict=connection.settings_dict)
    b = lease_for(name, settings_dict=connection.settings_dict)
    assert isinstance(a, PostgresLease) and isinstance(b, PostgresLease)
    return a, b


def test_one_postgres_lease_holder_at_a_time_and_release_hands_over(postgres_only) -> None:  # type: ignore[no-untyped-def]
    first, second = _leases("test-release")
    try:
        assert first.hold()
        assert not second.hold()
        assert first.hold()  # still ours, checked
        first.release()
        assert second.hold()
        assert not first.hold()
    finally:
        first.release()
        second.release()


def test_a_holder_whose_session_dies_gives_up_and_the_other_takes_over(postgres_only) -> None:  # type: ignore[no-untyped-def]
    first, second = _leases("test-session-dies")
    try:
        assert first.hold()
        assert not second.hold()
        # the holder's backend is terminated (a server restart, a network cut, an admin)
        with psycopg.connect(first.conninfo, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", [first._pid])
        # (the signal is asynchronous: the backend exits, and its locks go, a moment later)
        wait_for(second.hold, 10, "the other lease to take over")
        assert not first.hold()  # it notices and does not claim a lock it lost
    finally:
        first.release()
        second.release()


def test_a_lease_on_a_database_that_does_not_answer_is_not_held() -> None:
    lease = PostgresLease("postgresql://postgres@127.0.0.1:1/none?connect_timeout=1", "nowhere")
    assert not lease.hold()
    lease.release()
