"""Advocates and attendance join the record (see members.0003, which renamed the tables): the
models are adopted as they are, their content types (hence permissions, group grants and admin
log entries) follow them, and their unique constraints take this app's names."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

MOVED = ["advocate", "attendance", "historicaladvocate", "historicalattendance"]


def move_content_types(from_app: str, to_app: str):
    def move(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        db = schema_editor.connection.alias
        for model in MOVED:
            if ContentType.objects.using(db).filter(app_label=to_app, model=model).exists():
                continue  # already there (made by a post_migrate); the old one is stale
            ContentType.objects.using(db).filter(app_label=from_app, model=model).update(
                app_label=to_app
            )

    return move


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0002_issue5_reminders_calendar"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0003_advocates_move_to_the_record"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Advocate",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("classification", models.CharField(blank=True, help_text="e.g. Social Worker, Clerical.", max_length=200)),
                        ("active", models.BooleanField(default=True)),
                        ("unit", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="advocates", to="confer.bargainingunit")),
                    ],
                    options={"ordering": ["name"]},
                ),
                migrations.CreateModel(
                    name="Attendance",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("advocate", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="attendances", to="confer.advocate")),
                        ("session", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="attendances", to="confer.session")),
                    ],
                    options={"verbose_name_plural": "attendance", "ordering": ["session", "advocate__name"]},
                ),
                migrations.AddField(
                    model_name="advocate",
                    name="sessions",
                    field=models.ManyToManyField(blank=True, related_name="advocates", through="confer.Attendance", to="confer.session"),
                ),
                migrations.CreateModel(
                    name="HistoricalAdvocate",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("name", models.CharField(max_length=200)),
                        ("classification", models.CharField(blank=True, help_text="e.g. Social Worker, Clerical.", max_length=200)),
                        ("active", models.BooleanField(default=True)),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("unit", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="confer.bargainingunit")),
                    ],
                    options={
                        "verbose_name": "historical advocate",
                        "verbose_name_plural": "historical advocates",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalAttendance",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                        ("advocate", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="confer.advocate")),
                        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("session", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="confer.session")),
                    ],
                    options={
                        "verbose_name": "historical attendance",
                        "verbose_name_plural": "historical attendance",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddConstraint(
            model_name="attendance",
            constraint=models.UniqueConstraint(fields=("session", "advocate"), name="confer_attendance_once_per_session", violation_error_message="This advocate is already listed for this session."),
        ),
        migrations.AddConstraint(
            model_name="advocate",
            constraint=models.UniqueConstraint(fields=("name", "unit"), name="confer_advocate_name_unit_unique", violation_error_message="This unit already has an advocate with this name."),
        ),
        migrations.RunPython(
            move_content_types("members", "confer"), move_content_types("confer", "members")
        ),
    ]
