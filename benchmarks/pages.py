"""Key pages at scale: server time and query count of each with 100,000 people and 1,000,000
sessions.

Usage: DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
    python benchmarks/pages.py [--people 100000] [--sessions 1000000] [--samples 100]
    [--database headstrt_bench_pages] [--keep]

On PostgreSQL (DATABASE_URL names the server; the benchmark's database is ``--database``,
recreated unless ``--keep`` finds it seeded by this version of the seeding, which it marks
in the database's comment, and kept with ``--keep``) or on SQLite in a temporary folder,
the platform is bulk-loaded as ``scale_data.seed`` does (past sessions and about 5 %
upcoming, confirmed or requested, in the next 30 days), then each
mentor gets a 30-minute offer, weekday availability and three areas of expertise; every
session sends its mentor a notification (a third unread) and every tenth session has a
conversation of three messages. The matching index is built over every mentor, and every
mentor's standing is kept as the worker's sweep keeps them with a shared cache.

Each page is requested through Django's test client, the whole middleware stack included,
with DEBUG off, as ``--samples`` different people drawn at random (mentors in proportion to
their sessions, as busy mentors open their pages more often). A serving process is warm,
so each page is first requested for another ``--samples`` people drawn alike (the code and
the database's shared structures warm, not the timed people's rows or cached rankings);
then each timed person's first request is timed, and must answer 200. The query count of
each page is taken afterwards, from a second request per person (for the matches, that is
the stored ranking's), and its range over the samples shows whether it grows with a
person's data. The ten busiest mentors' pages are timed apart (not in the percentiles),
warmed up with the random sample's mentors.

The last line is ``RESULT people=... sessions=... p95_ms=... worst_page=... worst_p95_ms=...
busiest_worst_page=... busiest_worst_p95_ms=...``, where ``p95_ms`` is over every timed
request of the random samples.
"""

import argparse
import gc
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale_data import HEAVY, VERSION, seed  # noqa: E402

TARGET_P95_MS = 50
CONVERSATION_EVERY = 10
SEARCH_WORDS = ("career", "parenting", "negotiation", "health", "money", "writing")


@contextmanager
def bench_database(name: str, *, keep: bool):
    """Point Django at the benchmark's database; yields whether it is already seeded.

    PostgreSQL when DATABASE_URL is set: database ``name`` on that server, reused when
    ``keep`` and seeded by this version (``seed_mark``), else recreated; dropped afterwards
    unless ``keep``. SQLite otherwise, in a temporary folder. The data folder (the matching
    index) sits beside a kept database.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
    os.environ["HEADSTRT_DEBUG"] = "0"
    os.environ.setdefault("HEADSTRT_LOG_LEVEL", "WARNING")  # no access line per request
    url = os.environ.get("DATABASE_URL", "")
    postgres = url.startswith(("postgres://", "postgresql://"))
    folder = Path(tempfile.gettempdir()) / name if postgres and keep else None
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    folder.mkdir(exist_ok=True)
    os.environ["HEADSTRT_DATA_DIR"] = str(folder)
    admin, seeded = None, False
    if postgres:
        import psycopg

        parts = urlsplit(url)
        admin = urlunsplit(parts._replace(path="/postgres"))
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        with psycopg.connect(admin, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if exists and keep:
                mark = connection.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
                    "WHERE datname = %s",
                    [name],
                ).fetchone()[0]
                seeded = mark == _MARK
                if not seeded:
                    print(
                        f"{name} was not seeded by this version ({mark or 'no mark'}, "
                        f"expected {_MARK}): reseeding",
                        flush=True,
                    )
            if exists and not seeded:
                connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            if not seeded:
                connection.execute(f'CREATE DATABASE "{name}"')
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
    else:
        os.environ.pop("DATABASE_URL", None)
    try:
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        yield seeded
    finally:
        from django.db import connections

        connections.close_all()
        if admin and not keep:
            import psycopg

            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not keep or not postgres:
            shutil.rmtree(folder, ignore_errors=True)


_MARK = f"headstrt pages benchmark, scale_data version {VERSION}"


def seed_mark() -> None:
    """Mark the PostgreSQL database as seeded by this version (its comment)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        name = connection.ops.quote_name(connection.settings_dict["NAME"])
        with connection.cursor() as cursor:
            cursor.execute(f"COMMENT ON DATABASE {name} IS '{_MARK}'")


def seed_pages(*, seed_value: int) -> None:
    """What the pages show beyond ``scale_data.seed``: offers, availability, expertise,
    notifications and conversations; mostly set-based inserts the database runs itself."""
    from django.db import connection, transaction

    from benchmarks.scale_data import Loader
    from headstrt.accounts.models import ExpertiseEntry, MentorProfile, Topic
    from headstrt.accounts.search_text import mentor_search_text_refresh

    rng = np.random.default_rng(seed_value + 1)
    topics = list(Topic.objects.filter(parent__isnull=False).values_list("pk", "area", "name"))
    mentors = list(MentorProfile.objects.order_by("pk").values_list("pk", flat=True))
    loader = Loader(connection)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_sessionoffer (mentor_id, minutes, price_minor) "
            "SELECT id, 30, 4000 FROM accounts_mentorprofile"
        )
        for weekday in range(5):
            cursor.execute(
                'INSERT INTO scheduling_availabilityrule (mentor_id, weekday, start, "end") '
                "SELECT id, %s, '09:00', '17:00' FROM accounts_mentorprofile",
                [weekday],
            )
        public = iter(range(1, 3 * len(mentors) + 1))

        def entries():
            for mentor in mentors:
                for k in rng.choice(len(topics), size=3, replace=False).tolist():
                    topic, area, topic_name = topics[k]
                    yield (
                        f"x{next(public):015d}",
                        mentor,
                        topic,
                        area,
                        f"Years of {topic_name.lower()}: {rng.choice(SEARCH_WORDS)} questions.",
                        int(rng.integers(1, 30)),
                    )

        loader.load(
            ExpertiseEntry,
            ("public_id", "mentor_id", "topic_id", "area", "description", "years"),
            entries(),
        )
        # The text the directory's search reads, written as the services write it.
        mentor_search_text_refresh(MentorProfile.objects.all())
        # Every session told its mentor once; a third of those are unread.
        cursor.execute(
            "INSERT INTO messaging_notification "
            "(public_id, recipient_id, kind, title, body, url, created_at, read_at) "
            "SELECT 'n' || b.id, p.user_id, 'booking.requested', 'New session request', "
            "'Someone asked for a session.', '/sessions/' || b.public_id || '/', b.created_at, "
            "CASE WHEN b.id % 3 = 0 THEN NULL ELSE b.start END "
            "FROM scheduling_booking b JOIN accounts_mentorprofile p ON p.id = b.mentor_id"
        )
        cursor.execute(
            "INSERT INTO messaging_conversation (public_id, booking_id, created_at, "
            "last_message_at) SELECT 'c' || id, id, created_at, start FROM scheduling_booking "
            "WHERE id %% %s = 0",
            [CONVERSATION_EVERY],
        )
        cursor.execute(
            "INSERT INTO messaging_conversationmember "
            "(conversation_id, person_id, active, last_read_message_id, joined_at) "
            "SELECT c.id, b.mentee_id, TRUE, 0, c.created_at FROM messaging_conversation c "
            "JOIN scheduling_booking b ON b.id = c.booking_id "
            "UNION ALL "
            "SELECT c.id, p.user_id, TRUE, 0, c.created_at FROM messaging_conversation c "
            "JOIN scheduling_booking b ON b.id = c.booking_id "
            "JOIN accounts_mentorprofile p ON p.id = b.mentor_id"
        )
        for n, author in enumerate(("b.mentee_id", "p.user_id", "b.mentee_id")):
            cursor.execute(
                "INSERT INTO messaging_message "
                "(public_id, conversation_id, author_id, body, created_at) "
                f"SELECT 'm{n}' || c.id, c.id, {author}, 'A message about the session.', "
                "c.last_message_at FROM messaging_conversation c "
                "JOIN scheduling_booking b ON b.id = c.booking_id "
                "JOIN accounts_mentorprofile p ON p.id = b.mentor_id"
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def index_build() -> float:
    """Build and save the matching index over every mentor; returns the seconds it took."""
    from headstrt.matching.indexing import mentor_index_rebuild, mentor_index_save

    tick = time.perf_counter()
    mentor_index_rebuild()
    mentor_index_save()
    return time.perf_counter() - tick


def standings_keep() -> float:
    """Keep every mentor's standing, as the worker's sweep does with a shared cache (this
    process's cache is the one its pages read); returns the seconds it took."""
    from headstrt.reviews.standing import standings_keep_all

    tick = time.perf_counter()
    standings_keep_all()
    return time.perf_counter() - tick


class Pages:
    """The key pages, each a function of a sampled person that returns a response. Twice
    ``samples`` people are drawn: the first half warms up, the second is timed."""

    def __init__(self, *, samples: int, seed_value: int):
        from django.db.models import Count
        from django.test import Client

        from headstrt.accounts.models import MentorProfile, User
        from headstrt.accounts.services import api_token_create
        from headstrt.matching.models import Situation
        from headstrt.messaging.models import ConversationMember
        from headstrt.scheduling.models import Booking

        rng = random.Random(seed_value)
        self.samples = samples
        samples *= 2  # warm-up and timed
        people = User.objects.count()
        bookings = Booking.objects.count()
        # Mentors in proportion to their sessions: the mentor of random sessions.
        drawn = [rng.randint(1, bookings) for _ in range(samples)]
        by_id = Booking.objects.in_bulk(drawn)
        self.sessions = [by_id[pk] for pk in drawn if pk in by_id]
        mentor_ids = [booking.mentor_id for booking in self.sessions]
        profiles = MentorProfile.objects.select_related("user").in_bulk(mentor_ids)
        self.mentors = [profiles[pk] for pk in mentor_ids]
        self.mentees = list(User.objects.filter(pk__in=rng.sample(range(1, people + 1), samples)))
        situations = rng.sample(range(1, Situation.objects.count() + 1), samples)
        self.situations = list(Situation.objects.filter(pk__in=situations).select_related("mentee"))
        self.members = list(
            ConversationMember.objects.filter(
                conversation_id__in=rng.sample(
                    range(1, ConversationMember.objects.count() // 2 + 1), samples
                )
            ).select_related("person")[:samples]
        )
        busiest = (
            Booking.objects.values("mentor_id")
            .annotate(n=Count("id"))
            .order_by("-n")
            .values_list("mentor_id", flat=True)[:HEAVY]
        )
        self.heavy = list(MentorProfile.objects.select_related("user").filter(pk__in=busiest))
        self._client = Client
        self.client = Client()  # anonymous, and the API's (a token per request)
        self.clients: dict[int, Client] = {}
        self.tokens: dict[int, str] = {}
        self._token = api_token_create
        # Signed in and given a token beforehand, as people come back with a session: no
        # log-in or token write inside a timed request.
        for user in (
            *self.mentees,
            *(mentor.user for mentor in (*self.mentors, *self.heavy)),
            *(booking.mentee for booking in self.sessions),
            *(member.person for member in self.members),
        ):
            self._as(user)
        for user in (
            *(mentor.user for mentor in (*self.mentors, *self.heavy)),
            *(situation.mentee for situation in self.situations),
        ):
            self._key(user)

    def _as(self, user):
        """A client signed in as ``user``, once: a person keeps their session between pages."""
        if user.pk not in self.clients:
            self.clients[user.pk] = self._client()
            self.clients[user.pk].force_login(user)
        return self.clients[user.pk]

    def _key(self, user) -> str:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = self._token(user=user, name="benchmark")[1]
        return self.tokens[user.pk]

    def _api(self, user, path: str):
        headers = {"Authorization": f"Bearer {self._key(user)}"}
        return self.client.get(f"/api/v1{path}", headers=headers)

    def each(self) -> dict[str, tuple[list, list, Callable]]:
        """Page name → (the subjects to warm up with, the subjects to time, how to request
        the page as/for one)."""
        return {
            name: (subjects[: len(subjects) // 2], subjects[len(subjects) // 2 :], request)
            for name, (subjects, request) in self._pages().items()
        }

    def _pages(self) -> dict[str, tuple[list, Callable]]:

        def public(path_of):
            return lambda item: self.client.get(path_of(item))

        return {
            "home": (self.mentees, public(lambda _: "/")),
            "directory": (self.mentees, public(lambda _: "/mentors/")),
            "directory search": (
                self.mentees,
                public(lambda user: f"/mentors/?q={SEARCH_WORDS[user.pk % len(SEARCH_WORDS)]}"),
            ),
            "mentor page": (self.mentors, public(lambda m: f"/mentors/{m.user.public_id}/")),
            "booking page": (
                list(zip(self.mentees, self.mentors, strict=False)),
                lambda pair: self._as(pair[0]).get(f"/mentors/{pair[1].user.public_id}/book/"),
            ),
            "my sessions": (self.mentees, lambda user: self._as(user).get("/sessions/")),
            "my past sessions": (
                self.mentees,
                lambda user: self._as(user).get("/sessions/?tab=past"),
            ),
            "session page": (
                self.sessions,
                lambda booking: self._as(booking.mentee).get(f"/sessions/{booking.public_id}/"),
            ),
            "mentor dashboard": (
                self.mentors,
                lambda mentor: self._as(mentor.user).get("/me/dashboard/"),
            ),
            "notifications": (
                self.mentors,
                lambda mentor: self._as(mentor.user).get("/notifications/"),
            ),
            "conversations": (
                self.members,
                lambda member: self._as(member.person).get("/conversations/"),
            ),
            "api bookings": (
                self.mentors,
                lambda mentor: self._api(mentor.user, "/bookings?list=past"),
            ),
            "api matches": (
                self.situations,
                lambda situation: self._api(
                    situation.mentee, f"/situations/{situation.public_id}/matches"
                ),
            ),
        }

    def heavy_pages(self) -> dict[str, tuple[list, list, Callable]]:
        """The mentor's own pages for the busiest mentors (warmed up with other mentors)."""
        pages = self.each()
        return {
            f"busiest {name}": (pages[name][0], self.heavy, pages[name][2])
            for name in ("mentor page", "mentor dashboard", "notifications", "api bookings")
        }


def checked(response, page: str):
    if response.status_code != 200:
        raise SystemExit(f"{page}: {response.status_code}: {response.content[:300]!r}")
    return response


def measure(pages: dict[str, tuple[list, list, Callable]]) -> dict[str, dict]:
    """Warm each page up with its warm-up subjects, time each timed subject's first request
    (which must answer 200), then count its queries on a second request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    figures = {}
    for name, (warm, timed, request) in pages.items():
        for subject in warm:
            checked(request(subject), name)
        gc.collect()
        seconds = []
        for subject in timed:
            tick = time.perf_counter()
            response = request(subject)
            seconds.append(time.perf_counter() - tick)
            checked(response, name)
        queries = []
        for subject in timed:
            with CaptureQueriesContext(connection) as captured:
                checked(request(subject), name)
            queries.append(len(captured))
        figures[name] = {"seconds": seconds, "queries": queries}
    return figures


def percentile(seconds: list[float], share: float) -> float:
    return float(np.percentile(seconds, share * 100) * 1e3) if seconds else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--database", default="headstrt_bench_pages")
    parser.add_argument("--keep", action="store_true", help="keep (and reuse) the database")
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    args = parser.parse_args()
    os.environ.setdefault("HEADSTRT_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("HEADSTRT_ALLOWED_HOSTS", "testserver")  # the test client's host

    with bench_database(args.database, keep=args.keep) as seeded:
        from django.db import connection

        from headstrt.accounts.models import User
        from headstrt.scheduling.models import Booking

        if seeded:
            print(f"{connection.vendor}: reusing the seeded database {args.database}", flush=True)
        else:
            tick = time.perf_counter()
            seed(people=args.people, sessions=args.sessions, seed_value=args.seed)
            seed_pages(seed_value=args.seed)
            seeding = time.perf_counter() - tick
            indexing = index_build()
            seed_mark()
            print(
                f"{connection.vendor}: seeded in {seeding:.0f} s, matching index built in "
                f"{indexing:.0f} s",
                flush=True,
            )
        print(f"standings of every mentor kept in {standings_keep():.0f} s", flush=True)
        people, sessions = User.objects.count(), Booking.objects.count()
        pages = Pages(samples=args.samples, seed_value=args.seed)
        chosen = pages.each()
        if args.only:
            names = [name.replace("_", " ") for name in args.only.split(",")]
            unknown = sorted(set(names) - set(chosen))
            if unknown:
                sys.exit(f"no such page: {', '.join(unknown)}; pages: {', '.join(chosen)}")
            chosen = {name: chosen[name] for name in names}
        gc.collect()
        gc.freeze()  # what is loaded stays put, as in a serving process
        figures = measure(chosen)
        heavy = measure(pages.heavy_pages()) if not args.only else {}
    print(f"{people:,} people, {sessions:,} sessions ({connection.vendor}), DEBUG off")
    print(f"{'page':<28}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'queries':>10}")
    for name, found in {**figures, **heavy}.items():
        low, high = min(found["queries"]), max(found["queries"])
        print(
            f"{name:<28}{len(found['seconds']):>6}{percentile(found['seconds'], 0.5):>9.1f}"
            f"{percentile(found['seconds'], 0.95):>9.1f}{max(found['seconds']) * 1e3:>9.1f}"
            f"{(str(low) if low == high else f'{low}-{high}'):>10}"
        )
    worst = max(figures, key=lambda name: percentile(figures[name]["seconds"], 0.95))
    every = [s for found in figures.values() for s in found["seconds"]]
    busiest = ""
    if heavy:
        page = max(heavy, key=lambda name: percentile(heavy[name]["seconds"], 0.95))
        busiest = (
            f"busiest_worst_page={page.removeprefix('busiest ').replace(' ', '_')} "
            f"busiest_worst_p95_ms={percentile(heavy[page]['seconds'], 0.95):.1f} "
        )
    print(
        f"RESULT people={people} sessions={sessions} p95_ms={percentile(every, 0.95):.1f} "
        f"worst_page={worst.replace(' ', '_')} "
        f"worst_p95_ms={percentile(figures[worst]['seconds'], 0.95):.1f} {busiest}"
        f"target_p95_ms={TARGET_P95_MS}"
    )


if __name__ == "__main__":
    main()
