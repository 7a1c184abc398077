"""Ledger rows are written once: the database refuses to change them.

PostgreSQL refuses UPDATE and DELETE of transactions and entries (TRUNCATE, which only an
operator or a test-database reset runs, is a statement of its own and stays possible).
SQLite refuses UPDATE; it has no TRUNCATE, and resetting a test database deletes rows, so
there the application refuses deletes (the models' ``delete`` and their PROTECT foreign keys).
"""

from django.db import migrations

TABLES = ("payments_ledgertransaction", "payments_ledgerentry")

POSTGRESQL_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_written_once() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'ledger rows are written once: %% on %% refused', TG_OP, TG_TABLE_NAME;
END;
$$ LANGUAGE plpgsql;
"""


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_FUNCTION)
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_written_once BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_written_once()"
            )
    elif vendor == "sqlite":
        for table in TABLES:
            schema_editor.execute(
                f"CREATE TRIGGER {table}_written_once BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger rows are written once: UPDATE on {table} "
                "refused'); END"
            )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_written_once ON {table}")
        elif vendor == "sqlite":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_written_once")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS ledger_written_once()")


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_ledger")]

    operations = [migrations.RunPython(forward, backward)]
