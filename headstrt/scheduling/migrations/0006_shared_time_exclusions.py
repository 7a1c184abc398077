"""Let a panel's bookings share the mentee's time and a group session's seats share the
mentor's time; every other overlap stays refused by PostgreSQL itself.

``coalesce(panel_id, -id) WITH <>`` makes two bookings conflict unless both belong to the
same panel (a booking outside any panel compares by its own negated id, unlike any other).
"""

from django.db import migrations

OCCUPYING = "('held', 'requested', 'confirmed', 'completed')"
OLD = [
    ("booking_mentor_no_overlap", "mentor_id", ""),
    ("booking_mentee_no_overlap", "mentee_id", ""),
]
NEW = [
    ("booking_mentor_no_overlap", "mentor_id", ", coalesce(group_id, -id) WITH <>"),
    ("booking_mentee_no_overlap", "mentee_id", ", coalesce(panel_id, -id) WITH <>"),
]


def _replace(schema_editor, constraints):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column, shared in constraints:
        schema_editor.execute(f"ALTER TABLE scheduling_booking DROP CONSTRAINT {name}")
        schema_editor.execute(
            f"ALTER TABLE scheduling_booking ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(start, \"end\", '[)') WITH &&{shared}) "
            f"WHERE (status IN {OCCUPYING})"
        )


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_panels_and_group_sessions")]

    operations = [
        migrations.RunPython(
            lambda apps, schema_editor: _replace(schema_editor, NEW),
            lambda apps, schema_editor: _replace(schema_editor, OLD),
        )
    ]
