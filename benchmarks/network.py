"""Graph queries at scale: the network page (figures, graph, discovery) and the dispute
neutrality check on 100,000 people and 1,000,000 sessions.

Usage: python benchmarks/network.py [--people 100000] [--sessions 1000000] [--samples 200]

On a fresh database (SQLite in a temporary folder, or a new PostgreSQL database when
DATABASE_URL is set, dropped afterwards) the benchmark bulk-loads people (a fifth of them
mentors), situations, sessions, outcomes, reviews and written perspectives with raw inserts
(COPY on PostgreSQL), every required column filled and every person's sessions at distinct
times, so PostgreSQL's exclusion constraints hold. Mentors' popularity follows a power law
(weight 1/sqrt(rank)): the busiest mentor has thousands of sessions, most a few dozen;
mentees pick mentors at random, with no communities, so two-hop sets are as large as they
get for a given number of ties. PostgreSQL gets the planner costs of a database on SSD
(``random_page_cost`` 1.1). Then, warm (every sampled call made once before timing), it times:

- the network page of ``--samples`` people drawn at random: ``figures``, ``graph`` (the
  network and its SVG), ``discovery`` on its own (as the API answers it), and ``page``: what
  the page reads (the network, its SVG and discovery over the network already read);
- the neutrality check of ``--samples`` sessions drawn at random (so busy mentors come up as
  often as they have sessions): which of a pool of 40 mediators are within two hops of
  either party, as choosing a mediator asks; and, for comparison, the whole two-hop set;
- the same for the ten busiest mentors, reported apart (they are not in the percentiles).

The last line is ``RESULT people=... sessions=... p50_ms=... p95_ms=... neutrality_p95_ms=...
page_p95_ms=...``, where p50/p95 are over every timed call of the random samples (figures,
graph, discovery, page and neutrality).
"""

import argparse
import gc
import random
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh_database import fresh_database  # noqa: E402

MENTOR_SHARE = 0.2
REVIEWED_BY_MENTEE, REVIEWED_BY_MENTOR = 0.4, 0.25
WITH_SITUATION = 0.6
STARS = ((5, 0.5), (4, 0.3), (3, 0.12), (2, 0.05), (1, 0.03))
# (status, share, confirmed at some point)
STATUSES = (
    ("completed", 0.85, True),
    ("no_show", 0.03, True),
    ("cancelled", 0.04, True),
    ("declined", 0.04, False),
    ("expired", 0.04, False),
)
ANSWER_STATUSES = (("answered", 0.6), ("declined", 0.15), ("expired", 0.1), ("asked", 0.15))
HEAVY = 10
RANDOM_PAGE_COST = 1.1
MEDIATORS = 40
# What p50_ms and p95_ms are over: the random samples. "two-hop set" (everyone within two
# hops of a session's parties) is shown for comparison: no page or check reads it whole.
MEASURED = ("figures", "graph", "discovery", "page", "neutrality")
SLOT = timedelta(hours=1)


class Loader:
    """Raw bulk inserts into a model's table: COPY on PostgreSQL, ``executemany`` on SQLite.

    Columns not given get their field's default (NULL, or an empty string for text), so
    every column is filled; a field with a per-row default (public ids, room names) or none
    at all (times) must be given.
    """

    def __init__(self, connection):
        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.numbered: list[str] = []

    def sequences_reset(self) -> None:
        """Move PostgreSQL's id sequences past the ids given (SQLite needs nothing)."""
        if not self.postgres:
            return
        with self.connection.cursor() as cursor:
            for table in self.numbered:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )

    def _value(self, value):
        if not self.postgres and hasattr(value, "tzinfo"):
            # Django keeps naive UTC text in SQLite.
            return value.replace(tzinfo=None).isoformat(" ")
        return value

    def load(self, model, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
        from django.db.models import NOT_PROVIDED

        given = set(columns)
        extra, fill = [], []
        for field in model._meta.concrete_fields:
            if field.column in given or field.primary_key:
                continue
            if field.has_default() and callable(field.default) and field.unique:
                raise ValueError(f"{model.__name__}.{field.name} needs a value per row")
            if field.default is NOT_PROVIDED and not (field.null or field.empty_strings_allowed):
                raise ValueError(f"{model.__name__}.{field.name} is required")
            extra.append(field.column)
            fill.append(self._value(field.get_default()))
        if "id" in given:
            self.numbered.append(model._meta.db_table)
        names = [*columns, *extra]
        quoted = ", ".join(self.connection.ops.quote_name(name) for name in names)
        table = model._meta.db_table
        count = 0
        with self.connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row((*row, *fill))
                        count += 1
            else:
                statement = (
                    f"INSERT INTO {table} ({quoted}) VALUES ({', '.join('%s' for _ in names)})"
                )
                chunk = []
                for row in rows:
                    chunk.append([self._value(v) for v in (*row, *fill)])
                    if len(chunk) == 10_000:
                        cursor.executemany(statement, chunk)
                        count += len(chunk)
                        chunk = []
                cursor.executemany(statement, chunk)
                count += len(chunk)
        return count


def _pick(rng: np.random.Generator, table, size: int) -> np.ndarray:
    values, shares = zip(*[(row[0], row[1]) for row in table], strict=True)
    return rng.choice(len(values), size=size, p=np.array(shares) / sum(shares))


def seed(*, people: int, sessions: int, seed_value: int) -> dict:
    """Load the synthetic platform; returns the ids the measurements draw from."""
    from django.db import connection, transaction

    from headstrt.accounts.models import MentorProfile, Topic, User
    from headstrt.core import clock
    from headstrt.core.ids import new_public_ids
    from headstrt.matching.models import Situation
    from headstrt.perspectives.models import PerspectiveAsk, PerspectiveRequest
    from headstrt.reviews.models import Outcome, Review
    from headstrt.scheduling.models import Booking

    rng = np.random.default_rng(seed_value)
    loader = Loader(connection)
    now = clock.now().replace(microsecond=0)
    topics = list(Topic.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    mentors = max(1, int(people * MENTOR_SHARE))
    user_ids = np.arange(1, people + 1)
    mentor_users = rng.choice(user_ids, size=mentors, replace=False)
    profile_ids = np.arange(1, mentors + 1)  # profile k belongs to mentor_users[k - 1]
    mentor_topics = rng.choice(topics, size=(mentors, 3))

    # Sessions: mentors by a power law of their rank, mentees uniformly; each person's
    # sessions in hourly slots of their own.
    weights = 1 / np.sqrt(np.arange(1, mentors + 1))
    mentor_of = rng.choice(mentors, size=sessions, p=weights / weights.sum())
    mentee_of = rng.choice(user_ids, size=sessions)
    clash = mentee_of == mentor_users[mentor_of]
    mentee_of[clash] = (mentee_of[clash] % people) + 1  # nobody books themselves
    free: dict[int, int] = {}
    slots = np.empty(sessions, dtype=np.int64)
    for i, (mentor, mentee) in enumerate(
        zip(mentor_users[mentor_of].tolist(), mentee_of.tolist(), strict=True)
    ):
        slot = max(free.get(mentor, 0), free.get(mentee, 0))
        slots[i] = slot
        free[mentor] = free[mentee] = slot + 1
    first = now - SLOT * (int(slots.max()) + 48)
    status_of = _pick(rng, STATUSES, sessions)
    topic_of = mentor_topics[mentor_of, rng.integers(0, 3, size=sessions)]
    with_situation = rng.random(sessions) < WITH_SITUATION

    started = time.perf_counter()
    with transaction.atomic():
        public = iter(new_public_ids(people))
        loader.load(
            User,
            ("id", "password", "public_id", "email", "display_name", "date_joined"),
            (
                (pk, "!", next(public), f"person{pk}@bench.example", f"Person {pk}", first)
                for pk in user_ids.tolist()
            ),
        )
        loader.load(
            MentorProfile,
            ("id", "user_id", "headline", "bio", "created_at", "updated_at"),
            (
                (pk, user, "Mentor", "Helps people.", first, first)
                for pk, user in zip(profile_ids.tolist(), mentor_users.tolist(), strict=True)
            ),
        )
        situations: dict[tuple[int, int], int] = {}
        situation_of = np.zeros(sessions, dtype=np.int64)
        for i in np.flatnonzero(with_situation).tolist():
            key = (int(mentee_of[i]), int(topic_of[i]))
            situation_of[i] = situations.setdefault(key, len(situations) + 1)
        public = iter(new_public_ids(len(situations)))
        loader.load(
            Situation,
            (
                "id",
                "public_id",
                "mentee_id",
                "title",
                "text",
                "topic_id",
                "created_at",
                "updated_at",
            ),
            (
                (pk, next(public), mentee, "", "A situation.", topic, first, first)
                for (mentee, topic), pk in situations.items()
            ),
        )
        public = iter(new_public_ids(sessions))
        statuses = [row[0] for row in STATUSES]
        confirmed = [row[2] for row in STATUSES]

        def bookings():
            for i in range(sessions):
                start = first + SLOT * int(slots[i])
                kind = int(status_of[i])
                yield (
                    i + 1,
                    next(public),
                    int(mentor_of[i]) + 1,
                    int(mentee_of[i]),
                    int(situation_of[i]) or None,
                    start,
                    start + timedelta(minutes=30),
                    30,
                    0,
                    "EUR",
                    statuses[kind],
                    start - timedelta(days=2) if confirmed[kind] else None,
                    f"bench-{i + 1}",
                    start - timedelta(days=3),
                    start,
                )

        loader.load(
            Booking,
            (
                "id",
                "public_id",
                "mentor_id",
                "mentee_id",
                "situation_id",
                "start",
                "end",
                "minutes",
                "price_minor",
                "currency",
                "status",
                "confirmed_at",
                "room",
                "created_at",
                "updated_at",
            ),
            bookings(),
        )
        completed = np.flatnonzero(status_of == 0)
        loader.load(
            Outcome,
            ("booking_id", "mentor_id", "mentee_id", "topic_id", "follow_up_at", "created_at"),
            (
                (i + 1, int(mentor_of[i]) + 1, int(mentee_of[i]), int(topic_of[i]), now, now)
                for i in completed.tolist()
            ),
        )
        by_mentee = completed[rng.random(len(completed)) < REVIEWED_BY_MENTEE]
        by_mentor = completed[rng.random(len(completed)) < REVIEWED_BY_MENTOR]
        stars = iter(
            np.array([row[0] for row in STARS])[
                _pick(rng, STARS, len(by_mentee) + len(by_mentor))
            ].tolist()
        )
        public = iter(new_public_ids(len(by_mentee) + len(by_mentor)))

        def reviews():
            for i, mentor_side in [(i, True) for i in by_mentee.tolist()] + [
                (i, False) for i in by_mentor.tolist()
            ]:
                mentee, mentor = int(mentee_of[i]), int(mentor_users[mentor_of[i]])
                written = first + SLOT * int(slots[i]) + timedelta(hours=2)
                yield (
                    next(public),
                    i + 1,
                    mentee if mentor_side else mentor,
                    mentor if mentor_side else mentee,
                    "mentor" if mentor_side else "mentee",
                    int(topic_of[i]) if situation_of[i] else None,
                    next(stars),
                    written,
                    written,
                    written,
                )

        loader.load(
            Review,
            (
                "public_id",
                "booking_id",
                "author_id",
                "subject_id",
                "subject_party",
                "topic_id",
                "stars",
                "reveal_at",
                "created_at",
                "updated_at",
            ),
            reviews(),
        )
        # Written perspectives: a request per 30 sessions, each sent to three mentors.
        requests = max(1, sessions // 30)
        asker = rng.choice(user_ids, size=requests)
        request_topic = rng.choice(topics, size=requests)
        public = iter(new_public_ids(requests))
        loader.load(
            PerspectiveRequest,
            ("id", "public_id", "mentee_id", "title", "question", "topic_id", "created_at"),
            (
                (
                    pk,
                    next(public),
                    int(asker[pk - 1]),
                    "A question",
                    "What would you do?",
                    int(request_topic[pk - 1]),
                    first,
                )
                for pk in range(1, requests + 1)
            ),
        )
        answer_status = [row[0] for row in ANSWER_STATUSES]

        def asks():
            for request in range(1, requests + 1):
                chosen = set(rng.choice(mentors, size=3, p=weights / weights.sum()).tolist())
                for profile in chosen:
                    if mentor_users[profile] == asker[request - 1]:
                        continue
                    status = answer_status[int(_pick(rng, ANSWER_STATUSES, 1)[0])]
                    yield (
                        next(public_asks),
                        request,
                        profile + 1,
                        0,
                        "EUR",
                        status,
                        "My answer." if status == "answered" else "",
                        first,
                    )

        public_asks = iter(new_public_ids(requests * 3))
        loader.load(
            PerspectiveAsk,
            (
                "public_id",
                "request_id",
                "mentor_id",
                "price_minor",
                "currency",
                "status",
                "answer",
                "created_at",
            ),
            asks(),
        )
        loader.sequences_reset()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        # Fresh statistics and, on PostgreSQL, the visibility map index-only scans need,
        # as autovacuum leaves them on a live database.
        cursor.execute("VACUUM ANALYZE" if loader.postgres else "ANALYZE")
        if loader.postgres:
            # The planner's costs for a database on SSD, as the operator docs advise
            # (PostgreSQL's default of 4 assumes spinning disks).
            cursor.execute(
                f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
                f"SET random_page_cost = {RANDOM_PAGE_COST}"
            )
    connection.close()  # new sessions read the database's settings
    analyzed = time.perf_counter() - started
    busiest = np.bincount(mentor_of, minlength=mentors)
    heavy = np.argsort(-busiest)[:HEAVY]
    return {
        "mentor_users": mentor_users,
        "heavy": [int(mentor_users[k]) for k in heavy],
        "heavy_sessions": [int(busiest[k]) for k in heavy],
        # Confirmed sessions' (mentee, mentor) as one array, not a million Python tuples
        # for the garbage collector to walk while the queries are timed.
        "sessions": np.column_stack([mentee_of, mentor_users[mentor_of]])[
            np.isin(status_of, [k for k, row in enumerate(STATUSES) if row[2]])
        ],
        "load_s": loaded,
        "analyze_s": analyzed,
        "situations": len(situations),
        "reviews": len(by_mentee) + len(by_mentor),
        "outcomes": len(completed),
        "requests": requests,
    }


def timed(calls: Iterable, action: Callable) -> list[float]:
    seconds = []
    for item in calls:
        tick = time.perf_counter()
        action(item)
        seconds.append(time.perf_counter() - tick)
    return seconds


def percentile(seconds: list[float], share: float) -> float:
    return float(np.percentile(seconds, share * 100) * 1e3) if seconds else 0.0


def measure(world: dict, *, people: int, samples: int, seed_value: int) -> dict[str, list[float]]:
    from headstrt.accounts.models import User
    from headstrt.network.discovery import mentors_rated_by_network, network_discovery
    from headstrt.network.figures import network_figures
    from headstrt.network.graph import tied_within_two_hops, within_two_hops
    from headstrt.network.layout import network_svg
    from headstrt.network.selectors import network_of

    rng = random.Random(seed_value)
    persons = [User.objects.get(pk=pk) for pk in rng.sample(range(1, people + 1), samples)]
    heavy = list(User.objects.filter(pk__in=world["heavy"]))
    sessions = world["sessions"]
    parties = [tuple(sessions[i].tolist()) for i in rng.sample(range(len(sessions)), samples)]
    mediators = rng.sample(range(1, people + 1), MEDIATORS)

    def page(user):
        # What the page reads: the network, its drawing, and discovery over its reach.
        network = network_of(user=user)
        network_svg(network)
        network_discovery(user=user, reach=network.reach)

    def neutrality(pair):
        # What choosing a mediator asks: which of the pool are within two hops of a party.
        tied_within_two_hops(set(pair), mediators)

    # Warm the caches once, as a serving database is: every sampled page and check once.
    for user in persons + heavy:
        page(user)
    for pair in parties:
        neutrality(pair)
    heavy_parties = [(int(rng.choice(sessions)[0]), user.pk) for user in heavy]
    # Everything loaded so far stays put: the collector skips it, as in a server process.
    gc.collect()
    gc.freeze()
    return {
        "figures": timed(persons, lambda user: network_figures(user=user)),
        "graph": timed(persons, lambda user: network_svg(network_of(user=user))),
        "discovery": timed(persons, lambda user: mentors_rated_by_network(user=user)),
        "page": timed(persons, page),
        "neutrality": timed(parties, neutrality),
        "two-hop set": timed(parties, lambda pair: within_two_hops(set(pair))),
        "heavy page": timed(heavy, page),
        "heavy neutrality": timed(heavy_parties, neutrality),
        "heavy two-hop set": timed(heavy_parties, lambda pair: within_two_hops(set(pair))),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--sessions", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()

    with fresh_database("headstrt-network-") as vendor:
        tick = time.perf_counter()
        world = seed(people=args.people, sessions=args.sessions, seed_value=args.seed)
        seeding = time.perf_counter() - tick
        print(
            f"{vendor}: {args.people:,} people, {args.sessions:,} sessions, "
            f"{world['situations']:,} situations, {world['outcomes']:,} outcomes, "
            f"{world['reviews']:,} reviews, {world['requests']:,} written requests seeded in "
            f"{seeding:.1f} s (load {world['load_s']:.1f} s, analyze {world['analyze_s']:.1f} s); "
            f"busiest mentors' sessions: {world['heavy_sessions']}"
            + (f"; random_page_cost={RANDOM_PAGE_COST}" if vendor == "postgresql" else ""),
            flush=True,
        )
        timings = measure(world, people=args.people, samples=args.samples, seed_value=args.seed)
    print(f"{'query':<18}{'calls':>6}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}")
    for name, seconds in timings.items():
        print(
            f"{name:<18}{len(seconds):>6}{percentile(seconds, 0.5):>9.1f}"
            f"{percentile(seconds, 0.95):>9.1f}{max(seconds) * 1e3:>9.1f}"
        )
    sampled = [s for name in MEASURED for s in timings[name]]
    print(
        f"RESULT people={args.people} sessions={args.sessions} "
        f"p50_ms={percentile(sampled, 0.5):.1f} p95_ms={percentile(sampled, 0.95):.1f} "
        f"neutrality_p95_ms={percentile(timings['neutrality'], 0.95):.1f} "
        f"page_p95_ms={percentile(timings['page'], 0.95):.1f} "
        f"two_hop_set_p95_ms={percentile(timings['two-hop set'], 0.95):.1f} "
        f"heavy_max_ms={max(timings['heavy page'] + timings['heavy neutrality']) * 1e3:.1f} "
        f"seed_s={seeding:.0f}"
    )


if __name__ == "__main__":
    main()
