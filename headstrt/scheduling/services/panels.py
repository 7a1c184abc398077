"""Panel services: hold two to four mentors at one common time, check out, pay, cancel.

Each mentor's part of a panel is a booking of its own, so escrow, reviews and disputes work
per mentor; holding, checking out and paying go all or none: each runs in one transaction
that first locks the mentee and every mentor (their user rows, in id order, as every
booking service does), checks every mentor, and only then writes. A refusal for any mentor
leaves nothing behind.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from headstrt.accounts.models import MentorProfile, User
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.core.wording import names_in_words
from headstrt.matching.models import Situation
from headstrt.scheduling import notices
from headstrt.scheduling.models import (
    MAX_PANEL_MENTORS,
    Booking,
    BookingStatus,
    Confirmation,
    Panel,
)
from headstrt.scheduling.panel_reads import panel_total
from headstrt.scheduling.panel_slots import panel_nearest_options
from headstrt.scheduling.selectors import person_is_paused, scheduling_policy_for_mentor
from headstrt.scheduling.services.bookings import (
    HOLD_MINUTES,
    MAX_AGENDA,
    MAX_OBJECTIVE,
    MAX_REASON,
    _aware_start,
    _cancel_changeable,
    _changeable,
    _check_slot,
    _checkout_check,
    _checkout_finish,
    _lock_people,
    _overlap_refused,
    _refuse_paused_mentee,
    _release_lapsed,
    _release_live_holds,
)
from headstrt.scheduling.slots import zone_of

MIN_PANEL_MENTORS = 2
# Why a time is not one of a mentor's slots, in words naming them.
_THEIR_REASONS = {
    "length_not_offered": "{name} does not offer {minutes}-minute sessions.",
    "not_a_slot": "it is not one of {name}'s slots.",
    "too_soon": "{name} needs more notice than that.",
    "beyond_horizon": "{name} does not take bookings that far ahead.",
}


def _mentors_of(*, mentee: User, mentor_ids: object) -> list[MentorProfile]:
    """The panel's mentors in the order given, checked for the panel's own rules."""
    if isinstance(mentor_ids, str) or not isinstance(mentor_ids, Sequence):
        raise DomainError(
            "invalid_mentors", "Give the panel's mentors as a list of ids.", field="mentor_ids"
        )
    if not all(isinstance(mentor_id, str) for mentor_id in mentor_ids):
        raise NotFound("No such mentor.")
    if len(mentor_ids) < MIN_PANEL_MENTORS:
        raise DomainError(
            "too_few_mentors",
            f"A panel has {MIN_PANEL_MENTORS} to {MAX_PANEL_MENTORS} mentors: pick at least "
            f"{MIN_PANEL_MENTORS}, or book a session with one mentor.",
            field="mentor_ids",
            status=422,
        )
    if len(mentor_ids) > MAX_PANEL_MENTORS:
        raise DomainError(
            "too_many_mentors",
            f"A panel has at most {MAX_PANEL_MENTORS} mentors; you picked {len(mentor_ids)}.",
            field="mentor_ids",
            status=422,
        )
    if len(set(mentor_ids)) < len(mentor_ids):
        raise DomainError(
            "same_mentor_twice",
            "You picked the same mentor twice: each mentor takes one seat on a panel.",
            field="mentor_ids",
            status=422,
        )
    if mentee.public_id in mentor_ids:
        raise DomainError("own_profile", "You cannot book a session with yourself.")
    found = {
        mentor.user.public_id: mentor
        for mentor in MentorProfile.objects.select_related("user").filter(
            user__public_id__in=mentor_ids, user__is_active=True
        )
    }
    if len(found) < len(mentor_ids):
        raise NotFound("No such mentor.")
    return [found[mentor_id] for mentor_id in mentor_ids]


def _check_mentors(mentors: list[MentorProfile], *, now: datetime) -> str:
    """The panel's currency, if every mentor can join a panel now."""
    for mentor in mentors:
        if not mentor.is_active or person_is_paused(mentor.user, now=now):
            raise DomainError(
                "mentor_paused",
                f"{mentor.user.display_name} is not taking bookings at the moment.",
                status=409,
            )
    for mentor in mentors:
        if scheduling_policy_for_mentor(mentor=mentor).confirmation == Confirmation.REQUEST:
            raise DomainError(
                "confirms_by_request",
                f"{mentor.user.display_name} confirms each session by hand, so they cannot "
                "join a panel, whose sessions are all confirmed together. Book them alone, "
                "or pick another mentor.",
                field="mentor_ids",
                status=409,
            )
    currencies = {mentor.currency for mentor in mentors}
    if len(currencies) > 1:
        prices = ", ".join(f"{mentor.user.display_name} in {mentor.currency}" for mentor in mentors)
        raise DomainError(
            "currency_mismatch",
            f"A panel is paid in one currency, and these mentors charge in different ones "
            f"({prices}). Pick mentors who charge in the same currency.",
            field="mentor_ids",
            status=409,
        )
    return currencies.pop()


def _no_common_slot(
    mentors: list[MentorProfile],
    *,
    mentee: User,
    start: datetime,
    minutes: int,
    now: datetime,
    why: str,
) -> DomainError:
    """``no_common_slot`` for a start that is not a slot of every mentor, ``why`` saying
    whose it is not, with the nearest options in words on the mentee's clock: the earliest
    common time from ``start`` on (from now when nothing is left after it), other lengths,
    and the panel without each mentor."""
    options = panel_nearest_options(
        mentors=mentors, minutes=minutes, now=now, mentee=mentee, after=start
    )
    if not options.found and start > now:
        options = panel_nearest_options(mentors=mentors, minutes=minutes, now=now, mentee=mentee)
    try:
        zone = zone_of(mentee.time_zone).key
    except DomainError:
        zone = "UTC"
    return DomainError(
        "no_common_slot",
        f"{names_in_words([mentor.user.display_name for mentor in mentors])} have no free "
        f"{minutes}-minute slot in common at that time: {why} "
        f"Nearest options: {options.describe(zone)}",
        field="start",
        status=409,
    )


class _NoCommonSlot(Exception):
    """Raised inside the locking transaction; the nearest options are searched after it
    rolled back, so the search holds no lock."""

    def __init__(self, mentors: list[MentorProfile], *, start, minutes, why: str):
        super().__init__(why)
        self.mentors, self.start, self.minutes, self.why = mentors, start, minutes, why


def _check_panel_slot(
    mentors: list[MentorProfile],
    *,
    mentee: User,
    start: datetime,
    minutes: object,
    now: datetime,
) -> datetime:
    """The end of the panel, if ``start`` is a slot of every mentor and they and the mentee
    are all free then; otherwise the refusal, naming the mentor it is about."""
    for mentor in mentors:
        try:
            end = _check_slot(mentor=mentor, mentee=mentee, start=start, minutes=minutes, now=now)
        except DomainError as refused:
            name = mentor.user.display_name
            if refused.code in _THEIR_REASONS:
                why = _THEIR_REASONS[refused.code].format(name=name, minutes=minutes)
                raise _NoCommonSlot(mentors, start=start, minutes=minutes, why=why) from None
            if refused.code == "slot_taken":
                raise DomainError(
                    "slot_taken",
                    f"{name} is no longer free at this time. Please pick another of the "
                    "panel's times.",
                    field="start",
                    status=409,
                ) from None
            raise
    return end


def panel_hold(
    *,
    mentee: User,
    mentor_ids: Sequence[str],
    start: object,
    minutes: object,
    situation_id: str | None = None,
    release_earlier: bool = True,
) -> Panel:
    """Hold one slot of every mentor for ``HOLD_MINUTES`` while ``mentee`` checks out the
    panel: all of them, or none when any one cannot be had.

    Each mentor's part is priced by their offer of that length. A person's earlier live
    holds are released, as ``booking_hold`` does (``release_earlier=False`` keeps them).
    """
    try:
        return _panel_hold(
            mentee=mentee,
            mentor_ids=mentor_ids,
            start=start,
            minutes=minutes,
            situation_id=situation_id,
            release_earlier=release_earlier,
        )
    except _NoCommonSlot as missing:
        raise _no_common_slot(
            missing.mentors,
            mentee=mentee,
            start=missing.start,
            minutes=missing.minutes,
            now=clock.now(),
            why=missing.why,
        ) from None


@_overlap_refused
@transaction.atomic
def _panel_hold(
    *,
    mentee: User,
    mentor_ids: Sequence[str],
    start: object,
    minutes: object,
    situation_id: str | None,
    release_earlier: bool,
) -> Panel:
    mentors = _mentors_of(mentee=mentee, mentor_ids=mentor_ids)
    now = clock.now()
    currency = _check_mentors(mentors, now=now)
    _refuse_paused_mentee(mentee, now=now)
    start = _aware_start(start)
    situation = None
    if situation_id:
        situation = Situation.objects.filter(public_id=situation_id, mentee=mentee).first()
        if situation is None:
            raise NotFound("No such situation.")
    if start < now:
        raise DomainError(
            "in_past", "That time has already passed. Pick a slot to come.", field="start"
        )
    people = (mentee, *(mentor.user for mentor in mentors))
    _lock_people(*people)
    _release_lapsed(users=people, now=now)
    if release_earlier:
        _release_live_holds(mentee, now=now)
    end = _check_panel_slot(mentors, mentee=mentee, start=start, minutes=minutes, now=now)
    panel = Panel.objects.create(
        mentee=mentee,
        situation=situation,
        start=start,
        end=end,
        minutes=minutes,
        currency=currency,
    )
    held_until = now + timedelta(minutes=HOLD_MINUTES)
    for mentor in mentors:
        Booking.objects.create(
            mentor=mentor,
            mentee=mentee,
            situation=situation,
            panel=panel,
            start=start,
            end=end,
            minutes=minutes,
            price_minor=mentor.offers.get(minutes=minutes).price_minor,
            currency=currency,
            held_until=held_until,
        )
    return panel


def _panel_for_update(*, panel_id: object, user: User) -> tuple[Panel, list[Booking]]:
    """The panel and its bookings, locked with every participant; ``NotFound`` unless
    ``user`` is its mentee or one of its mentors."""
    panel = Panel.objects.filter(public_id=panel_id).first() if isinstance(panel_id, str) else None
    if panel is None:
        raise NotFound("No such panel.")
    people = set(panel.bookings.values_list("mentor__user_id", flat=True)) | {panel.mentee_id}
    if user.pk not in people:
        raise NotFound("No such panel.")
    _lock_people(*User.objects.filter(pk__in=people))
    bookings = list(
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee")
        .filter(panel=panel)
        .order_by("pk")
    )
    return Panel.objects.select_related("mentee").get(pk=panel.pk), bookings


def _checkable(panel: Panel, bookings: list[Booking], *, mentee: User) -> None:
    """Refuse a checkout of anything but the mentee's whole panel with every part still
    held (a lapsed hold is checked again)."""
    if panel.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee checks out a panel.")
    lapsed = BookingStatus.EXPIRED
    if all(
        b.status == BookingStatus.HELD or (b.status == lapsed and b.respond_by is None)
        for b in bookings
    ):
        return
    if any(b.status == BookingStatus.CONFIRMED for b in bookings):
        raise DomainError("not_held", "This panel is already checked out.", status=409)
    raise DomainError(
        "not_held", "This panel's hold was released. Please hold the panel again.", status=409
    )


def _check_all(
    panel: Panel, bookings: list[Booking], *, mentee: User, objective, agenda, now: datetime
) -> tuple[str, str]:
    """Check out every part as one: a lapsed hold only while every mentor is still free."""
    _checkable(panel, bookings, mentee=mentee)
    cleaned = ("", "")
    for booking in bookings:
        try:
            cleaned = _checkout_check(
                booking, mentee=mentee, objective=objective, agenda=agenda, now=now
            )
        except DomainError as refused:
            if refused.code == "hold_expired":
                raise DomainError(
                    "hold_expired",
                    f"Your hold on this panel ran out and {booking.mentor.user.display_name} "
                    "is no longer free at its time. Please pick another time.",
                    field="start",
                    status=409,
                ) from None
            raise
    return cleaned


@_overlap_refused
@transaction.atomic
def panel_checkout(
    *, mentee: User, panel_id: object, objective: str | None, agenda: str | None = ""
) -> Panel:
    """Finish checkout of a free panel: every mentor's session is confirmed at once.

    A panel with a price checks out through ``headstrt.payments.panels.panel_pay``.
    """
    panel, bookings = _panel_for_update(panel_id=panel_id, user=mentee)
    if panel.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee checks out a panel.")
    total = sum(booking.price_minor for booking in bookings)
    if total > 0:
        raise DomainError(
            "payment_required",
            f"This panel costs {Money(total, panel.currency).format()}: check out with a payment.",
            status=402,
        )
    now = clock.now()
    objective, agenda = _check_all(
        panel, bookings, mentee=mentee, objective=objective, agenda=agenda, now=now
    )
    return _confirm_all(panel, bookings, objective=objective, agenda=agenda, now=now)


def _confirm_all(
    panel: Panel, bookings: list[Booking], *, objective: str, agenda: str, now: datetime
) -> Panel:
    for booking in bookings:
        booking.objective, booking.agenda = objective, agenda
        _checkout_finish(booking, now=now, notify=False)
    transaction.on_commit(lambda: notices.panel_confirmed(panel, bookings))
    return panel


@_overlap_refused
@transaction.atomic
def panel_checkout_start(
    *, mentee: User, panel_id: object, objective: str | None, agenda: str | None = ""
) -> Panel:
    """Check a panel's checkout that waits for a payment: the objective and agenda are
    saved on every part and each is held ``HOLD_MINUTES`` from now (a lapsed hold too,
    while every mentor is still free). ``panel_checkout_finish`` completes it once paid;
    the payments layer calls both inside its own transaction."""
    panel, bookings = _panel_for_update(panel_id=panel_id, user=mentee)
    now = clock.now()
    objective, agenda = _check_all(
        panel, bookings, mentee=mentee, objective=objective, agenda=agenda, now=now
    )
    held_until = now + timedelta(minutes=HOLD_MINUTES)
    for booking in bookings:
        booking.objective, booking.agenda = objective, agenda
        booking.status, booking.held_until = BookingStatus.HELD, held_until
        booking.save(update_fields=["objective", "agenda", "status", "held_until", "updated_at"])
    return panel


@_overlap_refused
@transaction.atomic
def panel_checkout_finish(*, mentee: User, panel_id: object) -> Panel:
    """Complete a checkout started by ``panel_checkout_start`` (its payment went through):
    every part is confirmed at once. Raises (``hold_expired`` and the like) when any part
    cannot be, so the caller's transaction rolls back whole."""
    panel, bookings = _panel_for_update(panel_id=panel_id, user=mentee)
    now = clock.now()
    objective, agenda = bookings[0].objective, bookings[0].agenda
    objective, agenda = _check_all(
        panel, bookings, mentee=mentee, objective=objective, agenda=agenda, now=now
    )
    return _confirm_all(panel, bookings, objective=objective, agenda=agenda, now=now)


@transaction.atomic
def panel_hold_until(*, mentee: User, panel_id: object, until: datetime) -> Panel:
    """Move the end of a panel's live hold, every part alike: later while its payment is
    checked with the bank, or to now to free the mentors' time (a declined card). A lapsed
    or finished hold is left alone."""
    panel, bookings = _panel_for_update(panel_id=panel_id, user=mentee)
    if panel.mentee_id != mentee.pk:
        raise PermissionDenied("Only the mentee holds a panel.")
    now = clock.now()
    if all(b.status == BookingStatus.HELD and b.held_until > now for b in bookings):
        status = BookingStatus.EXPIRED if until <= now else BookingStatus.HELD
        Booking.objects.filter(pk__in=[b.pk for b in bookings]).update(
            status=status, held_until=until, updated_at=now
        )
    return panel


def panel_create(
    *,
    mentee: User,
    mentor_ids: Sequence[str],
    start: object,
    minutes: object,
    objective: str | None,
    agenda: str | None = "",
    situation_id: str | None = None,
    source: str | None = None,
) -> Panel:
    """Hold and check out a panel in one step (API clients that already have the
    objective); a panel with a price is paid with ``source`` (a card token) through the
    payments layer.

    A refusal leaves no hold behind, except ``payment_pending``: the bank has not answered
    yet, the panel stays held and paying again learns the outcome. Call it outside any
    transaction, as the payment is taken outside one.
    """
    # Checked before the hold, which commits on its own: bad text leaves nothing behind.
    clean_text(
        objective, field="objective", label="Objective", max_length=MAX_OBJECTIVE, required=True
    )
    clean_text(agenda, field="agenda", label="Agenda", max_length=MAX_AGENDA)
    panel = panel_hold(
        mentee=mentee,
        mentor_ids=mentor_ids,
        start=start,
        minutes=minutes,
        situation_id=situation_id,
        # The hold commits before the checkout or payment: another call of the same person
        # in flight must not release it, but be refused as ``mentee_busy``.
        release_earlier=False,
    )
    try:
        if panel_total(panel) == 0:
            return panel_checkout(
                mentee=mentee, panel_id=panel.public_id, objective=objective, agenda=agenda
            )
        from headstrt.payments.panels import panel_pay  # payments builds on scheduling

        return panel_pay(
            mentee=mentee,
            panel_id=panel.public_id,
            objective=objective,
            agenda=agenda,
            source=source,
        )
    except DomainError as refused:
        if refused.code != "payment_pending":
            now = clock.now()
            Booking.objects.filter(panel=panel, status=BookingStatus.HELD).update(
                status=BookingStatus.CANCELLED, ended_at=now, updated_at=now
            )
        raise


@transaction.atomic
def panel_cancel(*, user: User, panel_id: object, reason: str | None = "") -> Panel:
    """The mentee cancels the whole panel: every mentor's session to come, by the usual
    rules of cancelling (refunds as ``refund_due`` says; within 24 hours of the start it
    counts once as a late cancellation), or releases the panel's hold.

    A mentor leaves a panel by cancelling their own session; the rest goes ahead.
    """
    panel, bookings = _panel_for_update(panel_id=panel_id, user=user)
    if panel.mentee_id != user.pk:
        raise PermissionDenied(
            "Only the mentee cancels a whole panel; cancel your own session from its page."
        )
    now = clock.now()
    reason = clean_text(reason, field="reason", label="Reason", max_length=MAX_REASON)
    held = [b for b in bookings if b.status == BookingStatus.HELD]
    to_cancel = [
        b for b in bookings if b.status in (BookingStatus.CONFIRMED, BookingStatus.REQUESTED)
    ]
    if not held and not to_cancel:
        raise DomainError("not_changeable", "Nothing of this panel is left to cancel.", status=409)
    Booking.objects.filter(pk__in=[b.pk for b in held]).update(
        status=BookingStatus.CANCELLED, ended_at=now, ended_by=user, updated_at=now
    )
    lapse = True  # one cancellation, so at most one late cancellation on record
    for booking in to_cancel:
        _changeable(booking, now=now, action="cancelled")
        confirmed = booking.status == BookingStatus.CONFIRMED
        _cancel_changeable(booking, user=user, reason=reason, now=now, lapse=lapse)
        lapse = lapse and not confirmed
    return panel
