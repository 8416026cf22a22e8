"""Advocates and attendance ("who met") belong to the record: their four tables become the
`confer` app's, keeping every row and every history record. This half renames the tables and
forgets the models here; confer.0003 adopts them under the same tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0002_issue5_reminders_calendar"),
        ("members", "0002_updates_member_accounts_site_configuration"),
    ]

    operations = [
        # Named for their new app in confer.0003 (a unique constraint on SQLite is an index,
        # whose name would otherwise keep the old app's prefix).
        migrations.RemoveConstraint(
            model_name="attendance", name="members_attendance_once_per_session"
        ),
        migrations.RemoveConstraint(model_name="advocate", name="members_advocate_name_unit_unique"),
        migrations.AlterModelTable(name="advocate", table="confer_advocate"),
        migrations.AlterModelTable(name="attendance", table="confer_attendance"),
        migrations.AlterModelTable(name="historicaladvocate", table="confer_historicaladvocate"),
        migrations.AlterModelTable(
            name="historicalattendance", table="confer_historicalattendance"
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="advocate", name="sessions"),
                migrations.DeleteModel(name="HistoricalAttendance"),
                migrations.DeleteModel(name="HistoricalAdvocate"),
                migrations.DeleteModel(name="Attendance"),
                migrations.DeleteModel(name="Advocate"),
            ],
            database_operations=[],
        ),
    ]
