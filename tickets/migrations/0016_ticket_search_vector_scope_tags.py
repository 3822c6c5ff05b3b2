"""The tickets' stored vector also holds tags of its assignee, owner, enterprise and
department (textsearch.tag: ``~a12``, ``~o12``, ``~e40``, ``~d3``), so that a search in an
officer's, a department's or an enterprise's scope finds the words and the scope in one scan
of the index (tickets.selectors.search_within). PostgreSQL only; the column and its GIN index
are made again, with the table locked (about two minutes at 1,000,000 tickets)."""

from django.db import migrations

import textsearch

TAGS = {"a": "assignee_id", "o": "owner_id", "e": "enterprise_id", "d": "department_id"}


class Migration(migrations.Migration):
    dependencies = [("tickets", "0015_ticket_search_vector_steps")]

    operations = [
        textsearch.stored_vector_operation(
            "tickets_ticket",
            "search_document",
            "ticket_search_vector_gin",
            steps_of="id",
            tags=TAGS,
            replaces={"steps_of": "id"},
        ),
    ]
