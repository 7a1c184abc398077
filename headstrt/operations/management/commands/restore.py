"""``restore``: check a backup archive and put its database and files back."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from headstrt.core.errors import DomainError
from headstrt.operations.backup import COUNTED, backup_check, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `headstrt backup`: check every checksum, replace the "
        "database in one transaction and the uploaded files, then migrate forward. Stop the "
        "app servers and workers first."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="the backup archive")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database that already holds people, bookings or ledger entries, "
            "and uploaded files already in the media or private folder",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="only check the archive (readable, complete, checksums); change nothing",
        )

    def handle(self, *args, path, force, check, **options):
        try:
            if check:
                manifest = backup_check(path)
                self.stdout.write(
                    f"{path} is a complete Headstrt backup of a {manifest['engine']} database "
                    f"made at {manifest['created_at']}: {self._counts(manifest['counts'])}."
                )
                return
            summary = backup_restore(path=path, force=force)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Restored the backup made at {summary.created_at}: {summary.files:,} files and "
            f"the database, migrated forward by {summary.migrations_applied} migrations."
        )
        self.stdout.write(f"The database now holds {self._counts(summary.counts)}.")
        if summary.counts == summary.expected_counts:
            self.stdout.write("These match the backup's manifest.")
        else:
            raise CommandError(
                f"The backup's manifest counted {self._counts(summary.expected_counts)}: "
                "the restored database differs; check it before opening it to users."
            )

    @staticmethod
    def _counts(counts: dict[str, int]) -> str:
        return ", ".join(f"{counts[key]:,} {key.replace('_', ' ')}" for key in COUNTED)
