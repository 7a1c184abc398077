"""Bulk seeding of a synthetic platform at scale (100,000 people, 1,000,000 sessions), shared
by the scale benchmarks (network.py, pages.py).

People (a fifth of them mentors), situations, sessions, outcomes, reviews and written
perspectives are loaded with raw inserts (COPY on PostgreSQL), every required column filled
and every person's sessions at distinct times, so PostgreSQL's exclusion constraints hold.
Most sessions are past; about 5 % lie in the next 30 days, confirmed or requested (waiting
for the mentor), so the pages of what comes next face data at scale too: each person's
upcoming sessions fall on random hours of those days, never two at once.
Mentors' popularity follows a power law (weight 1/sqrt(rank)): the busiest mentor has
thousands of sessions, most a few dozen; mentees pick mentors at random, with no
communities. PostgreSQL gets the planner costs of a database on SSD (``random_page_cost``
1.1).
"""

import time
from collections.abc import Iterable, Sequence
from datetime import timedelta

import numpy as np

MENTOR_SHARE = 0.2
REVIEWED_BY_MENTEE, REVIEWED_BY_MENTOR = 0.4, 0.25
WITH_SITUATION = 0.6
STARS = ((5, 0.5), (4, 0.3), (3, 0.12), (2, 0.05), (1, 0.03))
# (status, share, confirmed at some point) of past sessions
STATUSES = (
    ("completed", 0.85, True),
    ("no_show", 0.03, True),
    ("cancelled", 0.04, True),
    ("declined", 0.04, False),
    ("expired", 0.04, False),
)
UPCOMING_SHARE = 0.05
# (status, share) of upcoming sessions, in the next UPCOMING_DAYS
UPCOMING_STATUSES = (("confirmed", 0.8), ("requested", 0.2))
UPCOMING_DAYS = 30
# Bump when what ``seed`` loads changes: a kept database seeded otherwise is reseeded.
VERSION = 2
ANSWER_STATUSES = (("answered", 0.6), ("declined", 0.15), ("expired", 0.1), ("asked", 0.15))
HEAVY = 10
RANDOM_PAGE_COST = 1.1
SLOT = timedelta(hours=1)
JOINED = timedelta(minutes=7)


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
    upcoming = rng.random(sessions) < UPCOMING_SHARE
    # Past sessions: each person's in consecutive hourly slots from ``first``. Upcoming
    # ones: at a random hour of the next UPCOMING_DAYS from tomorrow, or the next hour free
    # for both people.
    wanted = rng.integers(0, UPCOMING_DAYS * 24, size=sessions).tolist()
    free: dict[int, int] = {}
    booked: dict[int, set[int]] = {}
    slots = np.empty(sessions, dtype=np.int64)
    for i, (mentor, mentee, ahead) in enumerate(
        zip(mentor_users[mentor_of].tolist(), mentee_of.tolist(), upcoming.tolist(), strict=True)
    ):
        if ahead:
            hours, theirs = booked.setdefault(mentor, set()), booked.setdefault(mentee, set())
            slot = wanted[i]
            while slot in hours or slot in theirs:
                slot += 1
            hours.add(slot)
            theirs.add(slot)
        else:
            slot = max(free.get(mentor, 0), free.get(mentee, 0))
            free[mentor] = free[mentee] = slot + 1
        slots[i] = slot
    first = now - SLOT * (int(slots[~upcoming].max(initial=0)) + 48)
    tomorrow = now.replace(minute=0, second=0) + timedelta(days=1)
    status_of = _pick(rng, STATUSES, sessions)
    # Upcoming sessions: statuses after the past ones' (so never counted as completed).
    status_of[upcoming] = len(STATUSES) + _pick(rng, UPCOMING_STATUSES, int(upcoming.sum()))
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
                # Mentors join over time, so the directory's newest-first order has no ties.
                (pk, user, "Mentor", "Helps people.", first + pk * JOINED, first)
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
        statuses = [row[0] for row in STATUSES] + [row[0] for row in UPCOMING_STATUSES]
        confirmed = [row[2] for row in STATUSES] + [
            row[0] == "confirmed" for row in UPCOMING_STATUSES
        ]
        requested = statuses.index("requested")

        def bookings():
            for i in range(sessions):
                start = (tomorrow if upcoming[i] else first) + SLOT * int(slots[i])
                kind = int(status_of[i])
                created = min(start, now) - timedelta(days=3)
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
                    created + timedelta(days=1) if confirmed[kind] else None,
                    min(start, now + timedelta(days=2)) if kind == requested else None,
                    f"bench-{i + 1}",
                    created,
                    min(start, now),
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
                "respond_by",
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
        # Past confirmed sessions' (mentee, mentor) as one array, not a million Python
        # tuples for the garbage collector to walk while the queries are timed.
        "sessions": np.column_stack([mentee_of, mentor_users[mentor_of]])[
            np.isin(status_of, [k for k, row in enumerate(STATUSES) if row[2]])
        ],
        "upcoming": int(upcoming.sum()),
        "load_s": loaded,
        "analyze_s": analyzed,
        "situations": len(situations),
        "reviews": len(by_mentee) + len(by_mentor),
        "outcomes": len(completed),
        "requests": requests,
    }
