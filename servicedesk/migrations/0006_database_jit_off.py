"""PostgreSQL's JIT off for the desk's database (new sessions): its queries are short, and a
report's grouped count over a month of a million tickets passes `jit_above_cost`, whose
compilation then took about 100 ms of a 105 ms query (docs/benchmarks.md). Set on the
database, not per connection, so that it holds through PgBouncer too. A user that may not
alter the database leaves it as the server has it, with a notice (docs/operations.md)."""

from django.db import migrations

FORWARD = """
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'jit is left as the server has it: this user may not alter the database';
END $$;
"""
BACKWARD = FORWARD.replace("SET jit = off", "RESET jit")


def run(sql):  # type: ignore[no-untyped-def]
    def apply(apps, schema_editor):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0005_apitoken")]

    operations = [migrations.RunPython(run(FORWARD), run(BACKWARD))]
