from django.db import migrations, models

# The admin's search of sessions tested each agenda item's vector (every item, for a word most of
# them hold: 60 ms at 60,000 items), each session's summary and location with LIKE, and its
# items' topic names in a subquery the planner could not estimate. One vector per session
# instead, generated from its summary, location and its items' topics and words (`items_text`,
# kept by SessionQuerySet.refresh_items_text), with a GIN index: the list walks the sessions in
# date order and stops at the end of the page when a word is common, and looks a rare word up in
# the index.
VECTOR_COLUMN = (
    "ALTER TABLE confer_session ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, summary || ' ' || location || ' ' || items_text)) STORED"
)
VECTOR_INDEX = "CREATE INDEX confer_session_search_vector ON confer_session USING gin (search_vector)"


def fill_items_text(apps, schema_editor):
    # The model's own queryset method is not available here: the same UPDATE, written out.
    if schema_editor.connection.vendor == "postgresql":
        aggregate = "string_agg(t.name || ' ' || i.search_text, ' ' ORDER BY i.\"order\", i.id)"
    else:
        aggregate = "group_concat(t.name || ' ' || i.search_text, ' ')"
    schema_editor.execute(
        f"UPDATE confer_session SET items_text = COALESCE((SELECT {aggregate} "
        "FROM confer_agendaitem i JOIN confer_topic t ON t.id = i.topic_id "
        "WHERE i.session_id = confer_session.id), '')"
    )


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR_COLUMN)
        schema_editor.execute(VECTOR_INDEX)
        schema_editor.execute("ANALYZE confer_session")


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE confer_session DROP COLUMN search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0015_search_field_statistics"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="items_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_items_text, migrations.RunPython.noop),
        migrations.RunPython(add_vector, drop_vector),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["status", "date"], name="confer_session_status_idx"),
        ),
    ]
