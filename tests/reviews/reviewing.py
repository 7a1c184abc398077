"""Writing reviews in tests, and the snapshot that shows a refused action changed nothing."""

from headstrt.reviews import services
from headstrt.reviews.models import Review, ReviewReport


def review(booking, author, stars=5, **fields):
    """``author`` reviews ``booking`` through the service."""
    return services.review_submit(
        author=author, booking_id=booking.public_id, stars=stars, **fields
    )


def snapshot() -> list:
    """Every review and report as plain values, to compare before and after a refusal."""
    return [
        list(Review.objects.order_by("pk").values()),
        list(ReviewReport.objects.order_by("pk").values()),
    ]


def reviewed_sessions(mentor, frozen, stars=(5, 4, 3)):
    """One done session per entry of ``stars`` between ``mentor`` and a new mentee each (an
    hour apart from Tuesday 09:00 Paris), each reviewed by its mentee with those stars; the
    clock is then moved past the review window, so every review is visible."""
    from datetime import timedelta

    from headstrt.scheduling import services as scheduling
    from tests.factories import UserFactory
    from tests.scheduling.sessions import TUESDAY_9, book

    sessions = [
        book(mentor, UserFactory(display_name=f"Mentee {n}"), start=TUESDAY_9 + timedelta(hours=n))
        for n in range(len(stars))
    ]
    frozen.set(sessions[-1].end + timedelta(minutes=1))
    for booking, given in zip(sessions, stars, strict=True):
        scheduling.booking_complete(user=mentor.user, booking_id=booking.public_id)
        review(booking, booking.mentee, given, text=f"{given} stars from {booking.mentee}")
    frozen.set(sessions[-1].end + timedelta(days=14))
    return sessions
