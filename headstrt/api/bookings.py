"""Bookings: hold a slot, check out, answer requests, reschedule, cancel and close sessions."""

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router, Schema

from headstrt.api.idempotency import (
    idempotency_key,
    idempotent_object_response,
    idempotent_response,
)
from headstrt.api.schemas import (
    BookingIn,
    BookingListQuery,
    BookingOut,
    BookingPageOut,
    CheckoutIn,
    HoldIn,
    ReasonIn,
    RescheduleIn,
)
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.pagination import paginate
from headstrt.scheduling import selectors, services
from headstrt.scheduling.models import Booking

router = Router(tags=["Bookings"])

ROLES = ("mentor", "mentee")


class JoinOut(Schema):
    video_url: str


def booking_out(request: HttpRequest, booking: Booking) -> dict:
    """The JSON form of ``booking`` as its participant ``request.auth`` sees it."""
    return BookingOut.model_validate(booking, context={"request": request}).model_dump(mode="json")


def booking_answer(
    request: HttpRequest,
    *,
    key: str | None,
    scope: str,
    parameters: dict,
    status: int,
    change: Callable[[], Booking],
    atomic: bool = True,
) -> JsonResponse:
    """Run ``change`` once per key and answer ``status`` with the booking it returns, as
    it returns it: for a service whose booking is already what the caller would read."""
    return idempotent_response(
        request,
        key=key,
        scope=scope,
        parameters=parameters,
        run=lambda: (status, booking_out(request, change())),
        atomic=atomic,
    )


def booking_body(request: HttpRequest, booking_id: str) -> dict:
    """The JSON form of a booking, freshly read, as its participant ``request.auth`` sees it."""
    booking = selectors.booking_get_for_participant(booking_id=booking_id, user=request.auth)
    return booking_out(request, booking)


# Changes answer with the booking they leave, once per idempotency key.
_answer = partial(idempotent_object_response, body=booking_body)


def _new_booking(
    request: HttpRequest,
    key: str | None,
    action: str,
    change: Callable[..., Booking],
    payload: HoldIn,
    atomic: bool = True,
    **arguments,
) -> JsonResponse:
    """Run ``change``, a booking service with the caller bound as the mentee, for the slot
    ``payload`` names, once per idempotency key; ``arguments`` also go to the service."""
    return _answer(
        request,
        key=key,
        scope=f"bookings.{action}",
        parameters=payload.model_dump(mode="json"),
        status=201,
        atomic=atomic,
        change=lambda: change(
            mentor_id=payload.mentor,
            start=payload.start,
            minutes=payload.minutes,
            situation_id=payload.situation,
            **arguments,
        ),
    )


def _booking_action(
    request: HttpRequest,
    booking_id: str,
    key: str | None,
    action: str,
    change: Callable[..., Booking],
    **arguments,
) -> JsonResponse:
    """Run ``change``, a booking service with the caller bound as its actor, on the booking
    once per idempotency key; ``arguments`` go to the service and tell requests apart."""
    return _answer(
        request,
        key=key,
        scope=f"bookings.{action}",
        parameters={"booking": booking_id, **arguments},
        status=200,
        change=lambda: change(booking_id=booking_id, **arguments),
    )


def _reason(payload: ReasonIn | None) -> str:
    return payload.reason if payload else ""


@router.get("", response=BookingPageOut)
def booking_list(request: HttpRequest, query: Query[BookingListQuery]):
    """Your sessions and requests, as mentor and as mentee."""
    if query.which not in selectors.BOOKING_LISTS:
        raise DomainError("invalid_list", "The list is upcoming, requests or past.", field="list")
    if query.role and query.role not in ROLES:
        raise DomainError("invalid_role", "The role is mentor or mentee.", field="role")
    bookings = selectors.bookings_for_participant(
        user=request.auth, now=clock.now(), which=query.which, role=query.role or None
    ).select_related("situation")
    return paginate(bookings, page=query.page, size=query.size)


@router.post("", response={201: BookingOut})
def booking_create(request: HttpRequest, payload: BookingIn, key: str | None = idempotency_key()):
    """Book a free slot in one call: it is confirmed at once, or sent to the mentor as a
    request if the mentor accepts each booking. A paid session is paid with ``source`` (a
    card token): ``card_declined`` (402) or ``payment_pending`` (503, retry with the same
    key) otherwise. Someone faster gets ``slot_taken`` (409)."""
    change = partial(services.booking_create, mentee=request.auth)
    return _new_booking(
        request,
        key,
        "create",
        change,
        payload,
        atomic=False,
        objective=payload.objective,
        agenda=payload.agenda,
        source=payload.source,
    )


@router.post("/holds", response={201: BookingOut})
def booking_hold(request: HttpRequest, payload: HoldIn, key: str | None = idempotency_key()):
    """Hold a free slot for 10 minutes while you write your objective; check out to book it.
    Your earlier holds are released."""
    # The hold is answered with the row just made in this transaction, read with the
    # mentor, mentee and situation it was made for: reading it again would add nothing.
    return booking_answer(
        request,
        key=key,
        scope="bookings.hold",
        parameters=payload.model_dump(mode="json"),
        status=201,
        change=lambda: services.booking_hold(
            mentee=request.auth,
            mentor_id=payload.mentor,
            start=payload.start,
            minutes=payload.minutes,
            situation_id=payload.situation,
        ),
    )


@router.get("/{slug:booking_id}", response=BookingOut)
def booking_detail(request: HttpRequest, booking_id: str):
    """One of your bookings."""
    return selectors.booking_get_for_participant(booking_id=booking_id, user=request.auth)


@router.post("/{slug:booking_id}/checkout", response=BookingOut)
def booking_checkout(
    request: HttpRequest, booking_id: str, payload: CheckoutIn, key: str | None = idempotency_key()
):
    """Finish booking a held free slot with your objective (a paid one: ``POST
    /bookings/{id}/pay``, else ``payment_required``, 402). A lapsed hold still works while
    the slot is free (else ``hold_expired``, 409)."""
    change = partial(services.booking_checkout, mentee=request.auth)
    return _booking_action(
        request,
        booking_id,
        key,
        "checkout",
        change,
        objective=payload.objective,
        agenda=payload.agenda,
    )


@router.post("/{slug:booking_id}/accept", response=BookingOut)
def booking_accept(request: HttpRequest, booking_id: str, key: str | None = idempotency_key()):
    """As the mentor, accept a request: the session is confirmed."""
    change = partial(services.booking_accept, mentor=request.auth)
    return _booking_action(request, booking_id, key, "accept", change)


@router.post("/{slug:booking_id}/decline", response=BookingOut)
def booking_decline(
    request: HttpRequest,
    booking_id: str,
    payload: ReasonIn | None = None,
    key: str | None = idempotency_key(),
):
    """As the mentor, decline a request; the mentee sees your reason. The body is optional."""
    change = partial(services.booking_decline, mentor=request.auth)
    return _booking_action(request, booking_id, key, "decline", change, reason=_reason(payload))


@router.post("/{slug:booking_id}/reschedule", response=BookingOut)
def booking_reschedule(
    request: HttpRequest,
    booking_id: str,
    payload: RescheduleIn,
    key: str | None = idempotency_key(),
):
    """Move a session or request to another free slot of the same length, before it starts.
    Within 24 hours of the start a confirmed session's move counts as late."""
    change = partial(services.booking_reschedule, user=request.auth)
    return _booking_action(request, booking_id, key, "reschedule", change, start=payload.start)


@router.post("/{slug:booking_id}/cancel", response=BookingOut)
def booking_cancel(
    request: HttpRequest,
    booking_id: str,
    payload: ReasonIn | None = None,
    key: str | None = idempotency_key(),
):
    """Cancel a session or request before it starts, or release your hold. Within 24 hours
    of the start a confirmed session's cancellation counts as late. The body is optional."""
    change = partial(services.booking_cancel, user=request.auth)
    return _booking_action(request, booking_id, key, "cancel", change, reason=_reason(payload))


@router.post("/{slug:booking_id}/complete", response=BookingOut)
def booking_complete(request: HttpRequest, booking_id: str, key: str | None = idempotency_key()):
    """Mark a session that has started as done (up to 3 days after its end)."""
    change = partial(services.booking_complete, user=request.auth)
    return _booking_action(request, booking_id, key, "complete", change)


@router.post("/{slug:booking_id}/no-show", response=BookingOut)
def booking_no_show(request: HttpRequest, booking_id: str, key: str | None = idempotency_key()):
    """Report that the other side did not come (up to 3 days after the end)."""
    change = partial(services.booking_report_no_show, user=request.auth)
    return _booking_action(request, booking_id, key, "no_show", change)


@router.post("/{slug:booking_id}/join", response=JoinOut)
def booking_join(request: HttpRequest, booking_id: str):
    """The video call's address, from 10 minutes before the start of a confirmed session to
    its end (else ``not_joinable``, 409); the first time you join is recorded."""
    return {"video_url": services.booking_join(user=request.auth, booking_id=booking_id)}
