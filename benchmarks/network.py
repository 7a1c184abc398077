"""Graph queries at scale: the network page (figures, graph, discovery) and the dispute
neutrality check on 100,000 people and 1,000,000 sessions.

Usage: python benchmarks/network.py [--people 100000] [--sessions 1000000] [--samples 200]

On a fresh database (SQLite in a temporary folder, or a new PostgreSQL database when
DATABASE_URL is set, dropped afterwards) the benchmark bulk-loads (``scale_data.seed``)
people (a fifth of them mentors), situations, sessions, outcomes, reviews and written
perspectives with raw inserts (COPY on PostgreSQL), every required column filled and every
person's sessions at distinct times, so PostgreSQL's exclusion constraints hold. Mentors'
popularity follows a power law (weight 1/sqrt(rank)): the busiest mentor has thousands of
sessions, most a few dozen; mentees pick mentors at random, with no communities, so
two-hop sets are as large as they get for a given number of ties. PostgreSQL gets the
planner costs of a database on SSD (``random_page_cost`` 1.1). Then, warm (every sampled
call made once before timing), it times:

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
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh_database import fresh_database  # noqa: E402
from benchmarks.scale_data import RANDOM_PAGE_COST, seed  # noqa: E402

MEDIATORS = 40
# What p50_ms and p95_ms are over: the random samples. "two-hop set" (everyone within two
# hops of a session's parties) is shown for comparison: no page or check reads it whole.
MEASURED = ("figures", "graph", "discovery", "page", "neutrality")


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
