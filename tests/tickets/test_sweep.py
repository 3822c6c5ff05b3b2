"""The sweep under concurrency (PostgreSQL: SKIP LOCKED) and its index."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from django.db import connection, connections, transaction

from servicedesk.models import User
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


# --- a batch costs a constant number of queries and one publish -------------------------------

SWEEP_QUERIES = 18  # one batch of any size, the calendar, and the empty read that ends the sweep


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 12])
def test_a_sweep_batch_runs_a_constant_number_of_queries(
    world, file_ticket, clock, count, monkeypatch, django_assert_max_num_queries
):
    from notifications.tasks import notification_send_batch

    monkeypatch.setattr(notification_send_batch, "apply_async", lambda *a, **kw: None)
    ids = [file_ticket()["id"] for _ in range(count)]
    clock.move_to(WARNING_AT)
    with django_assert_max_num_queries(SWEEP_QUERIES):
        assert escalation_sweep(batch=50) == count
    assert Escalation.objects.filter(ticket_id__in=ids, level="warning").count() == count
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ESCALATED).count() == count
    assert set(Ticket.objects.filter(pk__in=ids).values_list("escalation_level", flat=True)) == {1}


@pytest.mark.django_db
def test_a_sweep_publishes_the_notifications_of_a_batch_at_once_after_its_commit(
    world, file_ticket, clock, monkeypatch, django_capture_on_commit_callbacks
):
    from notifications.models import Notification
    from notifications.tasks import notification_send_batch

    published: list[list[int]] = []
    monkeypatch.setattr(notification_send_batch, "apply_async", lambda args, **kw: published.append(list(args[0])))
    ids = [file_ticket()["id"] for _ in range(6)]
    clock.move_to(WARNING_AT)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert escalation_sweep(batch=4) == 6
    assert published == []  # nothing inside the transactions
    for callback in callbacks:
        callback()
    assert [len(ids_) for ids_ in published] == [4, 2]  # one publish per batch: the chief's inbox rows
    warned = Notification.objects.filter(topic_id__in=ids, event_kind=EventKind.ESCALATED, status="pending")
    assert sorted(pk for batch in published for pk in batch) == sorted(warned.values_list("pk", flat=True))


@pytest.mark.django_db
def test_a_repeated_step_in_a_batch_moves_on_while_the_others_fire(world, file_ticket, clock):
    repeated, fresh, late = file_ticket()["id"], file_ticket()["id"], file_ticket()["id"]
    held = SlaDeadline.objects.filter(ticket_id=late, kind="accept")
    held.update(next_step_at=datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI))
    clock.move_to(WARNING_AT)
    assert escalation_sweep() == 2
    first = Escalation.objects.get(ticket_id=repeated)
    # set back, as if a crashed sweep had not saved its progress; the late one is due too
    SlaDeadline.objects.filter(pk=first.deadline_id).update(next_level="warning", next_step_at=WARNING_AT)
    held.update(next_step_at=WARNING_AT)
    events = TicketEvent.objects.filter(ticket_id=repeated).count()
    assert escalation_sweep() == 1  # the late one only, in the same batch
    assert TicketEvent.objects.filter(ticket_id=repeated).count() == events
    assert Escalation.objects.filter(ticket_id=repeated).count() == 1
    assert SlaDeadline.objects.get(pk=first.deadline_id).next_level == "breach"
    assert Escalation.objects.filter(ticket_id=late).count() == 1
    assert Escalation.objects.filter(ticket_id=fresh).count() == 1


BREACH_AT = datetime(2026, 11, 17, 15, 30, tzinfo=SHANGHAI)  # the acceptance breach of a T0 ticket
SUPERVISION_AT = datetime(2026, 11, 18, 15, 30, tzinfo=SHANGHAI)  # one working day later
HANDOVER_QUERIES = 21  # SWEEP_QUERIES, a read of the handed tickets' officers, an update of their assignees,
# and the read of the group robots the hand-over is told to
SUPERVISION_QUERIES = 22  # SWEEP_QUERIES, the park's managers, the two inserts of the orders, the robots


@pytest.mark.django_db
@pytest.mark.parametrize("count", [2, 12])
def test_hand_overs_and_supervision_orders_in_a_batch_run_a_constant_number_of_queries(
    world, file_ticket, clock, count, monkeypatch, django_assert_max_num_queries
):
    """The acceptance breach of unaccepted tickets (each to the deputy, with a transfer event)
    and the supervision orders a day later are applied together, not one ticket at a time."""
    from notifications.models import Notification
    from notifications.tasks import notification_send_batch
    from tickets.models import SupervisionOrder

    monkeypatch.setattr(notification_send_batch, "apply_async", lambda *a, **kw: None)
    ids = [file_ticket()["id"] for _ in range(count)]
    clock.move_to(WARNING_AT)
    assert escalation_sweep(batch=50) == count
    clock.move_to(BREACH_AT)
    with django_assert_max_num_queries(HANDOVER_QUERIES):
        assert escalation_sweep(batch=50) == count
    tickets = Ticket.objects.filter(pk__in=ids)
    assert set(tickets.values_list("assignee_id", "owner_id", "overdue", "escalation_level")) == {
        (world.deputy.pk, world.chief.pk, True, 2)
    }
    transfers = TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.TRANSFERRED)
    assert transfers.count() == count
    assert {(e.data["from_assignee"], e.data["to_assignee"], e.data["reason"]) for e in transfers} == {
        (world.chief.pk, world.deputy.pk, "breach")
    }
    # the breach is told to the chief who held the ticket, the hand-over to both of them
    inbox = Notification.objects.filter(topic_id__in=ids, channel="inbox")
    breach = inbox.filter(
        event_id__in=TicketEvent.objects.filter(kind=EventKind.ESCALATED, data__level="breach").values("pk")
    )
    told = set(breach.values_list("recipient_id", flat=True))
    assert world.chief.pk in told and world.deputy.pk not in told
    assert set(User.objects.filter(pk__in=told - {world.chief.pk}).values_list("role", flat=True)) <= {"manager"}
    handed = inbox.filter(event_id__in=TicketEvent.objects.filter(kind=EventKind.TRANSFERRED).values("pk"))
    assert sorted(handed.values_list("recipient_id", flat=True)) == sorted([world.deputy.pk, world.chief.pk] * count)

    clock.move_to(SUPERVISION_AT)
    with django_assert_max_num_queries(SUPERVISION_QUERIES):
        assert escalation_sweep(batch=50) == count
    orders = SupervisionOrder.objects.filter(ticket_id__in=ids).prefetch_related("managers")
    assert len(orders) == count
    assert {order.addressed_to_id for order in orders} == {world.deputy.pk}
    assert all(list(order.managers.all()) == [world.park_manager] for order in orders)
    assert all(order.escalation_id is not None for order in orders)


@pytest.mark.django_db
def test_the_one_step_path_hands_over_as_the_batch_does(world, file_ticket, clock):
    """`step_apply` (the sweep's fallback, one row at a time) gives the same hand-over."""
    from tickets.sla import deadlines
    from tickets.sla.escalation import step_apply

    tid = file_ticket()["id"]
    clock.move_to(WARNING_AT)
    assert escalation_sweep() == 1
    clock.move_to(BREACH_AT)
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().get(pk=tid)
        deadline = SlaDeadline.objects.select_for_update().get(ticket_id=tid, kind="accept")
        assert step_apply(deadline=deadline, ticket=ticket, now=BREACH_AT, wt=deadlines.working_time())
    ticket = Ticket.objects.get(pk=tid)
    assert (ticket.assignee_id, ticket.owner_id, ticket.overdue) == (world.deputy.pk, world.chief.pk, True)
    transfer = TicketEvent.objects.get(ticket_id=tid, kind=EventKind.TRANSFERRED)
    assert transfer.data == {
        "reason": "breach",
        "from_assignee": world.chief.pk,
        "from_department": world.chief.department_id,
        "to_assignee": world.deputy.pk,
        "to_department": world.deputy.department_id,
    }
    assert SlaDeadline.objects.get(pk=deadline.pk).next_level == "supervision"
