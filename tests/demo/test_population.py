"""The demo marketplace: deterministic, safe to re-run, grows by adding only newcomers."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db.models import Count

from headstrt.accounts.models import (
    ExpertiseEntry,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    User,
    WorkingStyle,
)
from headstrt.accounts.validation import clean_time_zone
from headstrt.core.errors import DomainError
from headstrt.core.money import validate_currency
from headstrt.demo.population import DEMO_DOMAIN
from headstrt.demo.services import population_generate
from headstrt.reviews.models import Outcome, Review
from headstrt.scheduling.models import Booking, ReliabilityEvent
from tests.clock import frozen_at

pytestmark = pytest.mark.django_db

frozen = frozen_at(datetime(2030, 3, 4, 8, tzinfo=UTC), autouse=False)

TABLES = (
    User,
    User.languages.through,
    MentorProfile,
    SessionOffer,
    ExpertiseEntry,
    MenteeProfile,
    MenteeProfile.interests.through,
    WorkingStyle,
    Booking,
    Review,
    Outcome,
    ReliabilityEvent,
)


def generate(mentors=30, mentees=60, seed=7):
    return population_generate(mentors=mentors, mentees=mentees, seed=seed, progress=False)


def people():
    """Who the demo people are, in a comparable form."""
    return list(
        User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}")
        .order_by("email")
        .values_list("email", "display_name", "time_zone", "mentor_profile__headline")
    )


def history():
    """The demo marketplace's past, in a comparable form (days are counted from now)."""
    return list(
        Booking.objects.order_by("mentor__user__email", "start").values_list(
            "mentor__user__email", "mentee__email", "minutes", "status", "objective"
        )
    ), sorted(Review.objects.values_list("author__email", "subject__email", "stars", "text"))


def row_counts():
    return {table._meta.db_table: table.objects.count() for table in TABLES}


def test_generates_mentors_and_mentees_with_everything_a_profile_needs():
    summary = generate()

    assert (summary.mentors_added, summary.mentees_added) == (30, 60)
    assert (summary.mentors, summary.mentees) == (30, 60)
    mentors = MentorProfile.objects.annotate(
        entries=Count("expertise", distinct=True),
        lengths=Count("offers", distinct=True),
        ranges=Count("availability_rules", distinct=True),
    )
    assert mentors.count() == 30
    for mentor in mentors:
        assert 1 <= mentor.entries <= 5
        assert mentor.lengths >= 1
        assert mentor.ranges >= 2  # at least two weekdays a week to book
        assert validate_currency(mentor.currency) == mentor.currency
    assert MenteeProfile.objects.count() >= 60
    assert not MenteeProfile.objects.filter(interests=None).exists()
    assert WorkingStyle.objects.exists()
    for user in User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").prefetch_related(
        "languages"
    ):
        assert not user.has_usable_password()
        assert clean_time_zone(user.time_zone) == user.time_zone
        assert user.languages.all()
    spoken = User.languages.through.objects.values_list("language_id", flat=True)
    assert "en" in spoken and len(set(spoken)) >= 4


def test_bios_name_every_topic_of_the_mentors_expertise_and_read_as_prose():
    generate(mentors=40, mentees=0)

    for mentor in MentorProfile.objects.prefetch_related("expertise__topic"):
        assert 0 < len(mentor.headline) <= 120
        for entry in mentor.expertise.all():
            assert entry.topic.name.lower() in mentor.bio.lower()
            assert entry.evidence and entry.description
        assert not re.search(r"[{}]|lorem", mentor.bio + mentor.headline, re.IGNORECASE)
        assert mentor.bio.endswith(".")


def test_same_seed_gives_the_same_people_and_another_seed_others():
    generate()
    first = people()
    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()

    generate()
    assert people() == first

    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()
    generate(seed=8)
    assert people() != first


def test_same_seed_gives_the_same_history():
    generate()
    first = history()
    User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").delete()

    generate()

    assert history() == first and first[0]


def test_running_again_adds_nothing():
    generate()
    before = row_counts()

    summary = generate()

    assert (summary.mentors_added, summary.mentees_added) == (0, 0)
    assert row_counts() == before


def test_growing_adds_only_the_missing_people_and_keeps_the_others():
    generate(mentors=10, mentees=20)
    kept = {user.email: user.pk for user in User.objects.all()}
    small = people()

    summary = generate(mentors=30, mentees=60)

    assert (summary.mentors_added, summary.mentees_added) == (20, 40)
    assert {
        email: pk for email, pk in User.objects.values_list("email", "pk") if email in kept
    } == (kept)
    assert [person for person in people() if person[0] in kept] == small
    assert MentorProfile.objects.count() == 30


def test_a_missing_profile_is_restored_for_an_existing_person():
    generate(mentors=5, mentees=5)
    mentor = MentorProfile.objects.select_related("user").first()
    user_pk, headline = mentor.user_id, mentor.headline
    mentor.delete()

    summary = generate(mentors=5, mentees=5)

    assert summary.mentors_added == 1
    restored = MentorProfile.objects.get(user_id=user_pk)
    assert restored.headline == headline
    assert restored.expertise.exists() and restored.offers.exists()


def test_refuses_negative_counts_and_writes_nothing():
    with pytest.raises(DomainError) as refused:
        generate(mentors=-1)
    assert refused.value.code == "invalid_count"
    assert not User.objects.exists()


def test_seed_demo_command_generates_and_prints_the_demo_logins(capsys):
    call_command("seed_demo", mentors=5, mentees=5, verbosity=0)

    out = capsys.readouterr().out
    assert "added 5 mentors and 5 mentees" in out
    assert "demo.mentor@headstrt.test" in out
    assert MentorProfile.objects.filter(user__email__endswith=f"@{DEMO_DOMAIN}").count() == 5


def test_the_past_has_reviewed_sessions_outcomes_and_a_few_lapses(frozen):
    now = frozen.now
    summary = generate(mentors=200, mentees=300)

    sessions = Booking.objects.all()
    assert summary.sessions_added == sessions.count()
    assert 2 * 180 <= sessions.count() <= 4 * 200  # about three per active mentor
    assert not sessions.filter(end__gt=now).exists()
    assert not sessions.filter(start__lt=now - timedelta(days=121)).exists()
    assert not sessions.filter(mentor__is_active=False).exists()
    completed = sessions.filter(status="completed")
    assert completed.count() > 0.85 * sessions.count()
    lapses = ReliabilityEvent.objects.all()
    assert lapses.exists() and lapses.count() == sessions.exclude(status="completed").count()
    # Two-sided, skewed towards good stars, visible once both are in or the window closed.
    about_mentors = Review.objects.filter(subject_party="mentor")
    assert Review.objects.filter(subject_party="mentee").exists()
    stars = Counter(about_mentors.values_list("stars", flat=True))
    assert stars[5] > stars[4] > stars[2] and stars[5] > about_mentors.count() / 3
    assert about_mentors.filter(reveal_at__lte=now).count() > about_mentors.count() / 2
    for review in Review.objects.select_related("booking"):
        assert review.booking.end < review.created_at <= now
        assert review.stars in range(1, 6)
    pair = Review.objects.values("booking").annotate(n=Count("id")).filter(n=2).order_by()[0]
    both = Review.objects.filter(booking=pair["booking"])
    assert len({review.reveal_at for review in both}) == 1
    assert max(review.created_at for review in both) == both[0].reveal_at
    # Outcomes for every completed session; follow-ups only once 30 days have passed.
    assert Outcome.objects.count() == completed.count()
    answered = Outcome.objects.exclude(result="")
    assert answered.count() > Outcome.objects.count() / 2
    assert set(answered.values_list("result", flat=True)) == {"reached", "partly", "not_reached"}
    held = Outcome.objects.exclude(held="")
    assert held.exists() and not held.filter(booking__end__gt=now - timedelta(days=30))
    assert not held.filter(result="not_reached").exists()
