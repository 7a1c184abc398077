"""Drop the per-field trigram indexes of accounts 0007, on PostgreSQL only.

The directory's search reads one column since accounts 0009 (``search_text``, with its own
trigram index), so these four no longer answer any query and only cost every write to
profiles, people and areas of expertise. They are dropped ``CONCURRENTLY``, so writes go
on meanwhile (hence ``atomic = False``); going back builds them again as 0007 does.
"""

import importlib

from django.db import migrations

# The module's name starts with a digit: it cannot be imported with an import statement.
field_indexes = importlib.import_module(
    "headstrt.accounts.migrations.0007_directory_search_indexes"
)


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("accounts", "0009_mentorprofile_search_text"),
    ]

    operations = [
        migrations.RunPython(
            field_indexes.drop_indexes, field_indexes.create_indexes, elidable=False
        )
    ]
