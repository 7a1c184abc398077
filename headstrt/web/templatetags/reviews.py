"""Template tags of reviews: the review part of a session page and a mentor's reputation."""

from django import template

from headstrt.reviews.reputation import Rating, ratings_of
from headstrt.reviews.selectors import mentor_reputation, review_state
from headstrt.scheduling.models import Party

register = template.Library()

# How many reviews a mentor's profile shows before linking to the full list.
LATEST_REVIEWS = 10


@register.inclusion_tag("web/reviews/booking_section.html", takes_context=True)
def review_section(context) -> dict:
    """The session page's reviews, for the participant viewing it: a prompt to review, your
    review, the wait for the other side, and theirs once revealed. A mentor also sees the
    mentee's rating as a mentee."""
    booking, user = context["booking"], context["user"]
    state = review_state(booking=booking, viewer=user)
    mentee_rating = None
    if state.party == Party.MENTOR:
        mentee_rating = ratings_of([booking.mentee_id], party=Party.MENTEE).get(booking.mentee_id)
    return {"booking": booking, "state": state, "mentee_rating": mentee_rating, "user": user}


@register.inclusion_tag("web/reviews/reputation_section.html", takes_context=True)
def reputation_section(context) -> dict:
    """A mentor profile's rating, its distribution, aspect means and the latest reviews."""
    profile = context["profile"]
    reputation = mentor_reputation(profile.user_id, latest=LATEST_REVIEWS)
    return {
        "profile": profile,
        "rating": reputation.rating,
        "reviews": reputation.latest,
        "more": reputation.more,
        "user": context.get("user"),
    }


@register.inclusion_tag("web/reviews/rating.html")
def rating_summary(rating: Rating | None, heading_id: str = "rating") -> dict:
    """A rating's figure, count, distribution bars (with their numbers as text) and aspects."""
    return {"rating": rating, "heading_id": heading_id}


@register.filter
def one_decimal(value: float | None) -> str:
    """``4.1666`` → ``4.2``; an empty string for nothing."""
    return "" if value is None else f"{value:.1f}"
