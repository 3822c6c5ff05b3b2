"""The sweep under concurrency (PostgreSQL: SKIP LOCKED) and its index."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection, connections, transaction

from tests.tickets.conftest import SHANGHAI
from tickets.models import Escalation, EventKind, SlaDeadline, Ticket, TicketEvent
from tickets.sla.escalation import _due, escalation_sweep

WARNING_AT = datetime(2026, 11, 17, 14, 30, tzinfo=SHANGHAI)  # the acceptance warning of a T0 ticket

postgres_only = pytest.mark.skipif(
    not connection.features.has_select_for_update_skip_locked, reason="SKIP LOCKED: PostgreSQL"
)


def _in_thread(target, *args):  # type: ignore[no-untyped-def]
    def run() -> None:
        try:
            target(*args)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_sweeps_running_at_once_never_double_fire(world, file_ticket, clock):
    ids = [file_ticket()["id"] for _ in range(30)]
    clock.move_to(WARNING_AT)
    barrier = threading.Barrier(4)
    results: list[int] = []

    def sweep() -> None:
        barrier.wait(timeout=10)
        results.append(escalation_sweep(batch=3))

    threads = [_in_thread(sweep) for _ in range(4)]
    for thread in threads:
        thread.join(timeout=60)
    assert sum(results) == 30
    assert Escalation.objects.filter(ticket_id__in=ids).count() == 30
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ESCALATED).count() == 30


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_ticket_locked_by_a_service_is_skipped_not_waited_for(world, file_ticket, clock):
    locked, free = file_ticket()["id"], file_ticket()["id"]
    clock.move_to(WARNING_AT)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction.atomic():
            Ticket.objects.select_for_update().get(pk=locked)
            holding.set()
            release.wait(timeout=30)

    thread = _in_thread(hold)
    try:
        assert holding.wait(timeout=10)
        assert escalation_sweep() == 1  # the free one; the locked one is left for later
        assert list(Escalation.objects.values_list("ticket_id", flat=True)) == [free]
    finally:
        release.set()
        thread.join(timeout=30)
    assert escalation_sweep() == 1
    assert Escalation.objects.filter(ticket_id=locked).count() == 1


@postgres_only
@pytest.mark.django_db
def test_the_due_rows_are_read_through_the_partial_index(world, file_ticket, clock):
    file_ticket()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = _due(WARNING_AT, set())[:100].explain()
    assert "sla_deadline_due_idx" in plan


@pytest.mark.django_db
def test_paused_and_stopped_rows_are_not_in_the_index_set(world, file_ticket, clock):
    tid = file_ticket()["id"]
    assert SlaDeadline.objects.filter(ticket_id=tid, next_step_at__isnull=False).count() == 2
    from tickets import services

    services.ticket_accept(ticket_id=tid, actor=world.chief)
    services.ticket_suspend(ticket_id=tid, actor=world.chief, reason="等企业资料")
    assert not SlaDeadline.objects.filter(ticket_id=tid, next_step_at__isnull=False).exists()
    resolve = SlaDeadline.objects.get(ticket_id=tid, kind="resolve")
    assert resolve.paused_at is not None and resolve.stopped_at is None
