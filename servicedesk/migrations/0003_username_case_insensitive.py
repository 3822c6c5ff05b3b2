"""Usernames unique regardless of case: a unique index on lower(username). Existing accounts
whose names differ only in case (`Alice` and `alice`, possible before this migration) would
make the index fail with a bare IntegrityError; the check before it stops the migration with
the names to resolve instead (rename all but one of each group, e.g. in `manage.py shell`,
then migrate again). Nothing is renamed or merged automatically: which account is the real
one is a person's decision."""

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models import Count
from django.db.models.functions import Lower

import servicedesk.models


def refuse_names_differing_only_in_case(apps, schema_editor):
    User = apps.get_model("servicedesk", "User")
    users = User.objects.using(schema_editor.connection.alias)
    clashes = (
        users.annotate(folded=Lower("username"))
        .values("folded")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("folded", flat=True)
    )
    groups = [
        sorted(users.annotate(folded=Lower("username")).filter(folded=folded).values_list("username", flat=True))
        for folded in clashes
    ]
    if groups:
        listed = "; ".join(", ".join(group) for group in groups)
        raise RuntimeError(
            f"Usernames are case-insensitive from servicedesk 0003 on, but these accounts differ only "
            f"in case: {listed}. Rename all but one of each group, then run migrate again."
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("servicedesk", "0002_visits"),
    ]

    operations = [
        migrations.RunPython(refuse_names_differing_only_in_case, migrations.RunPython.noop),
        migrations.AlterModelManagers(
            name="user",
            managers=[
                ("objects", servicedesk.models.UserManager()),
            ],
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("username"),
                name="user_username_ci_unique",
                violation_error_code="username_taken",
                violation_error_message="A user with that username already exists.",
            ),
        ),
    ]
