"""Tickets store their full-text vector (textsearch.stored_vector_sql): a generated column
`search_vector` = to_tsvector('simple', search_document) with a GIN index on it, so that a
search neither parses the documents it matches nor ranks them by parsing them again. The
expression index of 0007 goes. PostgreSQL only; adding the column rewrites the table."""

from django.db import migrations

import textsearch

FORWARD, BACKWARD = textsearch.stored_vector_sql(
    "tickets_ticket", "search_document", "ticket_search_vector_gin", old_index="ticket_search_document_fts"
)


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_report_indexes")]

    operations = [migrations.RunPython(forward, backward)]
