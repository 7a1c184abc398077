"""Trigram indexes for the directory's search, on PostgreSQL only.

The search matches with ``icontains``, which Django writes on PostgreSQL as
``UPPER(column::text) LIKE UPPER(pattern)``: an ordinary index cannot answer a pattern that
starts with ``%``, a trigram index on that very expression can. SQLite has no such index and
reads its (smaller) tables; there this migration does nothing.

The indexes are built with ``CREATE INDEX CONCURRENTLY``, so the site keeps writing to
these tables while an upgrade builds them; that cannot run in a transaction, hence
``atomic = False``. A build that fails leaves an invalid index behind, which ``IF NOT
EXISTS`` would take for done: such a leftover is dropped first, so running ``migrate``
again finishes the job.

``pg_trgm`` is created when missing, which needs the right to create extensions in the
database (see docs/deploy.md). Going back drops the indexes (concurrently too) and leaves
the extension, which other database objects or the operator may rely on.
"""

from django.db import migrations

# (index, table, indexed expression): each expression exactly as the search compares it.
INDEXES = [
    ("accounts_mentor_headline_trgm", "accounts_mentorprofile", "UPPER(headline::text)"),
    ("accounts_mentor_bio_trgm", "accounts_mentorprofile", "UPPER(bio::text)"),
    ("accounts_user_display_name_trgm", "accounts_user", "UPPER(display_name::text)"),
    ("accounts_expertise_description_trgm", "accounts_expertiseentry", "UPPER(description::text)"),
]


def trigram_index_create(schema_editor, name: str, table: str, expression: str) -> None:
    """Build a trigram index on ``expression`` concurrently, first dropping an invalid
    leftover of a failed build of the same name; PostgreSQL only."""
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_index JOIN pg_class ON pg_class.oid = pg_index.indexrelid "
            "WHERE pg_class.relname = %s AND NOT pg_index.indisvalid",
            [name],
        )
        invalid = cursor.fetchone() is not None
    if invalid:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} "
        f"USING gin ({expression} gin_trgm_ops)"
    )
    # Statistics on the indexed expression let the planner tell a rare word from a common
    # one at once, rather than after the next automatic analyze.
    schema_editor.execute(f"ANALYZE {table}")


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        trigram_index_create(schema_editor, name, table, expression)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("accounts", "0006_mentorprofile_directory_order"),
    ]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
