"""`search` filters with `icontains`, which Django writes on PostgreSQL as
`UPPER(col::text) LIKE UPPER(%s)`; a trigram index serves it only when it is built on that
same expression. Replaces the plain-column trigram indexes of 0002."""

from django.db import migrations

FORWARD = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP INDEX IF EXISTS ticket_title_trgm_idx;
DROP INDEX IF EXISTS ticket_description_trgm_idx;
CREATE INDEX IF NOT EXISTS ticket_title_trgm_idx ON tickets_ticket USING gin (UPPER(title::text) gin_trgm_ops);
CREATE INDEX IF NOT EXISTS ticket_description_trgm_idx
    ON tickets_ticket USING gin (UPPER(description::text) gin_trgm_ops);
"""

BACKWARD = """
DROP INDEX IF EXISTS ticket_title_trgm_idx;
DROP INDEX IF EXISTS ticket_description_trgm_idx;
CREATE INDEX IF NOT EXISTS ticket_title_trgm_idx ON tickets_ticket USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS ticket_description_trgm_idx ON tickets_ticket USING gin (description gin_trgm_ops);
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0002_postgres_append_only_and_search")]

    operations = [migrations.RunPython(forwards, backwards)]
