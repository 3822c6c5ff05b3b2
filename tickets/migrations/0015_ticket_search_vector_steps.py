"""The tickets' stored vector also holds each ticket's step of ids (textsearch.STEP), so
that a search over the whole zone reads a common word's newest rows step by step instead of
all of them (textsearch.search's walk). PostgreSQL only; the column and its GIN index are
made again (about a minute at 1,000,000 tickets)."""

from django.db import migrations

import textsearch


class Migration(migrations.Migration):
    dependencies = [("tickets", "0014_ticket_working_seconds")]

    operations = [
        textsearch.stored_vector_operation("tickets_ticket", "search_document", "ticket_search_vector_gin", steps_of="id"),
    ]
