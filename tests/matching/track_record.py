"""Past sessions written straight to the database: reviews, outcomes and lapses of mentors."""

from datetime import timedelta

from headstrt.accounts.models import MentorProfile, User
from headstrt.core import clock
from headstrt.reviews.models import Outcome, Review
from headstrt.scheduling.models import Booking, BookingStatus, ReliabilityEvent
from tests.factories import UserFactory


def session_row(
    mentor: MentorProfile,
    start,
    *,
    mentee: User | None = None,
    status=BookingStatus.CONFIRMED,
    **extra,
) -> Booking:
    """A free 30-minute session of ``mentor`` at ``start``, not saved yet."""
    return Booking(
        mentor=mentor,
        mentee=mentee or UserFactory(),
        start=start,
        end=start + timedelta(minutes=30),
        minutes=30,
        price_minor=0,
        currency="EUR",
        status=status,
        **extra,
    )


def sessions(mentor: MentorProfile, mentee: User, count: int, *, days_ago: int = 10, **extra):
    """``count`` completed sessions of ``mentee`` with ``mentor``, about ``days_ago`` days ago."""
    # Each session gets a half hour of its own, so none overlaps another of the same person.
    taken = Booking.objects.count()
    midnight = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
    start = midnight - timedelta(days=days_ago)
    fields = {"objective": "Ask for a raise", "status": BookingStatus.COMPLETED, **extra}
    return Booking.objects.bulk_create(
        Booking(
            mentor=mentor,
            mentee=mentee,
            start=start - timedelta(minutes=30 * (taken + n + 1)),
            end=start - timedelta(minutes=30 * (taken + n)),
            minutes=30,
            price_minor=0,
            currency="EUR",
            confirmed_at=start - timedelta(days=1),
            **fields,
        )
        for n in range(count)
    )


def reviews_of(mentor: MentorProfile, stars, *, author: User | None = None, revealed=True):
    """Mentees' reviews of ``mentor``, one per session, visible unless ``revealed`` is false."""
    author = author or UserFactory()
    now = clock.now()
    reveal_at = now - timedelta(days=1) if revealed else now + timedelta(days=10)
    return Review.objects.bulk_create(
        Review(
            booking=booking,
            author=author,
            subject=mentor.user,
            subject_party="mentor",
            stars=star,
            reveal_at=reveal_at,
            created_at=now - timedelta(days=2),
            updated_at=now - timedelta(days=2),
        )
        for booking, star in zip(sessions(mentor, author, len(stars)), stars, strict=True)
    )


def outcomes_of(mentor: MentorProfile, results, *, topic=None, note="", objective="Raise"):
    """Answered outcomes of ``mentor``'s sessions on ``topic``: one per result given."""
    mentee = UserFactory()
    bookings = sessions(mentor, mentee, len(results), objective=objective)
    now = clock.now()
    return Outcome.objects.bulk_create(
        Outcome(
            booking=booking,
            mentor=mentor,
            mentee=mentee,
            topic=topic,
            result=result,
            result_note=note,
            result_at=now - timedelta(days=5),
            follow_up_at=booking.end + timedelta(days=30),
            created_at=booking.end,
        )
        for booking, result in zip(bookings, results, strict=True)
    )


def no_shows_of(mentor: MentorProfile, count: int):
    """Sessions ``mentor`` did not show up to, recently."""
    bookings = sessions(mentor, UserFactory(), count, days_ago=5, status=BookingStatus.NO_SHOW)
    return ReliabilityEvent.objects.bulk_create(
        ReliabilityEvent(
            person=mentor.user,
            booking=booking,
            party="mentor",
            kind="no_show",
            created_at=booking.start + timedelta(minutes=15),
        )
        for booking in bookings
    )
