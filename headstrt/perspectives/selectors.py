"""Reads of written perspectives, checked for who asks: the mentee's questions and answers
side by side, the mentor's inbox, and what a mentor may see of the other answers."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from headstrt.accounts.models import User
from headstrt.core.errors import NotFound
from headstrt.core.money import Money
from headstrt.perspectives.models import (
    AskStatus,
    FollowUp,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)

ANONYMOUS = "Anonymous mentee"
MAX_FOLLOW_UPS = 3  # messages per side under one answer
_ENDED = (AskStatus.DECLINED, AskStatus.EXPIRED)


def _asks() -> QuerySet[PerspectiveAsk]:
    return PerspectiveAsk.objects.select_related("mentor__user").prefetch_related(
        Prefetch("follow_ups", queryset=FollowUp.objects.select_related("author"))
    )


def _requests() -> QuerySet[PerspectiveRequest]:
    """Requests with their asks, offers and follow-ups, in a fixed number of queries."""
    return PerspectiveRequest.objects.select_related("mentee", "topic__parent").prefetch_related(
        "languages",
        Prefetch("asks", queryset=_asks()),
        Prefetch("offers", queryset=PerspectiveOffer.objects.select_related("mentor__user")),
    )


def perspective_requests_of(*, mentee: User) -> QuerySet[PerspectiveRequest]:
    """The mentee's questions, newest first, each with its asks and offers."""
    return _requests().filter(mentee=mentee)


def perspective_request_get_for_mentee(*, request_id: object, mentee: User) -> PerspectiveRequest:
    """One of the mentee's questions; anyone else's does not exist."""
    request = (
        _requests().filter(public_id=request_id, mentee=mentee).first()
        if isinstance(request_id, str)
        else None
    )
    if request is None:
        raise NotFound("No such question.")
    return request


@dataclass(frozen=True)
class ComparedAnswer:
    """One mentor's part of a question, as the side-by-side comparison shows it."""

    ask: PerspectiveAsk
    mentor_name: str
    price: Money
    status: str
    answer: str
    helpful: bool
    due_at: datetime | None  # while the answer is awaited
    follow_ups: list[FollowUp]


def _comparison_order(ask: PerspectiveAsk) -> tuple:
    if ask.status == AskStatus.ANSWERED:
        return (0, not ask.helpful, ask.answered_at, ask.pk)
    if ask.status == AskStatus.ASKED:
        return (1, False, ask.due_at, ask.pk)
    if ask.status == AskStatus.UNPAID:
        return (2, False, ask.created_at, ask.pk)
    return (3, False, ask.ended_at or ask.created_at, ask.pk)


def perspective_comparison(*, request: PerspectiveRequest) -> list[ComparedAnswer]:
    """The answers side by side: answered first (the most helpful first), then those
    awaited (soonest deadline first), those waiting for payment, then declined and expired.
    Withdrawn questions are left out. Reads the request's prefetched asks."""
    asks = [ask for ask in request.asks.all() if ask.status != AskStatus.WITHDRAWN]
    return [
        ComparedAnswer(
            ask=ask,
            mentor_name=ask.mentor.user.display_name,
            price=ask.price,
            status=ask.status,
            answer=ask.answer if ask.status == AskStatus.ANSWERED else "",
            helpful=ask.helpful,
            due_at=ask.due_at if ask.status == AskStatus.ASKED else None,
            follow_ups=list(ask.follow_ups.all()),
        )
        for ask in sorted(asks, key=_comparison_order)
    ]


def asks_for_mentor(*, mentor: User) -> QuerySet[PerspectiveAsk]:
    """The mentor's inbox: questions awaiting their answer (soonest deadline first), then
    the rest, latest first. Questions not paid yet never show."""
    waiting = Case(
        When(status=AskStatus.ASKED, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return (
        PerspectiveAsk.objects.filter(mentor__user=mentor)
        .exclude(status=AskStatus.UNPAID)
        .select_related("request__mentee", "request__topic__parent", "mentor__user")
        .annotate(waiting=waiting)
        .order_by("waiting", "due_at", "-asked_at", "-pk")
    )


def perspective_ask_get_for_mentor(*, ask_id: object, mentor: User) -> PerspectiveAsk:
    """A question sent to this mentor, with its follow-ups; others (and unpaid ones) do not
    exist."""
    ask = (
        _asks()
        .select_related("request__mentee", "request__topic__parent")
        .filter(public_id=ask_id, mentor__user=mentor)
        .exclude(status=AskStatus.UNPAID)
        .first()
        if isinstance(ask_id, str)
        else None
    )
    if ask is None:
        raise NotFound("No such question.")
    return ask


def perspective_ask_get_for_participant(*, ask_id: object, user: User) -> PerspectiveAsk:
    """A sent question for its mentor or for the mentee who asked it, with its follow-ups;
    to anyone else it does not exist."""
    ask = (
        _asks()
        .select_related("request__mentee", "request__topic__parent")
        .filter(Q(mentor__user=user) | Q(request__mentee=user), public_id=ask_id)
        .exclude(status=AskStatus.UNPAID)
        .first()
        if isinstance(ask_id, str)
        else None
    )
    if ask is None:
        raise NotFound("No such question.")
    return ask


def answers_visible_to_mentor(*, ask: PerspectiveAsk) -> list[PerspectiveAsk]:
    """The other mentors' answers to the same question: none until this mentor has
    answered (so no answer is shaped by the others), then every one delivered."""
    if ask.status != AskStatus.ANSWERED:
        return []
    return list(
        PerspectiveAsk.objects.filter(request_id=ask.request_id, status=AskStatus.ANSWERED)
        .exclude(pk=ask.pk)
        .select_related("mentor__user")
        .order_by("answered_at", "pk")
    )


def mentee_label(request: PerspectiveRequest, viewer: User | None) -> str:
    """The mentee's name as ``viewer`` sees it: "Anonymous mentee" to others when the
    question was posted without a name."""
    if request.anonymous and (viewer is None or viewer.pk != request.mentee_id):
        return ANONYMOUS
    return request.mentee.display_name


def follow_ups_left(*, ask: PerspectiveAsk, user: User) -> int:
    """How many follow-up messages ``user`` may still send under this answer."""
    if ask.status != AskStatus.ANSWERED:
        return 0
    sent = sum(1 for follow_up in ask.follow_ups.all() if follow_up.author_id == user.pk)
    return max(MAX_FOLLOW_UPS - sent, 0)
