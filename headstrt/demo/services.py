"""Write the demo marketplace: a generated population in bulk, and a few named demo logins."""

import secrets
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import time

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX, UNUSABLE_PASSWORD_SUFFIX_LENGTH
from django.db import transaction
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
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.ids import new_public_ids
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
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import AvailabilityRule, Booking
from headstrt.scheduling.selectors import mentor_next_free_slot

BATCH_SIZE = 1000
MAX_PEOPLE = 1_000_000
DEMO_PASSWORD = "headstrt-demo"


@dataclass(frozen=True)
class PopulationSummary:
    """What a generation run added, and how many demo mentors and mentees exist afterwards."""

    mentors_added: int
    mentees_added: int
    mentors: int
    mentees: int


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
    }


@transaction.atomic
def population_generate(
    *, mentors: int, mentees: int, seed: int = 7, progress: bool = True
) -> PopulationSummary:
    """Add the demo mentors and mentees numbered up to ``mentors`` and ``mentees`` that are missing.

    People are generated deterministically from ``seed`` and their number, so re-running adds
    nothing and asking for more adds only the newcomers. Generated people cannot log in (their
    passwords are unusable). A progress bar goes to stderr when ``progress`` is true.
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
    return PopulationSummary(
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


def demo_logins_create() -> list[DemoLogin]:
    """Create (or repair) the demo mentee, demo mentor and demo admin, with verified emails.

    Their profiles are filled in only when missing, so changes made while trying the demo
    survive a re-run. Refused in production, as the passwords are public. The first
    session is paid outside the transaction that creates the people, as payments are.
    """
    if settings.PRODUCTION:
        raise DomainError(
            "demo_in_production",
            "Demo logins have public passwords; they are never created in production.",
        )
    mentee, mentor, admin = _demo_people()
    if not Booking.objects.filter(mentee=mentee).exists():
        _demo_session(mentee=mentee, mentor=mentor)
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
