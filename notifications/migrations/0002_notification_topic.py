"""The outbox no longer refers to tickets by foreign key: what a notification is about is
named by its sender (topic_type, topic_id, topic_label: "ticket", the ticket's id, its number)
and the event that caused it is a plain id (event_id, the same column without its foreign key).
Every existing row keeps its ticket: topic_id is the old ticket_id, topic_label its number."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import F, OuterRef, Subquery


def topic_from_ticket(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Ticket = apps.get_model("tickets", "Ticket")
    number = Ticket.objects.filter(pk=OuterRef("ticket_id")).values("number")[:1]
    Notification.objects.filter(ticket__isnull=False).update(
        topic_type="ticket", topic_id=F("ticket_id"), topic_label=Subquery(number)
    )


def ticket_from_topic(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    Ticket = apps.get_model("tickets", "Ticket")
    exists = Ticket.objects.filter(pk=OuterRef("topic_id"))
    Notification.objects.filter(topic_type="ticket").filter(models.Exists(exists)).update(ticket_id=F("topic_id"))


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0001_initial"),
        ("tickets", "0006_queue_and_report_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="topic_type",
            field=models.CharField(blank=True, max_length=30, verbose_name="topic type"),
        ),
        migrations.AddField(
            model_name="notification",
            name="topic_id",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="topic id"),
        ),
        migrations.AddField(
            model_name="notification",
            name="topic_label",
            field=models.CharField(blank=True, max_length=60, verbose_name="topic"),
        ),
        migrations.RunPython(topic_from_ticket, ticket_from_topic),
        migrations.RemoveField(model_name="notification", name="ticket"),
        # event: the column stays, its foreign key constraint and index go
        migrations.AlterField(
            model_name="notification",
            name="event",
            field=models.ForeignKey(
                blank=True,
                null=True,
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="notifications",
                to="tickets.ticketevent",
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="notification", name="event"),
                migrations.AddField(
                    model_name="notification",
                    name="event_id",
                    field=models.BigIntegerField(blank=True, null=True, verbose_name="event id"),
                ),
            ],
            database_operations=[],
        ),
    ]
