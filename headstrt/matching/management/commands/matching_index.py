"""Rebuild the mentor matching index from the database and save it for fast starts."""

import time

from django.core.management.base import BaseCommand

from headstrt.matching.indexing import mentor_index_rebuild, mentor_index_save


class Command(BaseCommand):
    help = "Rebuild the matching index from every active mentor and save it under the data dir."

    def handle(self, *args, **options):
        started = time.perf_counter()
        index = mentor_index_rebuild()
        path = mentor_index_save()
        self.stdout.write(
            f"Indexed {len(index):,} mentors in {time.perf_counter() - started:.1f} s → {path}"
        )
