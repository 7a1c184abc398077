"""Pages of panel sessions: common slots of several mentors, holding and paying for a panel."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse

from headstrt.accounts import selectors as accounts
from headstrt.accounts.models import MentorProfile
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import Money
from headstrt.core.wording import names_in_words
from headstrt.matching import selectors as matching
from headstrt.payments.panels import panel_pay
from headstrt.payments.statements import REFUND_POLICY
from headstrt.scheduling import panel_reads, selectors
from headstrt.scheduling.models import MAX_PANEL_MENTORS, Booking, BookingStatus, Panel
from headstrt.scheduling.panel_slots import (
    PanelOptions,
    panel_common_slots,
    panel_nearest_options,
)
from headstrt.scheduling.services import panels as panel_services
from headstrt.scheduling.services.bookings import FREE_CHANGE_HOURS, HOLD_MINUTES, is_late_change
from headstrt.scheduling.slots import Slot, zone_of
from headstrt.web.booking_forms import CheckoutForm, ReasonForm
from headstrt.web.paging import requested_page
from headstrt.web.payment_forms import PaidCheckoutForm
from headstrt.web.refusals import http_refusal
from headstrt.web.views.bookings import local_when

MIN_PANEL_MENTORS = panel_services.MIN_PANEL_MENTORS
# Longer than any session: a bigger number is not a length (and overflows date arithmetic).
MAX_MINUTES = 24 * 60


def _participant_panel(request, panel_id: str) -> Panel:
    try:
        return panel_reads.panel_get_for_participant(panel_id=panel_id, user=request.user)
    except NotFound:
        raise Http404("No such panel.") from None


def _panel_url(panel_id: str) -> str:
    return reverse("web:panel_detail", args=[panel_id])


# --- choosing the mentors, the length and a common time --------------------------------------


def _requested_ids(data) -> list[str]:
    """The mentors' ids, from ``mentors=a,b`` or repeated ``mentors=a&mentors=b``, in order,
    each once."""
    ids: list[str] = []
    for value in data.getlist("mentors"):
        for part in value.split(","):
            if part.strip() and part.strip() not in ids:
                ids.append(part.strip())
    return ids


def _situation(request, raw: str):
    """The viewer's own situation named ``raw``; ``None`` when it is not theirs."""
    if not raw:
        return None
    try:
        return matching.situation_get_for_owner(situation_id=raw, user=request.user)
    except (NotFound, PermissionDenied):
        return None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True)
class MentorTime:
    """A panel's time on one mentor's clock, e.g. "09:00", or "Wed 01:00" on another day;
    ``name`` is short: the first name, unless two mentors share it."""

    mentor: MentorProfile
    name: str
    label: str


@dataclass(frozen=True)
class PanelSlot:
    """A common slot as the mentee reads it, with each mentor's local time."""

    value: str
    start: datetime
    end: datetime
    mentor_times: list[MentorTime]


@dataclass(frozen=True)
class PanelDay:
    day: date
    slots: list[PanelSlot]


@dataclass(frozen=True)
class Suggestion:
    """One of the nearest options: what it is in words and where it leads."""

    text: str
    url: str
    link: str


def _mentor_times(start: datetime, mentors, *, zone: str) -> list[MentorTime]:
    """``start`` on each mentor's clock; the weekday is named when their date differs from
    the reader's in ``zone``."""
    day = start.astimezone(zone_of(zone)).date()
    first_names = [(mentor.user.display_name.split() or [""])[0] for mentor in mentors]
    short = len(set(first_names)) == len(first_names) and all(first_names)
    times = []
    for mentor, first_name in zip(mentors, first_names, strict=True):
        local = start.astimezone(zone_of(mentor.user.time_zone))
        label = f"{local:%H:%M}" if local.date() == day else f"{local:%a %H:%M}"
        name = first_name if short else mentor.user.display_name
        times.append(MentorTime(mentor=mentor, name=name, label=label))
    return times


def _days(slots: list[Slot], mentors, *, week: date, today: date, zone: str) -> list[PanelDay]:
    by_day: dict[date, list[PanelSlot]] = {}
    local_zone = zone_of(zone)
    for slot in slots:
        start, end = slot.start.astimezone(local_zone), slot.end.astimezone(local_zone)
        by_day.setdefault(start.date(), []).append(
            PanelSlot(
                value=slot.start.isoformat(),
                start=start,
                end=end,
                mentor_times=_mentor_times(slot.start, mentors, zone=zone),
            )
        )
    days = (week + timedelta(days=offset) for offset in range(7))
    return [PanelDay(day=day, slots=by_day.get(day, [])) for day in days if day >= today]


def _common_lengths(mentors) -> list[int]:
    offered = [{offer.minutes for offer in mentor.offers.all()} for mentor in mentors]
    return sorted(set.intersection(*offered)) if offered else []


def _chosen_minutes(raw: str | None, lengths: list[int], situation) -> int | None:
    try:
        wanted = int(raw or "")
    except ValueError:
        wanted = None
    if wanted in lengths:
        return wanted
    if situation is not None and situation.session_minutes in lengths:
        return situation.session_minutes
    return lengths[0] if lengths else None


def _picker_query(mentors, *, minutes=None, situation=None, week: date | None = None) -> str:
    query = {"mentors": ",".join(mentor.user.public_id for mentor in mentors)}
    if minutes:
        query["minutes"] = minutes
    if situation is not None:
        query["situation"] = situation.public_id
    if week is not None:
        query["week"] = week.isoformat()
    return f"{reverse('web:panel_new')}?{urlencode(query)}"


def _suggestions(
    options: PanelOptions, mentors, *, zone: str, situation, minutes: int
) -> list[Suggestion]:
    """The nearest options, each with a link to the week it is in (or, for a panel of two
    without one of them, to the other mentor's own booking page)."""
    local_zone = zone_of(zone)

    def week_of(slot: Slot) -> date:
        return _monday(slot.start.astimezone(local_zone).date())

    found = []
    if options.earliest is not None:
        found.append(
            Suggestion(
                text=f"The earliest time all of them can do {minutes} minutes: "
                f"{local_when(options.earliest.start, zone)}.",
                url=_picker_query(
                    mentors, minutes=minutes, situation=situation, week=week_of(options.earliest)
                ),
                link="Show that week",
            )
        )
    for length, slot in options.other_lengths:
        found.append(
            Suggestion(
                text=f"For {length} minutes: {local_when(slot.start, zone)}.",
                url=_picker_query(mentors, minutes=length, situation=situation, week=week_of(slot)),
                link=f"Show {length}-minute times",
            )
        )
    for left_out, slot in options.without:
        others = [mentor for mentor in mentors if mentor.pk != left_out.pk]
        name = left_out.user.display_name
        if len(others) >= MIN_PANEL_MENTORS:
            url = _picker_query(others, minutes=minutes, situation=situation, week=week_of(slot))
            link = f"Show the panel without {name}"
        else:
            query = {"minutes": minutes, "week": week_of(slot).isoformat()}
            if situation is not None:
                query["situation"] = situation.public_id
            url = f"{reverse('web:book', args=[others[0].user.public_id])}?{urlencode(query)}"
            link = f"Book {others[0].user.display_name} alone"
        found.append(
            Suggestion(text=f"Without {name}: {local_when(slot.start, zone)}.", url=url, link=link)
        )
    return found


def _week_asked(raw: str) -> date | None:
    try:
        return _monday(date.fromisoformat(raw))
    except ValueError:
        return None


def _mentors_or_why_not(request, ids: list[str]) -> tuple[list[MentorProfile], str]:
    """The mentors named, and why they make no panel (empty when they do); an unknown
    mentor is a 404, as on a mentor's own booking page."""
    if len(ids) > MAX_PANEL_MENTORS:
        return [], f"A panel has at most {MAX_PANEL_MENTORS} mentors; you picked {len(ids)}."
    try:
        mentors = [
            accounts.mentor_get_public(public_id=mentor_id, viewer=request.user)
            for mentor_id in ids
        ]
    except NotFound:
        raise Http404("No such mentor.") from None
    if len(mentors) < MIN_PANEL_MENTORS:
        return mentors, (
            f"Pick {MIN_PANEL_MENTORS} to {MAX_PANEL_MENTORS} mentors for a panel, for "
            "example from the matches of one of your situations."
        )
    if any(mentor.user_id == request.user.pk for mentor in mentors):
        return mentors, "You are one of these mentors: a panel is with other people."
    if not _common_lengths(mentors):
        return mentors, "These mentors offer no session length in common."
    return mentors, ""


@dataclass
class CommonWeek:
    """The week shown and its common times; when it has none, the nearest options."""

    week: date
    days: list[PanelDay]
    suggestions: list[Suggestion]
    obstacles: str = ""
    shares_none: bool = False


def _common_week(request, mentors, *, minutes: int, asked: date | None, first: date, situation):
    """The common times of the week ``asked`` (else of the first week that has some)."""
    now, zone_name = clock.now(), request.user.time_zone
    zone = zone_of(zone_name)

    def week_slots(monday: date) -> list[Slot]:
        start = datetime.combine(monday, time(), tzinfo=zone)
        end = datetime.combine(monday + timedelta(days=7), time(), tzinfo=zone)
        return panel_common_slots(
            mentors=mentors, minutes=minutes, start=start, end=end, now=now, mentee=request.user
        )

    def shown(monday: date, slots: list[Slot], **extra) -> CommonWeek:
        today = now.astimezone(zone).date()
        days = _days(slots, mentors, week=monday, today=today, zone=zone_name)
        return CommonWeek(week=monday, days=days, **extra)

    week = asked or first
    slots = week_slots(week)
    if slots:
        return shown(week, slots, suggestions=[])
    after = max(datetime.combine(week, time(), tzinfo=zone), now)
    options = panel_nearest_options(
        mentors=mentors, minutes=minutes, now=now, mentee=request.user, after=after
    )
    if asked is None and options.earliest is not None:
        # Straight to the first week they share a time, as the one-mentor picker does.
        week = _monday(options.earliest.start.astimezone(zone).date())
        return shown(week, week_slots(week), suggestions=[])
    return shown(
        week,
        [],
        suggestions=_suggestions(
            options, mentors, zone=zone_name, situation=situation, minutes=minutes
        ),
        obstacles=". ".join(options.obstacles) + "." if options.obstacles else "",
        shares_none=options.earliest is None,
    )


def _priced(mentors, minutes: int | None) -> tuple[list[tuple], Money | None]:
    """Each mentor with their price for ``minutes`` (``None`` without one), and the sum
    when they charge in one currency."""
    rows = [
        (mentor, next((o.price_minor for o in mentor.offers.all() if o.minutes == minutes), None))
        for mentor in mentors
    ]
    currencies = {mentor.currency for mentor in mentors}
    if not rows or len(currencies) != 1 or any(price is None for _, price in rows):
        return rows, None
    return rows, Money(sum(price for _, price in rows), currencies.pop())


def _picker(request, ids: list[str], *, data, situation, error: str = ""):
    """The page to choose a panel's length and common time, or why it cannot be had."""
    now = clock.now()
    zone = zone_of(request.user.time_zone)
    mentors, closed = _mentors_or_why_not(request, ids)
    lengths = [] if closed else _common_lengths(mentors)
    minutes = _chosen_minutes(data.get("minutes"), lengths, situation)
    horizon = max(
        (selectors.scheduling_policy_for_mentor(mentor=m).horizon_days for m in mentors),
        default=1,
    )
    first = _monday(now.astimezone(zone).date())
    last = _monday((now + timedelta(days=horizon)).astimezone(zone).date())
    asked = _week_asked(data.get("week", ""))
    asked = None if asked is None else min(max(asked, first), last)
    common = None
    if not closed:
        common = _common_week(
            request, mentors, minutes=minutes, asked=asked, first=first, situation=situation
        )
    week = common.week if common else first
    rows, total = _priced(mentors, minutes)

    def week_url(monday: date) -> str:
        return _picker_query(mentors, minutes=minutes, situation=situation, week=monday)

    others = {
        mentor.pk: _picker_query(
            [m for m in mentors if m.pk != mentor.pk], minutes=minutes, situation=situation
        )
        for mentor in mentors
    }
    context = {
        "mentors": mentors,
        "rows": rows,
        "total": total,
        "lengths": lengths,
        "minutes": minutes,
        "situation": situation,
        "closed": closed,
        "error": error,
        "zone": request.user.time_zone,
        "week": week,
        "week_end": week + timedelta(days=6),
        "previous_week": week_url(week - timedelta(days=7)) if week > first else "",
        "next_week": week_url(week + timedelta(days=7)) if week < last else "",
        "common": common,
        "has_slots": bool(common) and any(day.slots for day in common.days),
        "removals": [(mentor, others[mentor.pk]) for mentor in mentors]
        if len(mentors) > MIN_PANEL_MENTORS
        else [],
        "hold_minutes": HOLD_MINUTES,
    }
    return render(request, "web/panels/new.html", context)


def _posted(raw: str, parse) -> object:
    """``raw`` parsed; as it is when it does not parse, for the service to refuse in its
    own words."""
    try:
        return parse(raw)
    except ValueError:
        return raw


def _minutes(raw: str) -> int | str:
    """A posted length in minutes; a number no session could last is left as text."""
    minutes = _posted(raw, int)
    return minutes if isinstance(minutes, int) and 0 < minutes <= MAX_MINUTES else raw


@login_required
def panel_new(request):
    """Pick a common time of 2 to 4 mentors, on the viewer's clock with each mentor's; the
    time is held for every mentor at once, then the mentee checks out."""
    data = request.POST if request.method == "POST" else request.GET
    ids = _requested_ids(data)
    situation = _situation(request, data.get("situation", ""))
    if request.method != "POST":
        return _picker(request, ids, data=data, situation=situation)
    try:
        panel = panel_services.panel_hold(
            mentee=request.user,
            mentor_ids=ids,
            start=_posted(data.get("start", ""), datetime.fromisoformat),
            minutes=_minutes(data.get("minutes", "")),
            situation_id=situation.public_id if situation else None,
        )
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        return _picker(request, ids, data=data, situation=situation, error=error.message)
    return redirect("web:panel_checkout", panel.public_id)


# --- checkout ----------------------------------------------------------------------------------


def _awaits_checkout(panel: Panel, user) -> bool:
    """Every part is the viewer's hold, live or lapsed (checkout still works while every
    mentor is free)."""
    return panel.mentee_id == user.pk and all(
        booking.status == BookingStatus.HELD
        or (booking.status == BookingStatus.EXPIRED and booking.respond_by is None)
        for booking in panel.bookings.all()
    )


@login_required
def panel_checkout(request, panel_id: str):
    """Objective and agenda for a held panel, and one card for every mentor's part."""
    panel = _participant_panel(request, panel_id)
    if not _awaits_checkout(panel, request.user):
        return redirect(_panel_url(panel.public_id))
    total = Money(panel_reads.panel_total(panel), panel.currency)
    form_class = PaidCheckoutForm if total.minor else CheckoutForm
    form = form_class(request.POST if request.method == "POST" else None)
    declined = False
    if request.method == "POST" and form.is_valid():
        try:
            panel_pay(
                mentee=request.user,
                panel_id=panel.public_id,
                objective=form.cleaned_data["objective"],
                agenda=form.cleaned_data["agenda"],
                source=form.cleaned_data.get("source", ""),
            )
        except DomainError as error:
            if refusal := http_refusal(error):
                raise refusal from None
            if error.code in ("not_held", "already_paid"):
                messages.info(request, error.message)
                return redirect(_panel_url(panel.public_id))
            form.add_domain_error(error)
            declined = error.code == "card_declined"
            panel = _participant_panel(request, panel_id)
        else:
            names = [booking.mentor.user.display_name for booking in panel.bookings.all()]
            done = f"Your panel with {names_in_words(names)} is confirmed."
            if total.minor:
                done += (
                    f" You paid {total}; each mentor’s part stays in escrow until the session "
                    "is done."
                )
            messages.success(request, done)
            return redirect(_panel_url(panel.public_id))
    now = clock.now()
    parts = list(panel.bookings.all())
    held_until = min((booking.held_until for booking in parts if booking.held_until), default=now)
    mentors = [booking.mentor for booking in parts]
    context = {
        "panel": panel,
        "parts": [
            (booking, _mentor_times(panel.start, [booking.mentor], zone=request.user.time_zone)[0])
            for booking in parts
        ],
        "total": total,
        "form": form,
        "now": now,
        "held_until": held_until,
        "lapsed": any(booking.status == BookingStatus.EXPIRED for booking in parts)
        or held_until <= now,
        "declined": declined,
        "picker_url": _picker_query(mentors, minutes=panel.minutes, situation=panel.situation),
        "refund_policy": REFUND_POLICY,
        "test_cards": settings.HEADSTRT_PAYMENT_PROVIDER == "test",
    }
    return render(request, "web/panels/checkout.html", context)


# --- the panel page, cancelling, my panels -----------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One mentor's part of a panel as the viewer sees it."""

    booking: Booking
    status: BookingStatus
    local_time: MentorTime
    is_yours: bool


def _parts(panel: Panel, user, *, now: datetime) -> list[Part]:
    return [
        Part(
            booking=booking,
            status=selectors.booking_status_now(booking=booking, now=now),
            local_time=_mentor_times(panel.start, [booking.mentor], zone=user.time_zone)[0],
            is_yours=booking.party_of(user) is not None,
        )
        for booking in panel.bookings.all()
    ]


def _cancellable(panel: Panel, user, *, now: datetime) -> bool:
    """Whether the viewer, as the panel's mentee, has something of it left to cancel."""
    if panel.mentee_id != user.pk:
        return False
    return any(
        booking.status == BookingStatus.HELD
        or "cancel" in selectors.booking_actions(booking=booking, user=user, now=now)
        for booking in panel.bookings.all()
    )


@login_required
def panel_detail(request, panel_id: str):
    """A panel as its mentee or one of its mentors sees it: who, when on each clock, each
    mentor's part with its status, and the way to each session page (to join)."""
    panel = _participant_panel(request, panel_id)
    now = clock.now()
    is_mentee = panel.mentee_id == request.user.pk
    parts = _parts(panel, request.user, now=now)
    mentors = [part.booking.mentor.user for part in parts]
    names = names_in_words([mentor.display_name for mentor in mentors])
    if is_mentee:
        title = f"Panel with {names}"
    else:
        title = f"Panel of {panel.mentee.display_name} with {names}"
    context = {
        "panel": panel,
        "title": title,
        "is_mentee": is_mentee,
        "parts": parts,
        "first": parts[0].booking if parts else None,
        "total": Money(panel_reads.panel_total(panel), panel.currency) if is_mentee else None,
        "awaits_checkout": _awaits_checkout(panel, request.user),
        "can_cancel": _cancellable(panel, request.user, now=now),
        "now": now,
    }
    return render(request, "web/panels/detail.html", context)


@login_required
def panel_cancel(request, panel_id: str):
    """Ask, with the cancellation policy, then cancel the whole panel (its mentee only)."""
    panel = _participant_panel(request, panel_id)
    now = clock.now()
    if panel.mentee_id != request.user.pk:
        messages.error(
            request,
            "Only the mentee cancels a whole panel; cancel your own session from its page.",
        )
        return redirect(_panel_url(panel.public_id))
    if not _cancellable(panel, request.user, now=now):
        messages.error(request, "This panel can no longer be cancelled.")
        return redirect(_panel_url(panel.public_id))
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            panel_services.panel_cancel(
                user=request.user, panel_id=panel.public_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if refusal := http_refusal(error):
                raise refusal from None
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect(_panel_url(panel.public_id))
            form.add_domain_error(error)
        else:
            messages.success(request, "The panel is cancelled. Its mentors are told.")
            return redirect(_panel_url(panel.public_id))
    is_late = any(
        booking.status == BookingStatus.CONFIRMED and is_late_change(booking, now=now)
        for booking in panel.bookings.all()
    )
    context = {
        "panel": panel,
        "form": form,
        "mentors": [booking.mentor.user for booking in panel.bookings.all()],
        "is_late": is_late,
        "free_change_hours": FREE_CHANGE_HOURS,
    }
    return render(request, "web/panels/cancel.html", context)


@login_required
def panel_list(request):
    """My panels, as mentee or as one of the mentors, latest first."""
    page = requested_page(request, panel_reads.panels_for_person(user=request.user))
    now = clock.now()
    rows = [(panel, _parts(panel, request.user, now=now)) for panel in page.items]
    return render(request, "web/panels/list.html", {"page": page, "rows": rows})


routes: list = [
    path("panels/", panel_list, name="panel_list"),
    path("panels/new/", panel_new, name="panel_new"),
    path("panels/<slug:panel_id>/", panel_detail, name="panel_detail"),
    path("panels/<slug:panel_id>/checkout/", panel_checkout, name="panel_checkout"),
    path("panels/<slug:panel_id>/cancel/", panel_cancel, name="panel_cancel"),
]
