"""Reads of reviews, each for who may see it: blind reviews stay with their authors until the
reveal, private notes with their authors and staff."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import Q, QuerySet

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import NotFound
from headstrt.core.statements import instance_of, quoted
from headstrt.reviews.models import ASPECTS, Review, ReviewReport
from headstrt.reviews.reputation import STARS_MOST_FIRST, Rating, rating_from
from headstrt.scheduling.models import Booking, BookingStatus, Party
from headstrt.scheduling.selectors import booking_get_for_participant

# Reviews can be written from the moment a session is done until this long after its end;
# a review nobody answered is revealed then.
REVIEW_WINDOW = timedelta(days=14)


def review_window_closes(booking: Booking) -> datetime:
    """When ``booking``'s review window closes, and a lone review is revealed."""
    return booking.end + REVIEW_WINDOW


def visible(now: datetime) -> Q:
    """Reviews anyone may read at ``now``: revealed and not hidden by staff."""
    return Q(reveal_at__lte=now, hidden_at__isnull=True)


def other_party(party: str) -> str:
    return Party.MENTEE if party == Party.MENTOR else Party.MENTOR


@dataclass(frozen=True)
class ReviewState:
    """What one participant of a session may see and do about its reviews.

    ``theirs`` is the other side's review once revealed and not hidden, never before;
    nothing here tells whether the other side has written one while it is blind.
    """

    party: str
    other: User
    completed: bool
    window_closes: datetime
    yours: Review | None
    theirs: Review | None
    can_write: bool
    can_edit: bool

    @property
    def waiting(self) -> bool:
        """Your review is in and still blind."""
        return self.yours is not None and self.can_edit

    @property
    def reveal_at(self) -> datetime | None:
        return None if self.yours is None else self.yours.reveal_at


def review_state(*, booking: Booking, viewer: User, now: datetime | None = None) -> ReviewState:
    """The reviews of ``booking`` as its participant ``viewer`` sees them (one query)."""
    party = booking.party_of(viewer)
    if party is None:
        raise NotFound("No such session.")
    now = now or clock.now()
    yours = theirs = None
    for review in Review.objects.filter(booking=booking):
        if review.author_id == viewer.pk:
            yours = review
        elif review.reveal_at <= now and review.hidden_at is None:
            theirs = review
    completed = booking.status == BookingStatus.COMPLETED
    closes = review_window_closes(booking)
    open_now = completed and now < closes
    return ReviewState(
        party=party,
        other=booking.mentee if party == Party.MENTOR else booking.mentor.user,
        completed=completed,
        window_closes=closes,
        yours=yours,
        theirs=theirs,
        can_write=open_now and yours is None,
        can_edit=open_now and yours is not None and now < yours.reveal_at,
    )


def review_state_for_participant(*, booking_id: str, user: User) -> tuple[Booking, ReviewState]:
    """The booking and its review state for one of its participants; ``NotFound`` for anyone
    else, so a session's existence is not told."""
    booking = booking_get_for_participant(booking_id=booking_id, user=user)
    return booking, review_state(booking=booking, viewer=user)


def review_get_for_author(*, booking_id: str, user: User) -> Review:
    """The review ``user`` wrote of the session, private note included; ``NotFound`` when
    they are not a participant or have not written one."""
    booking = booking_get_for_participant(booking_id=booking_id, user=user)
    review = Review.objects.filter(booking=booking, author=user).first()
    if review is None:
        raise NotFound("You have not reviewed this session.")
    return review


def review_exists(*, booking_id: object, user: User) -> bool:
    """Whether ``user`` has written a review of the session (to tell a first write from an
    edit)."""
    return Review.objects.filter(booking__public_id=booking_id, author=user).exists()


def reviews_visible_of(subject_id: int, *, party: str | None = None) -> QuerySet[Review]:
    """The revealed, not hidden reviews of a person (on one side when ``party`` is given),
    newest first, with their authors and bookings."""
    reviews = Review.objects.filter(visible(clock.now()), subject_id=subject_id)
    if party is not None:
        reviews = reviews.filter(subject_party=party)
    return reviews.select_related("author", "booking").order_by("-reveal_at", "-id")


@dataclass(frozen=True)
class Reputation:
    """A mentor's rating (``None`` without visible reviews), their latest visible reviews,
    newest first, and whether they have more."""

    rating: Rating | None
    latest: list[Review]
    more: bool


def mentor_reputation(user_id: int, *, latest: int) -> Reputation:
    """What a mentor's profile shows of their reviews, in one statement written once (the
    profile is among the most viewed pages): their ``latest`` visible reviews, newest first,
    with their authors' names, each row also carrying the rating's counts and sums over all
    their visible reviews (window aggregates, taken before the rows are cut)."""
    params = [
        user_id,
        Party.MENTOR.value,
        connection.ops.adapt_datetimefield_value(clock.now()),
        latest + 1,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_reputation_statement(connection.vendor), params)
        rows = cursor.fetchall()
    if not rows:
        return Reputation(rating=None, latest=[], more=False)
    reviews = []
    author_end = len(_REVIEW_FIELDS) + len(_AUTHOR_FIELDS)
    for row in rows[:latest]:
        review = instance_of(Review, _REVIEW_FIELDS, row[: len(_REVIEW_FIELDS)])
        review.author = instance_of(User, _AUTHOR_FIELDS, row[len(_REVIEW_FIELDS) : author_end])
        reviews.append(review)
    totals = iter(rows[0][author_end:])
    distribution = {stars: next(totals) for stars in STARS_MOST_FIRST}
    sums, counts = {}, {}
    for aspect in ASPECTS:
        sums[aspect], counts[aspect] = next(totals) or 0, next(totals)
    rating = rating_from(distribution, sums=sums, counts=counts)
    return Reputation(rating=rating, latest=reviews, more=len(rows) > latest)


# What a profile's reviews show of each review (never the author's private note) and its
# author; the rest loads if read.
_REVIEW_FIELDS = (
    "id",
    "public_id",
    "author_id",
    "stars",
    "preparation",
    "clarity",
    "respect",
    "text",
    "reveal_at",
)
_AUTHOR_FIELDS = ("id", "public_id", "display_name")


@functools.cache
def _reputation_statement(vendor: str) -> str:
    """``mentor_reputation``'s statement, written once per database vendor from the models'
    names. Columns: the review's, its author's, then how many reviews gave each number of
    stars (5 down to 1) and each aspect's sum and count."""

    def r(name: str) -> str:
        return f"r.{quoted(Review, name)}"

    columns = [
        *(r(name) for name in _REVIEW_FIELDS),
        *(f"u.{quoted(User, name)}" for name in _AUTHOR_FIELDS),
        *(
            f"SUM(CASE WHEN {r('stars')} = {stars} THEN 1 ELSE 0 END) OVER ()"
            for stars in STARS_MOST_FIRST
        ),
    ]
    for aspect in ASPECTS:
        columns += [f"SUM({r(aspect)}) OVER ()", f"COUNT({r(aspect)}) OVER ()"]
    return f"""
        SELECT {", ".join(columns)}
          FROM {quoted(Review)} r
          JOIN {quoted(User)} u ON u.{quoted(User, "id")} = {r("author")}
         WHERE {r("subject")} = %s AND {r("subject_party")} = %s
           AND {r("reveal_at")} <= %s AND {r("hidden_at")} IS NULL
         ORDER BY {r("reveal_at")} DESC, {r("id")} DESC
         LIMIT %s
    """


def reviews_written_by(author: User) -> QuerySet[Review]:
    """Every review ``author`` wrote, blind or not, newest first, for their own page."""
    return (
        Review.objects.filter(author=author)
        .select_related("author", "subject", "booking")
        .order_by("-created_at", "-id")
    )


def review_get_visible(*, review_id: object, viewer: User) -> Review:
    """A review ``viewer`` may read (to report it): revealed and not hidden, or any review
    for staff; ``NotFound`` otherwise."""
    if not isinstance(review_id, str):
        raise NotFound("No such review.")
    reviews = Review.objects.select_related("author", "subject").filter(public_id=review_id)
    if not viewer.is_staff:
        reviews = reviews.filter(visible(clock.now()))
    review = reviews.first()
    if review is None:
        raise NotFound("No such review.")
    return review


def reports_open() -> QuerySet[ReviewReport]:
    """Reports staff have not resolved yet, oldest first, with the review and the people."""
    return (
        ReviewReport.objects.filter(resolved_at__isnull=True)
        .select_related("reporter", "review__author", "review__subject", "review__booking")
        .order_by("created_at", "id")
    )
