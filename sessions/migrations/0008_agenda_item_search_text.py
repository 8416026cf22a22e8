from django.db import migrations, models

# The words of the record, stored per agenda item; on PostgreSQL also as a tsvector generated from
# them, with a GIN index, for full-text search (sessions.search). SQLite searches the text itself.
VECTOR_COLUMN = (
    "ALTER TABLE confer_agendaitem ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('english'::regconfig, search_text)) STORED"
)
VECTOR_INDEX = (
    "CREATE INDEX confer_agendaitem_search_vector ON confer_agendaitem USING gin (search_vector)"
)
ITEM_FIELDS = ("title", "discussion", "outcome", "member_guidance", "union_view", "internal_notes")
COMMITMENT_FIELDS = ("description", "trigger", "trigger_note", "resolution_note")


def fill_search_text(apps, schema_editor):
    AgendaItem = apps.get_model("confer", "AgendaItem")
    Position = apps.get_model("confer", "Position")
    Commitment = apps.get_model("confer", "Commitment")
    words: dict[int, list[str]] = {}
    for row in AgendaItem.objects.values("pk", *ITEM_FIELDS).iterator():
        words[row.pop("pk")] = [" ".join(row[name] for name in ITEM_FIELDS)]
    for item, statement in Position.objects.values_list("agenda_item", "statement").iterator():
        words[item].append(statement)
    for row in Commitment.objects.values("agenda_item", *COMMITMENT_FIELDS).iterator():
        words[row.pop("agenda_item")].append(" ".join(row[name] for name in COMMITMENT_FIELDS))
    for pk, parts in words.items():
        AgendaItem.objects.filter(pk=pk).update(search_text=" ".join(parts))


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR_COLUMN)
        schema_editor.execute(VECTOR_INDEX)


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE confer_agendaitem DROP COLUMN search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0007_documents"),
    ]

    operations = [
        migrations.AddField(
            model_name="agendaitem",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop),
        migrations.RunPython(add_vector, drop_vector),
    ]
