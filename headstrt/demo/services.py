"""Write the demo marketplace: a generated population in bulk, and a few named demo logins."""

import secrets
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.db import transaction
from django.db.models import F
from tqdm import tqdm

from headstrt.accounts import services as accounts
from headstrt.accounts.models import (
    ExpertiseEntry,
    Language,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    Topic,
    User,
    WorkingStyle,
)
from headstrt.accounts.search_text import mentor_search_text_refresh
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.ids import new_public_ids
from headstrt.demo.conversations import demo_conversation
from headstrt.demo.history import FOLLOW_UP_DAYS, REVIEW_WINDOW_DAYS, sketch_history
from headstrt.demo.perspectives import (
    DEMO_ANSWER_PRICE,
    demo_group_session,
    demo_mentee_question,
    demo_open_question,
)
from headstrt.demo.population import (
    DEMO_DOMAIN,
    Catalogue,
    Sketch,
    TopicChoice,
    mentee_email,
    mentor_email,
    sketch_mentee,
    sketch_mentor,
)
from headstrt.payments.providers.test import CARD_SUCCEEDS as DEMO_CARD
from headstrt.reviews import outcomes
from headstrt.reviews.models import Outcome, Review
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import (
    AvailabilityRule,
    Booking,
    BookingStatus,
    Party,
    ReliabilityEvent,
    ReliabilityKind,
)
from headstrt.scheduling.selectors import mentor_next_free_slot

BATCH_SIZE = 1000
# Past sessions a generated mentee may have had over the history's four months, and how many
# mentees are tried for a session before it is left out.
MENTEE_SESSIONS_CAP = 12
PLACEMENT_TRIES = 20
MAX_PEOPLE = 1_000_000
DEMO_PASSWORD = "headstrt-demo"


@dataclass(frozen=True)
class PopulationSummary:
    """What a generation run added, and how many demo mentors and mentees exist afterwards."""

    mentors_added: int
    mentees_added: int
    mentors: int
    mentees: int
    sessions_added: int = 0


@dataclass(frozen=True)
class DemoLogin:
    """A named demo account anyone may log in with."""

    role: str
    email: str
    password: str


def _catalogue() -> Catalogue:
    topics = defaultdict(list)
    rows = Topic.objects.filter(parent__isnull=False, parent__parent__isnull=True).values_list(
        "pk", "slug", "name", "area", "description", "parent__slug"
    )
    for row in rows.order_by("slug"):
        topics[row[5]].append(TopicChoice(*row))
    if not topics:
        raise DomainError("no_taxonomy", "The expertise taxonomy is empty: run the migrations.")
    return Catalogue(
        topics={slug: tuple(choices) for slug, choices in topics.items()},
        languages=dict(Language.objects.values_list("code", "name")),
    )


class _Existing:
    """The demo people already stored, so that only what is missing gets written."""

    def __init__(self):
        demo = {"user__email__endswith": f"@{DEMO_DOMAIN}"}
        self.users = dict(
            User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").values_list("email", "pk")
        )
        self.mentors = set(MentorProfile.objects.filter(**demo).values_list("user_id", flat=True))
        self.mentees = set(MenteeProfile.objects.filter(**demo).values_list("user_id", flat=True))
        self.styles = set(WorkingStyle.objects.filter(**demo).values_list("user_id", flat=True))

    def has(self, email: str, profiles: set[int]) -> bool:
        return email in self.users and self.users[email] in profiles


def _store(sketches: Sequence[Sketch], existing: _Existing) -> None:
    """Insert the missing parts of ``sketches`` with a handful of bulk inserts."""
    newcomers = [s for s in sketches if s.person.email not in existing.users]
    new_users = [
        User(
            public_id=public_id,
            email=s.person.email,
            display_name=s.person.display_name,
            time_zone=s.person.time_zone,
            password=_unusable_password(),
        )
        for s, public_id in zip(newcomers, new_public_ids(len(newcomers)), strict=True)
    ]
    User.objects.bulk_create(new_users, batch_size=BATCH_SIZE)
    existing.users.update((user.email, user.pk) for user in new_users)
    created = {user.email for user in new_users}
    User.languages.through.objects.bulk_create(
        [
            User.languages.through(user_id=existing.users[s.person.email], language_id=code)
            for s in sketches
            if s.person.email in created
            for code in s.person.languages
        ],
        batch_size=BATCH_SIZE,
    )

    mentors = [
        (s, MentorProfile(user_id=existing.users[s.person.email], **_mentor_fields(s)))
        for s in sketches
        if s.mentor and existing.users[s.person.email] not in existing.mentors
    ]
    MentorProfile.objects.bulk_create([profile for _, profile in mentors], batch_size=BATCH_SIZE)
    SessionOffer.objects.bulk_create(
        [
            SessionOffer(mentor_id=profile.pk, minutes=minutes, price_minor=price)
            for s, profile in mentors
            for minutes, price in s.mentor.offers.items()
        ],
        batch_size=BATCH_SIZE,
    )
    AvailabilityRule.objects.bulk_create(
        [
            AvailabilityRule(mentor_id=profile.pk, weekday=weekday, start=start, end=end)
            for s, profile in mentors
            for weekday, start, end in s.mentor.availability
        ],
        batch_size=BATCH_SIZE,
    )
    entries = [(profile, entry) for s, profile in mentors for entry in s.mentor.expertise]
    ExpertiseEntry.objects.bulk_create(
        [
            ExpertiseEntry(
                public_id=public_id,
                mentor_id=profile.pk,
                topic_id=entry.topic.pk,
                area=entry.topic.area,
                description=entry.description,
                years=entry.years,
                evidence=entry.evidence,
            )
            for (profile, entry), public_id in zip(
                entries, new_public_ids(len(entries)), strict=True
            )
        ],
        batch_size=BATCH_SIZE,
    )
    mentor_search_text_refresh(MentorProfile.objects.filter(pk__in=[p.pk for _, p in mentors]))
    existing.mentors.update(profile.user_id for _, profile in mentors)

    mentees = [
        (s, MenteeProfile(user_id=existing.users[s.person.email], goals=s.mentee.goals))
        for s in sketches
        if s.mentee and existing.users[s.person.email] not in existing.mentees
    ]
    MenteeProfile.objects.bulk_create([profile for _, profile in mentees], batch_size=BATCH_SIZE)
    MenteeProfile.interests.through.objects.bulk_create(
        [
            MenteeProfile.interests.through(menteeprofile_id=profile.pk, topic_id=topic.pk)
            for s, profile in mentees
            for topic in s.mentee.interests
        ],
        batch_size=BATCH_SIZE,
    )
    existing.mentees.update(profile.user_id for _, profile in mentees)

    styles = [
        WorkingStyle(
            user_id=existing.users[s.person.email],
            communication=s.style.communication,
            directness=s.style.directness,
            pace=s.style.pace,
            values=s.style.values,
        )
        for s in sketches
        if s.style and existing.users[s.person.email] not in existing.styles
    ]
    WorkingStyle.objects.bulk_create(styles, batch_size=BATCH_SIZE)
    existing.styles.update(style.user_id for style in styles)


def _unusable_password() -> str:
    # The same form as make_password(None), which is too slow for 100,000 people.
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_hex(UNUSABLE_PASSWORD_SUFFIX_LENGTH // 2)


def _mentor_fields(sketch: Sketch) -> dict:
    mentor = sketch.mentor
    return {
        "headline": mentor.headline,
        "bio": mentor.bio,
        "currency": mentor.currency,
        "weekly_capacity": mentor.weekly_capacity,
        "is_active": mentor.is_active,
        "answer_price_minor": mentor.answer_price,
    }


def _session_start(day_ago: int, hour: int, *, zone: str, now: datetime) -> datetime:
    """``hour`` o'clock on the mentor's clock, ``day_ago`` days before ``now`` (UTC)."""
    local = ZoneInfo(zone)
    day = (now - timedelta(days=day_ago)).astimezone(local).date()
    return datetime.combine(day, time(hour), tzinfo=local).astimezone(UTC)


class _MenteeCalendar:
    """The days on which each generated mentee already has a session, so that nobody is in
    two sessions at once and nobody has more than ``MENTEE_SESSIONS_CAP``."""

    def __init__(self, mentee_ids: Sequence[int]):
        self.ids = mentee_ids
        self.days: dict[int, set[date]] = defaultdict(set)
        booked = Booking.objects.filter(
            mentee__email__startswith="mentee", mentee__email__endswith=f"@{DEMO_DOMAIN}"
        )
        for mentee_id, start in booked.values_list("mentee_id", "start").iterator(BATCH_SIZE):
            self.days[mentee_id].add(start.date())

    def place(self, preferred: int, start: datetime) -> int | None:
        """The mentee at ``preferred`` in the pool, or the next one free around ``start``'s
        day; ``None`` when the few tried are all busy (the session is then left out)."""
        day = start.date()
        around = {day - timedelta(days=1), day, day + timedelta(days=1)}
        for step in range(PLACEMENT_TRIES):
            mentee_id = self.ids[(preferred + step) % len(self.ids)]
            taken = self.days[mentee_id]
            if len(taken) < MENTEE_SESSIONS_CAP and not taken & around:
                taken.add(day)
                return mentee_id
        return None


def _history_store(histories, *, calendar: _MenteeCalendar, now: datetime) -> int:
    """Write the past sessions of ``histories`` ((mentor profile, sketches) pairs) with their
    reviews, outcomes and lapses, in a few bulk inserts; returns how many sessions."""
    planned = []
    count = sum(len(sessions) for _, sessions in histories)
    # Drawn in bulk: one system call per character of each default id would dominate.
    ids = iter(new_public_ids(5 * count))  # a booking's id and room, and up to two reviews
    for profile, sessions in histories:
        prices = {offer.minutes: offer.price_minor for offer in profile.offers.all()}
        topics = [entry.topic_id for entry in _entries(profile)]
        for sketch in sessions:
            start = _session_start(
                sketch.days_ago, sketch.hour, zone=profile.user.time_zone, now=now
            )
            end = start + timedelta(minutes=sketch.minutes)
            mentee_id = calendar.place(sketch.mentee, start)
            if mentee_id is None:
                continue
            lapsed_by = profile.user_id if sketch.lapsed == Party.MENTOR else mentee_id
            booking = Booking(
                public_id=next(ids),
                room=f"headstrt-{next(ids)}{next(ids)}",
                mentor_id=profile.pk,
                mentee_id=mentee_id,
                start=start,
                end=end,
                minutes=sketch.minutes,
                price_minor=prices[sketch.minutes],
                currency=profile.currency,
                objective=sketch.objective,
                status=sketch.status,
                confirmed_at=start - timedelta(days=3) + timedelta(hours=sketch.response_hours),
                ended_at=start - timedelta(hours=3)
                if sketch.status == BookingStatus.CANCELLED
                else end,
                ended_by_id=lapsed_by if sketch.status == BookingStatus.CANCELLED else None,
                end_reason="Something urgent came up."
                if sketch.status == BookingStatus.CANCELLED
                else "",
                no_show_party=sketch.lapsed if sketch.status == BookingStatus.NO_SHOW else "",
            )
            planned.append((booking, sketch, profile.user_id, topics[sketch.topic], lapsed_by))
    Booking.objects.bulk_create([booking for booking, *_ in planned], batch_size=BATCH_SIZE)
    # Requests were made three days ahead; bulk inserts stamp them with the present moment.
    Booking.objects.filter(pk__in=[booking.pk for booking, *_ in planned]).update(
        created_at=F("start") - timedelta(days=3), updated_at=F("end")
    )
    reviews, outcomes, lapses = [], [], []
    for booking, sketch, mentor_user_id, topic_id, lapsed_by in planned:
        if sketch.status != BookingStatus.COMPLETED:
            lapses.append(
                ReliabilityEvent(
                    person_id=lapsed_by,
                    booking=booking,
                    party=sketch.lapsed,
                    kind=ReliabilityKind.NO_SHOW
                    if sketch.status == BookingStatus.NO_SHOW
                    else ReliabilityKind.LATE_CANCELLATION,
                    created_at=booking.ended_at,
                )
            )
            continue
        reviews += _reviews(
            booking, sketch, mentor_user_id=mentor_user_id, topic_id=topic_id, now=now, ids=ids
        )
        outcomes.append(_outcome(booking, sketch, topic_id=topic_id, now=now))
    Review.objects.bulk_create(reviews, batch_size=BATCH_SIZE)
    Outcome.objects.bulk_create(outcomes, batch_size=BATCH_SIZE)
    ReliabilityEvent.objects.bulk_create(lapses, batch_size=BATCH_SIZE)
    # The matching index refreshes the profiles changed since it last looked.
    MentorProfile.objects.filter(pk__in=[profile.pk for profile, _ in histories]).update(
        updated_at=now
    )
    return len(planned)


def _reviews(booking: Booking, sketch, *, mentor_user_id: int, topic_id: int, now, ids) -> list:
    written = [
        (review, author, subject, party)
        for review, author, subject, party in (
            (sketch.mentee_review, booking.mentee_id, mentor_user_id, Party.MENTOR),
            (sketch.mentor_review, mentor_user_id, booking.mentee_id, Party.MENTEE),
        )
        if review is not None
    ]
    # Both in: revealed when the second arrived; one alone: when the window closed.
    reveal_at = (
        booking.end + max(review.after for review, *_ in written)
        if len(written) == 2
        else booking.end + timedelta(days=REVIEW_WINDOW_DAYS)
    )
    return [
        Review(
            public_id=next(ids),
            booking=booking,
            author_id=author,
            subject_id=subject,
            subject_party=party,
            topic_id=topic_id,
            stars=review.stars,
            text=review.text,
            reveal_at=reveal_at,
            created_at=booking.end + review.after,
            updated_at=booking.end + review.after,
            # Old demo reviews were announced long ago; the sweep must not tell them again.
            announced_at=reveal_at if reveal_at <= now else None,
            **review.aspects,
        )
        for review, author, subject, party in written
    ]


def _outcome(booking: Booking, sketch, *, topic_id: int, now) -> Outcome:
    follow_up_at = booking.end + timedelta(days=FOLLOW_UP_DAYS)
    return Outcome(
        booking=booking,
        mentor_id=booking.mentor_id,
        mentee_id=booking.mentee_id,
        topic_id=topic_id,
        result=sketch.result,
        result_at=booking.end + sketch.result_after if sketch.result else None,
        held=sketch.held,
        held_at=follow_up_at + sketch.held_after if sketch.held else None,
        follow_up_at=follow_up_at,
        follow_up_asked_at=follow_up_at if follow_up_at <= now else None,
        created_at=booking.end,
    )


def _demo_index(email: str) -> int:
    return int(email.split("@")[0].removeprefix("mentor"))


def _mentee_pool() -> list[int]:
    """The generated mentees, in a fixed order, whom past sessions are drawn from."""
    return list(
        User.objects.filter(
            email__startswith="mentee",
            email__endswith=f"@{DEMO_DOMAIN}",
            mentee_profile__isnull=False,
        )
        .order_by("email")
        .values_list("pk", flat=True)
    )


def _with_history_details(profiles):
    return profiles.select_related("user").prefetch_related("offers", "expertise__topic")


def _entries(profile: MentorProfile) -> list:
    return sorted(profile.expertise.all(), key=lambda entry: entry.pk)


def _history_generate(*, seed: int, progress: bool) -> int:
    """Give every active generated mentor without sessions a past of sessions, reviews,
    outcomes and a few lapses; returns how many sessions were added."""
    mentee_ids = _mentee_pool()
    if not mentee_ids:
        return 0
    demo = MentorProfile.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}")
    with_sessions = Booking.objects.filter(mentor__in=demo).values("mentor_id")
    waiting = sorted(
        (_demo_index(email), pk)
        for pk, email in demo.filter(is_active=True)
        .exclude(pk__in=with_sessions)
        .values_list("pk", "user__email")
    )
    now = clock.now()
    calendar = _MenteeCalendar(mentee_ids)
    added = 0
    with tqdm(
        total=len(waiting),
        desc="Demo history",
        unit=" mentors",
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        for first in range(0, len(waiting), BATCH_SIZE):
            batch = dict(waiting[first : first + BATCH_SIZE])
            profiles = _with_history_details(MentorProfile.objects.filter(pk__in=batch.values()))
            index_of = {pk: index for index, pk in batch.items()}
            histories = [
                (
                    profile,
                    sketch_history(
                        seed=seed,
                        kind="mentor",
                        index=index_of[profile.pk],
                        topics=[entry.topic.name for entry in _entries(profile)],
                        lengths=[offer.minutes for offer in profile.offers.all()],
                        mentees=len(mentee_ids),
                    ),
                )
                for profile in sorted(profiles, key=lambda profile: index_of[profile.pk])
            ]
            added += _history_store(histories, calendar=calendar, now=now)
            bar.update(len(batch))
    return added


@transaction.atomic
def population_generate(
    *, mentors: int, mentees: int, seed: int = 7, progress: bool = True
) -> PopulationSummary:
    """Add the demo mentors and mentees numbered up to ``mentors`` and ``mentees`` that are missing.

    People are generated deterministically from ``seed`` and their number, so re-running adds
    nothing and asking for more adds only the newcomers. Generated people cannot log in (their
    passwords are unusable). Active mentors without sessions get a past of about three
    sessions over the last four months, with two-sided reviews, outcomes and a few lapses.
    A progress bar goes to stderr when ``progress`` is true.
    """
    for count, label in ((mentors, "mentors"), (mentees, "mentees")):
        if not 0 <= count <= MAX_PEOPLE:
            raise DomainError(
                "invalid_count", f"The number of {label} must be between 0 and {MAX_PEOPLE:,}."
            )
    catalogue = _catalogue()
    existing = _Existing()
    pending = [
        (sketch_mentor, index)
        for index in range(1, mentors + 1)
        if not existing.has(mentor_email(index), existing.mentors)
    ]
    mentors_added = len(pending)
    pending += [
        (sketch_mentee, index)
        for index in range(1, mentees + 1)
        if not existing.has(mentee_email(index), existing.mentees)
    ]
    with tqdm(
        total=len(pending),
        desc="Demo people",
        unit=" people",
        file=sys.stderr,
        disable=not progress,
    ) as bar:
        for start in range(0, len(pending), BATCH_SIZE):
            batch = pending[start : start + BATCH_SIZE]
            _store([sketch(catalogue, seed=seed, index=index) for sketch, index in batch], existing)
            bar.update(len(batch))
    sessions_added = _history_generate(seed=seed, progress=progress)
    return PopulationSummary(
        sessions_added=sessions_added,
        mentors_added=mentors_added,
        mentees_added=len(pending) - mentors_added,
        mentors=len(existing.mentors),
        mentees=sum(
            1
            for email, pk in existing.users.items()
            if email.startswith("mentee") and pk in existing.mentees
        ),
    )


def _demo_user(email: str, display_name: str, **flags) -> User:
    flags = {"is_active": True, **flags}
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, display_name=display_name, **flags)
    else:
        # Reset only what a demo needs, so the printed password always works.
        changed = [name for name, value in flags.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, flags[name])
        if not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
    EmailAddress.objects.filter(user=user).exclude(email=email).update(primary=False)
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _demo_mentor(user: User) -> None:
    accounts.user_update(user=user, time_zone="Europe/Paris", languages=["en", "fr"])
    accounts.mentor_profile_save(
        user=user,
        headline="Founder and former recruiter · Salary negotiation, interviews, business plans",
        bio=(
            "I'm the demo mentor: twelve years as a recruiter, then co-founder of a small "
            "software company. People book me for salary negotiation, interviews, business "
            "plans and research to startup questions, and for presentations they dread. I'm "
            "direct, and every session ends with a next step. I speak English and French."
        ),
        currency="EUR",
        offers={15: 0, 30: 3500, 60: 6000},
        weekly_capacity=8,
        answer_price_minor=DEMO_ANSWER_PRICE,
    )
    entries = (
        ("career-salary-negotiation", 12, "Negotiated more than 300 offers as a recruiter"),
        ("job-search-interviews", 12, "Sat on hundreds of interview panels"),
        ("entrepreneurship-business-plans", 7, "Wrote the plan that funded my own company"),
        ("study-research-to-startup", 5, "Coached research teams in a university incubator"),
        ("public-speaking-presentations", 9, "Pitched to investors and conference rooms"),
    )
    present = set(
        Topic.objects.filter(slug__in=[slug for slug, _, _ in entries]).values_list(
            "slug", flat=True
        )
    )
    for slug, years, evidence in entries:
        if slug in present:
            accounts.mentor_expertise_add(user=user, topic=slug, years=years, evidence=evidence)
    accounts.working_style_save(
        user=user, communication="talk", directness=4, pace=4, values=["honesty", "pragmatism"]
    )
    weekdays_9_to_12_and_17_to_20 = [
        (weekday, start, end)
        for weekday in range(5)
        for start, end in ((time(9), time(12)), (time(17), time(20)))
    ]
    scheduling.availability_set(user=user, rules=weekdays_9_to_12_and_17_to_20)


def _demo_mentee(user: User) -> None:
    accounts.user_update(user=user, time_zone="Europe/London", languages=["en"])
    wanted = [
        "career-salary-negotiation",
        "family-parenting-teenagers",
        "study-research-to-startup",
    ]
    accounts.mentee_profile_save(
        user=user,
        interests=Topic.objects.filter(slug__in=wanted).values_list("slug", flat=True),
        goals=(
            "I have a salary negotiation on Friday, my teenager has stopped talking to me, and "
            "I want to turn my research into a business plan this year."
        ),
    )
    accounts.working_style_save(
        user=user, communication="mixed", directness=3, pace=3, values=["empathy", "growth"]
    )


def _demo_session(*, mentee: User, mentor: User) -> None:
    """Book and pay (with the test provider's card) the demo mentee's first session with the
    demo mentor, so both see one and its money in escrow."""
    profile = MentorProfile.objects.get(user=mentor)
    start = mentor_next_free_slot(mentor=profile, minutes=30, now=clock.now())
    if start is not None:
        scheduling.booking_create(
            mentee=mentee,
            mentor_id=mentor.public_id,
            start=start,
            minutes=30,
            objective="Leave with a number to ask for and the first sentence to say it with",
            agenda="1. The offer I have\n2. What the market pays\n3. Rehearse the opening",
            source=DEMO_CARD,
        )


DEMO_MENTOR_SESSIONS = 12


@transaction.atomic
def _demo_mentor_history(*, mentor: User) -> None:
    """A past for the demo mentor with generated mentees (when there are some), so its
    profile and growth page show reviews and outcomes; the last three days stay free."""
    mentee_ids = _mentee_pool()
    profile = _with_history_details(MentorProfile.objects.filter(user=mentor)).first()
    if not mentee_ids or profile is None:
        return
    sessions = sketch_history(
        seed=0,
        kind="demo",
        index=0,
        topics=[entry.topic.name for entry in _entries(profile)],
        lengths=[offer.minutes for offer in profile.offers.all()],
        mentees=len(mentee_ids),
        sessions=DEMO_MENTOR_SESSIONS,
        skip_days=3,
    )
    _history_store([(profile, sessions)], calendar=_MenteeCalendar(mentee_ids), now=clock.now())


@transaction.atomic
def _demo_past_session(*, mentee: User, mentor: User) -> None:
    """A free 15-minute session of the demo mentee with the demo mentor two days ago, done:
    the mentor has reviewed it (blind for now); the mentee's review and outcome are awaited."""
    profile = MentorProfile.objects.select_related("user").get(user=mentor)
    start = _session_start(2, 10, zone=mentor.time_zone, now=clock.now())
    booking = Booking.objects.create(
        mentor=profile,
        mentee=mentee,
        start=start,
        end=start + timedelta(minutes=15),
        minutes=15,
        price_minor=0,
        currency=profile.currency,
        objective="Practise my salary negotiation and leave with a number to ask for",
        status=BookingStatus.COMPLETED,
        confirmed_at=start - timedelta(days=2),
        ended_at=start + timedelta(minutes=15),
        ended_by=mentor,
    )
    outcome = outcomes.outcome_open(booking=booking)
    Review.objects.create(
        booking=booking,
        author=mentor,
        subject=mentee,
        subject_party=Party.MENTEE,
        topic_id=outcome.topic_id,
        stars=5,
        preparation=5,
        clarity=4,
        respect=5,
        text="Came with the offer letter and a clear question. Good luck on Friday!",
        reveal_at=booking.end + timedelta(days=REVIEW_WINDOW_DAYS),
        created_at=booking.end + timedelta(hours=1),
        updated_at=booking.end + timedelta(hours=1),
    )


def demo_logins_create() -> list[DemoLogin]:
    """Create (or repair) the demo mentee, demo mentor and demo admin, with verified emails.

    The demo mentor gets a past of reviewed sessions (with generated mentees, when the
    population exists) and answers in writing; the demo mentee a free session done two
    days ago whose review and outcome await them, an upcoming paid one (with a
    conversation about it), and a question for
    written perspectives with one answer in and the demo mentor's awaited. With the
    population, a generated mentee's open question waits in the demo mentor's feed. The
    demo mentor offers a group session about a week ahead. Their
    profiles are filled in only when missing, so changes made while trying the demo survive
    a re-run. Refused in production, as the passwords are public. The upcoming session and
    the written answers are paid outside the transaction that creates the people, as
    payments are.
    """
    if settings.PRODUCTION:
        raise DomainError(
            "demo_in_production",
            "Demo logins have public passwords; they are never created in production.",
        )
    mentee, mentor, admin = _demo_people()
    past = Booking.objects.filter(end__lte=clock.now(), status=BookingStatus.COMPLETED)
    if not past.filter(mentor__user=mentor).exclude(mentee=mentee).exists():
        _demo_mentor_history(mentor=mentor)
    if not past.filter(mentee=mentee).exists():
        _demo_past_session(mentee=mentee, mentor=mentor)
    if not Booking.objects.filter(mentee=mentee).exclude(status=BookingStatus.COMPLETED).exists():
        _demo_session(mentee=mentee, mentor=mentor)
    demo_conversation(mentee=mentee, mentor=mentor)
    demo_mentee_question(mentee=mentee, mentor=mentor)
    demo_open_question()
    demo_group_session(mentor=mentor)
    return [
        DemoLogin(role, user.email, DEMO_PASSWORD)
        for role, user in (("mentee", mentee), ("mentor", mentor), ("admin", admin))
    ]


@transaction.atomic
def _demo_people() -> tuple[User, User, User]:
    mentee = _demo_user("demo.mentee@headstrt.test", "Demo Mentee")
    if not MenteeProfile.objects.filter(user=mentee).exists():
        _demo_mentee(mentee)
    mentor = _demo_user("demo.mentor@headstrt.test", "Demo Mentor")
    if not MentorProfile.objects.filter(user=mentor).exists():
        _demo_mentor(mentor)
    admin = _demo_user("demo.admin@headstrt.test", "Demo Admin", is_staff=True, is_superuser=True)
    return mentee, mentor, admin
