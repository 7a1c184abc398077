"""Panels: the common slots of several mentors, holding and paying for a panel, reading and
cancelling it."""

from datetime import UTC, datetime, timedelta
from functools import partial

from django.http import HttpRequest
from django.views.decorators.cache import never_cache
from ninja import Query, Router
from ninja.decorators import decorate_view

from headstrt.accounts import selectors as accounts
from headstrt.api.gathering_schemas import (
    PageQuery,
    PanelIn,
    PanelOut,
    PanelPageOut,
    PanelPayIn,
    PanelSlotsOut,
    PanelSlotsQuery,
)
from headstrt.api.idempotency import idempotency_key, idempotent_object_response
from headstrt.api.payments import refuse_if_too_many_charges
from headstrt.api.schemas import ReasonIn, in_utc
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.pagination import paginate
from headstrt.payments import panels as panel_payments
from headstrt.scheduling import panel_reads
from headstrt.scheduling.models import MAX_HORIZON_DAYS, MAX_PANEL_MENTORS
from headstrt.scheduling.panel_slots import (
    PanelOptions,
    panel_common_slots,
    panel_nearest_options,
)
from headstrt.scheduling.services import panels as panel_services
from headstrt.scheduling.slots import Slot, zone_of

router = Router(tags=["Panels"])

DEFAULT_DAYS = 7
MAX_DAYS = 31
FURTHEST = timedelta(days=MAX_HORIZON_DAYS + MAX_DAYS)


def panel_body(request: HttpRequest, panel_id: str) -> dict:
    """The JSON form of a panel, freshly read, as its participant ``request.auth`` sees it."""
    panel = panel_reads.panel_get_for_participant(panel_id=panel_id, user=request.auth)
    return PanelOut.model_validate(panel, context={"request": request}).model_dump(mode="json")


# Changes answer with the panel they leave, once per idempotency key.
_answer = partial(idempotent_object_response, body=panel_body)


# --- common slots ----------------------------------------------------------------------------


def _mentor_ids(raw: str) -> list[str]:
    """The ids of ``mentors=a,b,c``; a count no panel may have is refused before any work."""
    ids = [part.strip() for part in raw.split(",") if part.strip()]
    if len(ids) < 2:
        raise DomainError(
            "too_few_mentors", "Name at least two mentors for a panel.", field="mentors"
        )
    if len(ids) > MAX_PANEL_MENTORS:
        raise DomainError(
            "too_many_mentors",
            f"A panel has at most {MAX_PANEL_MENTORS} mentors.",
            field="mentors",
        )
    return ids


def _instant(raw: str, *, field: str, default: datetime, now: datetime) -> datetime:
    """An instant given with its offset, e.g. 2030-03-05T09:00:00Z, from yesterday to a
    year and a month ahead (no mentor books further); ``default`` when empty."""
    if not raw.strip():
        return default
    try:
        parsed = datetime.fromisoformat(raw.strip())
        moment = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
    except (ValueError, OverflowError):
        moment = None
    if moment is None:
        raise DomainError(
            f"invalid_{field}",
            f"Give {field} as a date and time with its offset, e.g. 2030-03-05T09:00:00Z.",
            field=field,
        )
    if not now - timedelta(days=1) <= moment <= now + FURTHEST:
        raise DomainError(
            f"invalid_{field}",
            f"Give {field} between yesterday and {FURTHEST.days} days from now.",
            field=field,
        )
    return moment


def _slot_body(slot: Slot, zone: str, mentors) -> dict:
    local = zone_of(zone)
    return {
        "start": in_utc(slot.start),
        "end": in_utc(slot.end),
        "local_start": slot.start.astimezone(local),
        "local_end": slot.end.astimezone(local),
        "mentors": [
            {
                "mentor": mentor.user.public_id,
                "time_zone": mentor.user.time_zone,
                "local_start": slot.start.astimezone(zone_of(mentor.user.time_zone)),
                "local_end": slot.end.astimezone(zone_of(mentor.user.time_zone)),
            }
            for mentor in mentors
        ],
    }


def _options_body(options: PanelOptions, zone: str, mentors) -> dict:
    def others(left_out):
        return [mentor for mentor in mentors if mentor.pk != left_out.pk]

    return {
        "message": options.describe(zone),
        "earliest": _slot_body(options.earliest, zone, mentors) if options.earliest else None,
        "other_lengths": [
            {"minutes": minutes, "slot": _slot_body(slot, zone, mentors)}
            for minutes, slot in options.other_lengths
        ],
        "without": [
            {"without": mentor.user, "slot": _slot_body(slot, zone, others(mentor))}
            for mentor, slot in options.without
        ],
    }


@router.get("/panels/slots", response=PanelSlotsOut, summary="Common slots of mentors")
def panel_slots(request: HttpRequest, query: Query[PanelSlotsQuery]):
    """The slots of ``minutes`` that every one of the mentors offers and is free at, and you
    too, from ``start`` to ``end`` (at most 31 days), in UTC, on your clock and on each
    mentor's. When there is none, ``options`` gives the nearest ones: the earliest common
    slot later on, other lengths, and the panel without each mentor in turn."""
    mentors = [
        accounts.mentor_get_public(public_id=mentor_id, viewer=None)
        for mentor_id in _mentor_ids(query.mentors)
    ]
    zone = query.tz.strip() or request.auth.time_zone
    try:
        zone_of(zone)
    except DomainError as error:
        error.field = "tz"
        raise
    now = clock.now()
    start = _instant(query.start, field="start", default=now, now=now)
    end = _instant(query.end, field="end", default=start + timedelta(days=DEFAULT_DAYS), now=now)
    if not start < end <= start + timedelta(days=MAX_DAYS):
        raise DomainError(
            "invalid_range",
            f"The end must come after the start, at most {MAX_DAYS} days later.",
            field="end",
        )
    slots = panel_common_slots(
        mentors=mentors,
        minutes=query.minutes,
        start=start,
        end=end,
        now=now,
        mentee=request.auth,
    )
    options = None
    if not slots:
        found = panel_nearest_options(
            mentors=mentors, minutes=query.minutes, now=now, mentee=request.auth, after=start
        )
        options = _options_body(found, zone, mentors)
    return {
        "mentors": [mentor.user for mentor in mentors],
        "minutes": query.minutes,
        "time_zone": zone,
        "start": start,
        "end": end,
        "slots": [_slot_body(slot, zone, mentors) for slot in slots],
        "options": options,
    }


# --- holding, paying, cancelling -------------------------------------------------------------


@router.post("/panels", response={201: PanelOut}, summary="Hold or book a panel")
def panel_create(request: HttpRequest, payload: PanelIn, key: str | None = idempotency_key()):
    """Hold a common slot with 2 to 4 mentors for 10 minutes, all or none (then ``POST
    /panels/{id}/pay``); your earlier holds are released. With ``objective`` (and ``source``
    for a panel that costs money) the panel is booked and paid in one call, every mentor
    confirmed together. Refusals: ``no_common_slot`` (409, the message names the nearest
    options; see ``GET /panels/slots``), ``slot_taken`` (409, names the mentor),
    ``too_few_mentors``, ``too_many_mentors``, ``same_mentor_twice``,
    ``confirms_by_request``, ``currency_mismatch``, ``card_declined`` (402),
    ``payment_pending`` (503, retry with the same key), ``rate_limited`` (429, too many
    payments in a minute)."""
    arguments = {
        "mentee": request.auth,
        "mentor_ids": payload.mentors,
        "start": payload.start,
        "minutes": payload.minutes,
        "situation_id": payload.situation,
    }
    if payload.objective is None:
        if payload.source is not None or payload.agenda:
            raise DomainError(
                "required",
                "Give the objective too to book in one call, or leave out the agenda and "
                "the card to hold the panel.",
                field="objective",
            )

        def change():
            return panel_services.panel_hold(**arguments)

        atomic = True
    else:
        refuse_if_too_many_charges(request)

        def change():
            return panel_services.panel_create(
                **arguments,
                objective=payload.objective,
                agenda=payload.agenda,
                source=payload.source,
            )

        atomic = False
    return _answer(
        request,
        key=key,
        scope="panels.create",
        parameters=payload.model_dump(mode="json"),
        status=201,
        change=change,
        atomic=atomic,
    )


@router.post("/panels/{slug:panel_id}/pay", response={200: PanelOut}, summary="Pay for a panel")
@decorate_view(never_cache)
def panel_pay(
    request: HttpRequest, panel_id: str, payload: PanelPayIn, key: str | None = idempotency_key()
):
    """Finish booking a held panel and pay every mentor's part with one card charge (a free
    panel needs no card). Every part goes into its own escrow and every mentor is confirmed
    together; should one of them be lost meanwhile, nothing is booked and the charge is
    refunded in full (``hold_expired``, 409). Other refusals: ``card_declined`` (402),
    ``payment_pending`` (503: call again with the same key), ``already_paid`` (409),
    ``rate_limited`` (429)."""
    refuse_if_too_many_charges(request)
    return _answer(
        request,
        key=key,
        scope="panels.pay",
        parameters={"panel": panel_id, **payload.model_dump(mode="json")},
        status=200,
        atomic=False,
        change=lambda: panel_payments.panel_pay(
            mentee=request.auth,
            panel_id=panel_id,
            objective=payload.objective,
            agenda=payload.agenda,
            source=payload.source,
        ),
    )


@router.post("/panels/{slug:panel_id}/cancel", response=PanelOut, summary="Cancel a panel")
def panel_cancel(
    request: HttpRequest,
    panel_id: str,
    payload: ReasonIn | None = None,
    key: str | None = idempotency_key(),
):
    """As its mentee, cancel every part of the panel still to come (or release its hold),
    with the normal cancellation rules for each. A mentor cancels only their own part:
    ``POST /bookings/{id}/cancel``. The body is optional."""
    reason = payload.reason if payload else ""
    return _answer(
        request,
        key=key,
        scope="panels.cancel",
        parameters={"panel": panel_id, "reason": reason},
        status=200,
        change=lambda: panel_services.panel_cancel(
            user=request.auth, panel_id=panel_id, reason=reason
        ),
    )


# --- reading ---------------------------------------------------------------------------------


@router.get("/panels", response=PanelPageOut, summary="Your panels")
def panel_list(request: HttpRequest, query: Query[PageQuery]):
    """Your panels, as mentee or as one of the mentors, latest start first."""
    panels = panel_reads.panels_for_person(user=request.auth).select_related("situation")
    return paginate(panels, page=query.page, size=query.size)


@router.get("/panels/{slug:panel_id}", response=PanelOut, summary="A panel")
def panel_detail(request: HttpRequest, panel_id: str):
    """One of your panels, with each mentor's part."""
    return panel_reads.panel_get_for_participant(panel_id=panel_id, user=request.auth)
