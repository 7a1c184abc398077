"""Money: pay for a held session, tip after one, see a session's price and fee, statements."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited
from ninja import Query, Router
from ninja.decorators import decorate_view

from headstrt.api.bookings import booking_answer
from headstrt.api.idempotency import idempotency_key, idempotent_response
from headstrt.api.schemas import (
    BookingOut,
    PayIn,
    SessionPriceOut,
    StatementOut,
    StatementQuery,
    TipIn,
    TipOut,
)
from headstrt.core.errors import DomainError
from headstrt.payments import services, statements
from headstrt.scheduling.selectors import booking_get_for_participant

# Calls that charge a card, per person; far above what a person paying by hand needs, far
# below what card testing would.
MONEY_RATE_PER_USER = "20/m"

router = Router(tags=["Payments"])

STATEMENTS = {"mentor": statements.mentor_statement, "mentee": statements.mentee_statement}


def refuse_if_too_many_charges(request: HttpRequest) -> None:
    """Answer 429 once the caller has asked for ``MONEY_RATE_PER_USER`` charges; every
    endpoint that takes money counts against the same limit."""
    limited = is_ratelimited(
        request,
        group="api.payments",
        key=lambda group, request: request.auth.public_id,
        rate=MONEY_RATE_PER_USER,
        increment=True,
    )
    if limited:
        raise DomainError(
            "rate_limited",
            "Too many payment attempts. Wait a minute and try again.",
            status=429,
        )


@router.get("/bookings/{slug:booking_id}/price", response=SessionPriceOut)
def session_price(request: HttpRequest, booking_id: str):
    """A session's price, the platform fee included in it and what the mentor receives,
    the refund policy, and where its money is now (paid, in escrow, released, refunded)."""
    booking = booking_get_for_participant(booking_id=booking_id, user=request.auth)
    money = statements.session_money_for_participant(booking=booking, user=request.auth)
    return SessionPriceOut.of(booking.public_id, money)


@router.post("/bookings/{slug:booking_id}/pay", response={200: BookingOut})
@decorate_view(never_cache)
def session_pay(
    request: HttpRequest, booking_id: str, payload: PayIn, key: str | None = idempotency_key()
):
    """Finish booking a held slot and pay for it with a card; a free session needs none.

    The price goes into escrow and the session is confirmed (or sent to the mentor as a
    request). Refusals: ``card_declined`` (402: the hold is released, another card may be
    tried while nobody takes the slot), ``payment_pending`` (503: the bank did not answer;
    call again, with the same key, to ask about the same charge — you are never charged
    twice), ``already_paid`` (409), ``hold_expired`` (409), ``rate_limited`` (429).
    """
    refuse_if_too_many_charges(request)
    # booking_pay reads the booking afresh once paid, as the caller sees it.
    return booking_answer(
        request,
        key=key,
        scope="payments.pay",
        parameters={"booking": booking_id, **payload.model_dump(mode="json")},
        status=200,
        change=lambda: services.booking_pay(
            mentee=request.auth,
            booking_id=booking_id,
            objective=payload.objective,
            agenda=payload.agenda,
            source=payload.source,
        ),
        atomic=False,
    )


@router.post("/bookings/{slug:booking_id}/tips", response={201: TipOut})
@decorate_view(never_cache)
def session_tip(
    request: HttpRequest, booking_id: str, payload: TipIn, key: str | None = idempotency_key()
):
    """As its mentee, tip the mentor of a completed session, in the session's currency. The
    whole tip goes to the mentor: no platform fee. One tip per session.

    Refusals: ``invalid_amount``, ``currency_mismatch``, ``not_completed`` (409),
    ``already_tipped`` (409), ``card_declined`` (402), ``payment_pending`` (503), ``rate_limited``
    (429).
    """
    refuse_if_too_many_charges(request)

    def run() -> tuple[int, dict]:
        payment = services.tip_send(
            mentee=request.auth,
            booking_id=booking_id,
            amount_minor=payload.amount.minor,
            currency=payload.amount.currency.strip().upper(),
            source=payload.source,
        )
        return 201, TipOut.model_validate(payment).model_dump(mode="json")

    return idempotent_response(
        request,
        key=key,
        scope="payments.tip",
        parameters={"booking": booking_id, **payload.model_dump(mode="json")},
        run=run,
        atomic=False,
    )


def _statement(request: HttpRequest, role: str) -> statements.Statement:
    if role not in STATEMENTS:
        raise DomainError("invalid_role", "The role is mentor or mentee.", field="role")
    return STATEMENTS[role](user=request.auth)


@router.get("/me/statement", response=StatementOut)
@decorate_view(never_cache)
def statement(request: HttpRequest, query: Query[StatementQuery]):
    """Your statement per currency. As ``mentor``: earnings available, pending in escrow,
    paid out, and each release, tip and payout. As ``mentee``: paid, refunded, and each
    charge (declined ones included) and refund."""
    return StatementOut.of(_statement(request, query.role))


@router.get("/me/statement.csv", response={200: None})
@decorate_view(never_cache)
def statement_csv(request: HttpRequest, query: Query[StatementQuery]):
    """The statement's lines as CSV (``text/csv``): date, kind, session, session_start,
    other_person, gross, fee, net, currency, status; amounts in major units (``40.00``)."""
    lines = _statement(request, query.role).lines
    response = HttpResponse(statements.statement_csv(lines), content_type="text/csv; charset=utf-8")
    filename = "headstrt-earnings.csv" if query.role == "mentor" else "headstrt-payments.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
