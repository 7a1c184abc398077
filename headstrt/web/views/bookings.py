"""Booking pages: pick a slot, check out, the session page and its actions, my sessions."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from headstrt.accounts import selectors as accounts
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.matching import selectors as matching
from headstrt.payments import services as payments
from headstrt.payments import statements
from headstrt.scheduling import selectors, services
from headstrt.scheduling.models import Booking, BookingStatus, Confirmation
from headstrt.scheduling.services.bookings import (
    FREE_CHANGE_HOURS,
    HOLD_MINUTES,
    is_late_change,
)
from headstrt.scheduling.slots import Slot, slot_in_zone, zone_of
from headstrt.scheduling.video import video_room_url
from headstrt.web.booking_forms import CheckoutForm, ReasonForm
from headstrt.web.paging import requested_page
from headstrt.web.payment_forms import PaidCheckoutForm, TipForm
from headstrt.web.refusals import http_refusal

TABS = [("upcoming", "Upcoming"), ("requests", "Requests to answer"), ("past", "Past")]


def local_when(moment: datetime, zone: str) -> str:
    """A moment as a person in ``zone`` reads it, e.g. "Tuesday 5 March, 17:00"."""
    local = moment.astimezone(zone_of(zone))
    return f"{local:%A} {local.day} {local:%B, %H:%M}"


def _participant_booking(request, booking_id: str) -> Booking:
    try:
        return selectors.booking_get_for_participant(booking_id=booking_id, user=request.user)
    except NotFound:
        raise Http404("No such session.") from None


def _session_url(booking_id: str) -> str:
    return reverse("web:session_detail", args=[booking_id])


def _picker_url(booking: Booking, *, reschedule: bool = False) -> str:
    if booking.group_id is not None:
        return reverse("web:group_detail", args=[booking.group.public_id])
    url = reverse("web:book", args=[booking.mentor.user.public_id])
    if reschedule:
        return f"{url}?reschedule={booking.public_id}"
    return f"{url}?minutes={booking.minutes}"


# --- the slot picker -------------------------------------------------------------------------


@dataclass(frozen=True)
class PickerSlot:
    """A free slot as the viewer reads it, and what the picker posts to take it."""

    value: str
    start: datetime
    end: datetime
    is_current: bool


@dataclass(frozen=True)
class PickerDay:
    """One day of the week shown, on the viewer's clock, with its free slots."""

    day: date
    slots: list[PickerSlot]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _chosen_minutes(raw: str | None, offered: list[int], situation) -> int | None:
    """The length asked for if offered, else the situation's, else the shortest offered."""
    try:
        wanted = int(raw or "")
    except ValueError:
        wanted = None
    if wanted in offered:
        return wanted
    if situation is not None and situation.session_minutes in offered:
        return situation.session_minutes
    return min(offered) if offered else None


def _situation(request):
    """The viewer's own situation named in ``?situation=``; ignored when it is not theirs."""
    situation_id = request.GET.get("situation", "")
    if not situation_id:
        return None
    try:
        return matching.situation_get_for_owner(situation_id=situation_id, user=request.user)
    except (NotFound, PermissionDenied):
        return None


def _week_of(request, *, mentor, minutes, now, zone, first: date, last: date) -> date:
    """The week asked for (clamped to the bookable weeks), or the week of the next free slot."""
    try:
        week = _monday(date.fromisoformat(request.GET.get("week", "")))
    except ValueError:
        week = None
    if week is None and minutes is not None:
        upcoming = selectors.mentor_next_free_slot(mentor=mentor, minutes=minutes, now=now)
        if upcoming is not None:
            week = _monday(upcoming.astimezone(zone).date())
    return min(max(week or first, first), last)


def _week_days(
    slots: list[Slot], *, week: date, today: date, zone: str, current: datetime | None
) -> list[PickerDay]:
    by_day: dict[date, list[PickerSlot]] = {}
    for slot in slots:
        local = slot_in_zone(slot, zone)
        by_day.setdefault(local.start.date(), []).append(
            PickerSlot(
                value=slot.start.isoformat(),
                start=local.start,
                end=local.end,
                is_current=slot.start == current,
            )
        )
    days = (week + timedelta(days=offset) for offset in range(7))
    return [PickerDay(day=day, slots=by_day.get(day, [])) for day in days if day >= today]


def _picker(request, mentor, *, booking: Booking | None = None, error: str = ""):
    """The picker page (or, for htmx, its week) for ``mentor``; ``booking`` when rescheduling."""
    now = clock.now()
    zone_name = request.user.time_zone
    zone = zone_of(zone_name)
    situation = None if booking else _situation(request)
    offers = list(mentor.offers.all())
    offered = [offer.minutes for offer in offers]
    minutes = (
        booking.minutes
        if booking
        else _chosen_minutes(
            request.POST.get("minutes") or request.GET.get("minutes"), offered, situation
        )
    )
    closed = ""
    if booking is None and mentor.user_id == request.user.pk:
        closed = "This is your own profile: other people book sessions with you here."
    elif booking is None and (
        not mentor.is_active or selectors.person_is_paused(mentor.user, now=now)
    ):
        closed = "This mentor is not taking bookings at the moment."
    elif minutes is None:
        closed = "This mentor offers no sessions right now."

    policy = selectors.scheduling_policy_for_mentor(mentor=mentor)
    today = now.astimezone(zone).date()
    first = _monday(today)
    last = _monday((now + timedelta(days=policy.horizon_days)).astimezone(zone).date())
    days, week = [], first
    if not closed:
        week = _week_of(
            request, mentor=mentor, minutes=minutes, now=now, zone=zone, first=first, last=last
        )
        start = datetime.combine(week, time(), tzinfo=zone)
        end = datetime.combine(week + timedelta(days=7), time(), tzinfo=zone)
        try:
            slots = selectors.mentor_free_slots(
                mentor=mentor, minutes=minutes, start=start, end=end, now=now, exclude=booking
            )
        except DomainError as refused:
            slots, error = [], error or refused.message
        days = _week_days(
            slots,
            week=week,
            today=today,
            zone=zone_name,
            current=booking.start if booking else None,
        )
    context = {
        "mentor": mentor,
        "person": mentor.user,
        "offers": offers,
        "minutes": minutes,
        "situation": situation,
        "booking": booking,
        "closed": closed,
        "error": error,
        "zone": zone_name,
        "week": week,
        "week_end": week + timedelta(days=6),
        "previous_week": week - timedelta(days=7) if week > first else None,
        "next_week": week + timedelta(days=7) if week < last else None,
        "days": days,
        "has_slots": any(day.slots for day in days),
        "policy": policy,
        "hold_minutes": HOLD_MINUTES,
    }
    template = "web/bookings/book.html"
    if request.htmx and request.method == "GET" and not request.htmx.history_restore_request:
        template += "#picker"
    return render(request, template, context)


def _parse_start(raw: str) -> object:
    """The posted start as an aware datetime; anything else goes to the service as it is,
    which refuses it with its own message."""
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return raw


def _parse_minutes(raw: str) -> object:
    try:
        return int(raw)
    except ValueError:
        return raw


@login_required
@vary_on_headers("HX-Request")
def book(request, public_id: str):
    """Pick a slot of a mentor's: a hold, then checkout; with ``?reschedule=`` move a session."""
    reschedule_id = request.GET.get("reschedule", "")
    booking = None
    if reschedule_id:
        booking = _participant_booking(request, reschedule_id)
        if booking.mentor.user.public_id != public_id:
            raise Http404("No such session.")
        mentor = booking.mentor
        actions = selectors.booking_actions(booking=booking, user=request.user, now=clock.now())
        if "reschedule" not in actions:
            messages.error(request, "This session can no longer be rescheduled.")
            return redirect(_session_url(booking.public_id))
    else:
        try:
            mentor = accounts.mentor_get_public(public_id=public_id, viewer=request.user)
        except NotFound:
            raise Http404("No such mentor.") from None
    if request.method != "POST":
        return _picker(request, mentor, booking=booking)

    start = _parse_start(request.POST.get("start", ""))
    try:
        if booking is not None:
            moved = services.booking_reschedule(
                user=request.user, booking_id=booking.public_id, start=start
            )
        else:
            situation = _situation(request)
            held = services.booking_hold(
                mentee=request.user,
                mentor_id=public_id,
                start=start,
                minutes=_parse_minutes(request.POST.get("minutes", "")),
                situation_id=situation.public_id if situation else None,
            )
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        return _picker(request, mentor, booking=booking, error=error.message)
    if booking is not None:
        messages.success(
            request, f"The session is moved to {local_when(moved.start, request.user.time_zone)}."
        )
        return redirect(_session_url(moved.public_id))
    return redirect("web:session_checkout", held.public_id)


# --- checkout ----------------------------------------------------------------------------------


def _awaits_checkout(booking: Booking, user) -> bool:
    """A hold of the viewer's, live or lapsed (checkout still succeeds if the slot is free)."""
    lapsed_hold = booking.status == BookingStatus.EXPIRED and booking.respond_by is None
    return booking.mentee_id == user.pk and (booking.status == BookingStatus.HELD or lapsed_hold)


@login_required
def checkout(request, booking_id: str):
    """Objective and agenda for a held slot (and a card for a paid one), then confirm (or
    send the request)."""
    booking = _participant_booking(request, booking_id)
    if not _awaits_checkout(booking, request.user):
        return redirect(_session_url(booking.public_id))
    is_paid = booking.price_minor > 0
    form_class = PaidCheckoutForm if is_paid else CheckoutForm
    form = form_class(request.POST if request.method == "POST" else None)
    declined = False
    if request.method == "POST" and form.is_valid():
        try:
            booking = payments.booking_pay(
                mentee=request.user,
                booking_id=booking.public_id,
                objective=form.cleaned_data["objective"],
                agenda=form.cleaned_data["agenda"],
                source=form.cleaned_data.get("source", ""),
            )
        except DomainError as error:
            if refusal := http_refusal(error):
                raise refusal from None
            if error.code in ("not_held", "already_paid"):
                messages.info(request, error.message)
                return redirect(_session_url(booking.public_id))
            form.add_domain_error(error)
            declined = error.code == "card_declined"
            booking.refresh_from_db()  # a declined card released the hold, a slow bank kept it
        else:
            mentor_name = booking.mentor.user.display_name
            if booking.status == BookingStatus.REQUESTED:
                when = local_when(booking.respond_by, request.user.time_zone)
                done = f"Your request is sent to {mentor_name}, who has until {when} to answer."
            else:
                done = f"Your session with {mentor_name} is confirmed."
            if is_paid:
                done += f" You paid {booking.price}; it stays in escrow until the session is done."
            messages.success(request, done)
            return redirect(_session_url(booking.public_id))
    now = clock.now()
    policy = selectors.scheduling_policy_for_mentor(mentor=booking.mentor)
    context = {
        "booking": booking,
        "form": form,
        "now": now,
        # A seat confirms at once, whatever the mentor's policy for single sessions.
        "is_request": policy.confirmation == Confirmation.REQUEST and booking.group_id is None,
        "response_window_hours": policy.response_window_hours,
        "lapsed": booking.status == BookingStatus.EXPIRED or booking.held_until <= now,
        "declined": declined,
        "picker_url": _picker_url(booking),
        "money": statements.session_money_for_participant(booking=booking, user=request.user)
        if is_paid
        else None,
        "test_cards": settings.HEADSTRT_PAYMENT_PROVIDER == "test",
    }
    return render(request, "web/bookings/checkout.html", context)


# --- the session page and its actions ------------------------------------------------------


def _session_page(request, booking: Booking, *, decline_form=None, tip_form=None):
    now = clock.now()
    party = booking.party_of(request.user)
    actions = selectors.booking_actions(booking=booking, user=request.user, now=now)
    money = statements.session_money_for_participant(booking=booking, user=request.user)
    context = {
        "booking": booking,
        "status": selectors.booking_status_now(booking=booking, now=now),
        "party": party,
        "other": booking.mentee if party == "mentor" else booking.mentor.user,
        "actions": actions,
        "now": now,
        "is_confirmed": booking.status == BookingStatus.CONFIRMED,
        "video_url": video_room_url(booking) if booking.status == BookingStatus.CONFIRMED else "",
        "join_opens": booking.start - selectors.JOIN_EARLY,
        "join_early_minutes": int(selectors.JOIN_EARLY.total_seconds() // 60),
        "decline_form": decline_form or ReasonForm(),
        "reschedule_url": _picker_url(booking, reschedule=True),
        "show_situation": booking.situation_id and party == "mentee",
        "money": money,
        "can_tip": party == "mentee"
        and booking.status == BookingStatus.COMPLETED
        and money.tip is None,
        "tip_form": tip_form or TipForm(currency=booking.currency),
        "test_cards": settings.HEADSTRT_PAYMENT_PROVIDER == "test",
    }
    return render(request, "web/bookings/detail.html", context)


@login_required
def session_detail(request, booking_id: str):
    """A session as one of its two participants sees it, with what they may do now."""
    return _session_page(request, _participant_booking(request, booking_id))


def _act(request, booking_id: str, change, done: str, *, form=None):
    """Run ``change``, a booking service with the viewer bound as its actor, on the booking
    (with the ``form``'s data, if any), then go back to the session page with a message.

    An error about one of the form's fields stays on the form instead: the answer is then
    ``None``, for the caller to show the form again.
    """
    arguments = form.cleaned_data if form is not None else {}
    try:
        change(booking_id=booking_id, **arguments)
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        if form is not None and error.field in form.fields:
            form.add_domain_error(error)
            return None
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect(_session_url(booking_id))


@login_required
@require_POST
def session_accept(request, booking_id: str):
    """The mentor accepts a request."""
    change = partial(services.booking_accept, mentor=request.user)
    return _act(request, booking_id, change, "You accepted the request: the session is confirmed.")


@login_required
@require_POST
def session_decline(request, booking_id: str):
    """The mentor declines a request, with an optional reason."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        change = partial(services.booking_decline, mentor=request.user)
        done = "You declined the request. The mentee is told."
        if (answer := _act(request, booking_id, change, done, form=form)) is not None:
            return answer
    return _session_page(request, _participant_booking(request, booking_id), decline_form=form)


@login_required
def session_cancel(request, booking_id: str):
    """Ask, with the cancellation policy, then cancel the session or request."""
    booking = _participant_booking(request, booking_id)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        change = partial(services.booking_cancel, user=request.user)
        done = "The session is cancelled. The other person is told."
        if (answer := _act(request, booking_id, change, done, form=form)) is not None:
            return answer
    now = clock.now()
    if "cancel" not in selectors.booking_actions(booking=booking, user=request.user, now=now):
        messages.error(request, "This session can no longer be cancelled.")
        return redirect(_session_url(booking_id))
    party = booking.party_of(request.user)
    context = {
        "booking": booking,
        "form": form,
        "other": booking.mentee if party == "mentor" else booking.mentor.user,
        "is_late": booking.status == BookingStatus.CONFIRMED and is_late_change(booking, now=now),
        "free_change_hours": FREE_CHANGE_HOURS,
    }
    return render(request, "web/bookings/cancel.html", context)


@login_required
@require_POST
def session_complete(request, booking_id: str):
    """Either participant marks the session as done."""
    change = partial(services.booking_complete, user=request.user)
    return _act(request, booking_id, change, "The session is marked as done.")


@login_required
@require_POST
def session_no_show(request, booking_id: str):
    """A participant reports that the other side did not come."""
    change = partial(services.booking_report_no_show, user=request.user)
    return _act(request, booking_id, change, "The no-show is recorded.")


@login_required
@require_POST
def session_join(request, booking_id: str):
    """Open the session's video room, recording when the participant first joined."""
    try:
        video_url = services.booking_join(user=request.user, booking_id=booking_id)
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        messages.error(request, error.message)
        return redirect(_session_url(booking_id))
    return redirect(video_url)


@login_required
@require_POST
def session_tip(request, booking_id: str):
    """The mentee tips the mentor of a completed session; all of it goes to the mentor."""
    booking = _participant_booking(request, booking_id)
    form = TipForm(request.POST, currency=booking.currency)
    if form.is_valid():
        try:
            tip = payments.tip_send(
                mentee=request.user,
                booking_id=booking.public_id,
                amount_minor=form.cleaned_data["amount_minor"],
                source=form.cleaned_data["source"],
            )
        except DomainError as error:
            if refusal := http_refusal(error):
                raise refusal from None
            if not form.names_field_of(error):
                # Not about what was typed (not done yet, tipped already, a slow bank).
                messages.error(request, error.message)
                return redirect(_session_url(booking.public_id))
            form.add_domain_error(error)
        else:
            amount = Money(tip.amount_minor, tip.currency)
            mentor_name = booking.mentor.user.display_name
            messages.success(request, f"Thank you: your tip of {amount} goes to {mentor_name}.")
            return redirect(_session_url(booking.public_id))
    return _session_page(request, booking, tip_form=form)


# --- my sessions -------------------------------------------------------------------------------


@login_required
def session_list(request):
    """My sessions: upcoming, requests waiting for my answer, and past ones."""
    tab = request.GET.get("tab", "")
    if tab not in selectors.BOOKING_LISTS:
        tab = "upcoming"
    now = clock.now()
    page = requested_page(
        request, selectors.bookings_for_participant(user=request.user, now=now, which=tab)
    )
    rows = []
    for booking in page.items:
        party = booking.party_of(request.user)
        other = booking.mentee if party == "mentor" else booking.mentor.user
        rows.append((booking, party, other, selectors.booking_status_now(booking=booking, now=now)))
    waiting = selectors.bookings_for_participant(user=request.user, now=now, which="requests")
    context = {
        "tab": tab,
        "tabs": TABS,
        "page": page,
        "rows": rows,
        "waiting": waiting.count(),
    }
    return render(request, "web/bookings/list.html", context)
