"""PostgreSQL only: a trigger that refuses UPDATE and DELETE on ticket events (the audit
trail is append-only even for SQL that bypasses the ORM), and trigram indexes so that
`search` (LIKE '%…%' over title and description, Chinese included) uses an index."""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION tickets_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ticket events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;
CREATE TRIGGER tickets_event_append_only
    BEFORE UPDATE OR DELETE ON tickets_ticketevent
    FOR EACH ROW EXECUTE FUNCTION tickets_event_append_only();
"""

TRIGRAM_SQL = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS ticket_title_trgm_idx ON tickets_ticket USING gin (title gin_trgm_ops);
CREATE INDEX IF NOT EXISTS ticket_description_trgm_idx ON tickets_ticket USING gin (description gin_trgm_ops);
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_event_append_only();
DROP INDEX IF EXISTS ticket_title_trgm_idx;
DROP INDEX IF EXISTS ticket_description_trgm_idx;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)
        schema_editor.execute(TRIGRAM_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(REVERSE_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
