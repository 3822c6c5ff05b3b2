"""API tokens of our own (servicedesk.ApiToken): several per user, expiring, stored as digests.
The keys of DRF's tokens move over, so clients keep working: each becomes an ApiToken that
expires API_TOKEN_LIFETIME_DAYS after this migration runs; the plain keys leave the database."""

import hashlib
from datetime import timedelta

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def move_drf_tokens(apps, schema_editor):
    Token = apps.get_model("authtoken", "Token")
    ApiToken = apps.get_model("servicedesk", "ApiToken")
    db = schema_editor.connection.alias
    now = timezone.now()
    expires = now + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS)
    rows = [
        ApiToken(
            user_id=token.user_id,
            digest=hashlib.sha256(token.key.encode()).hexdigest(),
            prefix=token.key[:8],
            name="API",
            created_at=token.created,
            last_used_at=token.created,
            expires_at=expires,
        )
        for token in Token.objects.using(db).all()
    ]
    ApiToken.objects.using(db).bulk_create(rows, batch_size=1000)
    Token.objects.using(db).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("authtoken", "0004_alter_tokenproxy_options"),
        ("servicedesk", "0004_move_visits_to_visits"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("digest", models.CharField(editable=False, max_length=64, unique=True, verbose_name="digest")),
                ("prefix", models.CharField(editable=False, max_length=8, verbose_name="prefix")),
                ("name", models.CharField(blank=True, max_length=100, verbose_name="name")),
                ("created_at", models.DateTimeField(verbose_name="created")),
                (
                    "last_used_at",
                    models.DateTimeField(
                        help_text="Updated at most once a minute; issuing the token counts as a use.",
                        verbose_name="last used",
                    ),
                ),
                ("expires_at", models.DateTimeField(db_index=True, verbose_name="expires")),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "verbose_name_plural": "API tokens",
                "ordering": ["-created_at", "-id"],
            },
        ),
        migrations.RunPython(move_drf_tokens, migrations.RunPython.noop),
    ]
