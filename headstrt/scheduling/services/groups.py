"""Group session services: a mentor offers a session to up to N mentees, mentees hold seats,
the mentor cancels.

Each seat is a booking of its own, checked out and paid through the usual booking paths
(``booking_checkout``, ``headstrt.payments.services.booking_pay``). Seats never oversell:
every seat decision locks the people involved (user rows in id order, as every booking
service does) and then the group session's row, and counts the seats under those locks.
"""

from datetime import datetime, timedelta

from django.db import transaction

from headstrt.accounts.models import SessionLength, Topic, User
from headstrt.accounts.selectors import mentor_profile_required
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import Money, validate_session_price
from headstrt.scheduling import notices
from headstrt.scheduling.models import (
    MAX_GROUP_SEATS,
    Booking,
    BookingStatus,
    GroupSession,
    GroupSessionStatus,
)
from headstrt.scheduling.panel_reads import live
from headstrt.scheduling.selectors import (
    busy_intervals,
    person_is_paused,
    scheduling_policy_for_mentor,
)
from headstrt.scheduling.services.bookings import (
    HOLD_MINUTES,
    MAX_REASON,
    _aware_start,
    _cancel_changeable,
    _check_seat,
    _lock_people,
    _overlap_refused,
    _refuse_paused_mentee,
    _release_lapsed,
    _release_live_holds,
    booking_hold_and_check_out,
)

MAX_TITLE = 120
MAX_DESCRIPTION = 2000
MIN_GROUP_SEATS = 2


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@transaction.atomic
def group_session_offer(
    *,
    mentor: User,
    title: str,
    description: str = "",
    start: object,
    minutes: object,
    capacity: object,
    price_minor: object,
    topic_slug: str | None = None,
) -> GroupSession:
    """Offer a session of ``minutes`` at ``start`` to up to ``capacity`` mentees at
    ``price_minor`` each, in the mentor's currency. The time is the mentor's at once: it
    must be free of their sessions, holds and other group sessions, at least their minimum
    notice away and within their horizon."""
    profile = mentor_profile_required(user=mentor)
    now = clock.now()
    if not profile.is_active:
        raise DomainError(
            "profile_inactive",
            "Your mentor profile is switched off: switch it on to offer group sessions.",
            status=409,
        )
    if person_is_paused(mentor, now=now):
        raise DomainError(
            "mentor_paused",
            f"Your account is paused until {mentor.paused_until:%d %B %Y, %H:%M} UTC, so you "
            "cannot offer new sessions until then.",
            status=403,
        )
    title = clean_text(title, field="title", label="Title", max_length=MAX_TITLE, required=True)
    description = clean_text(
        description, field="description", label="Description", max_length=MAX_DESCRIPTION
    )
    if not _whole(minutes) or minutes not in SessionLength.values:
        raise DomainError(
            "invalid_minutes",
            "A group session lasts 15, 30, 45 or 60 minutes.",
            field="minutes",
        )
    if not _whole(capacity) or not MIN_GROUP_SEATS <= capacity <= MAX_GROUP_SEATS:
        raise DomainError(
            "invalid_capacity",
            f"A group session has {MIN_GROUP_SEATS} to {MAX_GROUP_SEATS} seats.",
            field="capacity",
        )
    if not _whole(price_minor):
        raise DomainError("invalid_price", "Prices are whole minor units.", field="price_minor")
    price = validate_session_price(Money(price_minor, profile.currency))
    topic = None
    if topic_slug:
        topic = Topic.objects.filter(slug=topic_slug).first()
        if topic is None:
            raise DomainError("unknown_topic", "There is no such topic.", field="topic")
    start = _aware_start(start)
    end = start + timedelta(minutes=minutes)
    _check_time(profile, start=start, end=end, now=now)
    _lock_people(mentor)
    _release_lapsed(users=(mentor,), now=now)
    busy = busy_intervals(user=mentor, start=start, end=end, now=now)
    if any(busy_start < end and busy_end > start for busy_start, busy_end in busy):
        raise DomainError(
            "mentor_busy",
            "You already have a session, a booking in progress or another group session at "
            "that time.",
            field="start",
            status=409,
        )
    return GroupSession.objects.create(
        mentor=profile,
        title=title,
        description=description,
        topic=topic,
        start=start,
        end=end,
        minutes=minutes,
        capacity=capacity,
        price_minor=price.minor,
        currency=price.currency,
    )


def _check_time(profile, *, start: datetime, end: datetime, now: datetime) -> None:
    """A group session keeps to the mentor's own notice and horizon, as their slots do."""
    policy = scheduling_policy_for_mentor(mentor=profile)
    if start < now:
        raise DomainError(
            "in_past", "That time has already passed. Pick a time to come.", field="start"
        )
    if start < now + timedelta(minutes=policy.minimum_notice_minutes):
        hours = policy.minimum_notice_minutes / 60
        raise DomainError(
            "too_soon",
            f"Your scheduling policy asks for {hours:g} hours' notice: offer a later time.",
            field="start",
        )
    if end > now + timedelta(days=policy.horizon_days):
        raise DomainError(
            "beyond_horizon",
            f"You take bookings up to {policy.horizon_days} days ahead: offer an earlier time.",
            field="start",
        )


def _mentors_group(*, mentor: User, group_id: object) -> GroupSession:
    group = (
        GroupSession.objects.filter(public_id=group_id, mentor__user=mentor).first()
        if isinstance(group_id, str)
        else None
    )
    if group is None:
        raise NotFound("No such group session.")
    return group


@transaction.atomic
def group_session_cancel(*, mentor: User, group_id: object, reason: str = "") -> GroupSession:
    """The mentor cancels a group session before it starts: every seat is cancelled as a
    cancellation by the mentor (paid seats refunded in full) and each mentee is told.
    Within 24 hours of the start it counts once as the mentor's late cancellation."""
    group = _mentors_group(mentor=mentor, group_id=group_id)
    reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_REASON)
    now = clock.now()
    mentees = User.objects.filter(pk__in=group.seats.values("mentee_id"))
    _lock_people(mentor, *mentees)
    group = GroupSession.objects.select_for_update().get(pk=group.pk)
    if group.status == GroupSessionStatus.CANCELLED:
        raise DomainError("group_cancelled", "This group session is cancelled already.", status=409)
    if group.start <= now:
        raise DomainError(
            "already_started",
            "This group session has already started, so it cannot be cancelled.",
            status=409,
        )
    seats = list(
        group.seats.filter(live(now))
        .select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .order_by("pk")
    )
    held = [seat.pk for seat in seats if seat.status == BookingStatus.HELD]
    Booking.objects.filter(pk__in=held).update(
        status=BookingStatus.CANCELLED, ended_at=now, ended_by=mentor, updated_at=now
    )
    cancelled = []
    lapse = True  # one cancellation, so at most one late cancellation on record
    for seat in seats:
        if seat.status == BookingStatus.HELD:
            continue
        confirmed = seat.status == BookingStatus.CONFIRMED
        cancelled.append(
            _cancel_changeable(seat, user=mentor, reason=reason, now=now, lapse=lapse, notify=False)
        )
        lapse = lapse and not confirmed
    group.status, group.cancelled_at = GroupSessionStatus.CANCELLED, now
    group.save(update_fields=["status", "cancelled_at"])
    transaction.on_commit(lambda: notices.group_cancelled(group, cancelled))
    return group


@_overlap_refused
@transaction.atomic
def group_seat_hold(*, mentee: User, group_id: object, release_earlier: bool = True) -> Booking:
    """Hold a seat in an open group session for ``HOLD_MINUTES`` while ``mentee`` checks
    out (``booking_checkout``, or ``booking_pay`` for a seat with a price). The person's
    earlier live holds are released, as ``booking_hold`` does (``release_earlier=False``
    keeps them)."""
    group = (
        GroupSession.objects.select_related("mentor__user").filter(public_id=group_id).first()
        if isinstance(group_id, str)
        else None
    )
    if group is None:
        raise NotFound("No such group session.")
    if group.mentor.user_id == mentee.pk:
        raise DomainError("own_group", "You cannot take a seat in your own group session.")
    now = clock.now()
    if not group.mentor.is_active or person_is_paused(group.mentor.user, now=now):
        raise DomainError(
            "mentor_paused", "This mentor is not taking bookings at the moment.", status=409
        )
    _refuse_paused_mentee(mentee, now=now)
    mentor = group.mentor.user
    _lock_people(mentor, mentee)
    _release_lapsed(users=(mentor, mentee), now=now)
    if release_earlier:
        _release_live_holds(mentee, now=now)
    group = _check_seat(group_pk=group.pk, mentee=mentee, now=now)
    return Booking.objects.create(
        mentor_id=group.mentor_id,
        mentee=mentee,
        group=group,
        start=group.start,
        end=group.end,
        minutes=group.minutes,
        price_minor=group.price_minor,
        currency=group.currency,
        held_until=now + timedelta(minutes=HOLD_MINUTES),
    )


def group_seat_create(
    *,
    mentee: User,
    group_id: object,
    objective: str | None,
    agenda: str | None = "",
    source: str | None = None,
) -> Booking:
    """Hold a seat and check it out in one step (API clients that already have the
    objective); a seat with a price is paid with ``source`` (a card token) through the
    payments layer.

    A refusal leaves no hold behind, except ``payment_pending``: the bank has not answered
    yet, the seat stays held and calling ``booking_pay`` again learns the outcome. Call it
    outside any transaction, as the payment is taken outside one.
    """
    return booking_hold_and_check_out(
        lambda: group_seat_hold(mentee=mentee, group_id=group_id, release_earlier=False),
        mentee=mentee,
        objective=objective,
        agenda=agenda,
        source=source,
    )
