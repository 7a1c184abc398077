"""One search text per mentor profile, filled in and indexed for the directory's search.

The column is added empty, then every profile's text is written by one UPDATE that the
database runs itself (``accounts.search_text`` defines it; the historical models are read).
The text is in capitals already, so the search compares the column itself: on PostgreSQL a
trigram index on it answers a search for a rare word, and a common one is found walking the
directory's order. As in accounts 0007 the index is built with ``CREATE INDEX
CONCURRENTLY`` (hence ``atomic = False``), an invalid leftover of a failed build is dropped
first, and going back drops it concurrently. SQLite gets the column and its text, without
an index.
"""

import importlib

from django.db import migrations, models

from headstrt.accounts.search_text import mentor_search_text

# The module's name starts with a digit: it cannot be imported with an import statement.
field_indexes = importlib.import_module(
    "headstrt.accounts.migrations.0007_directory_search_indexes"
)

INDEX = "accounts_mentor_search_text_trgm"


def fill_search_text(apps, schema_editor):
    profiles = apps.get_model("accounts", "MentorProfile")
    text = mentor_search_text(
        people=apps.get_model("accounts", "User"),
        entries=apps.get_model("accounts", "ExpertiseEntry"),
    )
    profiles.objects.update(search_text=text)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        field_indexes.trigram_index_create(
            schema_editor, INDEX, "accounts_mentorprofile", "search_text"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("accounts", "0008_ranking_exclusion_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="mentorprofile",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_text, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
