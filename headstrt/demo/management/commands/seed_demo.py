"""``seed_demo``: generate the demo marketplace and the demo logins (safe to re-run)."""

import time

from django.core.management.base import BaseCommand, CommandError

from headstrt.core.errors import DomainError
from headstrt.demo.services import demo_logins_create, population_generate


class Command(BaseCommand):
    help = (
        "Generate a deterministic demo population of mentors and mentees, and the demo logins. "
        "Re-running adds only what is missing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--mentors", type=int, default=1000, help="default: 1000")
        parser.add_argument("--mentees", type=int, default=3000, help="default: 3000")
        parser.add_argument("--seed", type=int, default=7, help="default: 7")
        parser.add_argument("--no-logins", action="store_true", help="skip the named demo logins")

    def handle(self, *args, mentors, mentees, seed, no_logins, verbosity, **options):
        started = time.monotonic()
        try:
            summary = population_generate(
                mentors=mentors, mentees=mentees, seed=seed, progress=verbosity > 0
            )
            logins = [] if no_logins else demo_logins_create()
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"Demo population: added {summary.mentors_added:,} mentors and "
            f"{summary.mentees_added:,} mentees and {summary.sessions_added:,} past sessions in "
            f"{time.monotonic() - started:.1f} s; "
            f"{summary.mentors:,} demo mentors and {summary.mentees:,} demo mentees in total."
        )
        for login in logins:
            self.stdout.write(f"  {login.role:<7} {login.email}  password: {login.password}")
