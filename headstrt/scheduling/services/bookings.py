"""Booking services: hold a slot, check out, answer requests, reschedule, cancel, close.

The same paths serve a mentor's part of a panel and a mentee's seat in a group session
(bookings with ``panel`` or ``group``): those confirm at once whatever the mentor's policy,
and keep the time they share with the rest of their panel or group.

Every service runs in one transaction that first locks the people involved (their user
rows, in id order), so two bookings for one person are decided one after the other; on
SQLite the IMMEDIATE transaction mode serializes writers anyway. On PostgreSQL exclusion
constraints also refuse overlapping bookings of one mentor or mentee, whatever the code
does; a violation becomes the same ``slot_taken`` answer.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import wraps

from django.db import IntegrityError, transaction
from django.db.models import Q, prefetch_related_objects

from headstrt.accounts.models import MentorProfile, User
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.matching.models import Situation
from headstrt.scheduling import notices
from headstrt.scheduling.models import (
    Attendance,
    Booking,
    BookingStatus,
    Confirmation,
    GroupSession,
    GroupSessionStatus,
    Party,
    ReliabilityEvent,
    ReliabilityKind,
)
from headstrt.scheduling.panel_reads import live
from headstrt.scheduling.selectors import (
    CLOSE_WINDOW,
    booking_actions,
    booking_get_for_participant,
    busy_intervals,
    mentor_free_slots,
    person_is_paused,
    scheduling_policy_for_mentor,
)
from headstrt.scheduling.slots import length_check, mentor_availability, slots_compute
from headstrt.scheduling.video import video_room_url

HOLD_MINUTES = 10
FREE_CHANGE_HOURS = 24
MAX_OBJECTIVE = 1000
MAX_AGENDA = 4000
MAX_REASON = 1000

SLOT_TAKEN = "This time is no longer free. Please pick another slot."


def _slot_taken() -> DomainError:
    return DomainError("slot_taken", SLOT_TAKEN, field="start", status=409)


def _overlap_refused(function):
    """Turn a PostgreSQL exclusion-constraint violation into ``slot_taken``."""

    @wraps(function)
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except IntegrityError as error:
            if "no_overlap" in str(error):
                raise _slot_taken() from None
            raise

    return wrapper


def _lock_people(*users: User) -> None:
    """Row-lock the people a booking decision is about, in a fixed order (no deadlocks)."""
    _lock_people_by_id(user.pk for user in users)


def _lock_people_by_id(ids: Iterable[int]) -> None:
    """``_lock_people`` for the people with these ids, without reading their rows first."""
    ids = sorted(set(ids))
    list(User.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


def _booking_for_update(*, booking_id: object, user: User) -> Booking:
    """The booking, locked with both participants; ``NotFound`` unless ``user`` is one."""
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    found = (
        Booking.objects.filter(public_id=booking_id)
        .values_list("mentee_id", "mentor__user_id")
        .first()
    )
    if found is None or user.pk not in found:
        raise NotFound("No such session.")
    _lock_people_by_id(found)
    # The booking row too: the expiry sweep changes bookings without the people's locks.
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .get(public_id=booking_id)
    )


def _aware_start(start: object) -> datetime:
    if not isinstance(start, datetime) or start.tzinfo is None:
        raise DomainError(
            "invalid_start",
            "Give the start as a date and time with its offset, e.g. 2030-03-05T10:00:00Z.",
            field="start",
        )
    return start


def _check_slot(
    *,
    mentor: MentorProfile,
    mentee: User,
    start: datetime,
    minutes: int,
    now: datetime,
    booking: Booking | None = None,
) -> datetime:
    """The slot's end, if ``start`` + ``minutes`` is a slot the mentor offers and both
    people are free then; otherwise a ``DomainError`` saying which rule it breaks."""
    availability = mentor_availability(mentor)
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise DomainError(
            "invalid_minutes", "Session length is a number of minutes.", field="minutes"
        )
    length_check(availability, minutes)  # before any arithmetic on an absurd length
    end = start + timedelta(minutes=minutes)
    # Not ``<=``: with no minimum notice a slot may start at this very instant, and every
    # offered slot must be bookable.
    if start < now:
        raise DomainError(
            "in_past", "That time has already passed. Pick a slot to come.", field="start"
        )
    window = {"start": start - timedelta(minutes=1), "end": end + timedelta(minutes=1), "now": now}
    offered = slots_compute(availability, minutes=minutes, **window)
    if not any(slot.start == start for slot in offered):
        notice = timedelta(minutes=availability.minimum_notice_minutes)
        if start < now + notice:
            hours = availability.minimum_notice_minutes / 60
            raise DomainError(
                "too_soon",
                f"This mentor needs {hours:g} hours' notice. Pick a later slot.",
                field="start",
            )
        if end > now + timedelta(days=availability.horizon_days):
            raise DomainError(
                "beyond_horizon",
                f"This mentor takes bookings up to {availability.horizon_days} days ahead.",
                field="start",
            )
        raise DomainError(
            "not_a_slot",
            "That time is not one of the mentor's slots. Pick a slot from their calendar.",
            field="start",
        )
    free = mentor_free_slots(
        mentor=mentor, minutes=minutes, exclude=booking, availability=availability, **window
    )
    if not any(slot.start == start for slot in free):
        raise _slot_taken()
    mentee_busy = busy_intervals(user=mentee, start=start, end=end, now=now, exclude=booking)
    if any(busy_start < end and busy_end > start for busy_start, busy_end in mentee_busy):
        raise DomainError(
            "mentee_busy",
            "You already have a session or a booking in progress at that time.",
            field="start",
            status=409,
        )
    return end


def _check_seat(
    *, group_pk: int, mentee: User, now: datetime, booking: Booking | None = None
) -> GroupSession:
    """The group session, row-locked, if ``mentee`` may have a seat in it now (``booking``
    being their seat checked again); otherwise a ``DomainError`` saying why not."""
    group = GroupSession.objects.select_for_update().get(pk=group_pk)
    if group.status == GroupSessionStatus.CANCELLED:
        raise DomainError(
            "group_cancelled", "This group session was cancelled by its mentor.", status=409
        )
    if group.start <= now:
        raise DomainError(
            "too_late", "This group session has already started: seats are closed.", status=409
        )
    seats = group.seats.filter(live(now))
    if booking is not None:
        seats = seats.exclude(pk=booking.pk)
    if seats.filter(mentee=mentee).exists():
        raise DomainError(
            "already_seated", "You already have a seat in this group session.", status=409
        )
    if seats.count() >= group.capacity:
        raise DomainError(
            "group_full",
            f"All {group.capacity} seats of this group session are taken.",
            status=409,
        )
    busy = busy_intervals(user=mentee, start=group.start, end=group.end, now=now, exclude=booking)
    if any(start < group.end and end > group.start for start, end in busy):
        raise DomainError(
            "mentee_busy",
            "You already have a session or a booking in progress at that time.",
            status=409,
        )
    return group


def _release_lapsed(*, users: tuple[User, ...], now: datetime) -> None:
    """Mark the people's lapsed holds and unanswered requests expired, so the exclusion
    constraints see only bookings that still hold their time."""
    theirs = Q(mentee__in=users) | Q(mentor__user__in=users)
    Booking.objects.filter(theirs, status=BookingStatus.HELD, held_until__lte=now).update(
        status=BookingStatus.EXPIRED, updated_at=now
    )
    lapsed = Booking.objects.select_related("mentor__user", "mentee").filter(
        theirs, status=BookingStatus.REQUESTED, respond_by__lte=now
    )
    for booking in lapsed:
        _expire_request(booking, now=now)


def _release_live_holds(mentee: User, *, now: datetime) -> None:
    """Let go of the person's holds: going back to pick another time never blocks them."""
    Booking.objects.filter(mentee=mentee, status=BookingStatus.HELD).update(
        status=BookingStatus.EXPIRED, updated_at=now
    )


def _money_follows(booking: Booking) -> None:
    """Refund or release a paid session's escrow as its new status says (same transaction)."""
    from headstrt.payments.services import escrow_follow_booking  # payments builds on this

    escrow_follow_booking(booking=booking)


def _expire_request(booking: Booking, *, now: datetime) -> None:
    booking.status = BookingStatus.EXPIRED
    booking.ended_at = now
    booking.save(update_fields=["status", "ended_at", "updated_at"])
    _money_follows(booking)
    transaction.on_commit(lambda: notices.booking_changed(booking, "expired"))


@_overlap_refused
@transaction.atomic
def booking_hold(
    *,
    mentee: User,
    mentor_id: object,
    start: object,
    minutes: object,
    situation_id: str | None = None,
    release_earlier: bool = True,
) -> Booking:
    """Hold a mentor's slot for ``HOLD_MINUTES`` while ``mentee`` checks out.

    A person's earlier live holds are released, so going back to pick another time never
    blocks them; ``release_earlier=False`` keeps them, so they count as busy time.
    """
    mentor = (
        MentorProfile.objects.select_related("user")
        .filter(user__public_id=mentor_id, user__is_active=True)
        .first()
        if isinstance(mentor_id, str)
        else None
    )
    if mentor is None:
        raise NotFound("No such mentor.")
    if mentor.user_id == mentee.pk:
        raise DomainError("own_profile", "You cannot book a session with yourself.")
    now = clock.now()
    if not mentor.is_active or person_is_paused(mentor.user, now=now):
        raise DomainError(
            "mentor_paused", "This mentor is not taking bookings at the moment.", status=409
        )
    _refuse_paused_mentee(mentee, now=now)
    start = _aware_start(start)
    situation = None
    if situation_id:
        situation = Situation.objects.filter(public_id=situation_id, mentee=mentee).first()
        if situation is None:
            raise NotFound("No such situation.")
    _lock_people(mentor.user, mentee)
    _release_lapsed(users=(mentor.user, mentee), now=now)
    if release_earlier:
        _release_live_holds(mentee, now=now)
    # Read once, under the locks: the slot check and the price below both use them.
    prefetch_related_objects([mentor], "offers")
    end = _check_slot(mentor=mentor, mentee=mentee, start=start, minutes=minutes, now=now)
    # The slot check refused any length the mentor does not offer.
    offer = next(offer for offer in mentor.offers.all() if offer.minutes == minutes)
    return Booking.objects.create(
        mentor=mentor,
        mentee=mentee,
        situation=situation,
        start=start,
        end=end,
        minutes=minutes,
        price_minor=offer.price_minor,
        currency=mentor.currency,
        held_until=now + timedelta(minutes=HOLD_MINUTES),
    )


def _refuse_paused_mentee(mentee: User, *, now: datetime) -> None:
    """No new sessions for a person paused for their lapses."""
    if person_is_paused(mentee, now=now):
        raise DomainError(
            "booking_paused",
            "Your account is paused until "
            f"{mentee.paused_until:%d %B %Y, %H:%M} UTC after missed or late-changed sessions, "
            "so you cannot book new sessions until then. If the pause is wrong, contest it on "
            "your reliability page (My profile › Reliability).",
            status=403,
        )


def _checkout_check(
    booking: Booking, *, mentee: User, objective: str | None, agenda: str | None, now: datetime
) -> tuple[str, str]:
    """The cleaned objective and agenda, if ``mentee`` may check out ``booking`` now: it is
    their live hold, or a lapsed one whose slot nobody took meanwhile."""
    if booking.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee checks out a booking.")
    _refuse_paused_mentee(mentee, now=now)
    objective = clean_text(
        objective, field="objective", label="Objective", max_length=MAX_OBJECTIVE, required=True
    )
    agenda = clean_text(agenda, field="agenda", label="Agenda", max_length=MAX_AGENDA)
    lapsed_hold = booking.status == BookingStatus.EXPIRED and booking.respond_by is None
    if booking.status != BookingStatus.HELD and not lapsed_hold:
        raise DomainError("not_held", "This booking is already checked out.", status=409)
    if booking.status == BookingStatus.EXPIRED or booking.held_until <= now:
        _release_lapsed(users=(booking.mentor.user, mentee), now=now)
        if booking.group_id is not None:
            _recheck_seat(booking, mentee=mentee, now=now)
        else:
            _recheck_slot(booking, mentee=mentee, now=now)
    return objective, agenda


def _recheck_slot(booking: Booking, *, mentee: User, now: datetime) -> None:
    """A lapsed hold checks out while its slot is still free (for a panel's part, the
    panel's other bookings do not count: they share its time)."""
    try:
        _check_slot(
            mentor=booking.mentor,
            mentee=mentee,
            start=booking.start,
            minutes=booking.minutes,
            now=now,
            booking=booking,
        )
    except DomainError as error:
        if error.code in {"slot_taken", "mentee_busy"}:
            raise DomainError(
                "hold_expired",
                "Your hold on this slot ran out and someone else took it. "
                "Please pick another slot.",
                field="start",
                status=409,
            ) from None
        raise


def _recheck_seat(booking: Booking, *, mentee: User, now: datetime) -> None:
    """A lapsed seat hold checks out while the group session still has a seat for it."""
    try:
        _check_seat(group_pk=booking.group_id, mentee=mentee, now=now, booking=booking)
    except DomainError as error:
        if error.code in {"group_full", "mentee_busy"}:
            raise DomainError(
                "hold_expired",
                "Your hold on this seat ran out and the group session filled up meanwhile, "
                "or you booked something else at that time.",
                status=409,
            ) from None
        raise


def _checkout_finish(booking: Booking, *, now: datetime, notify: bool = True) -> Booking:
    """Confirm the checked booking, or send it to the mentor as a request. A panel's part
    and a seat always confirm at once: a panel is booked whole, a group session offered.
    ``notify=False`` leaves telling the people to the caller."""
    booking.held_until = None
    shared = booking.panel_id is not None or booking.group_id is not None
    policy = None if shared else scheduling_policy_for_mentor(mentor=booking.mentor)
    if policy is not None and policy.confirmation == Confirmation.REQUEST:
        booking.status = BookingStatus.REQUESTED
        booking.respond_by = min(now + timedelta(hours=policy.response_window_hours), booking.start)
        change = "requested"
    else:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        change = "confirmed"
    # Callers set the objective and agenda; nothing else of the row changes here.
    booking.save(
        update_fields=[
            "objective",
            "agenda",
            "status",
            "held_until",
            "respond_by",
            "confirmed_at",
            "updated_at",
        ]
    )
    if notify:
        transaction.on_commit(lambda: notices.booking_changed(booking, change))
    return booking


def _refuse_panel_part(booking: Booking) -> None:
    """A panel is checked out whole (``panel_checkout``), never one mentor at a time."""
    if booking.panel_id is not None:
        raise DomainError(
            "part_of_panel",
            "This session is part of a panel: check out the whole panel from its page.",
            status=409,
        )


@_overlap_refused
@transaction.atomic
def booking_checkout(
    *, mentee: User, booking_id: object, objective: str | None, agenda: str | None = ""
) -> Booking:
    """Finish checkout of a held slot: the session is confirmed at once, or sent to the
    mentor as a request, as the mentor's policy says.

    A lapsed hold still succeeds if the slot is still free. Paid sessions check out through
    ``headstrt.payments.services.booking_pay``, which takes the payment in between.
    """
    booking = _booking_for_update(booking_id=booking_id, user=mentee)
    _refuse_panel_part(booking)
    if booking.price_minor > 0:
        raise DomainError(
            "payment_required",
            f"This session costs {booking.price.format()}: check out with a payment.",
            status=402,
        )
    now = clock.now()
    booking.objective, booking.agenda = _checkout_check(
        booking, mentee=mentee, objective=objective, agenda=agenda, now=now
    )
    return _checkout_finish(booking, now=now)


@_overlap_refused
@transaction.atomic
def booking_checkout_start(
    *,
    mentee: User,
    booking_id: object,
    objective: str | None,
    agenda: str | None = "",
    locked: Booking | None = None,
) -> Booking:
    """Check a checkout that waits for a payment: the objective and agenda are saved and the
    slot is held ``HOLD_MINUTES`` from now (a lapsed hold too, while nobody took the slot).
    ``booking_checkout_finish`` completes it once paid. ``locked`` is the booking when the
    caller's transaction has locked it and both participants already (the payments layer),
    so it is not read and locked again."""
    booking = locked or _booking_for_update(booking_id=booking_id, user=mentee)
    _refuse_panel_part(booking)
    now = clock.now()
    booking.objective, booking.agenda = _checkout_check(
        booking, mentee=mentee, objective=objective, agenda=agenda, now=now
    )
    booking.status = BookingStatus.HELD
    booking.held_until = now + timedelta(minutes=HOLD_MINUTES)
    booking.save(update_fields=["objective", "agenda", "status", "held_until", "updated_at"])
    return booking


@_overlap_refused
@transaction.atomic
def booking_checkout_finish(
    *, mentee: User, booking_id: object, locked: Booking | None = None
) -> Booking:
    """Complete a checkout started by ``booking_checkout_start`` (its payment went through):
    confirmed or requested as the mentor's policy says; ``hold_expired`` when the hold
    lapsed and someone else took the slot. ``locked`` as for ``booking_checkout_start``."""
    booking = locked or _booking_for_update(booking_id=booking_id, user=mentee)
    _refuse_panel_part(booking)
    now = clock.now()
    _checkout_check(
        booking, mentee=mentee, objective=booking.objective, agenda=booking.agenda, now=now
    )
    return _checkout_finish(booking, now=now)


@transaction.atomic
def booking_hold_until(*, mentee: User, booking_id: object, until: datetime) -> Booking:
    """Move the end of a live hold: later while its payment is checked with the bank, or to
    now to free the slot (a declined card). A lapsed or finished hold is left alone."""
    booking = _booking_for_update(booking_id=booking_id, user=mentee)
    now = clock.now()
    if booking.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee holds a booking.")
    if booking.status == BookingStatus.HELD and booking.held_until > now:
        booking.held_until = until
        if until <= now:
            booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status", "held_until", "updated_at"])
    return booking


def booking_create(
    *,
    mentee: User,
    mentor_id: object,
    start: object,
    minutes: object,
    objective: str | None,
    agenda: str | None = "",
    situation_id: str | None = None,
    source: str | None = None,
) -> Booking:
    """Hold and check out in one step (API clients that already have the objective); a paid
    session is paid with ``source`` (a card token) through the payments layer.

    A refusal leaves no hold behind, except ``payment_pending``: the bank has not answered
    yet, the slot stays held and calling ``booking_pay`` again learns the outcome. Call it
    outside any transaction, as the payment is taken outside one.
    """
    return booking_hold_and_check_out(
        lambda: booking_hold(
            mentee=mentee,
            mentor_id=mentor_id,
            start=start,
            minutes=minutes,
            situation_id=situation_id,
            # The hold commits before the checkout or payment: another call of the same
            # person in flight must not release it, but be refused as ``mentee_busy``.
            release_earlier=False,
        ),
        mentee=mentee,
        objective=objective,
        agenda=agenda,
        source=source,
    )


def booking_hold_and_check_out(
    hold, *, mentee: User, objective: str | None, agenda: str | None, source: str | None
) -> Booking:
    """Take the hold ``hold()`` makes and check it out at once, paying with ``source``
    when it has a price; see ``booking_create``. The text is checked before the hold,
    which commits on its own, so bad text leaves nothing behind."""
    clean_text(
        objective, field="objective", label="Objective", max_length=MAX_OBJECTIVE, required=True
    )
    clean_text(agenda, field="agenda", label="Agenda", max_length=MAX_AGENDA)
    held = hold()
    try:
        if held.price_minor == 0:
            return booking_checkout(
                mentee=mentee, booking_id=held.public_id, objective=objective, agenda=agenda
            )
        from headstrt.payments.services import booking_pay  # payments builds on scheduling

        return booking_pay(
            mentee=mentee,
            booking_id=held.public_id,
            objective=objective,
            agenda=agenda,
            source=source,
        )
    except DomainError as refused:
        if refused.code != "payment_pending":
            now = clock.now()
            Booking.objects.filter(pk=held.pk, status=BookingStatus.HELD).update(
                status=BookingStatus.CANCELLED, ended_at=now, updated_at=now
            )
        raise


def _answerable(booking: Booking, *, mentor: User, now: datetime) -> None:
    if booking.mentor.user_id != mentor.pk:
        raise PermissionDenied("Only the mentor answers a request.")
    if booking.status == BookingStatus.REQUESTED and booking.respond_by <= now:
        _expire_request(booking, now=now)
    if booking.status != BookingStatus.REQUESTED:
        raise DomainError(
            "not_a_request",
            f"This booking is {booking.get_status_display().lower()}; there is nothing to answer.",
            status=409,
        )


@transaction.atomic
def booking_accept(*, mentor: User, booking_id: object) -> Booking:
    """The mentor accepts a request; the session is confirmed."""
    booking = _booking_for_update(booking_id=booking_id, user=mentor)
    now = clock.now()
    _answerable(booking, mentor=mentor, now=now)
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.save(update_fields=["status", "confirmed_at", "updated_at"])
    transaction.on_commit(lambda: notices.booking_changed(booking, "accepted"))
    return booking


@transaction.atomic
def booking_decline(*, mentor: User, booking_id: object, reason: str | None = "") -> Booking:
    """The mentor declines a request; the slot is free again and the mentee is told."""
    booking = _booking_for_update(booking_id=booking_id, user=mentor)
    now = clock.now()
    _answerable(booking, mentor=mentor, now=now)
    booking.end_reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_REASON)
    booking.status = BookingStatus.DECLINED
    booking.ended_at, booking.ended_by = now, mentor
    booking.save(update_fields=["status", "ended_at", "ended_by", "end_reason", "updated_at"])
    _money_follows(booking)
    transaction.on_commit(lambda: notices.booking_changed(booking, "declined"))
    return booking


def _record_lapse(booking: Booking, *, person: User, kind: str, now: datetime) -> None:
    """Record the lapse, then let reliability warn or pause the person (same transaction)."""
    from headstrt.reviews.reliability import reliability_review  # reviews builds on this

    ReliabilityEvent.objects.create(
        person=person, booking=booking, party=booking.party_of(person), kind=kind, created_at=now
    )
    reliability_review(person=person)


def _changeable(booking: Booking, *, now: datetime, action: str) -> None:
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.REQUESTED):
        raise DomainError(
            "not_changeable",
            f"This booking is {booking.get_status_display().lower()}; it cannot be {action}.",
            status=409,
        )
    if booking.start <= now:
        raise DomainError(
            "already_started",
            f"This session has already started, so it cannot be {action}. "
            "Mark it as done or report a no-show instead.",
            status=409,
        )


def is_late_change(booking: Booking, *, now: datetime) -> bool:
    """Whether changing ``booking`` now falls inside the 24 hours before its start."""
    return booking.start - now < timedelta(hours=FREE_CHANGE_HOURS)


@_overlap_refused
@transaction.atomic
def booking_reschedule(*, user: User, booking_id: object, start: object) -> Booking:
    """Move a session or request to another of the mentor's free slots, same length.

    Free until 24 hours before the start; later moves are recorded as late for the
    person who moved it (a confirmed session only). Calendars get the same event with a
    higher sequence.
    """
    booking = _booking_for_update(booking_id=booking_id, user=user)
    now = clock.now()
    _changeable(booking, now=now, action="rescheduled")
    if booking.panel_id is not None or booking.group_id is not None:
        together = "a panel" if booking.panel_id is not None else "a group session"
        raise DomainError(
            "not_movable",
            f"This session is part of {together}, which takes place at one time for everyone "
            "in it, so it cannot be moved alone. Cancel it instead if you cannot make it.",
            status=409,
        )
    start = _aware_start(start)
    if start == booking.start:
        raise DomainError("same_time", "The session is already at that time.", field="start")
    _release_lapsed(users=(booking.mentor.user, booking.mentee), now=now)
    booking.end = _check_slot(
        mentor=booking.mentor,
        mentee=booking.mentee,
        start=start,
        minutes=booking.minutes,
        now=now,
        booking=booking,
    )
    if booking.status == BookingStatus.CONFIRMED and is_late_change(booking, now=now):
        _record_lapse(booking, person=user, kind=ReliabilityKind.LATE_RESCHEDULE, now=now)
    booking.start = start
    booking.sequence += 1
    booking.save(update_fields=["start", "end", "sequence", "updated_at"])
    transaction.on_commit(lambda: notices.booking_changed(booking, "rescheduled", by=user))
    return booking


@transaction.atomic
def booking_cancel(*, user: User, booking_id: object, reason: str | None = "") -> Booking:
    """Cancel a session or request before it starts, or release one's own hold.

    Cancelling a confirmed session within 24 hours of its start is recorded as a late
    cancellation of the person who cancelled. Releasing the hold of one mentor of a panel
    releases the whole panel's hold: a panel is booked all or none.
    """
    booking = _booking_for_update(booking_id=booking_id, user=user)
    now = clock.now()
    reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_REASON)
    if booking.status == BookingStatus.HELD:
        if booking.mentee_id != user.pk:
            raise PermissionDenied("Only the mentee can release a hold.")
        held = Booking.objects.filter(pk=booking.pk)
        if booking.panel_id is not None:
            held = Booking.objects.filter(panel_id=booking.panel_id)
        held.filter(status=BookingStatus.HELD).update(
            status=BookingStatus.CANCELLED, ended_at=now, ended_by=user, updated_at=now
        )
        booking.refresh_from_db()
        return booking
    _changeable(booking, now=now, action="cancelled")
    return _cancel_changeable(booking, user=user, reason=reason, now=now)


def _cancel_changeable(
    booking: Booking,
    *,
    user: User,
    reason: str,
    now: datetime,
    lapse: bool = True,
    notify: bool = True,
) -> Booking:
    """Cancel a confirmed session or open request, checked ``_changeable``, with its
    participants locked: the money follows and, unless ``notify`` is false, both sides
    hear of it. ``lapse=False`` records no late cancellation (one act cancelling several
    sessions counts once)."""
    if lapse and booking.status == BookingStatus.CONFIRMED and is_late_change(booking, now=now):
        _record_lapse(booking, person=user, kind=ReliabilityKind.LATE_CANCELLATION, now=now)
    booking.status = BookingStatus.CANCELLED
    booking.ended_at, booking.ended_by, booking.end_reason = now, user, reason
    booking.sequence += 1
    booking.save(
        update_fields=["status", "ended_at", "ended_by", "end_reason", "sequence", "updated_at"]
    )
    _money_follows(booking)
    if notify:
        transaction.on_commit(lambda: notices.booking_changed(booking, "cancelled"))
    return booking


def _closable(booking: Booking, *, now: datetime, action: str) -> None:
    if booking.status != BookingStatus.CONFIRMED:
        raise DomainError(
            "not_confirmed",
            f"This booking is {booking.get_status_display().lower()}; it cannot be {action}.",
            status=409,
        )
    if now < booking.start:
        raise DomainError(
            "not_started",
            f"The session has not started yet, so it cannot be {action}.",
            status=409,
        )
    if now > booking.end + CLOSE_WINDOW:
        raise DomainError(
            "too_late", f"Sessions can be {action} up to 3 days after they end.", status=409
        )


@transaction.atomic
def booking_complete(*, user: User, booking_id: object) -> Booking:
    """Either participant marks a session that has started as done."""
    booking = _booking_for_update(booking_id=booking_id, user=user)
    now = clock.now()
    _closable(booking, now=now, action="marked as done")
    booking.status = BookingStatus.COMPLETED
    booking.ended_at, booking.ended_by = now, user
    booking.save(update_fields=["status", "ended_at", "ended_by", "updated_at"])
    transaction.on_commit(lambda: notices.booking_changed(booking, "completed"))
    from headstrt.reviews.outcomes import outcome_open  # reviews builds on scheduling

    # After the notice above, so the mentee hears the session is done, then the question.
    outcome_open(booking=booking)
    return booking


def booking_join(*, user: User, booking_id: object) -> str:
    """The video room's URL for a participant of a confirmed session, from shortly before
    its start to its end; the first time each participant joins is recorded (punctuality,
    and what a mediator reads)."""
    booking = booking_get_for_participant(booking_id=booking_id, user=user)
    now = clock.now()
    if "join" not in booking_actions(booking=booking, user=user, now=now):
        raise DomainError(
            "not_joinable",
            "The video room of this session is not open: it opens 10 minutes before the start "
            "of a confirmed session and closes at its end.",
            status=409,
        )
    Attendance.objects.get_or_create(
        booking=booking,
        person=user,
        defaults={"party": booking.party_of(user), "joined_at": now},
    )
    return video_room_url(booking)


@transaction.atomic
def booking_report_no_show(*, user: User, booking_id: object) -> Booking:
    """A participant reports that the other side did not show up; it is recorded against
    the other side's reliability (and can be contested through a dispute)."""
    booking = _booking_for_update(booking_id=booking_id, user=user)
    now = clock.now()
    _closable(booking, now=now, action="reported as a no-show")
    absent = booking.mentee if booking.party_of(user) == Party.MENTOR else booking.mentor.user
    booking.status = BookingStatus.NO_SHOW
    booking.no_show_party = booking.party_of(absent)
    booking.ended_at, booking.ended_by = now, user
    booking.save(update_fields=["status", "no_show_party", "ended_at", "ended_by", "updated_at"])
    _record_lapse(booking, person=absent, kind=ReliabilityKind.NO_SHOW, now=now)
    transaction.on_commit(lambda: notices.booking_changed(booking, "no_show"))
    return booking


@transaction.atomic
def bookings_expire_lapsed() -> int:
    """Expire every unanswered request past its response window and every lapsed hold,
    telling the mentees whose requests expired. Safe to run any number of times."""
    now = clock.now()
    Booking.objects.filter(status=BookingStatus.HELD, held_until__lte=now).update(
        status=BookingStatus.EXPIRED, updated_at=now
    )
    lapsed = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .filter(status=BookingStatus.REQUESTED, respond_by__lte=now)
    )
    for booking in lapsed:
        _expire_request(booking, now=now)
    return len(lapsed)


@transaction.atomic
def bookings_cancel_on_departure(*, user: User) -> int:
    """Cancel the person's sessions and requests to come because they are leaving the
    platform; the other side of each is told (and their calendar updated)."""
    now = clock.now()
    to_come = Booking.objects.filter(
        Q(mentee=user) | Q(mentor__user=user),
        start__gt=now,
        status__in=[BookingStatus.CONFIRMED, BookingStatus.REQUESTED],
    )
    people = {user.pk}
    for mentee_id, mentor_user_id in to_come.values_list("mentee_id", "mentor__user_id"):
        people |= {mentee_id, mentor_user_id}
    _lock_people_by_id(people)
    leaving = list(to_come.select_for_update(of=("self",)).select_related("mentor__user", "mentee"))
    for booking in leaving:
        booking.status = BookingStatus.CANCELLED
        booking.ended_at, booking.ended_by = now, user
        booking.end_reason = "The other person closed their Headstrt account."
        booking.sequence += 1
        booking.save(
            update_fields=["status", "ended_at", "ended_by", "end_reason", "sequence", "updated_at"]
        )
        _money_follows(booking)
        transaction.on_commit(lambda booking=booking: notices.booking_changed(booking, "cancelled"))
    return len(leaving)
