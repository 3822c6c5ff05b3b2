"""The escalation ladder, walked with a frozen clock and the sweep called directly.

The `world` item runs on the working clock: acceptance 4h, resolution 5d. Filed at T0
(Tuesday 2026-11-17 10:00 Shanghai): acceptance due 15:30 (warning at 3 working hours:
14:30; supervision one working day past: Wednesday 15:30); resolution due Tuesday
2026-11-24 10:00 (warning at 3.75 working days: Friday 2026-11-20 16:45)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from tests.tickets.conftest import SHANGHAI
from tickets import services
from tickets.models import (
    DeadlineKind,
    Escalation,
    EventKind,
    SlaDeadline,
    Status,
    SupervisionOrder,
    Ticket,
    TicketEvent,
)
from tickets.sla.escalation import escalation_sweep
from tickets.tasks import sla_sweep

pytestmark = pytest.mark.django_db


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


def iso(value: datetime) -> str:
    return value.astimezone(SHANGHAI).isoformat()  # event data show local time, like the API


def steps(ticket_id: int) -> list[tuple[str, str, int]]:
    return list(Escalation.objects.filter(ticket_id=ticket_id).order_by("id").values_list("kind", "level", "version"))


def ladder_events(ticket_id: int) -> list[tuple[str, dict]]:
    events = TicketEvent.objects.filter(ticket_id=ticket_id, kind__in=[EventKind.ESCALATED, EventKind.SUPERVISED])
    return [(e.kind, e.data) for e in events.order_by("id")]


def test_acceptance_ladder_warning_breach_to_the_deputy_then_supervision(world, file_ticket, clock):
    tid = file_ticket()["id"]
    assert escalation_sweep() == 0

    clock.move_to(at(17, 14, 29))
    assert escalation_sweep() == 0
    clock.move_to(at(17, 14, 30))  # 75 % of 4 working hours
    assert escalation_sweep() == 1
    assert escalation_sweep() == 0  # the same instant again: nothing new
    ticket = Ticket.objects.get(pk=tid)
    assert (ticket.escalation_level, ticket.overdue, ticket.assignee_id) == (1, False, world.chief.pk)

    clock.move_to(at(17, 15, 30))
    assert escalation_sweep() == 1
    ticket = Ticket.objects.get(pk=tid)
    assert ticket.overdue is True
    assert ticket.escalation_level == 2
    assert ticket.assignee_id == world.deputy.pk  # 超时未签收: the deputy takes it
    assert ticket.owner_id == world.chief.pk  # 首问 stays
    transfer = TicketEvent.objects.get(ticket_id=tid, kind=EventKind.TRANSFERRED)
    assert transfer.data["reason"] == "breach"
    assert (transfer.data["from_assignee"], transfer.data["to_assignee"]) == (world.chief.pk, world.deputy.pk)
    assert transfer.actor is None and transfer.public is False

    clock.move_to(at(18, 15, 29))
    assert escalation_sweep() == 0
    clock.move_to(at(18, 15, 30))  # one working day past the deadline
    assert escalation_sweep() == 1
    assert escalation_sweep() == 0
    order = SupervisionOrder.objects.get(ticket_id=tid)
    assert order.addressed_to_id == world.deputy.pk
    assert list(order.managers.all()) == [world.park_manager]
    assert order.answer_due_at == at(19, 15, 30)  # one working day to answer
    assert Ticket.objects.get(pk=tid).escalation_level == 3

    due = iso(at(17, 15, 30))
    assert steps(tid) == [("accept", "warning", 1), ("accept", "breach", 1), ("accept", "supervision", 1)]
    assert ladder_events(tid) == [
        (EventKind.ESCALATED, {"level": "warning", "deadline": "accept", "version": 1, "due_at": due}),
        (EventKind.ESCALATED, {"level": "breach", "deadline": "accept", "version": 1, "due_at": due}),
        (EventKind.SUPERVISED, {"level": "supervision", "deadline": "accept", "version": 1, "due_at": due}),
    ]
    assert all(e.actor_id is None and not e.public for e in TicketEvent.objects.filter(ticket_id=tid, kind="escalated"))

    clock.move_to(at(30, 12))  # much later: the acceptance ladder is done, resolution still runs
    assert [lv for k, lv, _v in steps(tid) if k == "resolve"] == []
    assert escalation_sweep() == 3  # resolution warning, breach and supervision (caught up)
    assert steps(tid)[3:] == [("resolve", "warning", 1), ("resolve", "breach", 1), ("resolve", "supervision", 1)]
    assert escalation_sweep() == 0


def test_resolution_ladder_through_a_pause_and_an_extension(world, file_ticket, clock):
    tid = file_ticket()["id"]
    services.ticket_accept(ticket_id=tid, actor=world.chief)  # the acceptance clock stops

    clock.move_to(at(20, 16, 45))  # 75 % of 5 working days
    assert escalation_sweep() == 1
    assert steps(tid) == [("resolve", "warning", 1)]

    clock.move_to(at(20, 17, 0))
    services.ticket_suspend(ticket_id=tid, actor=world.chief, reason="等待企业补充图纸")
    assert SlaDeadline.objects.get(ticket_id=tid, kind="resolve", version=1).next_step_at is None

    clock.move_to(at(24, 10, 0))  # the original deadline passes while paused
    assert escalation_sweep() == 0
    clock.move_to(at(25, 10, 0))
    ticket = services.ticket_resume(ticket_id=tid, actor=world.chief)
    assert ticket.deadline_version == 2
    # paused 17:00 Fri → 10:00 Wed = 30 + 420 + 420 + 60 working minutes
    assert ticket.resolve_due_at == at(26, 11, 30)
    v2 = SlaDeadline.objects.get(ticket_id=tid, kind="resolve", version=2)
    assert (v2.next_level, v2.next_step_at) == ("breach", at(26, 11, 30))  # the warning is not repeated
    assert SlaDeadline.objects.get(ticket_id=tid, kind="resolve", version=1).stopped_at is not None
    assert escalation_sweep() == 0

    clock.move_to(at(25, 10, 5))
    extension = services.extension_request(
        ticket_id=tid, actor=world.chief, new_resolve_due_at=at(27, 17, 30), reason="需供电局配合"
    )
    services.extension_approve(extension_id=extension.pk, actor=world.park_manager)
    v3 = SlaDeadline.objects.get(ticket_id=tid, kind="resolve", version=3)
    assert v3.started_at == at(25, 10, 5)
    assert v3.next_level == "warning"

    clock.move_to(at(26, 11, 30))  # v2's breach time: v2 is superseded, nothing fires
    assert escalation_sweep() == 0

    # v3 spans Wed 10:05 → Fri 17:30 = 355 + 420 + 420 = 1195 working minutes; 75 % = 896.25,
    # so Wed 355 + Thu 420 + Fri 9:00 + 121.25 m = Fri 11:01:15
    clock.move_to(at(27, 11, 1) + timedelta(seconds=14))
    assert escalation_sweep() == 0
    clock.move_to(at(27, 11, 1) + timedelta(seconds=15))
    assert escalation_sweep() == 1
    clock.move_to(at(27, 17, 30))
    assert escalation_sweep() == 1
    ticket = Ticket.objects.get(pk=tid)
    assert (ticket.overdue, ticket.escalation_level, ticket.assignee_id) == (True, 2, world.chief.pk)
    assert not TicketEvent.objects.filter(ticket_id=tid, kind=EventKind.TRANSFERRED).exists()  # no hand-over

    clock.move_to(at(30, 17, 29))
    assert escalation_sweep() == 0
    clock.move_to(at(30, 17, 30))  # Monday 17:30: one working day past Friday 17:30
    assert escalation_sweep() == 1
    assert SupervisionOrder.objects.get(ticket_id=tid).addressed_to_id == world.chief.pk

    assert steps(tid) == [
        ("resolve", "warning", 1),
        ("resolve", "warning", 3),
        ("resolve", "breach", 3),
        ("resolve", "supervision", 3),
    ]
    versions = [(kind, data["level"], data["version"]) for kind, data in ladder_events(tid)]
    assert versions == [
        ("escalated", "warning", 1),
        ("escalated", "warning", 3),
        ("escalated", "breach", 3),
        ("supervised", "supervision", 3),
    ]
    assert {data["deadline"] for _k, data in ladder_events(tid)} == {"resolve"}
    assert ladder_events(tid)[2][1]["due_at"] == iso(at(27, 17, 30))


def test_reopen_starts_a_new_version(world, file_ticket, clock):
    tid = file_ticket()["id"]
    services.ticket_accept(ticket_id=tid, actor=world.chief)
    clock.move_to(at(24, 10, 0))
    assert escalation_sweep() == 2  # warning, breach of v1
    services.ticket_resolve(ticket_id=tid, actor=world.chief, resolution="已送电")
    assert not SlaDeadline.objects.filter(ticket_id=tid, next_step_at__isnull=False).exists()
    clock.move_to(at(25, 10, 0))
    assert escalation_sweep() == 0  # resolved: no supervision for v1
    ticket = services.ticket_reopen(ticket_id=tid, actor=world.company, reason="仍未通电")
    assert (ticket.deadline_version, ticket.overdue, ticket.escalation_level) == (2, False, 0)
    clock.move_to(ticket.resolve_due_at)
    assert escalation_sweep() == 2  # warning and breach of v2
    assert steps(tid)[-2:] == [("resolve", "warning", 2), ("resolve", "breach", 2)]


def test_accept_reply_resolve_and_withdraw_stop_the_clocks(world, file_ticket, clock):
    replied = file_ticket()["id"]
    services.ticket_reply(ticket_id=replied, actor=world.chief, body="收到，马上安排")
    assert SlaDeadline.objects.get(ticket_id=replied, kind="accept").stopped_at is not None
    assert SlaDeadline.objects.get(ticket_id=replied, kind="resolve").stopped_at is None

    withdrawn = file_ticket()["id"]
    services.ticket_withdraw(ticket_id=withdrawn, actor=world.company, reason="不需要了")
    assert not SlaDeadline.objects.filter(ticket_id=withdrawn, stopped_at__isnull=True).exists()

    clock.move_to(at(17, 16, 0))
    assert escalation_sweep() == 0  # the replied one's acceptance stopped; the other withdrawn
    assert not Escalation.objects.exists()


def test_a_missed_sweep_is_caught_up_in_order_once(world, file_ticket, clock):
    tid = file_ticket()["id"]
    clock.move_to(at(18, 16, 0))  # the sweep was down since filing
    assert sla_sweep() == 3  # the task, called directly
    assert [lv for k, lv, _ in steps(tid)] == ["warning", "breach", "supervision"]
    assert sla_sweep() == 0


def test_the_sweep_is_bounded_and_resumes_where_it_stopped(world, file_ticket, clock):
    ids = [file_ticket()["id"] for _ in range(5)]
    clock.move_to(at(17, 14, 30))
    assert escalation_sweep(limit=2, batch=1) == 2
    assert escalation_sweep(limit=2, batch=5) == 2
    assert escalation_sweep() == 1
    assert Escalation.objects.filter(ticket_id__in=ids, level="warning").count() == 5


def test_the_unique_constraint_refuses_a_repeated_step(world, file_ticket, clock):
    tid = file_ticket()["id"]
    clock.move_to(at(17, 14, 30))
    assert escalation_sweep() == 1
    first = Escalation.objects.get(ticket_id=tid)
    with pytest.raises(IntegrityError), transaction.atomic():
        Escalation.objects.create(
            ticket_id=tid,
            deadline=first.deadline,
            kind=first.kind,
            level=first.level,
            version=first.version,
            due_at=first.due_at,
            fired_at=first.fired_at,
        )
    # a deadline row pushed back (as if a crashed sweep had not saved its progress): the
    # constraint refuses the repeat, the step's effects roll back, and the row moves on
    SlaDeadline.objects.filter(pk=first.deadline_id).update(next_level="warning", next_step_at=at(17, 14, 30))
    events = TicketEvent.objects.filter(ticket_id=tid).count()
    assert escalation_sweep() == 0
    assert TicketEvent.objects.filter(ticket_id=tid).count() == events
    assert Escalation.objects.filter(ticket_id=tid).count() == 1
    assert SlaDeadline.objects.get(pk=first.deadline_id).next_level == "breach"


def test_breach_falls_back_to_the_chiefs_deputy_or_keeps_the_assignee(world, file_ticket, clock):
    world.enterprise.deputy_officer = None
    world.enterprise.save()
    world.chief.deputy = world.other_officer
    world.chief.save()
    tid = file_ticket()["id"]
    clock.move_to(at(17, 15, 30))
    assert escalation_sweep() == 2
    assert Ticket.objects.get(pk=tid).assignee_id == world.other_officer.pk

    world.other_officer.on_leave = True
    world.other_officer.save()
    clock.move_to(at(17, 10, 0))
    kept = file_ticket()["id"]
    clock.move_to(at(17, 15, 30))
    assert escalation_sweep() == 2
    ticket = Ticket.objects.get(pk=kept)
    assert (ticket.assignee_id, ticket.overdue) == (world.chief.pk, True)  # nobody to take it


def test_supervision_goes_to_zone_managers_when_the_park_has_none(world, file_ticket, clock):
    world.park_manager.is_active = False
    world.park_manager.save()
    tid = file_ticket()["id"]
    clock.move_to(at(18, 15, 30))
    escalation_sweep()
    assert list(SupervisionOrder.objects.get(ticket_id=tid).managers.all()) == [world.zone_manager]


def test_a_stale_deadline_is_stopped_not_fired(world, file_ticket, clock):
    tid = file_ticket()["id"]
    # a status change that bypassed the hooks: the sweep notices and stops the row
    Ticket.objects.filter(pk=tid).update(status=Status.IN_PROGRESS)
    clock.move_to(at(17, 14, 30))
    assert escalation_sweep() == 0
    assert SlaDeadline.objects.get(ticket_id=tid, kind=DeadlineKind.ACCEPT).stopped_at is not None


def test_backfill_gives_old_open_tickets_their_deadlines(world, file_ticket, clock):
    from django.core.management import call_command

    old, waiting = file_ticket()["id"], file_ticket()["id"]
    services.ticket_accept(ticket_id=waiting, actor=world.chief)
    services.ticket_suspend(ticket_id=waiting, actor=world.chief, reason="等企业资料")
    SlaDeadline.objects.filter(ticket_id__in=[old, waiting]).delete()  # as before migration 0004
    call_command("sla_backfill", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert {d.kind for d in SlaDeadline.objects.filter(ticket_id=old)} == {"accept", "resolve"}
    paused = SlaDeadline.objects.get(ticket_id=waiting)
    assert (paused.kind, paused.next_step_at, paused.paused_at is not None) == ("resolve", None, True)
    clock.move_to(at(17, 14, 30))
    assert escalation_sweep() == 1
    assert steps(old) == [("accept", "warning", 1)]
