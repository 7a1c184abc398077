"""Disputes on a moving clock: time to resolution, neutrality and escrow, through the services.

Usage: python benchmarks/disputes_sim.py [--disputes 1000] [--seed 7]

On a fresh database (SQLite in a temporary folder, or a new PostgreSQL database when
DATABASE_URL is set, dropped afterwards) people in 25 communities book and pay 30-minute
sessions with the built-in test provider's card (real escrow money), and a pool of 40
mediators is seeded, some of them with sessions of their own with the parties (before the
disputes, and some in the middle of the run) or with other mediators, so neutrality
matters. Then the platform clock moves in steps of one hour; events happen at their own
minute inside a step, and every step ends with ``disputes_advance()`` and
``escrow_release_due()``, as the worker runs them. Each session is marked done (or a
no-show, or left unmarked) and disputed by one side within the dispute window; the other
side answers within 48 h (p 0.7) or stays silent; every mediator assigned proposes in time
(p 0.85; appeal mediators decide, p 0.9; one in ten first writes to the parties, which ties
them to both from then on) or misses the deadline and is replaced; each party accepts a
proposal (p 0.6), appeals (p 0.15) or stays silent. Everything is drawn from one seeded
generator, so a run is reproducible.

At the end, independently of the platform's own code: for every assignment, whether the
mediator was within two hops of either party at that moment (a breadth-first search over
confirmed sessions, reviews and dispute messages with their dates); for every dispute,
that its escrow was frozen while open and settled by exactly one ``dispute_settlement``
that splits it as resolved (the mentor's share, less the fee on it, against the refund),
leaving the escrow empty and unfrozen; that the resolution is the one the rules give
(the opener's wish on silence, else the last proposal); and that the whole ledger sums to
zero per currency.
"""

import argparse
import heapq
import random
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fresh_database import fresh_database  # noqa: E402

SEEDED_AT = datetime(2030, 1, 6, 9, 0, tzinfo=UTC)
FIRST_SESSION = datetime(2030, 1, 8, 0, 0, tzinfo=UTC)
SLOT = timedelta(minutes=30)
HOUR = timedelta(hours=1)
GOOD_CARD = "4242424242424242"
PRICE_MINOR = 4000
COMMUNITIES, MENTORS_EACH, MENTEES_EACH = 25, 4, 8
MEDIATORS = 40
# Mediators 0-11 had a session with a party's mentor before any dispute, 12-14 with one of
# mediators 0-2 (two hops from that mentor), 15-17 mentored a party's mentee, 18-22 book a
# party's mentor on day 10 of the run; the others have no tie.
TIED_BEFORE, TIED_TWO_HOPS, MENTORING_PARTIES, TIED_LATER = (
    range(0, 12),
    range(12, 15),
    range(15, 18),
    range(18, 23),
)
TIES_LATER_AT = FIRST_SESSION + timedelta(days=10)


class SimulatedClock:
    """The platform clock, moved by the benchmark instead of waiting for real time."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass(order=True)
class Event:
    """Something a person does at ``at``; ``seq`` keeps the order of equal times stable."""

    at: datetime
    seq: int
    kind: str = field(compare=False)
    payload: dict = field(compare=False)


@dataclass
class World:
    """The people, the clock, the random source and what happened."""

    rng: random.Random
    clock: SimulatedClock
    mentors: list = field(default_factory=list)  # per community: MentorProfile users
    mentees: list = field(default_factory=list)  # per community: users
    mediators: list = field(default_factory=list)  # users, index = mediator number
    events: list = field(default_factory=list)
    seq: int = 0
    seen_assignment: int = 0
    counts: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    freeze_faults: list = field(default_factory=list)
    next_free_slot: datetime = FIRST_SESSION

    def at(self, when: datetime, kind: str, **payload) -> None:
        self.seq += 1
        heapq.heappush(self.events, Event(when, self.seq, kind, payload))

    def within(self, start: datetime, hours: float, *, margin: float = 0.5) -> datetime:
        """A random moment between ``start + margin`` and ``start + hours - margin``."""
        minutes = self.rng.uniform(margin * 60, (hours - margin) * 60)
        return start + timedelta(minutes=round(minutes))


# Seeding


def _mentor(email: str):
    from datetime import time as wall_time

    from headstrt.accounts.models import MentorProfile, SessionOffer, User
    from headstrt.scheduling import services as scheduling

    user = User.objects.create_user(email, None, time_zone="UTC")
    profile = MentorProfile.objects.create(
        user=user, headline="Benchmark mentor", bio="Benchmarks.", currency="EUR"
    )
    SessionOffer.objects.create(mentor=profile, minutes=30, price_minor=PRICE_MINOR)
    scheduling.availability_set(
        user=user, rules=[(day, wall_time(0), wall_time(0)) for day in range(7)]
    )
    scheduling.scheduling_policy_save(
        user=user,
        buffer_minutes=0,
        minimum_notice_minutes=0,
        horizon_days=365,
        max_sessions_per_day=24,
        max_sessions_per_week=100,
    )
    return user


def seed(world: World) -> None:
    """Communities of mentors and mentees, the mediators (three of them also mentors) and
    one staff member, who hears when no neutral mediator is left."""
    from headstrt.accounts.models import User
    from headstrt.disputes.models import Mediator

    User.objects.create_user("staff@bench.test", None, time_zone="UTC", is_staff=True)
    for community in range(COMMUNITIES):
        world.mentors.append(
            [_mentor(f"mentor{community}-{n}@bench.test") for n in range(MENTORS_EACH)]
        )
        world.mentees.append(
            [
                User.objects.create_user(f"mentee{community}-{n}@bench.test", None)
                for n in range(MENTEES_EACH)
            ]
        )
    for number in range(MEDIATORS):
        email = f"mediator{number}@bench.test"
        is_mentor = number < 3 or number in MENTORING_PARTIES
        user = _mentor(email) if is_mentor else User.objects.create_user(email, None)
        Mediator.objects.create(user=user)
        world.mediators.append(user)


def book(world: World, *, mentee, mentor, start: datetime):
    """Hold and pay a session through the services, as the web app does."""
    from headstrt.payments.services import booking_pay
    from headstrt.scheduling import services as scheduling

    held = scheduling.booking_hold(
        mentee=mentee, mentor_id=mentor.public_id, start=start, minutes=30
    )
    return booking_pay(
        mentee=mentee,
        booking_id=held.public_id,
        objective="Benchmark session",
        agenda="",
        source=GOOD_CARD,
    )


def free_slot(world: World) -> datetime:
    """The next 30-minute slot nobody has, a day ahead at least, so no two sessions ever
    overlap."""
    start = max(world.next_free_slot, world.clock.now + timedelta(days=1))
    world.next_free_slot = start + SLOT
    return start


def seed_sessions(world: World, disputes: int) -> None:
    """The sessions to be disputed, one per slot from the first day, between a mentor and a
    mentee of the same community; then the mediators' own sessions booked before the run.
    Each disputed session gets its fate: marked done, a no-show or left unmarked."""
    rng = world.rng
    for _ in range(disputes):
        community = rng.randrange(COMMUNITIES)
        mentor = rng.choice(world.mentors[community])
        mentee = rng.choice(world.mentees[community])
        booking = book(world, mentee=mentee, mentor=mentor, start=free_slot(world))
        fate = rng.choices(["completed", "no_show", "unmarked"], [0.8, 0.08, 0.12])[0]
        marked = world.within(booking.start, 3, margin=0.5)
        world.at(marked, "mark", booking=booking, mentee=mentee, mentor=mentor, fate=fate)
    party_mentors = [person for group in world.mentors for person in group]
    party_mentees = [person for group in world.mentees for person in group]
    for number in TIED_BEFORE:
        mentee = world.mediators[number]
        book(world, mentee=mentee, mentor=rng.choice(party_mentors), start=free_slot(world))
    for number in TIED_TWO_HOPS:
        mentor = world.mediators[number - TIED_TWO_HOPS.start]
        book(world, mentee=world.mediators[number], mentor=mentor, start=free_slot(world))
    for number in MENTORING_PARTIES:
        mentor = world.mediators[number]
        book(world, mentee=rng.choice(party_mentees), mentor=mentor, start=free_slot(world))
    for number in TIED_LATER:
        world.at(TIES_LATER_AT, "tie", mediator=number, mentor=rng.choice(party_mentors))


# What people do


def refused(world: World, kind: str, error) -> None:
    world.refusals[f"{kind}:{error.code}"] += 1


def on_mark(world: World, *, booking, mentee, mentor, fate: str) -> None:
    """A participant marks the session (or nobody does); one side then opens a dispute."""
    from headstrt.scheduling import services as scheduling

    rng = world.rng
    if fate == "completed":
        marker = rng.choice([mentee, mentor])
        scheduling.booking_complete(user=marker, booking_id=booking.public_id)
    elif fate == "no_show":
        scheduling.booking_report_no_show(user=mentor, booking_id=booking.public_id)
    # Anyone can dispute within 72 hours of the end; a reported mentee contests the report.
    if fate == "no_show" or rng.random() < 0.65:
        opener, reason = mentee, rng.choice(["no_show", "quality", "conduct", "technical"])
        wanted = rng.choice(["refund", "split"])
        percent = rng.randint(10, 70) if wanted == "split" else None
    else:
        opener, reason = mentor, rng.choice(["billing", "conduct", "no_show"])
        wanted = rng.choices(["release", "split"], [0.8, 0.2])[0]
        percent = rng.randint(60, 90) if wanted == "split" else None
    latest = booking.end + timedelta(hours=71)
    opened = min(world.within(world.clock.now, 68, margin=0.25), latest)
    world.at(
        opened,
        "open",
        booking=booking,
        opener=opener,
        respondent=mentor if opener == mentee else mentee,
        reason=reason,
        wanted=wanted,
        percent=percent,
    )


def on_open(world: World, *, booking, opener, respondent, reason, wanted, percent) -> None:
    """The opener disputes the session; the respondent will answer in time, or not."""
    from headstrt.disputes.services import dispute_open
    from headstrt.payments.models import LedgerAccount

    dispute = dispute_open(
        user=opener,
        booking_id=booking.public_id,
        reason=reason,
        description="What happened, as the opener tells it.",
        wanted=wanted,
        wanted_mentor_percent=percent,
    )
    world.counts["opened"] += 1
    escrow = LedgerAccount.objects.filter(kind="escrow", booking_ref=booking.public_id).first()
    if escrow is None or not escrow.frozen or escrow.balance_minor != booking.price_minor:
        world.freeze_faults.append(booking.public_id)
    if world.rng.random() < 0.7:
        world.at(
            world.within(world.clock.now, 48),
            "respond",
            user=respondent,
            dispute=dispute.public_id,
        )


def on_respond(world: World, *, user, dispute: str) -> None:
    from headstrt.core.errors import DomainError
    from headstrt.disputes.services import dispute_respond

    try:
        dispute_respond(user=user, dispute_id=dispute, text="Our side of the story.")
        world.counts["responses"] += 1
    except DomainError as error:
        refused(world, "respond", error)


def on_assignments(world: World) -> None:
    """Every new assignment: its mediator decides in time, or lets the deadline pass."""
    from headstrt.disputes.models import Assignment

    fresh = (
        Assignment.objects.filter(pk__gt=world.seen_assignment)
        .select_related("mediator__user", "dispute__opener", "dispute__respondent")
        .order_by("pk")
    )
    for assignment in fresh:
        world.seen_assignment = assignment.pk
        world.counts[f"assignments_{assignment.stage}"] += 1
        diligence = 0.85 if assignment.stage == "first" else 0.9
        if world.rng.random() >= diligence:
            continue
        start = max(assignment.assigned_at, world.clock.now)
        proposed = world.within(start, (assignment.due_at - start).total_seconds() / 3600)
        mediator, dispute = assignment.mediator.user, assignment.dispute
        if world.rng.random() < 0.1:
            # Writing on a case ties the mediator to both parties from then on.
            hours = (proposed - start).total_seconds() / 3600
            world.at(
                world.within(start, hours, margin=0), "message", user=mediator, dispute=dispute
            )
        world.at(
            proposed,
            "propose",
            mediator=mediator,
            dispute=dispute.public_id,
            stage=assignment.stage,
            parties=(dispute.opener, dispute.respondent),
        )


def on_propose(world: World, *, mediator, dispute: str, stage: str, parties) -> None:
    """The mediator proposes (or, on appeal, decides); then each party accepts, appeals or
    stays silent."""
    from headstrt.core.errors import DomainError
    from headstrt.disputes.services import proposal_make

    rng = world.rng
    remedy = rng.choices(["release", "refund", "split"], [0.3, 0.3, 0.4])[0]
    try:
        proposal_make(
            mediator_user=mediator,
            dispute_id=dispute,
            remedy=remedy,
            mentor_percent=rng.randint(1, 99) if remedy == "split" else None,
            reasons="The reasons, written out for both sides.",
        )
    except DomainError as error:
        refused(world, f"propose_{stage}", error)
        return
    world.counts[f"proposals_{stage}"] += 1
    if stage != "first":
        return
    for party in parties:
        choice = rng.choices(["accept", "appeal", "silent"], [0.6, 0.15, 0.25])[0]
        if choice != "silent":
            world.at(world.within(world.clock.now, 48), choice, user=party, dispute=dispute)


def on_accept(world: World, *, user, dispute: str) -> None:
    from headstrt.core.errors import DomainError
    from headstrt.disputes.services import proposal_accept

    try:
        proposal_accept(user=user, dispute_id=dispute)
        world.counts["accepts"] += 1
    except DomainError as error:
        refused(world, "accept", error)


def on_appeal(world: World, *, user, dispute: str) -> None:
    from headstrt.core.errors import DomainError
    from headstrt.disputes.services import proposal_appeal

    try:
        proposal_appeal(user=user, dispute_id=dispute, reason="The proposal ignores my side.")
        world.counts["appeals_made"] += 1
    except DomainError as error:
        refused(world, "appeal", error)


def on_message(world: World, *, user, dispute) -> None:
    from headstrt.core.errors import DomainError
    from headstrt.disputes.services import dispute_message_send

    try:
        dispute_message_send(
            user=user, dispute_id=dispute.public_id, body="A question to both of you."
        )
        world.counts["mediator_messages"] += 1
    except DomainError as error:
        refused(world, "message", error)


def on_tie(world: World, *, mediator: int, mentor) -> None:
    """A mediator books a session with a party's mentor in the middle of the run: from now
    on they are no longer neutral for that mentor's neighbourhood."""
    book(world, mentee=world.mediators[mediator], mentor=mentor, start=free_slot(world))
    world.counts["ties_during_run"] += 1


HANDLERS = {
    "mark": on_mark,
    "open": on_open,
    "respond": on_respond,
    "propose": on_propose,
    "accept": on_accept,
    "appeal": on_appeal,
    "message": on_message,
    "tie": on_tie,
}


def run(world: World, disputes: int) -> int:
    """Move the clock an hour at a time until every dispute is resolved; returns the steps."""
    from headstrt.disputes.models import Dispute
    from headstrt.disputes.services import disputes_advance
    from headstrt.payments.services import escrow_release_due

    clock = world.clock
    now = FIRST_SESSION
    steps = 0
    limit = 24 * 365
    while steps < limit:
        step_end = now + HOUR
        while world.events and world.events[0].at <= step_end:
            event = heapq.heappop(world.events)
            clock.now = event.at
            HANDLERS[event.kind](world, **event.payload)
            on_assignments(world)
        clock.now = now = step_end
        world.counts["defaults"] += disputes_advance()
        escrow_release_due()
        on_assignments(world)
        steps += 1
        if steps % 24 == 0:
            resolved = Dispute.objects.filter(status="resolved").count()
            print(
                f"  day {steps // 24}: {world.counts['opened']} opened, {resolved} resolved",
                flush=True,
            )
        settled = not world.events and world.counts["opened"] == disputes
        if settled and not Dispute.objects.exclude(status="resolved").exists():
            break
    return steps


# Independent checks


def two_hops(adjacency: dict[int, set[int]], people: tuple[int, ...]) -> set[int]:
    """The people, everyone tied to them and everyone tied to those."""
    reached = set(people)
    frontier = set(people)
    for _ in range(2):
        frontier = {other for person in frontier for other in adjacency[person]} - reached
        reached |= frontier
    return reached


def ties() -> list[tuple[datetime, int, int]]:
    """Every tie with the moment it appeared: a session confirmed at some point, a review,
    a dispute message (to each other person on that dispute)."""
    from headstrt.messaging.models import Message
    from headstrt.reviews.models import Review
    from headstrt.scheduling.models import Booking

    found = [
        (confirmed, mentee, mentor)
        for confirmed, mentee, mentor in Booking.objects.filter(
            confirmed_at__isnull=False
        ).values_list("confirmed_at", "mentee_id", "mentor__user_id")
    ]
    found += Review.objects.values_list("created_at", "author_id", "subject_id")
    dispute_messages = Message.objects.filter(conversation__dispute__isnull=False)
    for sent, author, opener, respondent in dispute_messages.values_list(
        "created_at",
        "author_id",
        "conversation__dispute__opener_id",
        "conversation__dispute__respondent_id",
    ):
        found += [(sent, author, other) for other in (opener, respondent) if other != author]
    return sorted(found)


def neutrality_check() -> tuple[int, int, list[str], Counter]:
    """Violations: assignments of a mediator within two hops of a party when assigned, and
    mediators assigned twice to one dispute; and, per assignment, how many of the pool were
    near the parties then. Replays the ties in time order."""
    from headstrt.disputes.models import Assignment, Mediator

    pool = set(Mediator.objects.values_list("user_id", flat=True))
    excluded: Counter = Counter()

    timeline = ties()
    adjacency: dict[int, set[int]] = defaultdict(set)
    position = 0
    violations, repeats, examples = 0, 0, []
    seen: set[tuple[int, int]] = set()
    assignments = Assignment.objects.values_list(
        "assigned_at",
        "pk",
        "dispute_id",
        "mediator__user_id",
        "dispute__opener_id",
        "dispute__respondent_id",
    ).order_by("assigned_at", "pk")
    for assigned_at, pk, dispute, mediator, opener, respondent in assignments:
        while position < len(timeline) and timeline[position][0] <= assigned_at:
            _, one, other = timeline[position]
            adjacency[one].add(other)
            adjacency[other].add(one)
            position += 1
        near = two_hops(adjacency, (opener, respondent))
        excluded[len(near & pool)] += 1
        if mediator in near:
            violations += 1
            examples.append(f"assignment {pk}: mediator user {mediator} near {opener}/{respondent}")
        if (dispute, mediator) in seen:
            repeats += 1
        seen.add((dispute, mediator))
    return violations, repeats, examples[:5], excluded


def graph_agreement() -> tuple[int, int]:
    """How often the platform's ``within_two_hops`` differs from the search above, for the
    parties of every dispute on the final graph (a check on the tie definitions)."""
    from headstrt.disputes.models import Dispute
    from headstrt.network.graph import within_two_hops

    adjacency: dict[int, set[int]] = defaultdict(set)
    for _, one, other in ties():
        adjacency[one].add(other)
        adjacency[other].add(one)
    mismatches = checked = 0
    for opener, respondent in Dispute.objects.values_list("opener_id", "respondent_id"):
        checked += 1
        if set(within_two_hops({opener, respondent})) != two_hops(adjacency, (opener, respondent)):
            mismatches += 1
    return mismatches, checked


def part(amount: int, numerator: int, denominator: int) -> int:
    """``amount × numerator / denominator`` rounded half up."""
    return (2 * amount * numerator + denominator) // (2 * denominator)


def escrow_check(world: World) -> tuple[int, int, list[str]]:
    """Escrow and outcome faults per dispute, and examples. Escrow: frozen at opening with
    the whole price; open disputes keep it frozen and unsettled; resolved ones have exactly
    one ``dispute_settlement`` and no other posting out of the escrow, the mentor's share
    (earnings plus fee) equal to ``mentor_percent`` of it, the fee pro rata, the rest
    refunded to the mentee (posting, refund record and the payment's refunded total), the
    escrow empty and unfrozen. Outcome: the opener's wish when
    the respondent never answered, else the last proposal."""
    from headstrt.disputes.models import Dispute, Proposal
    from headstrt.payments.ledger import ledger_reconcile
    from headstrt.payments.models import (
        LedgerAccount,
        LedgerEntry,
        LedgerTransaction,
        Payment,
        Refund,
    )

    faults: list[str] = [f"{ref}: escrow not frozen at opening" for ref in world.freeze_faults]
    outcome_faults: list[str] = []
    disputes = list(Dispute.objects.select_related("booking").order_by("pk"))
    refs = [dispute.booking.public_id for dispute in disputes]
    escrows = {
        account.booking_ref: account
        for account in LedgerAccount.objects.filter(kind="escrow", booking_ref__in=refs)
    }
    postings = defaultdict(list)
    for posting in LedgerTransaction.objects.filter(booking_ref__in=refs):
        postings[posting.booking_ref].append(posting)
    legs = defaultdict(Counter)
    for key, kind, amount in LedgerEntry.objects.filter(
        transaction__kind="dispute_settlement", transaction__booking_ref__in=refs
    ).values_list("transaction__booking_ref", "account__kind", "amount_minor"):
        legs[key][kind] += amount
    payments = {
        payment.booking.public_id: payment
        for payment in Payment.objects.filter(
            kind="session", status="succeeded", booking__public_id__in=refs
        ).select_related("booking")
    }
    refunds = Counter()
    for payment_id, amount in Refund.objects.values_list("payment_id", "amount_minor"):
        refunds[payment_id] += amount
    last_proposal = {}
    for proposal in Proposal.objects.order_by("created_at", "pk"):
        last_proposal[proposal.dispute_id] = proposal
    for dispute in disputes:
        ref = dispute.booking.public_id
        escrow, payment = escrows.get(ref), payments.get(ref)
        kinds = Counter(posting.kind for posting in postings[ref])
        if escrow is None or payment is None:
            faults.append(f"{ref}: no escrow or payment")
            continue
        paid = payment.amount_minor
        if dispute.status != "resolved":
            if not escrow.frozen or escrow.balance_minor != paid or kinds["dispute_settlement"]:
                faults.append(f"{ref}: open dispute, escrow moved or not frozen")
            continue
        if kinds["dispute_settlement"] != 1 or kinds["escrow_release"] or kinds["refund"]:
            faults.append(f"{ref}: postings {dict(kinds)}")
            continue
        percent = dispute.mentor_percent
        money = legs[ref]
        to_mentor = money["mentor_earnings"] + money["platform_fees"]
        expected_fee = part(payment.fee_minor, part(paid, percent, 100), paid)
        if (
            money["escrow"] != -paid
            or to_mentor != part(paid, percent, 100)
            or money["platform_fees"] != expected_fee
            or money["provider_clearing"] != paid - to_mentor
            or money["mentee_wallet"] != 0
            or refunds[payment.pk] != paid - to_mentor
            or payment.refunded_minor != paid - to_mentor
            or escrow.balance_minor != 0
            or escrow.frozen
        ):
            faults.append(f"{ref}: settled {dict(money)} for {percent}% of {paid}")
        expected_remedy = {100: "release", 0: "refund"}.get(percent, "split")
        proposal = last_proposal.get(dispute.pk)
        if dispute.responded_at is None:
            wished = (dispute.wanted_mentor_percent, dispute.wanted)
            if (percent, dispute.resolution) != wished or not dispute.resolved_by_default:
                outcome_faults.append(f"{dispute.public_id}: {percent}% instead of {wished}")
        elif proposal is None or (percent, dispute.resolution) != (
            proposal.mentor_percent,
            proposal.remedy,
        ):
            outcome_faults.append(f"{dispute.public_id}: not the last proposal")
        elif dispute.resolution != expected_remedy:
            outcome_faults.append(f"{dispute.public_id}: {dispute.resolution} at {percent}%")
    report = ledger_reconcile()
    imbalance = (
        sum(abs(total) for total in report.totals.values())
        + len(report.mismatched_accounts)
        + len(report.unbalanced_transactions)
    )
    if imbalance:
        faults.append(f"ledger imbalance {imbalance}")
    return len(faults), len(outcome_faults), (faults + outcome_faults)[:5]


def figures() -> dict:
    """Time to resolution and how disputes ended, from the database."""
    from headstrt.disputes.models import Assignment, Dispute

    resolved = list(
        Dispute.objects.filter(status="resolved").values_list(
            "created_at", "resolved_at", "resolved_by_default", "appealed_by_id"
        )
    )
    hours = sorted((end - start).total_seconds() / 3600 for start, end, _, _ in resolved)
    p95 = hours[min(len(hours) - 1, round(0.95 * (len(hours) - 1)))] if hours else 0.0
    return {
        "disputes": Dispute.objects.count(),
        "resolved": len(resolved),
        "median_h": statistics.median(hours) if hours else 0.0,
        "p95_h": p95,
        "max_h": hours[-1] if hours else 0.0,
        "by_default": sum(1 for row in resolved if row[2]),
        "appeals": sum(1 for row in resolved if row[3] is not None),
        "replacements": Assignment.objects.filter(end_reason="replaced").count(),
        "assignments": Assignment.objects.count(),
        "outcomes": Counter(
            Dispute.objects.filter(status="resolved").values_list("resolution", flat=True)
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--disputes", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    with fresh_database("headstrt-disputes-") as vendor:
        from django.conf import settings

        from headstrt.core import clock as platform_clock

        # People are told as usual, but no email leaves: this measures disputes, not SMTP.
        settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
        world = World(rng=random.Random(args.seed), clock=SimulatedClock(SEEDED_AT))
        platform_clock.now = world.clock
        tick = time.perf_counter()
        seed(world)
        seed_sessions(world, args.disputes)
        seeding = time.perf_counter() - tick
        print(
            f"{vendor}: {COMMUNITIES * (MENTORS_EACH + MENTEES_EACH)} people in "
            f"{COMMUNITIES} communities, {MEDIATORS} mediators, {args.disputes} paid sessions "
            f"seeded in {seeding:.1f} s",
            flush=True,
        )
        tick = time.perf_counter()
        steps = run(world, args.disputes)
        seconds = time.perf_counter() - tick
        result = figures()
        violations, repeats, neutral_examples, excluded = neutrality_check()
        escrow_faults, outcome_faults, money_examples = escrow_check(world)
        mismatches, compared = graph_agreement()
    resolved = result["resolved"] or 1
    print(
        f"{result['disputes']} disputes, {result['resolved']} resolved over {steps} hourly "
        f"steps ({steps / 24:.1f} simulated days)"
    )
    print(
        f"time to resolution: median {result['median_h']:.1f} h, p95 {result['p95_h']:.1f} h, "
        f"max {result['max_h']:.1f} h"
    )
    print(
        f"resolved by default: {result['by_default']} ({result['by_default'] / resolved:.1%}); "
        f"appealed: {result['appeals']}; outcomes: {dict(sorted(result['outcomes'].items()))}"
    )
    print(
        f"assignments: {result['assignments']}, mediator replacements: "
        f"{result['replacements']}; events: {dict(sorted(world.counts.items()))}"
    )
    print(f"refused actions (expected when the other side moved first): {dict(world.refusals)}")
    print(
        f"neutrality violations: {violations}, mediators assigned twice to a case: {repeats}; "
        f"platform graph disagrees with the independent search for {mismatches} of "
        f"{compared} disputes"
    )
    assigned = sum(excluded.values()) or 1
    mean_near = sum(count * times for count, times in excluded.items()) / assigned
    any_near = sum(times for count, times in excluded.items() if count) / assigned
    print(
        f"mediators near the parties when assigned: {mean_near:.1f} of {MEDIATORS} on average, "
        f"at least one for {any_near:.0%} of assignments, at most {max(excluded, default=0)}"
    )
    print(f"escrow inconsistencies: {escrow_faults}, outcome inconsistencies: {outcome_faults}")
    for example in neutral_examples + money_examples:
        print(f"  {example}")
    print(
        f"wall time {seconds:.1f} s for the run ({seeding:.1f} s seeding): "
        f"{result['disputes'] / seconds:.1f} disputes/s"
    )
    print(
        f"RESULT median_h={result['median_h']:.1f} p95_h={result['p95_h']:.1f} "
        f"neutrality_violations={violations} escrow_inconsistencies={escrow_faults} "
        f"default_share={result['by_default'] / resolved:.3f} disputes={result['disputes']} "
        f"resolved={result['resolved']} replacements={result['replacements']} "
        f"appeals={result['appeals']} outcome_inconsistencies={outcome_faults} "
        f"repeat_mediators={repeats} graph_mismatches={mismatches} "
        f"disputes_per_s={result['disputes'] / seconds:.1f}"
    )


if __name__ == "__main__":
    main()
