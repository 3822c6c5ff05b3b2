"""Visit, VisitProblem and VisitPhoto now belong to the visits app (visits/migrations/0001):
they leave this app's state; their tables and rows stay. The content types follow them, so
that permissions granted on visits and the admin's history keep pointing at the same rows."""

from django.db import migrations

MODELS = ("visit", "visitproblem", "visitphoto")


def content_types_to(app_from, app_to):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MODELS:
            if ContentType.objects.using(db).filter(app_label=app_to, model=model).exists():
                continue  # already there (created by a run of this version): leave both alone
            ContentType.objects.using(db).filter(app_label=app_from, model=model).update(app_label=app_to)

    return move


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("servicedesk", "0003_username_case_insensitive"),
        ("visits", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="visitproblem", name="visit"),
                migrations.RemoveField(model_name="visitphoto", name="visit"),
                migrations.RemoveField(model_name="visitphoto", name="uploaded_by"),
                migrations.RemoveField(model_name="visitproblem", name="ticket"),
                migrations.DeleteModel(name="Visit"),
                migrations.DeleteModel(name="VisitPhoto"),
                migrations.DeleteModel(name="VisitProblem"),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_to("servicedesk", "visits"), content_types_to("visits", "servicedesk")),
    ]
