"""Which database a read goes to (the standby itself: test_replica.py)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from scaleout import replica
from scaleout.replica import REPLICA, PrimaryAfterWriteMiddleware, ReplicaRouter, ReplicaStatus

pytestmark = pytest.mark.django_db(transaction=True)  # no test transaction around the reads

OK = ReplicaStatus(configured=True, usable=True, detail="ok", lag=0.0)
BEHIND = ReplicaStatus(configured=True, usable=False, detail="fallback: 40.0 s behind (max 30 s)", lag=40.0)


@pytest.fixture
def standby(monkeypatch):  # type: ignore[no-untyped-def]
    """A configured standby whose status the test sets."""
    state = {"status": OK}
    monkeypatch.setattr(replica, "configured", lambda: True)
    monkeypatch.setattr(replica, "replica_status", lambda fresh=False: state["status"])
    return state


def test_without_a_standby_everything_reads_from_the_primary() -> None:
    with replica.reads_from_replica():
        assert replica.read_alias() is None
    assert replica.replica_status().detail == "not configured"
    assert ReplicaRouter().allow_migrate("default", "tickets") is True
    assert ReplicaRouter().allow_migrate(REPLICA, "tickets") is False
    assert ReplicaRouter().db_for_write(object) is None


def test_only_heavy_reads_go_to_a_healthy_standby(standby) -> None:  # type: ignore[no-untyped-def]
    assert replica.read_alias() is None  # an ordinary read
    with replica.reads_from_replica():
        assert ReplicaRouter().db_for_read(object) == REPLICA
        with replica.pinned_to_primary():  # who just wrote
            assert replica.read_alias() is None
    standby["status"] = BEHIND
    with replica.reads_from_replica():
        assert replica.read_alias() is None


def test_reads_inside_a_transaction_on_the_primary_stay_there(standby) -> None:  # type: ignore[no-untyped-def]
    with replica.reads_from_replica():
        assert replica.read_alias() == REPLICA
        with transaction.atomic():
            assert replica.read_alias() is None


def test_a_standby_failing_under_a_read_is_read_again_from_the_primary(standby) -> None:  # type: ignore[no-untyped-def]
    aliases: list[str | None] = []

    def figures() -> str:
        aliases.append(replica.read_alias())
        if aliases[-1] == REPLICA:
            standby["status"] = BEHIND  # the next check finds it gone
            raise OperationalError("server closed the connection unexpectedly")
        return "figures"

    assert replica.replica_read(figures) == "figures"
    assert aliases == [REPLICA, None]


def test_a_failure_of_the_primary_is_not_hidden(standby) -> None:  # type: ignore[no-untyped-def]
    def figures() -> str:
        raise OperationalError("the primary is down")

    with pytest.raises(OperationalError):
        replica.replica_read(figures)


def test_a_write_pins_its_author_to_the_primary_for_a_while(standby, settings) -> None:  # type: ignore[no-untyped-def]
    settings.REPLICA_PIN_SECONDS = 30
    seen: list[str | None] = []

    def view(request):  # type: ignore[no-untyped-def]
        with replica.reads_from_replica():
            seen.append(replica.read_alias())
        return HttpResponse(status=201 if request.method == "POST" else 200)

    middleware = PrimaryAfterWriteMiddleware(view)
    factory = RequestFactory()
    response = middleware(factory.post("/api/v1/tickets/"))
    cookie = response.cookies[replica.PIN_COOKIE]
    assert cookie["max-age"] == 30 and cookie["httponly"]
    middleware(factory.get("/reports/ranking/"))
    pinned = factory.get("/reports/ranking/")
    pinned.COOKIES[replica.PIN_COOKIE] = "1"
    middleware(pinned)
    assert seen == [REPLICA, REPLICA, None]
    refused = PrimaryAfterWriteMiddleware(lambda request: HttpResponse(status=409))(factory.post("/x/"))
    assert replica.PIN_COOKIE not in refused.cookies
