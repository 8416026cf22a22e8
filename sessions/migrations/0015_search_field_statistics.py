from django.db import migrations

# The admin's search box matches words in a few short fields with Django's
# UPPER(field) LIKE UPPER('%word%'). PostgreSQL keeps no statistics of UPPER(field), so it guessed
# that a handful of rows match: for a common word ("county": four positions in five) it then
# joined and sorted every row instead of walking the list in its order and stopping at the end of
# the page (position search 0.7 s at 100,000 commitments). Statistics of the expressions
# (PostgreSQL 14+; ANALYZE, including autovacuum's, fills them) let it count the matches from its
# sample. SQLite has no such thing.
STATISTICS = {
    "confer_position_statement_stats": ("confer_position", "upper(statement)"),
    "confer_agendaitem_title_stats": ("confer_agendaitem", "upper(title::text)"),
    "confer_commitment_description_stats": ("confer_commitment", "upper(description)"),
    "confer_commitment_trigger_stats": ("confer_commitment", "upper(trigger::text)"),
    "confer_session_summary_stats": ("confer_session", "upper(summary)"),
    "confer_session_location_stats": ("confer_session", "upper(location::text)"),
}


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, (table, expression) in STATISTICS.items():
        schema_editor.execute(
            f"CREATE STATISTICS IF NOT EXISTS {name} ON ({expression}) FROM {table}"
        )
    for table in dict.fromkeys(table for table, _ in STATISTICS.values()):
        schema_editor.execute(f"ANALYZE {table}")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("confer", "0014_topic_index_covers_item"),
    ]

    operations = [
        migrations.RunPython(create_statistics, drop_statistics),
    ]
