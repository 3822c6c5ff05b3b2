"""Tickets store their full-text vector (textsearch.stored_vector_sql): a generated column
`search_vector` = to_tsvector('simple', search_document) with a GIN index on it, so that a
search neither parses the documents it matches nor ranks them by parsing them again. The
expression index of 0007 goes. PostgreSQL only; adding the column rewrites the table."""

from django.db import migrations

import textsearch


class Migration(migrations.Migration):
    dependencies = [("tickets", "0012_report_indexes")]

    operations = [
        textsearch.stored_vector_operation("tickets_ticket", "search_document", "ticket_search_vector_gin", old_index="ticket_search_document_fts"),
    ]
