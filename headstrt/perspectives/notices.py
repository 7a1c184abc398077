"""What mentors and mentees are told as written perspectives move: in-app notices and email,
sent once the change is committed (a refused or rolled-back change tells nobody)."""

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.urls import reverse
from django.utils import dateformat

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.messaging.services import notification_send
from headstrt.perspectives.models import (
    MIN_ANSWER,
    FollowUp,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)
from headstrt.perspectives.selectors import mentee_label
from headstrt.scheduling.slots import zone_of


def request_path(request: PerspectiveRequest) -> str:
    """The mentee's page of the request: the answers side by side, offers, follow-ups."""
    return reverse("web:perspective_detail", args=[request.public_id])


def ask_path(ask: PerspectiveAsk) -> str:
    """The mentor's page of one question: answer or decline it, follow-ups."""
    return reverse("web:perspective_ask", args=[ask.public_id])


def mentee_name(request: PerspectiveRequest) -> str:
    """How mentors see the request's author: their name, or "Anonymous mentee"."""
    return mentee_label(request, None)


def _moment(moment: datetime, person: User) -> str:
    """``moment`` on ``person``'s clock, e.g. ``Thursday 7 March 2030, 09:00 (Europe/Paris)``."""
    try:
        zone, name = zone_of(person.time_zone), person.time_zone
    except DomainError:
        zone, name = ZoneInfo("UTC"), "UTC"
    return f"{dateformat.format(moment.astimezone(zone), 'l j F Y, H:i')} ({name})"


def _for(price: Money) -> str:
    return "for free" if price.minor == 0 else f"for {price.format()}"


def _tell(person: User, *, kind: str, title: str, body: str, url: str) -> None:
    transaction.on_commit(
        lambda: notification_send(recipient=person, kind=kind, title=title, body=body, url=url)
    )


def asked(asks: Iterable[PerspectiveAsk]) -> None:
    """Each mentor learns of the question sent to them, with its deadline and price."""
    for ask in asks:
        mentor = ask.mentor.user
        request = ask.request
        _tell(
            mentor,
            kind="perspectives.asked",
            title=f"{mentee_name(request)} asks for your perspective",
            body=(
                f"{mentee_name(request)} asks for your written perspective, {_for(ask.price)}:\n\n"
                f"“{request.heading}”\n\nPlease answer (at least {MIN_ANSWER} characters) or "
                f"decline by {_moment(ask.due_at, mentor)}. You will not see the other "
                "mentors' answers until you have given yours."
            ),
            url=ask_path(ask),
        )


def answered(ask: PerspectiveAsk) -> None:
    mentor = ask.mentor.user.display_name
    _tell(
        ask.request.mentee,
        kind="perspectives.answered",
        title=f"{mentor} answered your question",
        body=(
            f"{mentor} gave their perspective on “{ask.request.heading}”. Read it beside the "
            "other answers, mark the most helpful and follow up if you wish."
        ),
        url=request_path(ask.request),
    )


def _refund_note(ask: PerspectiveAsk) -> str:
    if ask.price_minor == 0:
        return "Nothing was charged for it."
    return f"The {ask.price.format()} you paid for this answer is refunded."


def declined(ask: PerspectiveAsk) -> None:
    mentor = ask.mentor.user.display_name
    reason = f"\n\nTheir reason: {ask.decline_reason}" if ask.decline_reason else ""
    _tell(
        ask.request.mentee,
        kind="perspectives.declined",
        title=f"{mentor} declined your question",
        body=(
            f"{mentor} will not answer “{ask.request.heading}”.{reason}\n\n{_refund_note(ask)} "
            "You can ask another mentor from the request's page."
        ),
        url=request_path(ask.request),
    )


def expired(ask: PerspectiveAsk) -> None:
    mentor = ask.mentor.user.display_name
    _tell(
        ask.request.mentee,
        kind="perspectives.expired",
        title=f"{mentor} did not answer in time",
        body=(
            f"{mentor} did not answer “{ask.request.heading}” before the deadline. "
            f"{_refund_note(ask)} You can ask another mentor from the request's page."
        ),
        url=request_path(ask.request),
    )


def offer_received(offer: PerspectiveOffer) -> None:
    mentor = offer.mentor.user.display_name
    _tell(
        offer.request.mentee,
        kind="perspectives.offer",
        title=f"{mentor} offers their perspective",
        body=(
            f"{mentor} offers to answer “{offer.request.heading}” {_for(offer.price)}."
            f"\n\nWhy them: {offer.note}\n\nAsk them from the request's page."
        ),
        url=request_path(offer.request),
    )


def followed_up(follow_up: FollowUp) -> None:
    """The other side of the answer learns of the new follow-up message."""
    ask = follow_up.ask
    request = ask.request
    if follow_up.author_id == request.mentee_id:
        recipient, author, url = ask.mentor.user, mentee_name(request), ask_path(ask)
    else:
        recipient, author, url = request.mentee, ask.mentor.user.display_name, request_path(request)
    _tell(
        recipient,
        kind="perspectives.follow_up",
        title=f"{author} followed up on “{request.heading}”",
        body=f"{author} wrote:\n\n{follow_up.text}",
        url=url,
    )
