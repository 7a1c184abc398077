"""Booking races over HTTP: many concurrent clients, never two bookings in one time.

Usage: python benchmarks/booking_race.py [--clients 200] [--rounds 6] [--mentors 40]
                                         [--server serve|dev] [--workers 4]

Starts the server on a fresh database (SQLite in a temporary folder, or a fresh PostgreSQL
database when DATABASE_URL is set, dropped afterwards): by default the production server
(``headstrt serve``: gunicorn with 4 workers of 4 threads, as docs/deploy.md deploys it);
``--server dev`` runs Django's development server, whose listen queue of 10 connections cannot take
200 clients at once (refused connections count as server errors). It seeds mentors
(08:00-20:00 every day in four zones, 30 and 60-minute sessions, 10-minute buffer) and one
mentee with an API token per client, then runs rounds in which every client sends
``POST /api/v1/bookings`` at the same moment, each on its own connection:

* same slot: all clients ask for one mentor's one 30-minute slot;
* overlapping: each client picks at random, among all mentors, a 60-minute slot, one of the
  two 30-minute slots inside it, or the 30-minute slot right after it (within the buffer).

Every answer is judged against all bookings accepted so far: accepted bookings must never
clash and every 409 must be explained by an accepted booking that clashes as its code says.
Afterwards the database is read: it must hold exactly the accepted bookings, with no two of
one mentor overlapping or within the buffer and no two of one mentee overlapping.
"""

import argparse
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.live_server import (  # noqa: E402
    Attempt,
    LiveServer,
    contested_groups,
    judge,
    race,
)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def plan_round(number: int, seeded: dict, groups: list[list], rng: random.Random) -> tuple:
    """The attempts of round ``number``: even rounds race for one slot, odd ones overlap."""
    mentors, mentees = seeded["mentors"], seeded["mentees"]

    def attempt(mentee: dict, mentor: int, start, minutes: int) -> Attempt:
        return Attempt(mentee["id"], mentee["token"], mentors[mentor]["id"], start, minutes)

    if number % 2 == 0:
        mentor = number % len(mentors)
        start, minutes = groups[mentor][number][1]
        return "same slot", [attempt(mentee, mentor, start, minutes) for mentee in mentees]
    attempts = []
    for mentee in mentees:
        mentor = rng.randrange(len(mentors))
        start, minutes = rng.choice(groups[mentor][number])
        attempts.append(attempt(mentee, mentor, start, minutes))
    return "overlapping", attempts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200, help="concurrent clients per round")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--mentors", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--server", choices=["serve", "dev"], default="serve")
    parser.add_argument("--workers", type=int, default=4, help="server worker processes")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with LiveServer(kind=args.server, workers=args.workers) as server:
        tick = time.perf_counter()
        seeded = server.run("seed", mentors=args.mentors, mentees=args.clients, days=7)
        buffer = timedelta(minutes=seeded["buffer_minutes"])
        groups = [contested_groups(mentor, args.rounds) for mentor in seeded["mentors"]]
        print(
            f"{server.description}: {args.mentors} mentors and "
            f"{args.clients} mentees with tokens seeded in {time.perf_counter() - tick:.1f} s",
            flush=True,
        )
        # Warm every worker up (imports, URL resolvers, API schemas) with requests the
        # booking service refuses because their time has passed.
        yesterday = groups[0][0][0][0] - timedelta(days=3)
        warm_up = [
            Attempt(mentee["id"], mentee["token"], seeded["mentors"][0]["id"], yesterday, 30)
            for mentee in seeded["mentees"][: 4 * args.workers]
        ]
        for _ in range(2):
            answers = {outcome.answer.code for outcome in race(server, warm_up)}
            assert answers == {"in_past"}, answers

        accepted, refused, server_errors, unexpected, wrongly_refused = [], 0, 0, 0, 0
        clashing, latencies, racing_seconds = 0, [], 0.0
        for number in range(args.rounds):
            kind, attempts = plan_round(number, seeded, groups, rng)
            tick = time.perf_counter()
            outcomes = race(server, attempts)
            seconds = time.perf_counter() - tick
            racing_seconds += seconds
            verdict = judge(outcomes, accepted, buffer)
            accepted += verdict.accepted
            refused += len(verdict.refused)
            server_errors += len(verdict.server_errors)
            unexpected += len(verdict.unexpected)
            wrongly_refused += len(verdict.wrongly_refused)
            clashing += len(verdict.clashing_accepted)
            times = [outcome.answer.seconds * 1e3 for outcome in outcomes]
            latencies += times
            codes = {}
            for outcome in verdict.refused:
                codes[outcome.answer.code] = codes.get(outcome.answer.code, 0) + 1
            print(
                f"round {number + 1} ({kind:>11}): {len(attempts)} requests in {seconds:5.2f} s "
                f"({len(attempts) / seconds:5.0f}/s) | accepted {len(verdict.accepted):3d} "
                f"refused {len(verdict.refused):3d} {codes} | 5xx {len(verdict.server_errors)} "
                f"| latency p50 {statistics.median(times):6.0f} ms "
                f"p95 {percentile(times, 0.95):6.0f} ms",
                flush=True,
            )
            for outcome in verdict.server_errors[:3]:
                print(f"  server error: {outcome.answer}", flush=True)

        found = server.run("check")
        in_database = {tuple(row) for row in found["bookings"]}
        answered = {
            (o.attempt.mentor, o.attempt.mentee, o.attempt.start.isoformat(), o.attempt.minutes)
            for o in accepted
        }
        double_bookings = len(found["mentor_overlaps"]) + len(found["mentee_overlaps"])
        requests = args.clients * args.rounds
        print(
            f"requests {requests}, accepted {len(accepted)}, refused (409) {refused}, "
            f"5xx {server_errors}, other answers or wrong codes {unexpected}\n"
            f"refused although nothing clashed {wrongly_refused}; accepted answers that clash "
            f"{clashing}; database: {found['occupying']} occupying bookings, "
            f"{double_bookings} overlapping pairs, {len(found['mentor_buffer_violations'])} "
            f"pairs within a buffer, {len(in_database ^ answered)} differing from the answers\n"
            f"racing time {racing_seconds:.2f} s: {requests / racing_seconds:.0f} requests/s, "
            f"latency p50 {statistics.median(latencies):.0f} ms "
            f"p95 {percentile(latencies, 0.95):.0f} ms",
            flush=True,
        )
        failed = (
            double_bookings
            or server_errors
            or unexpected
            or wrongly_refused
            or clashing
            or found["mentor_buffer_violations"]
            or in_database != answered
        )
    print(
        f"RESULT double_bookings={double_bookings} server_errors={server_errors} "
        f"accepted={len(accepted)} bookings_per_s={len(accepted) / racing_seconds:.1f}"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
