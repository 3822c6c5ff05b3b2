"""The outbox's move away from tickets keeps every row: a database at the schema of before
(Notification with foreign keys to tickets.Ticket and tickets.TicketEvent) holding
notifications of a ticket and a digest, migrated forward, names each row's ticket as its
topic (type, id and number), keeps the event's id, and no longer constrains either."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import StateApps

from notifications.models import Notification
from servicedesk import clock as time_source
from tests.notifications.conftest import _notification_settings, published  # noqa: F401  fixtures (no broker)
from tests.tickets import conftest as tickets_conftest
from tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db(transaction=True)

clock = tickets_conftest.clock
world = tickets_conftest.world
file_ticket = tickets_conftest.file_ticket

BEFORE = [("notifications", "0001_initial")]


def migrate(targets: list[tuple[str, str | None]] | None = None) -> StateApps:
    """Migrate the test database to `targets` (default: every app's latest) and return the
    models as they are there."""
    executor = MigrationExecutor(connection)
    targets = targets or list(executor.loader.graph.leaf_nodes())
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return MigrationExecutor(connection).loader.project_state([t for t in targets if t[1] is not None]).apps


def _constraints() -> dict[str, dict[str, object]]:
    with connection.cursor() as cursor:
        found: dict[str, dict[str, object]] = connection.introspection.get_constraints(
            cursor, Notification._meta.db_table
        )
    return found


def test_every_notification_keeps_its_ticket_as_its_topic(world, file_ticket):  # type: ignore[no-untyped-def]
    ticket = Ticket.objects.get(pk=file_ticket()["id"])
    filed = list(Notification.objects.order_by("pk").values_list("pk", "event_id", "recipient_id", "channel"))
    assert filed  # the filing told the chief officer
    now = time_source.now()
    try:
        # given the schema of before, where the rows pointed at the ticket and its event
        old = migrate(BEFORE)
        OldNotification = old.get_model("notifications", "Notification")
        assert {(n.pk, n.ticket_id) for n in OldNotification.objects.all()} == {(pk, ticket.pk) for pk, *_ in filed}
        reply = TicketEvent.objects.create(
            ticket=ticket, actor=world.chief, kind="replied", body="收到", created_at=now
        )
        by_hand = OldNotification.objects.create(
            recipient_id=world.company.pk,
            channel="inbox",
            event_kind="replied",
            ticket_id=ticket.pk,
            event_id=reply.pk,
            subject="工单有新回复",
            next_attempt_at=now,
            dedup_key=f"{reply.pk}:{world.company.pk}:inbox",
            created_at=now,
        )
        digest = OldNotification.objects.create(
            recipient_id=world.chief.pk,
            channel="inbox",
            event_kind="digest",
            subject="今日待办：1 件",
            next_attempt_at=now,
            dedup_key=f"digest:2026-11-17:{world.chief.pk}:inbox",
            created_at=now,
        )
    finally:
        # when the database is migrated to this version (always: the next tests need it)
        migrate()

    # then every row is still there, its ticket named as its topic, its event kept
    rows = {row.pk: row for row in Notification.objects.all()}
    assert set(rows) == {pk for pk, *_ in filed} | {by_hand.pk, digest.pk}
    for pk, event_id, recipient_id, channel in filed:
        row = rows[pk]
        assert (row.topic_type, row.topic_id, row.topic_label) == ("ticket", ticket.pk, ticket.number)
        assert (row.event_id, row.recipient_id, row.channel) == (event_id, recipient_id, channel)
    assert (rows[by_hand.pk].topic_label, rows[by_hand.pk].event_id) == (ticket.number, reply.pk)
    assert (rows[digest.pk].topic_type, rows[digest.pk].topic_id, rows[digest.pk].event_id) == ("", None, None)
    # and the table no longer has a foreign key to the tickets' tables
    columns = {
        column
        for constraint in _constraints().values()
        if constraint["foreign_key"]
        for column in constraint["columns"]
    }  # type: ignore[union-attr]
    assert columns == {"recipient_id", "endpoint_id", "robot_id"}  # the recipient: a user, a webhook or a robot
    assert "ticket_id" not in {field.column for field in Notification._meta.get_fields() if hasattr(field, "column")}
