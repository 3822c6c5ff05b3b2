"""The working seconds stored with a ticket (tickets.sla.spent): written by the services with
the first response and the resolution, cleared by a reopening, computed again when the
calendar of past days changes; the report's figures from them equal those computed from the
timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from servicedesk.calendar import default_calendar
from servicedesk.models import CalendarDay
from tickets import services
from tickets.calendar_watch import _Recompute, calendar_changed
from tickets.models import Ticket
from tickets.sla import spent
from tickets.sla.worktime import WorkingTime

from .conftest import SHANGHAI

pytestmark = pytest.mark.django_db


def _stored(pk: int) -> tuple[int | None, int | None]:
    row = Ticket.objects.values_list(*spent.FIELDS).get(pk=pk)
    return row[0], row[1]


def test_the_services_store_working_seconds_and_a_reopening_clears_the_resolution(world, file_ticket, clock) -> None:
    pk = file_ticket()["id"]  # Tuesday 2026-11-17 10:00
    services.ticket_accept(ticket_id=pk, actor=world.chief)
    clock.move_to(dt.datetime(2026, 11, 17, 14, 0, tzinfo=SHANGHAI))  # 10:00-12:00 and 13:30-14:00 are working time
    services.ticket_reply(ticket_id=pk, actor=world.chief, body="已安排上门")
    assert _stored(pk) == (150 * 60, None)
    services.ticket_reply(ticket_id=pk, actor=world.chief, body="再补充一句")  # not the first response
    assert _stored(pk) == (150 * 60, None)
    clock.move_to(dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI))  # next day 10:00: one working day
    services.ticket_resolve(ticket_id=pk, actor=world.chief, resolution="已接电")
    ticket = Ticket.objects.get(pk=pk)
    wt = WorkingTime.default()
    assert _stored(pk) == (
        wt.between(ticket.created_at, ticket.first_response_at),
        wt.between(ticket.created_at, ticket.resolved_at),
    )
    assert ticket.resolution_seconds == 7 * 3600  # 09:00-12:00 and 13:30-17:30
    services.ticket_reopen(ticket_id=pk, actor=world.company, reason="又停电了")
    assert _stored(pk) == (150 * 60, None)


def test_resolving_without_a_reply_makes_the_resolution_the_first_response(world, file_ticket, clock) -> None:
    pk = file_ticket()["id"]
    services.ticket_accept(ticket_id=pk, actor=world.chief)
    clock.move_to(dt.datetime(2026, 11, 17, 11, 0, tzinfo=SHANGHAI))
    services.ticket_resolve(ticket_id=pk, actor=world.chief, resolution="电话里解决了")
    assert _stored(pk) == (3600, 3600)


def test_recompute_follows_a_calendar_change_of_past_days(world, file_ticket, clock) -> None:
    pk = file_ticket()["id"]
    services.ticket_accept(ticket_id=pk, actor=world.chief)
    clock.move_to(dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI))
    services.ticket_resolve(ticket_id=pk, actor=world.chief, resolution="已接电")
    assert _stored(pk) == (7 * 3600, 7 * 3600)
    # the Tuesday afternoon becomes a holiday after the fact: only the Wednesday morning counts
    day = CalendarDay.objects.create(calendar=default_calendar(), date=dt.date(2026, 11, 17), kind="holiday")
    assert _stored(pk) == (7 * 3600, 7 * 3600)  # nothing is rewritten inside the request
    assert spent.recompute(since=dt.datetime(2026, 11, 17, tzinfo=SHANGHAI)) == 1
    assert _stored(pk) == (3600, 3600)
    day.delete()
    call_command("recompute_working_seconds", "--since", "2026-11-16")
    assert _stored(pk) == (7 * 3600, 7 * 3600)
    # a ticket that ended before the changed day is not read at all
    assert spent.recompute(since=dt.datetime(2026, 11, 19, tzinfo=SHANGHAI)) == 0


def test_the_command_refuses_a_bad_date(db) -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("recompute_working_seconds", "--since", "2026-13-01")
    with pytest.raises(CommandError, match="batch"):
        call_command("recompute_working_seconds", "--batch", "0")


def test_a_calendar_change_queues_one_recompute_a_transaction_from_its_earliest_past_day(
    clock, django_capture_on_commit_callbacks
) -> None:
    """(Without `world`: its own calendar load is a change of past days in the test's one
    transaction, which these changes would join.)"""
    calendar = default_calendar()
    with django_capture_on_commit_callbacks() as callbacks:
        CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 11, 10), kind="holiday")
        CalendarDay.objects.create(calendar=calendar, date=dt.date(2026, 11, 3), kind="holiday")
        CalendarDay.objects.create(calendar=calendar, date=dt.date(2027, 3, 3), kind="holiday")  # still to come
    recomputes = [c for c in callbacks if isinstance(c, _Recompute)]
    assert [r.since for r in recomputes] == [dt.date(2026, 11, 2)]
    with django_capture_on_commit_callbacks() as callbacks:
        calendar_changed(dt.date(2027, 1, 1))  # a day to come changes nothing stored
        calendar.working_hours = "09:00-12:00,14:00-18:00"
        calendar.save()  # every day: the transaction's one recompute now reads every ticket
    assert not [c for c in callbacks if isinstance(c, _Recompute)]
    assert recomputes[0].since is None


def test_the_queued_recompute_runs_the_task(world, file_ticket, clock, django_capture_on_commit_callbacks) -> None:
    """The on-commit callback queues the task on the shipped broker; run here, the task
    writes the seconds (CELERY_TASK_ALWAYS_EAGER is not used: the task is called)."""
    from tickets.tasks import recompute_working_seconds

    pk = file_ticket()["id"]
    services.ticket_accept(ticket_id=pk, actor=world.chief)
    clock.move_to(dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI))
    services.ticket_resolve(ticket_id=pk, actor=world.chief, resolution="已接电")
    Ticket.objects.filter(pk=pk).update(first_response_seconds=None, resolution_seconds=None)
    assert recompute_working_seconds("2026-11-17") == 1
    assert _stored(pk) == (7 * 3600, 7 * 3600)
    assert recompute_working_seconds(None) == 1


def test_the_callback_queues_the_task_on_the_shipped_broker(settings) -> None:
    import json

    import redis

    from config.celery import app

    client = redis.Redis.from_url(app.conf.broker_url)
    queue = settings.CELERY_TASK_DEFAULT_QUEUE

    def ours() -> list[bytes]:
        raws = client.lrange(queue, 0, -1)
        return [r for r in raws if json.loads(r)["headers"].get("task") == "tickets.tasks.recompute_working_seconds"]

    before = ours()
    _Recompute(dt.date(2026, 11, 2))()
    new = [raw for raw in ours() if raw not in before]
    assert len(new) == 1
    assert "2026-11-02" in json.loads(new[0])["headers"]["kwargsrepr"]
    client.lrem(queue, 1, new[0])  # the test's message is not left for a worker
