"""A fresh database for a benchmark process: SQLite in a temporary folder, or a new
PostgreSQL database on the server DATABASE_URL names (dropped afterwards)."""

import os
import shutil
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import FreshPostgres  # noqa: E402


@contextmanager
def fresh_database(prefix: str):
    """Point Django at a fresh, migrated database for the ``with`` block; yields the vendor."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    postgres = None
    os.environ["HEADSTRT_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
    os.environ["HEADSTRT_DEBUG"] = "0"
    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        postgres = FreshPostgres(os.environ["DATABASE_URL"])
        postgres.create()
        os.environ["DATABASE_URL"] = postgres.url
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from django.db import connection

        yield connection.vendor
    finally:
        from django.db import connections

        connections.close_all()
        if postgres:
            postgres.drop()
        shutil.rmtree(folder, ignore_errors=True)
