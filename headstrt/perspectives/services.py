"""Written perspectives: ask several mentors at once, post a situation openly for offers,
answer, decline, follow up, and end what nobody answered in time. One transaction each.

Locks go request first, then its asks, so two changes of one request take turns. Paid
answers wait ``unpaid`` until the mentee pays (``headstrt.payments.answers.answers_pay``,
which sends them with ``asks_send``); each one's escrow is released when the answer
arrives and refunded when it does not, exactly once (the payment postings are keyed).
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q

from headstrt.accounts.models import Area, MentorProfile, Topic, User
from headstrt.accounts.validation import clean_int, clean_languages, clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import MAX_SESSION_PRICE_MAJOR, Money, minor_exponent, validate_currency
from headstrt.matching.models import MentorBlock, Situation
from headstrt.matching.query import SituationQuery
from headstrt.payments.models import PaymentStatus
from headstrt.perspectives import notices
from headstrt.perspectives.models import (
    MAX_ANSWER,
    MAX_ASKED,
    MAX_FOLLOW_UP,
    MAX_NOTE,
    MAX_QUESTION,
    MIN_ANSWER,
    AskStatus,
    FollowUp,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)
from headstrt.perspectives.selectors import MAX_FOLLOW_UPS
from headstrt.scheduling.selectors import person_is_paused

logger = logging.getLogger(__name__)

MAX_TITLE = 120
MAX_DECLINE_REASON = 300
ANSWER_HOURS = (12, 168)
# An unpaid question is withdrawn after this long, so a forgotten checkout never reaches
# a mentor days later.
UNPAID_LIFETIME = timedelta(hours=24)
# Candidates the matching engine ranks for every mentor picked automatically: some of the
# best matches do not answer in writing or charge in another currency.
AUTO_CANDIDATES_PER_PICK = 4
MIN_AUTO_CANDIDATES = 20


# Input


def _text(value: object, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    """Cleaned text from a form or the API; anything else than text is refused."""
    if value is not None and not isinstance(value, str):
        raise DomainError("invalid_text", f"{label} must be text.", field=field)
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    return clean_text(
        (value or "").replace("\r\n", "\n"),
        field=field,
        label=label,
        max_length=max_length,
        required=required,
    )


def _answer_hours(value: object) -> int:
    low, high = ANSWER_HOURS
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(
            "invalid_hours",
            f"Give mentors between {low} and {high} hours to answer.",
            field="answer_hours",
            status=422,
        )
    return value


def _area(value: object) -> str:
    value = value.strip() if isinstance(value, str) else ""
    if value and value not in Area.values:
        raise DomainError(
            "unknown_area", "Area must be personal, social or professional.", field="area"
        )
    return value


def _topic(slug: object) -> Topic | None:
    slug = slug.strip() if isinstance(slug, str) else ""
    if not slug:
        return None
    topic = Topic.objects.select_related("parent").filter(slug=slug[:100]).first()
    if topic is None:
        raise DomainError(
            "unknown_topic", f"“{slug[:100]}” is not a topic of the taxonomy.", field="topic"
        )
    return topic


def _budget(budget_minor: object, currency: object) -> tuple[int | None, str]:
    """The most the mentee pays per answer, and its currency; ``(None, "")`` for any price."""
    if budget_minor is None:
        return None, ""
    if not isinstance(currency, str):
        raise DomainError("required", "Give the budget's currency.", field="currency")
    currency = validate_currency(currency)
    limit = MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(currency)
    if (
        isinstance(budget_minor, bool)
        or not isinstance(budget_minor, int)
        or not 0 < budget_minor <= limit
    ):
        raise DomainError(
            "invalid_budget",
            f"A budget per answer is more than zero and at most {Money(limit, currency)}. "
            "Leave it blank to hear from mentors at any price.",
            field="budget",
        )
    return budget_minor, currency


def _mentor_ids(mentor_ids: object) -> list[str]:
    """The mentors' public ids, refusing the same mentor twice and more than ``MAX_ASKED``."""
    if isinstance(mentor_ids, str):
        mentor_ids = [mentor_ids]
    try:
        ids = list(mentor_ids or ())
    except TypeError:
        raise DomainError(
            "invalid_mentors", "Give the mentors as a list of ids.", field="mentor_ids"
        ) from None
    if len(set(map(str, ids))) != len(ids):
        raise DomainError(
            "same_mentor_twice",
            "You picked the same mentor twice. Ask each mentor once.",
            field="mentor_ids",
            status=422,
        )
    if len(ids) > MAX_ASKED:
        raise _too_many(len(ids), already=0)
    return ids


def _too_many(wanted: int, *, already: int) -> DomainError:
    room = MAX_ASKED - already
    more = f" It has {already} already, so you can add {max(room, 0)}." if already else ""
    return DomainError(
        "too_many_mentors",
        f"One question can go to at most {MAX_ASKED} mentors; you picked {wanted}.{more}",
        field="mentor_ids",
        status=422,
    )


# Who may ask and answer


def _refuse_paused_mentee(mentee: User, *, now: datetime) -> None:
    if person_is_paused(mentee, now=now):
        raise DomainError(
            "booking_paused",
            f"Your account is paused until {mentee.paused_until:%d %B %Y, %H:%M} UTC after "
            "missed or late-changed sessions, so you cannot ask mentors until then.",
            status=403,
        )


def _check_mentor_answers(mentor: MentorProfile, *, mentee: User, now: datetime) -> None:
    """Refuse a mentor the mentee cannot ask for a written answer now."""
    name = mentor.user.display_name
    if mentor.user_id == mentee.pk:
        raise DomainError("own_profile", "You cannot ask yourself.", field="mentor_ids")
    if not mentor.is_active or not mentor.user.is_active or person_is_paused(mentor.user, now=now):
        raise DomainError(
            "mentor_paused", f"{name} is not taking questions at the moment.", status=409
        )
    if mentor.answer_price_minor is None:
        raise DomainError(
            "not_answering",
            f"{name} does not answer in writing. Book a session with them instead.",
            field="mentor_ids",
            status=409,
        )


def _mentors(ids: Sequence[object], *, mentee: User, now: datetime) -> list[MentorProfile]:
    """The mentors with these public ids, in that order, each checked; ``NotFound`` for one
    who does not exist."""
    found = {
        mentor.user.public_id: mentor
        for mentor in MentorProfile.objects.select_related("user").filter(
            user__public_id__in=[i for i in ids if isinstance(i, str)], user__is_active=True
        )
    }
    mentors = []
    for mentor_id in ids:
        mentor = found.get(mentor_id) if isinstance(mentor_id, str) else None
        if mentor is None:
            raise NotFound("No such mentor.")
        _check_mentor_answers(mentor, mentee=mentee, now=now)
        mentors.append(mentor)
    return mentors


# Asking


def _live_asks(request: PerspectiveRequest):
    return request.asks.exclude(status=AskStatus.WITHDRAWN)


def _settle_currency(request: PerspectiveRequest, prices: Sequence[Money]) -> None:
    """Refuse paid answers in several currencies (they are paid with one charge), and fix
    the request's currency to theirs."""
    paid = _live_asks(request).filter(price_minor__gt=0).values_list("currency", flat=True)
    currencies = set(paid) | {price.currency for price in prices if price.minor}
    if request.currency:
        currencies.add(request.currency)
    if len(currencies) > 1:
        listed = " and ".join(sorted(currencies))
        raise DomainError(
            "currency_mismatch",
            f"The answers of one question are paid together, in one currency, but these "
            f"mentors charge in {listed}. Ask mentors who charge in one of them.",
            field="mentor_ids",
            status=409,
        )
    if currencies and not request.currency:
        request.currency = currencies.pop()
        request.save(update_fields=["currency"])


def _ask(
    request: PerspectiveRequest, picks: Sequence[tuple[MentorProfile, Money]], *, now: datetime
) -> list[PerspectiveAsk]:
    """Ask each mentor at their price: unpaid until paid, sent at once when free. A mentor
    whose earlier question was withdrawn unpaid is asked again on the same row."""
    _settle_currency(request, [price for _, price in picks])
    withdrawn = {
        ask.mentor_id: ask
        for ask in request.asks.filter(
            status=AskStatus.WITHDRAWN, mentor__in=[mentor for mentor, _ in picks]
        )
    }
    asks = []
    for mentor, price in picks:
        ask = withdrawn.get(mentor.pk) or PerspectiveAsk(request=request, mentor=mentor)
        ask.price_minor, ask.currency = price.minor, price.currency
        ask.status, ask.payment, ask.created_at = AskStatus.UNPAID, None, now
        ask.asked_at = ask.due_at = ask.answered_at = ask.ended_at = None
        ask.answer = ask.decline_reason = ""
        ask.helpful = False
        ask.save()
        asks.append(ask)
    _send([ask for ask in asks if ask.price_minor == 0], now=now)
    return asks


def _send(asks: Sequence[PerspectiveAsk], *, now: datetime) -> None:
    sent = []
    for ask in asks:
        if ask.status != AskStatus.UNPAID:
            continue
        ask.status = AskStatus.ASKED
        ask.asked_at = now
        ask.due_at = now + timedelta(hours=ask.request.answer_hours)
        ask.save(update_fields=["status", "asked_at", "due_at"])
        sent.append(ask)
    notices.asked(sent)


@transaction.atomic
def asks_send(*, asks: Sequence[PerspectiveAsk]) -> None:
    """Send paid (or free) questions to their mentors: each runs ``answer_hours`` from now
    and its mentor is told. Questions no longer waiting for payment are left as they are, so
    a replayed payment sends nothing twice. Called by payments inside its transaction."""
    _send(asks, now=clock.now())


def _matching_query(request: PerspectiveRequest, *, count: int) -> SituationQuery:
    """The request as the matching engine sees it. Written answers need no session length,
    time or session budget, so only its words, taxonomy and languages count (copied from
    the situation when it came from one)."""
    return SituationQuery(
        text=f"{request.title}\n\n{request.question}" if request.title else request.question,
        mentee_id=request.mentee_id,
        time_zone=request.mentee.time_zone,
        area=request.area,
        topic=request.topic.slug if request.topic_id else "",
        languages=tuple(sorted(language.code for language in request.languages.all())),
        perspectives=count,
    )


def _fits_budget(request: PerspectiveRequest, price: Money) -> bool:
    return (
        request.budget_minor is None
        or price.minor == 0
        or (price.currency == request.currency and price.minor <= request.budget_minor)
    )


def _auto_pick(
    request: PerspectiveRequest,
    *,
    count: int,
    chosen: Sequence[MentorProfile],
    now: datetime,
) -> list[MentorProfile]:
    """``count`` mentors who answer in writing, picked by the matching engine with
    diversity (maximal marginal relevance: each next one relevant and unlike those before),
    within the request's currency and budget."""
    from headstrt.matching import ranking

    query = _matching_query(request, count=count)
    wanted = max(MIN_AUTO_CANDIDATES, AUTO_CANDIDATES_PER_PICK * count + len(chosen))
    ranked = ranking.rank_mentors(query, limit=wanted).matches
    taken = {mentor.pk for mentor in chosen}
    currency = request.currency or next((m.currency for m in chosen if m.answer_price_minor), "")
    picked = []
    for match in ranked:
        mentor = match.mentor
        price = mentor.answer_price_minor
        if price is None or mentor.pk in taken or mentor.user_id == request.mentee_id:
            continue
        if not _fits_budget(request, Money(price, mentor.currency)):
            continue
        if price and currency and mentor.currency != currency:
            continue
        if person_is_paused(mentor.user, now=now):
            continue
        currency = currency or (mentor.currency if price else "")
        picked.append(mentor)
        if len(picked) == count:
            break
    return picked


@transaction.atomic
def perspective_request_create(
    *,
    mentee: User,
    question: str = "",
    title: str = "",
    situation_id: str | None = None,
    mentor_ids: Sequence[str] = (),
    auto: int = 0,
    open: bool = False,
    anonymous: bool = False,
    answer_hours: object = 48,
    budget_minor: object = None,
    currency: str | None = None,
    area: str = "",
    topic_slug: str | None = None,
    languages: Sequence[str] = (),
) -> PerspectiveRequest:
    """Ask several mentors for their written perspective on one question.

    From a situation (its text, title, area, topic, languages and budget are the defaults)
    or from free text. ``mentor_ids`` names the mentors; ``auto=N`` adds N picked by the
    matching engine with diversity; ``open`` posts the question for qualified mentors to
    offer theirs. Each mentor is asked at their answer price: paid questions wait for the
    payment, free ones go out at once.
    """
    now = clock.now()
    _refuse_paused_mentee(mentee, now=now)
    situation = None
    if situation_id:
        situation = (
            Situation.objects.select_related("mentee", "topic")
            .prefetch_related("languages")
            .filter(public_id=str(situation_id), mentee=mentee)
            .first()
        )
        if situation is None:
            raise NotFound("No such situation.")
    ids = _mentor_ids(mentor_ids)
    auto = clean_int(auto, field="auto", label="Mentors to pick", minimum=0, maximum=MAX_ASKED)
    if len(ids) + auto > MAX_ASKED:
        raise _too_many(len(ids) + auto, already=0)
    if not ids and not auto and not open:
        raise DomainError(
            "nothing_to_ask",
            "Pick the mentors to ask, let us pick some for you, or post the question openly.",
            field="mentor_ids",
        )
    if situation is not None:
        question = question or situation.text
        title = title or situation.title
        area = area or situation.area
        topic_slug = topic_slug or (situation.topic.slug if situation.topic_id else None)
        languages = languages or [language.code for language in situation.languages.all()]
        if budget_minor is None and situation.budget_minor is not None:
            budget_minor, currency = situation.budget_minor, situation.currency
    budget, budget_currency = _budget(budget_minor, currency)
    request = PerspectiveRequest.objects.create(
        mentee=mentee,
        situation=situation,
        title=_text(title, field="title", label="Title", max_length=MAX_TITLE),
        question=_text(
            question,
            field="question",
            label="Your question",
            max_length=MAX_QUESTION,
            required=True,
        ),
        area=_area(area),
        topic=_topic(topic_slug),
        budget_minor=budget,
        currency=budget_currency,
        answer_hours=_answer_hours(answer_hours),
        open=bool(open),
        anonymous=bool(anonymous),
        created_at=now,
    )
    request.languages.set(clean_languages(languages or ()))
    mentors = _mentors(ids, mentee=mentee, now=now)
    if auto:
        picked = _auto_pick(request, count=auto, chosen=mentors, now=now)
        if not picked and not mentors and not open:
            raise DomainError(
                "no_mentors_found",
                "No mentor who answers in writing fits this question yet. Pick mentors "
                "yourself, or post it openly so mentors can offer their perspective.",
                status=409,
            )
        mentors += picked
    _ask(request, [(m, Money(m.answer_price_minor, m.currency)) for m in mentors], now=now)
    return request


def _request_for_update(*, request_id: object, mentee: User) -> PerspectiveRequest:
    """The mentee's own request, locked; anyone else's does not exist."""
    request = (
        PerspectiveRequest.objects.select_for_update()
        .filter(public_id=request_id, mentee=mentee)
        .first()
        if isinstance(request_id, str)
        else None
    )
    if request is None:
        raise NotFound("No such question.")
    return request


def _refuse_closed(request: PerspectiveRequest) -> None:
    if request.closed_at is not None:
        raise DomainError(
            "request_closed", "This question is closed: no more mentors can join.", status=409
        )


def _add(
    request: PerspectiveRequest, picks: Sequence[tuple[MentorProfile, Money]], *, now: datetime
) -> list[PerspectiveAsk]:
    """Ask more mentors on an existing request, within ``MAX_ASKED``, none of them twice."""
    live = list(_live_asks(request).select_related("mentor__user"))
    asked = {ask.mentor_id for ask in live}
    for mentor, _ in picks:
        if mentor.pk in asked:
            raise DomainError(
                "already_asked",
                f"{mentor.user.display_name} is already asked on this question.",
                field="mentor_ids",
                status=409,
            )
    if len(live) + len(picks) > MAX_ASKED:
        raise _too_many(len(picks), already=len(live))
    return _ask(request, picks, now=now)


@transaction.atomic
def perspective_ask_add(
    *, mentee: User, request_id: object, mentor_ids: Sequence[str]
) -> list[PerspectiveAsk]:
    """Ask more mentors on one of the mentee's questions (at most ``MAX_ASKED`` in all)."""
    now = clock.now()
    _refuse_paused_mentee(mentee, now=now)
    request = _request_for_update(request_id=request_id, mentee=mentee)
    _refuse_closed(request)
    ids = _mentor_ids(mentor_ids)
    if not ids:
        raise DomainError("nothing_to_ask", "Pick the mentors to ask.", field="mentor_ids")
    mentors = _mentors(ids, mentee=mentee, now=now)
    return _add(request, [(m, Money(m.answer_price_minor, m.currency)) for m in mentors], now=now)


@transaction.atomic
def perspective_offer_accept(
    *, mentee: User, request_id: object, offer_ids: Sequence[str]
) -> list[PerspectiveAsk]:
    """Ask the mentors who offered their perspective, each at the price they offered."""
    now = clock.now()
    _refuse_paused_mentee(mentee, now=now)
    request = _request_for_update(request_id=request_id, mentee=mentee)
    _refuse_closed(request)
    ids = _mentor_ids(offer_ids)
    if not ids:
        raise DomainError("nothing_to_ask", "Pick the offers to accept.", field="offer_ids")
    offers = {
        offer.public_id: offer
        for offer in request.offers.select_related("mentor__user").filter(
            public_id__in=[i for i in ids if isinstance(i, str)]
        )
    }
    picks = []
    for offer_id in ids:
        offer = offers.get(offer_id) if isinstance(offer_id, str) else None
        if offer is None:
            raise NotFound("No such offer.")
        _check_mentor_answers(offer.mentor, mentee=mentee, now=now)
        picks.append((offer.mentor, offer.price))
    return _add(request, picks, now=now)


@transaction.atomic
def perspective_request_close(*, mentee: User, request_id: object) -> PerspectiveRequest:
    """Close a question: no more offers or mentors; questions still unpaid are withdrawn,
    those sent run to their deadline. Closing it again changes nothing."""
    request = _request_for_update(request_id=request_id, mentee=mentee)
    if request.closed_at is None:
        now = clock.now()
        request.closed_at = now
        request.save(update_fields=["closed_at"])
        request.asks.filter(status=AskStatus.UNPAID).update(
            status=AskStatus.WITHDRAWN, ended_at=now
        )
    return request


# Answering


def _ask_for_mentor_update(*, ask_id: object, mentor: User) -> PerspectiveAsk:
    """The mentor's question, locked; another mentor's, or one not sent yet, does not exist."""
    ask = (
        PerspectiveAsk.objects.select_for_update(of=("self",))
        .select_related("request__mentee", "mentor__user")
        .filter(public_id=ask_id, mentor__user=mentor)
        .exclude(status=AskStatus.UNPAID)
        .first()
        if isinstance(ask_id, str)
        else None
    )
    if ask is None:
        raise NotFound("No such question.")
    return ask


def _answer_late() -> DomainError:
    return DomainError(
        "answer_late",
        "The deadline for this answer has passed, so the question has expired and the mentee "
        "is refunded.",
        status=409,
    )


def _refuse_unless_asked(ask: PerspectiveAsk) -> None:
    if ask.status == AskStatus.ANSWERED:
        raise DomainError("already_answered", "You have answered this question.", status=409)
    if ask.status == AskStatus.EXPIRED:
        raise _answer_late()
    if ask.status != AskStatus.ASKED:
        raise DomainError(
            "not_asked", f"This question is {ask.get_status_display().lower()}.", status=409
        )


def _expire(ask: PerspectiveAsk, *, now: datetime) -> None:
    """End a question nobody answered in time and give the mentee their money back."""
    from headstrt.payments.answers import answer_refund

    ask.status = AskStatus.EXPIRED
    ask.ended_at = now
    ask.save(update_fields=["status", "ended_at"])
    answer_refund(ask=ask, reason="No answer before the deadline")
    notices.expired(ask)


def _expired_now(ask: PerspectiveAsk, *, now: datetime) -> bool:
    """Expire ``ask`` if its deadline has passed (whether or not the sweep came by yet)."""
    if ask.status == AskStatus.ASKED and ask.due_at <= now:
        _expire(ask, now=now)
        return True
    return False


def _answer_text(value: object) -> str:
    if value is not None and not isinstance(value, str):
        raise DomainError("invalid_text", "The answer must be text.", field="answer", status=422)
    text = (value or "").replace("\r\n", "\n").strip()
    if len(text) > MAX_ANSWER:
        raise DomainError(
            "answer_too_long",
            f"An answer has at most {MAX_ANSWER} characters; yours has {len(text)}.",
            field="answer",
            status=422,
        )
    try:
        text = clean_text(text, field="answer", label="Your answer", max_length=MAX_ANSWER)
    except DomainError as error:
        raise DomainError(error.code, error.message, field="answer", status=422) from None
    if len(text) < MIN_ANSWER:
        raise DomainError(
            "answer_too_short",
            f"An answer has at least {MIN_ANSWER} characters; yours has {len(text)}. "
            "Say what you would do and why.",
            field="answer",
            status=422,
        )
    return text


def perspective_answer(*, mentor: User, ask_id: object, answer: str) -> PerspectiveAsk:
    """Answer a question sent to this mentor, before its deadline; the answer's escrow goes
    to the mentor and the mentee is told.

    Past the deadline the question expires and is refunded in a transaction of its own
    before ``answer_late`` is raised, so the mentee never pays for no answer.
    """
    now = clock.now()
    with transaction.atomic():
        ask = _ask_for_mentor_update(ask_id=ask_id, mentor=mentor)
        late = _expired_now(ask, now=now)
        if not late:
            _refuse_unless_asked(ask)
            ask.answer = _answer_text(answer)
            ask.status = AskStatus.ANSWERED
            ask.answered_at = ask.ended_at = now
            ask.save(update_fields=["answer", "status", "answered_at", "ended_at"])
            from headstrt.payments.answers import answer_release

            answer_release(ask=ask)
            notices.answered(ask)
    if late:
        raise _answer_late()
    return ask


def perspective_decline(*, mentor: User, ask_id: object, reason: str = "") -> PerspectiveAsk:
    """Decline a question sent to this mentor; the mentee is refunded and told. Past the
    deadline it expires instead (``answer_late``), with the same refund."""
    now = clock.now()
    with transaction.atomic():
        ask = _ask_for_mentor_update(ask_id=ask_id, mentor=mentor)
        late = _expired_now(ask, now=now)
        if not late:
            _refuse_unless_asked(ask)
            ask.decline_reason = _text(
                reason, field="reason", label="Reason", max_length=MAX_DECLINE_REASON
            )
            ask.status = AskStatus.DECLINED
            ask.ended_at = now
            ask.save(update_fields=["decline_reason", "status", "ended_at"])
            from headstrt.payments.answers import answer_refund

            answer_refund(ask=ask, reason="The mentor declined")
            notices.declined(ask)
    if late:
        raise _answer_late()
    return ask


def _ask_for_mentee(*, ask_id: object, mentee: User) -> PerspectiveAsk:
    ask = (
        PerspectiveAsk.objects.select_related("request__mentee", "mentor__user")
        .filter(public_id=ask_id, request__mentee=mentee)
        .first()
        if isinstance(ask_id, str)
        else None
    )
    if ask is None:
        raise NotFound("No such answer.")
    return ask


def _refuse_unanswered(ask: PerspectiveAsk) -> None:
    if ask.status != AskStatus.ANSWERED:
        raise DomainError("not_answered", "This mentor has not answered yet.", status=409)


@transaction.atomic
def perspective_mark_helpful(*, mentee: User, ask_id: object) -> PerspectiveAsk:
    """Mark one answer to the mentee's question the most helpful (any other loses the
    mark); marking the marked one again takes the mark off."""
    ask = _ask_for_mentee(ask_id=ask_id, mentee=mentee)
    _request_for_update(request_id=ask.request.public_id, mentee=mentee)
    ask.refresh_from_db(fields=["status", "helpful"])
    _refuse_unanswered(ask)
    ask.helpful = not ask.helpful
    ask.request.asks.filter(helpful=True).exclude(pk=ask.pk).update(helpful=False)
    ask.save(update_fields=["helpful"])
    return ask


@transaction.atomic
def perspective_follow_up(*, user: User, ask_id: object, text: str) -> FollowUp:
    """A follow-up message under an answer, between the question's mentee and that answer's
    mentor only (``MAX_FOLLOW_UPS`` each); the other side is told."""
    ask = (
        PerspectiveAsk.objects.select_for_update(of=("self",))
        .select_related("request__mentee", "mentor__user")
        .filter(Q(request__mentee=user) | Q(mentor__user=user), public_id=ask_id)
        .exclude(status=AskStatus.UNPAID)
        .first()
        if isinstance(ask_id, str)
        else None
    )
    if ask is None:
        raise NotFound("No such answer.")
    _refuse_unanswered(ask)
    text = _text(
        text,
        field="text",
        label="Your message",
        max_length=MAX_FOLLOW_UP,
        required=True,
    )
    if ask.follow_ups.filter(author=user).count() >= MAX_FOLLOW_UPS:
        raise DomainError(
            "follow_ups_used",
            f"You have sent the {MAX_FOLLOW_UPS} follow-up messages each side has under an answer.",
            status=409,
        )
    follow_up = FollowUp.objects.create(ask=ask, author=user, text=text, created_at=clock.now())
    notices.followed_up(follow_up)
    return follow_up


# Open questions


@transaction.atomic
def perspective_offer_make(*, mentor: User, request_id: object, note: str) -> PerspectiveOffer:
    """Offer to answer an open question, at the mentor's answer price, with a note on why."""
    now = clock.now()
    request = (
        PerspectiveRequest.objects.select_for_update()
        .select_related("mentee")
        .filter(public_id=request_id)
        .first()
        if isinstance(request_id, str)
        else None
    )
    profile = MentorProfile.objects.select_related("user").filter(user=mentor).first()
    if request is None or not request.open:
        raise NotFound("No such question.")
    if MentorBlock.objects.filter(mentee_id=request.mentee_id, mentor=mentor).exists():
        raise NotFound("No such question.")  # a mentee who blocked a mentor is not shown to them
    if request.mentee_id == mentor.pk:
        raise DomainError("own_request", "This is your own question.", status=409)
    if request.closed_at is not None:
        raise DomainError(
            "request_closed", "This question is closed: it takes no more offers.", status=409
        )
    if profile is None:
        raise DomainError(
            "not_answering", "Open a mentor profile to offer your perspective.", status=409
        )
    _check_mentor_answers(profile, mentee=request.mentee, now=now)
    price = Money(profile.answer_price_minor, profile.currency)
    if not _fits_budget(request, price):
        raise DomainError(
            "over_budget",
            f"Your answer price ({price}) is above this mentee's budget of "
            f"{Money(request.budget_minor, request.currency)} per answer.",
            status=409,
        )
    languages = set(request.languages.values_list("code", flat=True))
    if languages and not languages & set(mentor.languages.values_list("code", flat=True)):
        raise DomainError(
            "language_mismatch",
            "This mentee wants answers in a language you do not list on your profile.",
            status=409,
        )
    if request.asks.filter(mentor=profile).exclude(status=AskStatus.WITHDRAWN).exists():
        raise DomainError("already_asked", "You are already asked on this question.", status=409)
    if _live_asks(request).count() >= MAX_ASKED:
        raise DomainError(
            "request_full",
            f"This mentee has asked {MAX_ASKED} mentors already, the most one question takes.",
            status=409,
        )
    note = _text(
        note,
        field="note",
        label="Your note",
        max_length=MAX_NOTE,
        required=True,
    )
    try:
        with transaction.atomic():
            offer = PerspectiveOffer.objects.create(
                request=request,
                mentor=profile,
                note=note,
                price_minor=price.minor,
                currency=price.currency,
                created_at=now,
            )
    except IntegrityError:
        raise DomainError(
            "already_offered", "You have already offered your perspective here.", status=409
        ) from None
    notices.offer_received(offer)
    return offer


# Deadlines


def _expire_one(ask_pk: int, *, now: datetime) -> bool:
    """Expire one question past its deadline; ``False`` if it was answered, declined or
    expired meanwhile (the row is read again under its lock)."""
    with transaction.atomic():
        ask = (
            PerspectiveAsk.objects.select_for_update(of=("self",))
            .select_related("request__mentee", "mentor__user")
            .get(pk=ask_pk)
        )
        return _expired_now(ask, now=now)


def perspectives_expire_due() -> int:
    """End what waited too long: each question past its deadline expires and is refunded
    in its own transaction (one that fails is logged and does not hold up the others), and
    questions unpaid for ``UNPAID_LIFETIME`` without a payment in progress are withdrawn.
    Safe to run twice or from several workers; returns how many questions ended."""
    now = clock.now()
    due = (
        PerspectiveAsk.objects.filter(status=AskStatus.ASKED, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)
    )
    ended = 0
    for pk in list(due):
        try:
            ended += _expire_one(pk, now=now)
        except Exception:
            # One question whose refund fails must not hold up all the others.
            logger.exception("perspective ask %s could not be expired", pk)
    withdrawn = (
        PerspectiveAsk.objects.filter(
            status=AskStatus.UNPAID, created_at__lte=now - UNPAID_LIFETIME
        )
        .filter(Q(payment__isnull=True) | ~Q(payment__status=PaymentStatus.PENDING))
        .update(status=AskStatus.WITHDRAWN, ended_at=now)
    )
    return ended + withdrawn
