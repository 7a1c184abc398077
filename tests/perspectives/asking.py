"""Shared set-up for the perspectives tests: mentors who answer in writing, asking them
through the services, paying with the test provider's card, and a snapshot of everything a
refused action must leave as it was."""

from datetime import UTC, datetime

from headstrt.messaging.models import Notification
from headstrt.payments.answers import answers_pay
from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.perspectives import services
from headstrt.perspectives.models import (
    FollowUp,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory
from tests.payments.flows import money_state

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
QUESTION = (
    "I have a salary negotiation on Friday and an offer 10% below what I hoped for. "
    "How do I open the conversation, and what number do I name first?"
)
ANSWER = (
    "Name your number first and anchor it high: 15% above the offer, backed by two market "
    "figures. Then stop talking and let them answer."
)


def answering_mentor(
    name: str,
    *,
    price: int | None = 2000,
    currency: str = "EUR",
    topic=None,
    description: str = "Salary negotiation and raises",
    languages=("en",),
    **profile,
):
    """A mentor answering in writing at ``price`` minor units (``None``: not in writing),
    with one expertise entry on ``topic`` (a salary topic unless given)."""
    mentor = MentorProfileFactory(
        user__display_name=name,
        user__languages=list(languages),
        headline=f"{name} helps",
        bio="I coach people.",
        answer_price_minor=price,
        currency=currency,
        **profile,
    )
    ExpertiseEntryFactory(
        mentor=mentor,
        topic=topic or TopicFactory(slug="t-salary", name="Salary negotiation"),
        description=description,
    )
    return mentor


def ids(*mentors) -> list[str]:
    return [mentor.user.public_id for mentor in mentors]


def ask(mentee, *mentors, question: str = QUESTION, **extra) -> PerspectiveRequest:
    """``mentee`` asks ``mentors`` for their written perspective."""
    return services.perspective_request_create(
        mentee=mentee, question=question, mentor_ids=ids(*mentors), **extra
    )


def pay(mentee, request, card: str = CARD_SUCCEEDS) -> PerspectiveRequest:
    return answers_pay(mentee=mentee, request_id=request.public_id, source=card)


def ask_of(request, mentor) -> PerspectiveAsk:
    return PerspectiveAsk.objects.get(request=request, mentor=mentor)


def answer(ask: PerspectiveAsk, text: str = ANSWER) -> PerspectiveAsk:
    return services.perspective_answer(mentor=ask.mentor.user, ask_id=ask.public_id, answer=text)


def state() -> tuple:
    """Everything a perspectives action could change, to show a refused one did not."""
    return (
        sorted(PerspectiveRequest.objects.values_list("public_id", "currency", "closed_at")),
        sorted(
            PerspectiveAsk.objects.values_list(
                "public_id", "mentor_id", "status", "answer", "helpful", "due_at", "price_minor"
            )
        ),
        sorted(PerspectiveOffer.objects.values_list("public_id", "mentor_id")),
        sorted(FollowUp.objects.values_list("ask_id", "author_id", "text")),
        Notification.objects.count(),
        money_state(),
    )
