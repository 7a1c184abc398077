"""A small network built straight in the database: people, sessions at distinct times,
reviews and written answers, for the graph's tests."""

import itertools
from datetime import UTC, datetime, timedelta

from headstrt.accounts.models import Area, MentorProfile, Topic, User
from headstrt.matching.models import Situation
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from headstrt.reviews.models import Review
from headstrt.scheduling.models import Booking, BookingStatus
from tests.factories import MentorProfileFactory, UserFactory

PAST = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
_hours = itertools.count()


def person(name: str) -> User:
    return UserFactory(display_name=name)


def mentor(name: str) -> MentorProfile:
    return MentorProfileFactory(user=UserFactory(display_name=name))


def topic(name: str, parent: Topic | None = None) -> Topic:
    slug = name.lower().replace(" ", "-")
    return Topic.objects.create(slug=f"net-{slug}", name=name, parent=parent, area=Area.PERSONAL)


def session(
    profile: MentorProfile,
    mentee: User,
    *,
    about: Topic | None = None,
    status: str = BookingStatus.COMPLETED,
    confirmed: bool = True,
) -> Booking:
    """A past session at an hour no other test session uses."""
    start = PAST + timedelta(hours=next(_hours))
    situation = None
    if about is not None:
        situation = Situation.objects.create(mentee=mentee, text="A situation", topic=about)
    return Booking.objects.create(
        mentor=profile,
        mentee=mentee,
        situation=situation,
        start=start,
        end=start + timedelta(minutes=30),
        minutes=30,
        price_minor=0,
        currency="EUR",
        status=status,
        confirmed_at=start - timedelta(days=1) if confirmed else None,
    )


def review(
    booking: Booking, *, by_mentee: bool = True, stars: int = 5, revealed: bool = True
) -> Review:
    mentee, mentor_user = booking.mentee, booking.mentor.user
    reveal = booking.end + timedelta(days=1 if revealed else 3650)
    return Review.objects.create(
        booking=booking,
        author=mentee if by_mentee else mentor_user,
        subject=mentor_user if by_mentee else mentee,
        subject_party="mentor" if by_mentee else "mentee",
        topic=booking.situation.topic if booking.situation else None,
        stars=stars,
        reveal_at=reveal,
        created_at=booking.end,
        updated_at=booking.end,
    )


def answer(
    profile: MentorProfile,
    mentee: User,
    *,
    about: Topic | None = None,
    status: str = AskStatus.ANSWERED,
    anonymous: bool = False,
) -> PerspectiveAsk:
    request = PerspectiveRequest.objects.create(
        mentee=mentee,
        question="What would you do?",
        topic=about,
        anonymous=anonymous,
        created_at=PAST,
    )
    return PerspectiveAsk.objects.create(
        request=request,
        mentor=profile,
        price_minor=0,
        currency="EUR",
        status=status,
        created_at=PAST,
    )
