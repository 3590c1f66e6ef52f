"""On PostgreSQL, the database itself keeps everything inside one map: composite foreign keys from (thing_id, map_id)
to (id, map_id) of the element, connection, finding or evidence referred to. A connection whose source is on another
map cannot be saved, whatever code tries. SQLite (the embedded default) cannot add constraints to an existing table;
there the services' checks hold it alone.
"""

from django.db import migrations

# (table, column, referenced table)
SAME_MAP = [
    ("systemmap_connection", "source_id", "systemmap_element"),
    ("systemmap_connection", "target_id", "systemmap_element"),
    ("systemmap_evidence", "element_id", "systemmap_element"),
    ("systemmap_evidence", "connection_id", "systemmap_connection"),
    ("systemmap_evidence", "finding_id", "systemmap_finding"),
    ("systemmap_findingelement", "finding_id", "systemmap_finding"),
    ("systemmap_findingelement", "element_id", "systemmap_element"),
    ("systemmap_findingevidence", "finding_id", "systemmap_finding"),
    ("systemmap_findingevidence", "evidence_id", "systemmap_evidence"),
    ("systemmap_mapcomment", "element_id", "systemmap_element"),
    ("systemmap_mapcomment", "finding_id", "systemmap_finding"),
]


def _name(table: str, column: str) -> str:
    return f"{table.removeprefix('systemmap_')}_{column.removesuffix('_id')}_same_map"


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, referenced in SAME_MAP:
        schema_editor.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {_name(table, column)} FOREIGN KEY ({column}, map_id) "
            f"REFERENCES {referenced} (id, map_id) DEFERRABLE INITIALLY DEFERRED"
        )


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, column, _ in SAME_MAP:
        schema_editor.execute(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {_name(table, column)}")


class Migration(migrations.Migration):
    dependencies = [("systemmap", "0001_initial")]

    operations = [migrations.RunPython(add, remove)]
