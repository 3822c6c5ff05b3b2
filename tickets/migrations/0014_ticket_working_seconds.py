"""Tickets store the working seconds from filing to their first response and to their
resolution (tickets.sla.spent), so that the officers' report reads them instead of computing
working time for every ticket of the period. Existing tickets are filled from their
timestamps on the default calendar (about five minutes for a million tickets on 2 cores)."""

from django.db import migrations, models


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from tickets.sla import spent

    spent.recompute(using=schema_editor.connection.alias, model=apps.get_model("tickets", "Ticket"))


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0013_ticket_search_vector"),
        ("servicedesk", "0005_apitoken"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="first_response_seconds",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="ticket",
            name="resolution_seconds",
            field=models.PositiveIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
