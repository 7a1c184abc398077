"""Outcomes of sessions' objectives, reliability (scores, warnings, pauses, contests) and a
mentor's growth."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from headstrt.accounts import selectors as accounts
from headstrt.api.auth import viewer
from headstrt.api.schemas import Input
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.reviews import outcomes, reliability
from headstrt.reviews.models import Outcome, ReliabilityNotice

router = Router(tags=["Outcomes and reliability"])


# --- schemas ---------------------------------------------------------------------------------


class OutcomeIn(Input):
    result: str = Field(description="reached, partly or not_reached")
    note: str = Field("", description="What happened, in your words (optional)")


class OutcomeFollowUpIn(Input):
    held: str = Field(description="held, partly or not_held")
    note: str = Field("", description="What happened since (optional)")


class OutcomeOut(Schema):
    booking: str
    topic: str | None = Field(description="The session's topic slug, if one was found")
    result: str = Field(description="reached, partly, not_reached, or empty while unanswered")
    result_note: str
    result_at: datetime | None
    held: str = Field(description="held, partly, not_held, or empty while unanswered")
    held_note: str
    held_at: datetime | None
    result_closes: datetime = Field(description="The result can be given until then")
    follow_up_opens: datetime
    follow_up_closes: datetime
    can_record: bool = Field(description="Whether the mentee may give the result now")
    can_follow_up: bool = Field(description="Whether the mentee may answer the follow-up now")
    answer_hidden: bool = Field(
        False,
        description="For the mentor: the mentee answered, shown once the mentor has reviewed "
        "the mentee or the review window has closed",
    )


class ReliabilityOut(Schema):
    score: float = Field(description="1 for no lapses, toward 0 with more (last 90 days)")
    sessions: int
    no_shows: int
    late_changes: int = Field(description="Cancellations and reschedules within 24 hours")
    late_joins: int = Field(description="Joined the call more than 5 minutes late")
    response_hours: float | None = Field(description="Median hours to answer a request")


class NoticeOut(Schema):
    id: str
    kind: str = Field(description="warning or pause")
    lapse: str = Field(description="no_show or late_change")
    reason: str
    created_at: datetime
    ends_at: datetime | None
    contested_at: datetime | None
    contest_text: str
    lifted_at: datetime | None
    lift_reason: str


class OwnReliabilityOut(ReliabilityOut):
    paused_until: datetime | None = Field(description="No new bookings until then")
    notices: list[NoticeOut]


class ContestIn(Input):
    text: str = Field(description="Why the pause is wrong (at most 2000 characters)")


class RateOut(Schema):
    rate: float = Field(description="Bayesian outcome rate, 0..1")
    count: int = Field(description="Answered outcomes")
    reached: int


class TopicOutcomeOut(Schema):
    topic: str | None = Field(description="Topic slug; null for sessions without a topic")
    name: str
    sessions: int
    rate: RateOut | None


class HeldOut(Schema):
    rate: float | None
    count: int


class FeedbackOut(Schema):
    stars: int
    text: str
    author: str
    visible_since: datetime


class GrowthOut(Schema):
    sessions: int
    outcome_rate: RateOut | None
    topics: list[TopicOutcomeOut]
    held: HeldOut
    feedback: list[FeedbackOut]
    reliability: ReliabilityOut


class MentorReliabilityOut(ReliabilityOut):
    outcome_rate: RateOut | None
    topics: list[TopicOutcomeOut] = Field(description="Topics with answered outcomes")


# --- builders --------------------------------------------------------------------------------


def _outcome_body(outcome: Outcome) -> dict:
    windows = outcomes.outcome_windows(outcome, now=clock.now())
    return {
        "booking": outcome.booking.public_id,
        "topic": outcome.topic.slug if outcome.topic else None,
        "result": outcome.result,
        "result_note": outcome.result_note,
        "result_at": outcome.result_at,
        "held": outcome.held,
        "held_note": outcome.held_note,
        "held_at": outcome.held_at,
        "result_closes": windows.result_closes,
        "follow_up_opens": windows.follow_up_opens,
        "follow_up_closes": windows.follow_up_closes,
        "can_record": windows.can_record,
        "can_follow_up": windows.can_follow_up,
        "answer_hidden": getattr(outcome, "answer_hidden", False),
    }


def _notice_body(notice: ReliabilityNotice) -> dict:
    return {
        "id": notice.public_id,
        "kind": notice.kind,
        "lapse": notice.lapse,
        "reason": notice.reason,
        "created_at": notice.created_at,
        "ends_at": notice.ends_at,
        "contested_at": notice.contested_at,
        "contest_text": notice.contest_text,
        "lifted_at": notice.lifted_at,
        "lift_reason": notice.lift_reason,
    }


def _rate_body(rate: outcomes.OutcomeRate | None) -> dict | None:
    if rate is None:
        return None
    return {"rate": round(rate.rate, 4), "count": rate.count, "reached": rate.reached}


def _topic_body(item: outcomes.TopicOutcomes) -> dict:
    return {
        "topic": item.topic.slug if item.topic else None,
        "name": item.topic.path if item.topic else "Other",
        "sessions": item.sessions,
        "rate": _rate_body(item.rate),
    }


def _reliability_body(user_id: int) -> dict:
    found = reliability.reliability_of([user_id])[user_id]
    return {
        "score": round(found.score, 4),
        "sessions": found.sessions,
        "no_shows": found.no_shows,
        "late_changes": found.late_changes,
        "late_joins": found.late_joins,
        "response_hours": None if found.response_hours is None else round(found.response_hours, 2),
    }


# --- endpoints -------------------------------------------------------------------------------


def _outcome_of(request: HttpRequest, booking_id: str) -> Outcome:
    outcome = outcomes.outcome_get_for_participant(booking_id=booking_id, user=request.auth)
    if outcome is None:
        raise DomainError(
            "session_not_completed",
            "The session is not marked as done yet, so it has no outcome.",
            status=409,
        )
    return outcome


@router.get("bookings/{slug:booking_id}/outcome", response=OutcomeOut)
def outcome_detail(request: HttpRequest, booking_id: str):
    """The outcome of a completed session you took part in (mentee or mentor)."""
    return _outcome_body(_outcome_of(request, booking_id))


@router.put("bookings/{slug:booking_id}/outcome", response=OutcomeOut)
def outcome_record(request: HttpRequest, booking_id: str, payload: OutcomeIn):
    """As the mentee, say whether the objective was reached; you may change the answer until
    14 days after the session."""
    outcomes.outcome_record(
        mentee=request.auth, booking_id=booking_id, result=payload.result, note=payload.note
    )
    return _outcome_body(_outcome_of(request, booking_id))


@router.put("bookings/{slug:booking_id}/outcome/follow-up", response=OutcomeOut)
def outcome_follow_up(request: HttpRequest, booking_id: str, payload: OutcomeFollowUpIn):
    """As the mentee, say whether a reached (or partly reached) result held, from 30 to 60
    days after the session."""
    outcomes.outcome_follow_up_record(
        mentee=request.auth, booking_id=booking_id, held=payload.held, note=payload.note
    )
    return _outcome_body(_outcome_of(request, booking_id))


@router.get("me/reliability", response=OwnReliabilityOut)
def my_reliability(request: HttpRequest):
    """Your reliability over the last 90 days, your pause if any, and your notices."""
    user = request.auth
    paused = reliability.person_is_paused(user, now=clock.now())
    return {
        **_reliability_body(user.pk),
        "paused_until": user.paused_until if paused else None,
        "notices": [_notice_body(n) for n in reliability.reliability_notices_of(person=user)],
    }


@router.post("me/reliability/notices/{slug:notice_id}/contest", response=NoticeOut)
def reliability_contest(request: HttpRequest, notice_id: str, payload: ContestIn):
    """Contest your automatic pause, once, while it lasts; staff decide and tell you."""
    notice = reliability.reliability_contest(
        person=request.auth, notice_id=notice_id, text=payload.text
    )
    return _notice_body(notice)


@router.get("me/growth", response=GrowthOut)
def my_growth(request: HttpRequest):
    """As a mentor: the topics you helped with, your outcome rates, how results held, the
    feedback you received and your reliability."""
    growth = outcomes.mentor_growth(user=request.auth)
    return {
        "sessions": growth.sessions,
        "outcome_rate": _rate_body(growth.overall),
        "topics": [_topic_body(item) for item in growth.topics],
        "held": {"rate": growth.held.rate, "count": growth.held.count},
        "feedback": [
            {
                "stars": review.stars,
                "text": review.text,
                "author": review.author.display_name,
                "visible_since": review.reveal_at,
            }
            for review in growth.feedback
        ],
        "reliability": _reliability_body(request.auth.pk),
    }


@router.get("mentors/{slug:public_id}/reliability", response=MentorReliabilityOut, auth=None)
def mentor_reliability(request: HttpRequest, public_id: str):
    """A mentor's public reliability (score and counts) and outcome rates, overall and for
    the topics whose mentees answered."""
    profile = accounts.mentor_get_public(public_id=public_id, viewer=viewer(request))
    topics = outcomes.outcome_rates_by_topic(mentor=profile)
    return {
        **_reliability_body(profile.user_id),
        "outcome_rate": _rate_body(outcomes.outcome_rates([profile.pk]).get(profile.pk)),
        "topics": [_topic_body(item) for item in topics if item.rate is not None],
    }
