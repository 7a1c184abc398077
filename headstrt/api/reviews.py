"""Reviews: write your blind review of a session, read what you may, a mentor's public reviews
with their rating, and reporting a review."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from pydantic import StrictInt

from headstrt.accounts import selectors as accounts
from headstrt.api.auth import viewer
from headstrt.api.schemas import Input, Text, in_utc
from headstrt.core import clock
from headstrt.core.pagination import paginate
from headstrt.reviews import selectors, services
from headstrt.reviews.models import Review
from headstrt.reviews.reputation import Rating, ratings_of
from headstrt.scheduling.models import Party

router = Router(tags=["Reviews"])


class ReviewAuthorOut(Schema):
    id: str = Field(alias="public_id")
    display_name: str


class ReviewOut(Schema):
    """A revealed review, as the person reviewed and the public read it."""

    id: str = Field(alias="public_id")
    author: ReviewAuthorOut
    subject_role: str = Field(alias="subject_party", description="mentor or mentee")
    stars: int
    preparation: int | None
    clarity: int | None
    respect: int | None
    text: str
    revealed_at: datetime = Field(alias="reveal_at")

    @staticmethod
    def resolve_revealed_at(review: Review) -> datetime:
        return in_utc(review.reveal_at)


class OwnReviewOut(Schema):
    """Your own review, private note included, and whether you may still edit it."""

    id: str = Field(alias="public_id")
    subject_role: str = Field(alias="subject_party", description="mentor or mentee")
    stars: int
    preparation: int | None
    clarity: int | None
    respect: int | None
    text: str
    private_note: str = Field(description="Read by staff only, never by the person reviewed")
    reveal_at: datetime = Field(
        description="When both reviews become visible; in the past once revealed"
    )
    revealed: bool
    hidden: bool = Field(description="Hidden by staff")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_reveal_at(review: Review) -> datetime:
        return in_utc(review.reveal_at)

    @staticmethod
    def resolve_revealed(review: Review) -> bool:
        return review.reveal_at <= clock.now()

    @staticmethod
    def resolve_hidden(review: Review) -> bool:
        return review.hidden_at is not None

    @staticmethod
    def resolve_created_at(review: Review) -> datetime:
        return in_utc(review.created_at)

    @staticmethod
    def resolve_updated_at(review: Review) -> datetime:
        return in_utc(review.updated_at)


class ReviewIn(Input):
    stars: StrictInt = Field(description="1 to 5", examples=[5])
    preparation: StrictInt | None = Field(None, description="1 to 5, optional")
    clarity: StrictInt | None = Field(None, description="1 to 5, optional")
    respect: StrictInt | None = Field(None, description="1 to 5, optional")
    text: str = Field("", description="Up to 4,000 characters")
    private_note: str = Field(
        "", description="Up to 2,000 characters for staff only; never shown to the other side"
    )


class SessionReviewsOut(Schema):
    your_role: str = Field(description="mentor or mentee")
    yours: OwnReviewOut | None
    theirs: ReviewOut | None = Field(description="The other side's review, once revealed only")
    can_write: bool
    can_edit: bool
    window_closes_at: datetime = Field(description="Reviews can be written until then")


class RatingOut(Schema):
    average: float = Field(description="Bayesian average: (5 × 4.0 + Σ stars) / (5 + count)")
    count: int
    distribution: dict[str, int] = Field(description="How many reviews gave 5, 4, … 1 stars")
    aspects: dict[str, float | None]

    @staticmethod
    def resolve_average(rating: Rating) -> float:
        return round(rating.average, 2)

    @staticmethod
    def resolve_distribution(rating: Rating) -> dict[str, int]:
        return {str(stars): n for stars, n in rating.distribution.items()}

    @staticmethod
    def resolve_aspects(rating: Rating) -> dict[str, float | None]:
        return {k: None if v is None else round(v, 2) for k, v in rating.aspects.items()}


class MentorReviewsOut(Schema):
    rating: RatingOut | None = Field(description="None until the mentor has a visible review")
    items: list[ReviewOut]
    page: int
    size: int
    total: int
    pages: int


class PageQuery(Text):
    page: int = 1
    size: int = 20


class ReviewReportIn(Input):
    reason: str = Field(description="What is wrong with the review, up to 2,000 characters")


class ReviewReportOut(Schema):
    id: str = Field(alias="public_id")
    review: str
    reason: str
    created_at: datetime

    @staticmethod
    def resolve_review(report) -> str:
        return report.review.public_id

    @staticmethod
    def resolve_created_at(report) -> datetime:
        return in_utc(report.created_at)


@router.get("bookings/{booking_id}/review", response=OwnReviewOut)
def review_own(request: HttpRequest, booking_id: str):
    """Your review of the session, with its private note; 404 until you have written one."""
    return selectors.review_get_for_author(booking_id=booking_id, user=request.auth)


@router.put("bookings/{booking_id}/review", response={200: OwnReviewOut, 201: OwnReviewOut})
def review_put(request: HttpRequest, booking_id: str, payload: ReviewIn):
    """Write (201) or edit (200) your review of a completed session you took part in.

    It stays blind until the other side's review arrives, when both are revealed at once, or
    until the review window closes 14 days after the session; it can be edited until then.
    Editing a revealed review answers 409 ``review_revealed``. Sending the same review
    again changes nothing, so retries are safe.
    """
    existed = selectors.review_exists(booking_id=booking_id, user=request.auth)
    review = services.review_submit(
        author=request.auth, booking_id=booking_id, **payload.model_dump()
    )
    return Status(200 if existed else 201, review)


@router.get("bookings/{booking_id}/reviews", response=SessionReviewsOut)
def session_reviews(request: HttpRequest, booking_id: str):
    """The session's reviews as you may see them: yours, and the other side's once revealed."""
    _, state = selectors.review_state_for_participant(booking_id=booking_id, user=request.auth)
    return {
        "your_role": state.party,
        "yours": state.yours,
        "theirs": state.theirs,
        "can_write": state.can_write,
        "can_edit": state.can_edit,
        "window_closes_at": in_utc(state.window_closes),
    }


@router.get("mentors/{public_id}/reviews", response=MentorReviewsOut, auth=None)
def mentor_reviews(request: HttpRequest, public_id: str, query: Query[PageQuery]):
    """A mentor's visible reviews, newest first, a page at a time, with their rating."""
    profile = accounts.mentor_get_public(public_id=public_id, viewer=viewer(request))
    page = paginate(
        selectors.reviews_visible_of(profile.user_id, party=Party.MENTOR),
        page=query.page,
        size=query.size,
    )
    return {
        "rating": ratings_of([profile.user_id], party=Party.MENTOR).get(profile.user_id),
        "items": page.items,
        "page": page.number,
        "size": page.size,
        "total": page.total,
        "pages": page.pages,
    }


@router.post("reviews/{review_id}/reports", response={201: ReviewReportOut})
def review_report(request: HttpRequest, review_id: str, payload: ReviewReportIn):
    """Report a visible review that breaks the rules, once; staff decide whether to hide it."""
    report = services.review_report(
        reporter=request.auth, review_id=review_id, reason=payload.reason
    )
    return Status(201, report)
