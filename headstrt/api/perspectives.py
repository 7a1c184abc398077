"""Written perspectives: ask several mentors at once, pay, compare their answers side by side
and follow up; a mentor's inbox, answers and declines; open questions, offers and the feed."""

from collections.abc import Callable

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from ninja import Query, Router
from ninja.decorators import decorate_view

from headstrt.api.idempotency import idempotency_key, idempotent_response
from headstrt.api.payments import refuse_if_too_many_charges
from headstrt.api.schemas import (
    AnswersPayIn,
    FeedItemOut,
    FeedOut,
    FollowUpIn,
    FollowUpOut,
    InboxPageOut,
    MentorAskOut,
    PageQuery,
    PerspectiveAnswerIn,
    PerspectiveDeclineIn,
    PerspectiveMentorsIn,
    PerspectiveOfferIn,
    PerspectiveOfferMadeOut,
    PerspectiveOffersAcceptIn,
    PerspectivePageOut,
    PerspectiveRequestIn,
    PerspectiveRequestOut,
)
from headstrt.core.pagination import paginate
from headstrt.payments import answers as answer_payments
from headstrt.perspectives import feed, selectors, services

router = Router(tags=["Perspectives"])


def _request_out(request: HttpRequest, request_id: str) -> PerspectiveRequestOut:
    perspective = selectors.perspective_request_get_for_mentee(
        request_id=request_id, mentee=request.auth
    )
    return PerspectiveRequestOut.of(
        perspective,
        viewer=request.auth,
        comparison=selectors.perspective_comparison(request=perspective),
        http_request=request,
    )


def _mentor_ask_out(request: HttpRequest, ask_id: str) -> dict:
    ask = selectors.perspective_ask_get_for_mentor(ask_id=ask_id, mentor=request.auth)
    return MentorAskOut.model_validate(ask, context={"request": request}).model_dump(mode="json")


def _once(
    request: HttpRequest,
    *,
    key: str | None,
    action: str,
    parameters: dict,
    run: Callable[[], tuple[int, dict]],
    atomic: bool = True,
) -> JsonResponse:
    """Run ``run`` once per idempotency key. ``atomic=False`` where the service commits on
    its own: a payment, or an answer too late, whose expiry and refund must stay."""
    return idempotent_response(
        request,
        key=key,
        scope=f"perspectives.{action}",
        parameters=parameters,
        run=run,
        atomic=atomic,
    )


def _mentee_change(
    request: HttpRequest,
    request_id: str,
    *,
    key: str | None,
    action: str,
    parameters: dict,
    change: Callable[[], object],
    status: int = 200,
    atomic: bool = True,
) -> JsonResponse:
    """Run ``change`` on the mentee's question once per key; answer the question as it is now."""

    def run() -> tuple[int, dict]:
        change()
        return status, _request_out(request, request_id).model_dump(mode="json")

    return _once(
        request,
        key=key,
        action=action,
        parameters={"request": request_id, **parameters},
        run=run,
        atomic=atomic,
    )


def _mentor_change(
    request: HttpRequest,
    ask_id: str,
    *,
    key: str | None,
    action: str,
    parameters: dict,
    change: Callable[[], object],
) -> JsonResponse:
    def run() -> tuple[int, dict]:
        change()
        return 200, _mentor_ask_out(request, ask_id)

    return _once(
        request,
        key=key,
        action=action,
        parameters={"ask": ask_id, **parameters},
        run=run,
        atomic=False,
    )


# --- the mentee --------------------------------------------------------------------------------


@router.post("/perspectives", response={201: PerspectiveRequestOut})
def perspective_create(
    request: HttpRequest, payload: PerspectiveRequestIn, key: str | None = idempotency_key()
):
    """Ask several mentors at once for their written perspective on one question.

    Name the mentors (``mentors``), let the matching engine pick ``auto`` of them with
    different backgrounds among those who answer in writing, and/or post the question
    openly (``open``) for qualified mentors to offer theirs. Each mentor is asked at their
    answer price: paid answers wait for ``POST /perspectives/{id}/pay``, free ones go out
    at once. Refusals: ``same_mentor_twice`` and ``too_many_mentors`` (422, at most 5),
    ``not_answering`` (409: the mentor does not answer in writing), ``currency_mismatch``,
    ``own_profile``, ``mentor_paused``, ``nothing_to_ask``, ``no_mentors_found`` (409),
    ``invalid_hours`` and the question's length; an unknown mentor or situation is 404.
    """
    budget = payload.budget

    def run() -> tuple[int, dict]:
        created = services.perspective_request_create(
            mentee=request.auth,
            question=payload.question,
            title=payload.title,
            situation_id=payload.situation,
            mentor_ids=payload.mentors,
            auto=payload.auto,
            open=payload.open,
            anonymous=payload.anonymous,
            answer_hours=payload.answer_hours,
            budget_minor=budget.minor if budget else None,
            currency=budget.currency if budget else None,
            area=payload.area,
            topic_slug=payload.topic or None,
            languages=payload.languages,
        )
        return 201, _request_out(request, created.public_id).model_dump(mode="json")

    return _once(
        request, key=key, action="create", parameters=payload.model_dump(mode="json"), run=run
    )


@router.get("/perspectives", response=PerspectivePageOut)
def perspective_list(request: HttpRequest, query: Query[PageQuery]):
    """Your questions to several mentors, newest first, with how many answers are in."""
    requests = selectors.perspective_requests_of(mentee=request.auth)
    return paginate(requests, page=query.page, size=query.size)


# --- the mentor (before /perspectives/{id}, whose id would match these words) ---------------------


@router.get("/perspectives/inbox", response=InboxPageOut)
def perspective_inbox(request: HttpRequest, query: Query[PageQuery]):
    """Questions mentees asked you: those awaiting your answer first, soonest due first,
    then the rest, latest first. Questions not paid for yet never show."""
    asks = selectors.asks_for_mentor(mentor=request.auth)
    return paginate(asks, page=query.page, size=query.size)


@router.get("/perspectives/open", response=FeedOut)
def perspective_feed(request: HttpRequest, limit: int = 20):
    """Open questions of mentees that fit your expertise, best first, each with the reasons
    in words; empty (with a ``notice``) until you set an answer price, or while paused."""
    items = feed.open_requests_for_mentor(mentor=request.auth, limit=limit)
    return FeedOut(
        items=[FeedItemOut.of(item) for item in items],
        notice=feed.open_requests_notice(mentor=request.auth),
    )


@router.get("/perspectives/asks/{slug:ask_id}", response=MentorAskOut)
def perspective_ask(request: HttpRequest, ask_id: str):
    """A question sent to you: the question (the mentee's name, or “Anonymous mentee”),
    its deadline, your answer; the other mentors' answers only once yours is sent."""
    return selectors.perspective_ask_get_for_mentor(ask_id=ask_id, mentor=request.auth)


@router.post("/perspectives/asks/{slug:ask_id}/answer", response=MentorAskOut)
def perspective_answer(
    request: HttpRequest,
    ask_id: str,
    payload: PerspectiveAnswerIn,
    key: str | None = idempotency_key(),
):
    """Send your written answer (80 to 6,000 characters) before its deadline; you are paid
    its price less the platform fee. Refusals: ``answer_late`` (409: the mentee is
    refunded), ``already_answered`` and ``not_asked`` (409), ``answer_too_short`` or
    ``answer_too_long`` (422); a question not sent to you is 404."""

    def change():
        services.perspective_answer(mentor=request.auth, ask_id=ask_id, answer=payload.answer)

    parameters = payload.model_dump(mode="json")
    return _mentor_change(
        request, ask_id, key=key, action="answer", parameters=parameters, change=change
    )


@router.post("/perspectives/asks/{slug:ask_id}/decline", response=MentorAskOut)
def perspective_decline(
    request: HttpRequest,
    ask_id: str,
    payload: PerspectiveDeclineIn | None = None,
    key: str | None = idempotency_key(),
):
    """Decline a question sent to you; the mentee is refunded and sees your reason. The
    body is optional. Refusals: ``answer_late``, ``not_asked`` (409)."""
    reason = payload.reason if payload else ""

    def change():
        services.perspective_decline(mentor=request.auth, ask_id=ask_id, reason=reason)

    return _mentor_change(
        request, ask_id, key=key, action="decline", parameters={"reason": reason}, change=change
    )


@router.post("/perspectives/asks/{slug:ask_id}/helpful", response=PerspectiveRequestOut)
def perspective_helpful(request: HttpRequest, ask_id: str, key: str | None = idempotency_key()):
    """Mark an answer to your question the most helpful (another one loses the mark);
    marking it again takes the mark off. Answers the whole question. Refusal:
    ``not_answered`` (409)."""

    def run() -> tuple[int, dict]:
        ask = services.perspective_mark_helpful(mentee=request.auth, ask_id=ask_id)
        return 200, _request_out(request, ask.request.public_id).model_dump(mode="json")

    return _once(request, key=key, action="helpful", parameters={"ask": ask_id}, run=run)


@router.get("/perspectives/asks/{slug:ask_id}/follow-ups", response=list[FollowUpOut])
def follow_up_list(request: HttpRequest, ask_id: str):
    """The follow-up messages under an answer, oldest first, for its mentee and its mentor."""
    ask = selectors.perspective_ask_get_for_participant(ask_id=ask_id, user=request.auth)
    name = selectors.mentee_label(ask.request, request.auth)
    return [FollowUpOut.of(follow_up, mentee_name=name) for follow_up in ask.follow_ups.all()]


@router.post("/perspectives/asks/{slug:ask_id}/follow-ups", response={201: FollowUpOut})
def follow_up_send(
    request: HttpRequest, ask_id: str, payload: FollowUpIn, key: str | None = idempotency_key()
):
    """Follow up under an answer: the question's mentee and the answer's mentor write to
    each other, three messages each at most (``follow_ups_used``, 409). Refusal:
    ``not_answered`` (409)."""

    def run() -> tuple[int, dict]:
        follow_up = services.perspective_follow_up(
            user=request.auth, ask_id=ask_id, text=payload.text
        )
        name = selectors.mentee_label(follow_up.ask.request, request.auth)
        return 201, FollowUpOut.of(follow_up, mentee_name=name).model_dump(mode="json")

    parameters = {"ask": ask_id, **payload.model_dump(mode="json")}
    return _once(request, key=key, action="follow_up", parameters=parameters, run=run)


# --- one question ---------------------------------------------------------------------------------


@router.get("/perspectives/{slug:request_id}", response=PerspectiveRequestOut)
@decorate_view(never_cache)
def perspective_detail(request: HttpRequest, request_id: str):
    """One of your questions with its answers side by side, what waits for payment, each
    ask's deadline, follow-ups, and the offers of an open post."""
    return _request_out(request, request_id)


@router.post("/perspectives/{slug:request_id}/asks", response={201: PerspectiveRequestOut})
def perspective_ask_add(
    request: HttpRequest,
    request_id: str,
    payload: PerspectiveMentorsIn,
    key: str | None = idempotency_key(),
):
    """Ask more mentors on your question, at their answer prices (5 in all at most).
    Refusals: ``already_asked`` (409), ``too_many_mentors`` (422), ``request_closed``
    (409), and those of creating a question."""

    def change():
        services.perspective_ask_add(
            mentee=request.auth, request_id=request_id, mentor_ids=payload.mentors
        )

    return _mentee_change(
        request,
        request_id,
        key=key,
        action="asks",
        parameters=payload.model_dump(mode="json"),
        change=change,
        status=201,
    )


@router.post("/perspectives/{slug:request_id}/pay", response=PerspectiveRequestOut)
@decorate_view(never_cache)
def perspective_pay(
    request: HttpRequest,
    request_id: str,
    payload: AnswersPayIn,
    key: str | None = idempotency_key(),
):
    """Pay with one charge for every answer waiting for payment: each price goes into an
    escrow of its own and those mentors are asked. A mentor who answers is paid from it;
    one who declines or does not answer in time is refunded to you.

    Refusals: ``nothing_to_pay`` (409), ``card_declined`` (402), ``payment_pending`` (503:
    call again with the same key to ask about the same charge — you are never charged
    twice), ``payment_pending_other_amount`` (409), ``rate_limited`` (429).
    """
    refuse_if_too_many_charges(request)

    def change():
        answer_payments.answers_pay(
            mentee=request.auth, request_id=request_id, source=payload.source
        )

    return _mentee_change(
        request,
        request_id,
        key=key,
        action="pay",
        parameters=payload.model_dump(mode="json"),
        change=change,
        atomic=False,
    )


@router.post("/perspectives/{slug:request_id}/close", response=PerspectiveRequestOut)
def perspective_close(request: HttpRequest, request_id: str, key: str | None = idempotency_key()):
    """Close your question: mentors can no longer offer or be added, asks waiting for
    payment are withdrawn, those sent run to their deadline. Closing again changes nothing."""

    def change():
        services.perspective_request_close(mentee=request.auth, request_id=request_id)

    return _mentee_change(
        request, request_id, key=key, action="close", parameters={}, change=change
    )


@router.post("/perspectives/{slug:request_id}/offers", response={201: PerspectiveOfferMadeOut})
def perspective_offer(
    request: HttpRequest,
    request_id: str,
    payload: PerspectiveOfferIn,
    key: str | None = idempotency_key(),
):
    """As a mentor, offer your perspective on an open question, at your answer price, with
    a note on why you. Refusals: ``over_budget``, ``language_mismatch``, ``already_offered``
    (409), ``request_closed`` (409), ``not_answering`` (no answer price), ``own_profile``."""

    def run() -> tuple[int, dict]:
        offer = services.perspective_offer_make(
            mentor=request.auth, request_id=request_id, note=payload.note
        )
        return 201, PerspectiveOfferMadeOut.model_validate(offer).model_dump(mode="json")

    parameters = {"request": request_id, **payload.model_dump(mode="json")}
    return _once(request, key=key, action="offer", parameters=parameters, run=run)


@router.post("/perspectives/{slug:request_id}/offers/accept", response=PerspectiveRequestOut)
def perspective_offers_accept(
    request: HttpRequest,
    request_id: str,
    payload: PerspectiveOffersAcceptIn,
    key: str | None = idempotency_key(),
):
    """Ask the mentors whose offers you pick, each at the price they offered; then pay
    for them with ``POST /perspectives/{id}/pay``. Refusals as for adding mentors; an
    unknown offer is 404."""

    def change():
        services.perspective_offer_accept(
            mentee=request.auth, request_id=request_id, offer_ids=payload.offers
        )

    return _mentee_change(
        request,
        request_id,
        key=key,
        action="offers_accept",
        parameters=payload.model_dump(mode="json"),
        change=change,
    )
