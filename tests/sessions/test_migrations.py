"""Moving advocates and attendance into the record (members.0003, confer.0003-0004) on a database
in production use: every row and every history record is kept, and so are the permissions.

The database is put back in the old layout, filled with what the old code wrote (the demo
sessions and updates, then edits that left history: tests/fixtures/old_layout_demo.json), and
migrated forward; `backup`'s fingerprint of every table is compared before and after.
"""

import datetime
import json
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.migrations.executor import MigrationExecutor

from upe_confer.backup import fingerprint_by_table

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "old_layout_demo.json"
OLD_LAYOUT = [
    ("confer", "0002_issue5_reminders_calendar"),
    ("members", "0002_updates_member_accounts_site_configuration"),
]
# Right after the move, before later migrations add columns of their own.
MOVED_LAYOUT = [
    ("confer", "0004_permissions_for_units_follow_up_and_reports"),
    ("members", "0003_advocates_move_to_the_record"),
]
MOVED_TABLES = {
    f"members_{name}": f"confer_{name}"
    for name in ("advocate", "attendance", "historicaladvocate", "historicalattendance")
}

pytestmark = pytest.mark.django_db(transaction=True)


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor


def load_rows(registry, tables: dict) -> None:
    """Insert the fixture's rows through the models of that layout (every type converted)."""
    models_by_table = {
        model._meta.db_table: model for model in registry.get_models(include_auto_created=True)
    }
    with transaction.atomic():  # foreign keys are checked at commit: any order will do
        for table, content in tables.items():
            model = models_by_table[table]
            fields = {field.column: field for field in model._meta.concrete_fields}
            model._base_manager.bulk_create(
                model(
                    **{
                        fields[column].attname: value_for(fields[column], value)
                        for column, value in zip(content["columns"], row, strict=True)
                    }
                )
                for row in content["rows"]
            )


def value_for(field, value):
    value = field.to_python(value)
    if isinstance(field, models.DateTimeField) and value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)  # SQLite keeps UTC without a zone
    return value


def test_moving_advocates_into_the_record_keeps_every_row_history_record_and_grant():
    fixture = json.loads(FIXTURE.read_text())
    executor = migrate(OLD_LAYOUT)
    old_apps = executor.loader.project_state(OLD_LAYOUT).apps
    load_rows(old_apps, fixture["tables"])
    advocate_permissions = set(
        Permission.objects.filter(content_type__app_label="members", codename__endswith="advocate")
    )
    before = fingerprint_by_table(registry=old_apps)

    executor = migrate(MOVED_LAYOUT)
    ContentType.objects.clear_cache()
    after = fingerprint_by_table(registry=executor.loader.project_state(MOVED_LAYOUT).apps)
    migrate()  # and on to the latest layout, as production would

    for table in fixture["tables"]:
        assert after[MOVED_TABLES.get(table, table)] == before[table], table
    assert after["confer_historicaladvocate"]["rows"] >= 8
    assert after["confer_historicalattendance"]["rows"] >= 8
    # The same permission rows, now of the record's models: group grants stay as they were.
    assert advocate_permissions and advocate_permissions == set(
        Permission.objects.filter(content_type__app_label="confer", codename__endswith="advocate")
    )


BEFORE_HASHING = [("confer", "0004_permissions_for_units_follow_up_and_reports")]


def test_hashing_calendar_tokens_keeps_existing_links_working_and_can_be_undone(client):
    from django.urls import reverse

    from sessions.models import CalendarToken, hash_calendar_token
    from tests.factories import UserFactory

    user = UserFactory(username="subscriber")
    executor = migrate(BEFORE_HASHING)
    old_apps = executor.loader.project_state(BEFORE_HASHING).apps
    OldToken = old_apps.get_model("confer", "CalendarToken")
    OldToken.objects.create(user_id=user.pk, token="an-existing-link-token")
    OldToken.objects.create(user_id=UserFactory(username="another").pk, token="another-token")

    migrate()
    stored = CalendarToken.objects.get(user=user)
    assert stored.token_hash == hash_calendar_token("an-existing-link-token")
    feed = reverse("calendar:feed", args=["an-existing-link-token"])
    assert client.get(feed).status_code == 200

    executor = migrate(BEFORE_HASHING)  # back: new tokens, since a hash cannot be undone
    tokens = set(
        executor.loader.project_state(BEFORE_HASHING)
        .apps.get_model("confer", "CalendarToken")
        .objects.values_list("token", flat=True)
    )
    assert len(tokens) == 2 and "an-existing-link-token" not in tokens
    migrate()
