"""Visit, VisitProblem and VisitPhoto move here from the servicedesk app: the state only.
The tables (servicedesk_visit, servicedesk_visitproblem, servicedesk_visitphoto), their rows,
indexes and constraints stay as they are (`db_table` on each model); servicedesk's
0004_move_visits_to_visits takes the models out of its own state afterwards."""

import django.db.models.deletion
import visits.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('servicedesk', '0003_username_case_insensitive'),
        ('tickets', '0006_queue_and_report_indexes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Visit',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('visited_at', models.DateTimeField(verbose_name='visited at')),
                        ('method', models.CharField(choices=[('on_site', 'on site'), ('phone', 'phone'), ('online', 'online')], default='on_site', max_length=10, verbose_name='method')),
                        ('people_met', models.CharField(blank=True, max_length=200, verbose_name='people met')),
                        ('summary', models.TextField(max_length=20000, verbose_name='summary')),
                        ('created_at', models.DateTimeField(verbose_name='created at')),
                        ('enterprise', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to='servicedesk.enterprise')),
                        ('officer', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='visits', to=settings.AUTH_USER_MODEL, verbose_name='visited by')),
                    ],
                    options={
                        'verbose_name': 'visit',
                        'verbose_name_plural': 'visits',
                        'db_table': 'servicedesk_visit',
                        'ordering': ['-visited_at', '-id'],
                    },
                ),
                migrations.CreateModel(
                    name='VisitPhoto',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=200, upload_to=visits.models.visit_photo_path)),
                        ('original_name', models.CharField(max_length=200)),
                        ('content_type', models.CharField(max_length=100)),
                        ('size', models.PositiveBigIntegerField()),
                        ('created_at', models.DateTimeField()),
                        ('uploaded_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='visits.visit')),
                    ],
                    options={
                        'verbose_name': 'visit photo',
                        'verbose_name_plural': 'visit photos',
                        'db_table': 'servicedesk_visitphoto',
                        'ordering': ['id'],
                    },
                ),
                migrations.CreateModel(
                    name='VisitProblem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.TextField(max_length=20000, verbose_name='description')),
                        ('ticket', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='visit_problems', to='tickets.ticket')),
                        ('visit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='problems', to='visits.visit')),
                    ],
                    options={
                        'verbose_name': 'problem found on a visit',
                        'verbose_name_plural': 'problems found on visits',
                        'db_table': 'servicedesk_visitproblem',
                        'ordering': ['id'],
                    },
                ),
                migrations.AddIndex(
                    model_name='visit',
                    index=models.Index(fields=['officer', 'visited_at'], name='visit_officer_idx'),
                ),
                migrations.AddIndex(
                    model_name='visit',
                    index=models.Index(fields=['enterprise', '-visited_at'], name='visit_enterprise_idx'),
                ),
            ],
            database_operations=[],
        ),
    ]
