"""``backup``: write the database and the uploaded files to one checked archive."""

from django.core.management.base import BaseCommand, CommandError

from headstrt.core.errors import DomainError
from headstrt.operations.backup import backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (SQLite: an online copy; PostgreSQL: pg_dump) and the uploaded "
        "files into one archive with a manifest of checksums. Safe while the servers run."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            help="archive file, or a folder to put a dated archive in; a path ending in / is "
            "a folder, made if missing (default: DATA_DIR/backups/)",
        )

    def handle(self, *args, path, **options):
        try:
            summary = backup_create(destination=path)
        except DomainError as error:
            raise CommandError(error.message) from error
        counts = summary.counts
        self.stdout.write(
            f"Backed up the {'SQLite' if summary.engine == 'sqlite' else 'PostgreSQL'} database "
            f"({counts['people']:,} people, {counts['bookings']:,} bookings, "
            f"{counts['ledger_entries']:,} ledger entries) and {summary.files:,} files to "
            f"{summary.path} ({summary.size / 1_048_576:.1f} MB)."
        )
