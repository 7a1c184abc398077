"""Free-slot computation speed: one mentor over 4 weeks, 1,000 mentors over 1 and 4 weeks.

Usage: python benchmarks/slots_speed.py [--mentors 1000] [--repeat 200]

Synthetic but realistic mentors: a zone among 16 (whole, half and three-quarter hour
offsets, northern and southern DST), 3 to 6 working days with one or two ranges each, a day
off or a changed day now and then, 30/60 or 15/30/45/60-minute offers, a 0-15 minute buffer,
2 hours' notice, a 30-day horizon, at most 4 sessions a day, and 40-70% of their weekly
capacity already booked (confirmed bookings placed in their own free slots, from a week
before "now" to the end of the horizon).

Pure: ``slots_compute`` on ``Availability`` values and busy intervals, 30-minute slots.
Through the database: ``mentor_free_slots`` (the policy, rules, exceptions and offers of the
mentor, plus the busy-time query) on a fresh database, SQLite or PostgreSQL when
DATABASE_URL is set (a fresh database is created on that server and dropped afterwards).
"""

import argparse
import random
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh_database import fresh_database  # noqa: E402

ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/St_Johns",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
]
NOW = datetime(2026, 11, 24, 9, 17, 23, tzinfo=UTC)
WEEK, FOUR_WEEKS = timedelta(days=7), timedelta(days=28)
MINUTES = 30


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(label: str, seconds: list[float]) -> dict:
    ms = [value * 1e3 for value in seconds]
    figures = {
        "p50": percentile(ms, 0.5),
        "p95": percentile(ms, 0.95),
        "total": sum(ms),
        "n": len(ms),
    }
    print(
        f"  {label:<46} p50 {figures['p50']:7.3f} ms  p95 {figures['p95']:7.3f} ms  "
        f"total {figures['total']:9.1f} ms  (n={len(ms)})",
        flush=True,
    )
    return figures


class MentorSpec:
    """One synthetic mentor: an ``Availability`` and the busy intervals booked in it."""

    def __init__(self, rng: random.Random, index: int):
        from headstrt.scheduling.slots import Availability

        self.zone = ZONES[index % len(ZONES)]
        days = sorted(rng.sample(range(7), rng.randint(3, 6)))
        weekly = {}
        for day in days:
            morning = rng.choice([7, 8, 9, 10]) * 60 + rng.choice([0, 30])
            ranges = [(morning, morning + rng.choice([180, 240]))]
            if rng.random() < 0.6:
                evening = rng.choice([14, 16, 17, 18]) * 60
                ranges.append((evening, evening + rng.choice([120, 180, 240])))
            weekly[day] = tuple(ranges)
        local_today = NOW.astimezone(ZoneInfo(self.zone)).date()
        overrides = {}
        for _ in range(rng.randint(0, 3)):
            day = local_today + timedelta(days=rng.randint(0, 27))
            overrides[day] = () if rng.random() < 0.6 else ((12 * 60, 15 * 60),)
        self.capacity = rng.randint(4, 15)
        self.availability = Availability(
            zone=self.zone,
            weekly=weekly,
            overrides=overrides,
            offered_minutes=frozenset(rng.choice([(30, 60), (15, 30, 45, 60)])),
            buffer_minutes=rng.choice([0, 5, 10, 15]),
            minimum_notice_minutes=120,
            horizon_days=30,
            max_sessions_per_day=4,
            max_sessions_per_week=self.capacity,
        )
        self.busy = self._book(rng)

    def _book(self, rng: random.Random) -> list[tuple[datetime, datetime]]:
        """Fill 40-70% of each week's capacity with sessions in the mentor's free slots."""
        from headstrt.scheduling.slots import slots_compute

        open_availability = replace(self.availability, minimum_notice_minutes=0, horizon_days=60)
        busy: list[tuple[datetime, datetime]] = []
        for week in range(-1, 5):
            start = NOW + week * WEEK
            for _ in range(round(self.capacity * rng.uniform(0.4, 0.7))):
                length = rng.choice(sorted(open_availability.offered_minutes))
                free = slots_compute(
                    open_availability,
                    minutes=length,
                    start=start,
                    end=start + WEEK,
                    now=start - timedelta(days=1),
                    busy=busy,
                )
                if free:
                    slot = rng.choice(free)
                    busy.append((slot.start, slot.end))
        return sorted(busy)


def clear_offset_cache() -> None:
    from headstrt.scheduling.slots import _offset_segments

    _offset_segments.cache_clear()


def time_pure(specs: list[MentorSpec], args) -> dict:
    from headstrt.scheduling.slots import slots_compute

    print("Pure computation (slots_compute, 30-minute slots):", flush=True)
    one = specs[0]

    def compute(spec, span):
        return slots_compute(
            spec.availability, minutes=MINUTES, start=NOW, end=NOW + span, now=NOW, busy=spec.busy
        )

    results = {}
    cold = []
    for _ in range(args.repeat):
        clear_offset_cache()
        tick = time.perf_counter()
        compute(one, FOUR_WEEKS)
        cold.append(time.perf_counter() - tick)
    results["one_4w_cold"] = summary("1 mentor, 4 weeks, zone cache cold", cold)
    warm = []
    for _ in range(args.repeat):
        tick = time.perf_counter()
        compute(one, FOUR_WEEKS)
        warm.append(time.perf_counter() - tick)
    results["one_4w"] = summary("1 mentor, 4 weeks, zone cache warm", warm)
    print(f"  ({len(compute(one, FOUR_WEEKS))} free slots, {len(one.busy)} busy intervals)")
    for label, span in (("1w", WEEK), ("4w", FOUR_WEEKS)):
        clear_offset_cache()
        per_mentor, slots = [], 0
        for spec in specs:
            tick = time.perf_counter()
            slots += len(compute(spec, span))
            per_mentor.append(time.perf_counter() - tick)
        name = f"{len(specs):,} mentors, {label[0]} week{'s' if label == '4w' else ''} each"
        results[f"all_{label}"] = summary(f"{name}, cache cold at start", per_mentor)
        print(f"  ({slots:,} free slots in all)")
    return results


def load_mentors(specs: list[MentorSpec]) -> None:
    """Write the synthetic mentors, their rules, policies and bookings in bulk."""
    from headstrt.accounts.models import MentorProfile, SessionOffer, User
    from headstrt.scheduling.models import (
        AvailabilityException,
        AvailabilityRule,
        Booking,
        BookingStatus,
        SchedulingPolicy,
    )

    def clock(minutes: int) -> clock_time:
        return clock_time((minutes // 60) % 24, minutes % 60)

    users = User.objects.bulk_create(
        User(email=f"mentor{i}@bench.example", display_name=f"Mentor {i}", time_zone=spec.zone)
        for i, spec in enumerate(specs)
    )
    mentees = User.objects.bulk_create(
        User(email=f"mentee{i}@bench.example", display_name=f"Mentee {i}") for i in range(2000)
    )
    profiles = MentorProfile.objects.bulk_create(
        MentorProfile(user=user, headline="Mentor", bio="Bio", weekly_capacity=spec.capacity)
        for user, spec in zip(users, specs, strict=True)
    )
    rows = {"offers": [], "rules": [], "exceptions": [], "policies": [], "bookings": []}
    mentee_busy: dict[int, list[tuple[datetime, datetime]]] = {}
    rng = random.Random(5)
    for profile, spec in zip(profiles, specs, strict=True):
        availability = spec.availability
        rows["offers"] += [
            SessionOffer(mentor=profile, minutes=m, price_minor=100 * m)
            for m in availability.offered_minutes
        ]
        rows["rules"] += [
            AvailabilityRule(mentor=profile, weekday=day, start=clock(low), end=clock(high))
            for day, ranges in availability.weekly.items()
            for low, high in ranges
        ]
        for day, ranges in availability.overrides.items():
            rows["exceptions"] += [
                AvailabilityException(mentor=profile, date=day, start=clock(low), end=clock(high))
                for low, high in ranges
            ] or [AvailabilityException(mentor=profile, date=day)]
        rows["policies"].append(
            SchedulingPolicy(
                mentor=profile,
                buffer_minutes=availability.buffer_minutes,
                minimum_notice_minutes=availability.minimum_notice_minutes,
                horizon_days=availability.horizon_days,
                max_sessions_per_day=availability.max_sessions_per_day,
            )
        )
        for start, end in spec.busy:
            # A mentee free at that time (PostgreSQL refuses a mentee's overlapping sessions).
            while True:
                mentee = rng.choice(mentees)
                taken = mentee_busy.setdefault(mentee.pk, [])
                if all(
                    end <= other_start or start >= other_end for other_start, other_end in taken
                ):
                    taken.append((start, end))
                    break
            minutes = int((end - start).total_seconds() // 60)
            rows["bookings"].append(
                Booking(
                    mentor=profile,
                    mentee=mentee,
                    start=start,
                    end=end,
                    minutes=minutes,
                    price_minor=100 * minutes,
                    currency="EUR",
                    status=BookingStatus.CONFIRMED,
                    confirmed_at=start - timedelta(days=3),
                )
            )
    SessionOffer.objects.bulk_create(rows["offers"])
    AvailabilityRule.objects.bulk_create(rows["rules"])
    AvailabilityException.objects.bulk_create(rows["exceptions"])
    SchedulingPolicy.objects.bulk_create(rows["policies"])
    Booking.objects.bulk_create(rows["bookings"], batch_size=2000)


def time_database(specs: list[MentorSpec], args) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from headstrt.accounts.models import MentorProfile
    from headstrt.scheduling.selectors import busy_intervals_of_people, mentor_free_slots
    from headstrt.scheduling.slots import mentor_availability, slots_compute

    print(f"Through the database ({connection.vendor}, mentor_free_slots):", flush=True)
    tick = time.perf_counter()
    load_mentors(specs)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # autovacuum would have, on a live database
    print(f"  loaded {len(specs):,} mentors in {time.perf_counter() - tick:.1f} s", flush=True)
    ids = list(MentorProfile.objects.order_by("pk").values_list("pk", flat=True))
    results = {}

    # One mentor as one request sees it: load the profile, then its free slots.
    def one_request(pk, span):
        profile = MentorProfile.objects.select_related("user").get(pk=pk)
        return mentor_free_slots(
            mentor=profile, minutes=MINUTES, start=NOW, end=NOW + span, now=NOW
        )

    with CaptureQueriesContext(connection) as queries:
        expected = one_request(ids[0], FOUR_WEEKS)
    pure = slots_compute(
        specs[0].availability,
        minutes=MINUTES,
        start=NOW,
        end=NOW + FOUR_WEEKS,
        now=NOW,
        busy=specs[0].busy,
    )
    assert expected == pure, "the database and the pure computation disagree"
    timings = []
    for _ in range(args.repeat):
        tick = time.perf_counter()
        one_request(ids[0], FOUR_WEEKS)
        timings.append(time.perf_counter() - tick)
    results["one_4w"] = summary(f"1 mentor, 4 weeks ({len(queries)} queries)", timings)

    def load_profiles():
        return list(
            MentorProfile.objects.select_related("user", "scheduling_policy")
            .prefetch_related("availability_rules", "availability_exceptions", "offers")
            .order_by("pk")
        )

    # Many mentors: profiles and their rules prefetched in a few queries, then one
    # busy-time query per mentor inside mentor_free_slots ...
    for label, span in (("1w", WEEK), ("4w", FOUR_WEEKS)):
        clear_offset_cache()
        tick = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            profiles = load_profiles()
            prefetch = time.perf_counter() - tick
            per_mentor = []
            for profile in profiles:
                start = time.perf_counter()
                mentor_free_slots(
                    mentor=profile, minutes=MINUTES, start=NOW, end=NOW + span, now=NOW
                )
                per_mentor.append(time.perf_counter() - start)
        total = time.perf_counter() - tick
        name = f"{len(specs):,} mentors, {label[0]} week{'s' if label == '4w' else ''} each"
        figures = summary(f"{name}, per mentor", per_mentor)
        figures["total"] = total * 1e3
        figures["queries"] = len(queries)
        print(
            f"  {'':<46} total {total * 1e3:.0f} ms including {prefetch * 1e3:.0f} ms loading "
            f"the profiles; {len(queries)} queries",
            flush=True,
        )
        results[f"all_{label}"] = figures

        # ... or, as a listing does, everyone's busy time in one query.
        clear_offset_cache()
        tick = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            profiles = load_profiles()
            busy = busy_intervals_of_people(
                users=[profile.user for profile in profiles],
                start=NOW - timedelta(days=8),
                end=NOW + span + timedelta(days=8),
                now=NOW,
            )
            for profile in profiles:
                slots_compute(
                    mentor_availability(profile),
                    minutes=MINUTES,
                    start=NOW,
                    end=NOW + span,
                    now=NOW,
                    busy=busy.get(profile.user_id, ()),
                )
        bulk = (time.perf_counter() - tick) * 1e3
        results[f"bulk_{label}"] = bulk
        print(
            f"  {name}, busy time of all in one query: total {bulk:.0f} ms; {len(queries)} queries",
            flush=True,
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mentors", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=200, help="timings of the one mentor")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()

    with fresh_database("headstrt-slots-"):
        rng = random.Random(args.seed)
        tick = time.perf_counter()
        specs = [MentorSpec(rng, index) for index in range(args.mentors)]
        busy = sum(len(spec.busy) for spec in specs)
        print(
            f"{args.mentors:,} synthetic mentors with {busy:,} booked sessions "
            f"(generated in {time.perf_counter() - tick:.1f} s)",
            flush=True,
        )
        pure = time_pure(specs, args)
        database = time_database(specs, args)
    print(
        "RESULT "
        f"one_mentor_4w_ms={pure['one_4w']['p50']:.3f} "
        f"one_mentor_4w_db_ms={database['one_4w']['p50']:.3f} "
        f"thousand_mentors_ms={pure['all_1w']['total']:.1f} "
        f"thousand_mentors_db_ms={database['all_1w']['total']:.1f} "
        f"thousand_mentors_bulk_db_ms={database['bulk_1w']:.1f} "
        f"thousand_mentors_4w_ms={pure['all_4w']['total']:.1f} "
        f"thousand_mentors_4w_db_ms={database['all_4w']['total']:.1f}"
    )


if __name__ == "__main__":
    main()
