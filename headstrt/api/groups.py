"""Group sessions: the listing, a mentor offering and cancelling one, taking a seat."""

from django.http import HttpRequest, JsonResponse
from ninja import Query, Router

from headstrt.api.auth import viewer
from headstrt.api.bookings import booking_body
from headstrt.api.gathering_schemas import (
    GroupDetailOut,
    GroupIn,
    GroupListQuery,
    GroupPageOut,
    SeatIn,
)
from headstrt.api.idempotency import idempotency_key, idempotent_response
from headstrt.api.payments import refuse_if_too_many_charges
from headstrt.api.schemas import BookingOut, ReasonIn
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.pagination import paginate
from headstrt.scheduling import panel_reads
from headstrt.scheduling.services import groups as group_services

router = Router(tags=["Group sessions"])


def group_body(request: HttpRequest, group_id: str) -> dict:
    """The JSON form of a group session, freshly read, as the caller sees it."""
    person = viewer(request)
    group = panel_reads.group_session_get(group_id=group_id, viewer=person)
    context = {"request": request, "viewer": person}
    return GroupDetailOut.model_validate(group, context=context).model_dump(mode="json")


@router.get("/groups", response=GroupPageOut, auth=None, summary="Group sessions to come")
def group_list(request: HttpRequest, query: Query[GroupListQuery]):
    """Open group sessions to come, soonest first, with the seats left; ``topic`` narrows
    them to a topic (a category includes its topics)."""
    groups = panel_reads.group_sessions_upcoming(
        now=clock.now(), topic_slug=query.topic.strip() or None
    )
    return paginate(groups, page=query.page, size=query.size)


@router.get(
    "/groups/{slug:group_id}", response=GroupDetailOut, auth=None, summary="A group session"
)
def group_detail(request: HttpRequest, group_id: str):
    """A group session: anyone may see it while it is open; once cancelled, its mentor and
    the mentees who had a seat. Its mentor also sees who took a seat."""
    return JsonResponse(group_body(request, group_id))


@router.post("/groups", response={201: GroupDetailOut}, summary="Offer a group session")
def group_offer(request: HttpRequest, payload: GroupIn, key: str | None = idempotency_key()):
    """As a mentor, offer a session to ``capacity`` mentees at once (2 to 20), each paying
    ``price_minor`` in your currency. The time becomes yours at once: it must be free, at
    least your minimum notice away and within your booking horizon. Refusals:
    ``mentor_busy`` (409), ``invalid_capacity``, ``invalid_price``, ``no_mentor_profile``
    (409), ``in_past``, ``too_soon``, ``beyond_horizon``."""

    def run() -> tuple[int, dict]:
        group = group_services.group_session_offer(
            mentor=request.auth,
            title=payload.title,
            description=payload.description,
            start=payload.start,
            minutes=payload.minutes,
            capacity=payload.capacity,
            price_minor=payload.price_minor,
            topic_slug=payload.topic,
        )
        return 201, group_body(request, group.public_id)

    return idempotent_response(
        request,
        key=key,
        scope="groups.offer",
        parameters=payload.model_dump(mode="json"),
        run=run,
    )


@router.post(
    "/groups/{slug:group_id}/cancel", response=GroupDetailOut, summary="Cancel a group session"
)
def group_cancel(
    request: HttpRequest,
    group_id: str,
    payload: ReasonIn | None = None,
    key: str | None = idempotency_key(),
):
    """As its mentor, cancel a group session: every seat is cancelled by you and refunded
    in full. The body is optional; the mentees see the reason."""
    reason = payload.reason if payload else ""

    def run() -> tuple[int, dict]:
        group = group_services.group_session_cancel(
            mentor=request.auth, group_id=group_id, reason=reason
        )
        return 200, group_body(request, group.public_id)

    return idempotent_response(
        request,
        key=key,
        scope="groups.cancel",
        parameters={"group": group_id, "reason": reason},
        run=run,
    )


@router.post("/groups/{slug:group_id}/seats", response={201: BookingOut}, summary="Take a seat")
def group_seat(
    request: HttpRequest,
    group_id: str,
    payload: SeatIn | None = None,
    key: str | None = idempotency_key(),
) -> JsonResponse:
    """Take a seat. Without a body the seat is held for 10 minutes as a booking: check it
    out with ``POST /bookings/{id}/pay`` (or ``/checkout`` when free). With ``objective``
    (and ``source`` for a paid seat) it is booked and paid in one call. Seats never
    oversell: ``group_full`` (409) when the last one went. Other refusals:
    ``group_cancelled`` (409), ``already_seated`` (409), ``own_group``, ``mentee_busy``
    (409), ``too_late``, ``card_declined`` (402), ``payment_pending`` (503, retry with the
    same key), ``rate_limited`` (429)."""
    payload = payload or SeatIn()
    if payload.objective is None and (payload.source is not None or payload.agenda):
        raise DomainError(
            "required",
            "Give the objective too to take the seat in one call, or send no body to hold it.",
            field="objective",
        )
    if payload.objective is not None:
        refuse_if_too_many_charges(request)

    def run() -> tuple[int, dict]:
        if payload.objective is None:
            seat = group_services.group_seat_hold(mentee=request.auth, group_id=group_id)
        else:
            seat = group_services.group_seat_create(
                mentee=request.auth,
                group_id=group_id,
                objective=payload.objective,
                agenda=payload.agenda,
                source=payload.source,
            )
        return 201, booking_body(request, seat.public_id)

    return idempotent_response(
        request,
        key=key,
        scope="groups.seat",
        parameters={"group": group_id, **payload.model_dump(mode="json")},
        run=run,
        atomic=payload.objective is None,
    )
