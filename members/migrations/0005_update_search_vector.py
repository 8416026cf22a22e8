from django.db import migrations

# The admin's search of updates matched UPPER(title, summary, body) LIKE '%word%' on every update,
# and counted the matches the same way (about 50 ms at 2,000 updates, growing with them). On
# PostgreSQL a stored vector of the three, with a GIN index, is matched instead (UpdateAdmin).
VECTOR_COLUMN = (
    "ALTER TABLE members_update ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('english'::regconfig, title || ' ' || summary || ' ' || body)) STORED"
)
VECTOR_INDEX = "CREATE INDEX members_update_search_vector ON members_update USING gin (search_vector)"


def add_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(VECTOR_COLUMN)
        schema_editor.execute(VECTOR_INDEX)
        schema_editor.execute("ANALYZE members_update")


def drop_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE members_update DROP COLUMN search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_notifications_issue13"),
    ]

    operations = [migrations.RunPython(add_vector, drop_vector)]
