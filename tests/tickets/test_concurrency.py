"""Races on PostgreSQL (real row locks, real connections): two officers accepting the same
ticket at once, and many tickets filed at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from servicedesk.errors import Conflict
from tests.factories import ManagerFactory
from tickets import services
from tickets.models import EventKind, Ticket, TicketEvent

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls at the same instant, each in its own thread and DB connection;
    returns each call's result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[i] = calls[i]()
        except Exception as exc:  # collected, and asserted on by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return results


def _file(world: Any) -> Ticket:
    return services.ticket_create(
        actor=world.company, title="用电报装", description="接入", kind="help", service_item=world.item
    )


def test_two_accepts_at_once_one_wins(world):
    ticket = _file(world)
    manager = ManagerFactory(park=world.park)
    results = _race(
        [
            lambda: services.ticket_accept(ticket_id=ticket.pk, actor=world.chief),
            lambda: services.ticket_accept(ticket_id=ticket.pk, actor=manager),
        ]
    )
    wins = [r for r in results if isinstance(r, Ticket)]
    losses = [r for r in results if isinstance(r, Conflict)]
    assert (len(wins), len(losses)) == (1, 1), results
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ACCEPTED).count() == 1
    ticket.refresh_from_db()
    assert ticket.status == "in_progress"


def test_tickets_filed_at_once_get_distinct_numbers(world):
    """Also the very first tickets of a year, when the year's number sequence is created."""
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE IF EXISTS ticket_number_2026")
    n = 8
    results = _race([lambda: _file(world) for _ in range(n)])
    assert all(isinstance(r, Ticket) for r in results), results
    numbers = {r.number for r in results}
    assert len(numbers) == n
    assert set(Ticket.objects.values_list("number", flat=True)) == numbers


def test_two_tickets_merged_into_each_other_at_once_one_wins(world):
    """A into B and B into A at once: the pair is locked in id order, so one merge wins and
    the other finds its primary merged (400): never a cycle."""
    from servicedesk.errors import Invalid
    from tickets.merge import ticket_merge

    a, b = _file(world), _file(world)
    results = _race(
        [
            lambda: ticket_merge(ticket_id=a.pk, into_id=b.pk, actor=world.chief),
            lambda: ticket_merge(ticket_id=b.pk, into_id=a.pk, actor=world.chief),
        ]
    )
    wins = [r for r in results if isinstance(r, Ticket)]
    losses = [r for r in results if isinstance(r, Invalid | Conflict)]
    assert (len(wins), len(losses)) == (1, 1), results
    assert Ticket.objects.filter(merged_into__isnull=False).count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.MERGED).count() == 2  # the winner's, one on each
