"""The audit trail is append-only: the model refuses updates and deletes, and on
PostgreSQL a trigger (tickets/migrations/0002) refuses them even from raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from tickets import services
from tickets.models import TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world):
    ticket = services.ticket_create(
        actor=world.company, title="用电报装", description="接入", kind="help", service_item=world.item
    )
    return TicketEvent.objects.get(ticket=ticket)


def test_saving_an_existing_event_raises(event):
    event.body = "rewritten"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.save(update_fields=["body"])
    event.refresh_from_db()
    assert event.body == ""


def test_deleting_an_event_raises(event):
    with pytest.raises(TypeError):
        event.delete()
    assert TicketEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_raise(event):
    with pytest.raises(TypeError):
        TicketEvent.objects.filter(pk=event.pk).update(body="x")
    with pytest.raises(TypeError):
        TicketEvent.objects.all().delete()
    with pytest.raises(TypeError):
        TicketEvent.objects.update(public=False)
    assert TicketEvent.objects.get(pk=event.pk).public is True


def test_new_events_can_still_be_written(event, world):
    services.ticket_accept(ticket_id=event.ticket_id, actor=world.chief)
    assert list(TicketEvent.objects.filter(ticket_id=event.ticket_id).values_list("kind", flat=True)) == [
        "created",
        "accepted",
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tickets_ticketevent SET body = 'forged' WHERE id = %s",
        "DELETE FROM tickets_ticketevent WHERE id = %s",
    ],
    ids=["update", "delete"],
)
def test_raw_sql_is_refused_by_the_trigger(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    event.refresh_from_db()
    assert event.body == ""
