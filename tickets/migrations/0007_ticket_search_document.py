"""Tickets keep a search document (tickets.search): the words of their number, title,
description, enterprise name and public replies. Existing rows are filled in batches; on
PostgreSQL a GIN index on its full-text vector serves the search."""

from django.db import migrations, models

import textsearch

INDEX = "ticket_search_document_fts"
BATCH = 2000


def fill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    last = 0
    while True:
        rows = list(
            Ticket.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "number", "title", "description", "enterprise__name")[:BATCH]
        )
        if not rows:
            break
        ids = [row[0] for row in rows]
        replies: dict[int, list[str]] = {}
        for ticket_id, body in (
            TicketEvent.objects.filter(ticket_id__in=ids, kind="replied", public=True)
            .order_by("id")
            .values_list("ticket_id", "body")
        ):
            replies.setdefault(ticket_id, []).append(body)
        updates = [
            Ticket(pk=pk, search_document=textsearch.document(number, title, description, name, *replies.get(pk, [])))
            for pk, number, title, description, name in rows
        ]
        Ticket.objects.bulk_update(updates, ["search_document"], batch_size=500)
        last = ids[-1]
    if schema_editor.connection.vendor == "postgresql":
        create, _ = textsearch.gin_index_sql("tickets_ticket", "search_document", INDEX)
        schema_editor.execute(create, params=None)


def unfill(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _, drop = textsearch.gin_index_sql("tickets_ticket", "search_document", INDEX)
        schema_editor.execute(drop, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0006_queue_and_report_indexes")]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="search_document",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill, unfill),
    ]
