"""Calendar tokens are kept as their SHA-256 only (issue 16).

Existing tokens are hashed in place, so every calendar link already subscribed keeps working.
Going back cannot recover a token from its hash: each user then gets a new token (their old
link stops working, and the calendar page of the older code shows the new one).
"""

import hashlib
import secrets

from django.db import migrations, models


def hash_existing_tokens(apps, schema_editor):
    CalendarToken = apps.get_model("confer", "CalendarToken")
    for row in CalendarToken.objects.only("pk", "token").iterator():
        row.token_hash = hashlib.sha256(row.token.encode()).hexdigest()
        row.save(update_fields=["token_hash"])


def new_tokens_for_older_code(apps, schema_editor):
    CalendarToken = apps.get_model("confer", "CalendarToken")
    for row in CalendarToken.objects.only("pk").iterator():
        row.token = secrets.token_urlsafe(32)
        row.save(update_fields=["token"])


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0005_faithful_record"),
    ]

    operations = [
        migrations.AddField(
            model_name="calendartoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AlterField(
            model_name="calendartoken",
            name="token",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(hash_existing_tokens, new_tokens_for_older_code),
        migrations.AlterField(
            model_name="calendartoken",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.RemoveField(
            model_name="calendartoken",
            name="token",
        ),
    ]
