"""Pages of group sessions: the listing, taking a seat, and a mentor's own group sessions."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors as accounts
from headstrt.accounts.models import SessionLength
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import Money
from headstrt.scheduling import panel_reads
from headstrt.scheduling.models import MAX_GROUP_SEATS, BookingStatus, GroupSessionStatus
from headstrt.scheduling.services import groups as group_services
from headstrt.scheduling.services.groups import MAX_DESCRIPTION, MAX_TITLE, MIN_GROUP_SEATS
from headstrt.scheduling.slots import zone_of
from headstrt.web.booking_forms import ReasonForm
from headstrt.web.forms import DomainForm, LocalDateTimeField, topic_choices
from headstrt.web.paging import requested_page
from headstrt.web.refusals import http_refusal


class GroupOfferForm(DomainForm):
    """A group session a mentor offers; the service checks the values."""

    field_aliases = {"price_minor": "price", "topic_slug": "topic"}

    title = forms.CharField(
        label="Title",
        max_length=MAX_TITLE,
        help_text="What the session is about, in a few words.",
    )
    description = forms.CharField(
        label="Description",
        required=False,
        help_text="Who it is for and what they will leave with.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_DESCRIPTION}),
    )
    topic = forms.ChoiceField(label="Topic", required=False)
    start = LocalDateTimeField(label="Start")
    minutes = forms.TypedChoiceField(
        label="Length",
        coerce=int,
        choices=[(length, f"{length} minutes") for length in SessionLength.values],
        initial=60,
        widget=forms.RadioSelect,
    )
    capacity = forms.IntegerField(
        label="Seats",
        help_text=f"How many mentees can join, {MIN_GROUP_SEATS} to {MAX_GROUP_SEATS}.",
        widget=forms.NumberInput(
            attrs={"min": MIN_GROUP_SEATS, "max": MAX_GROUP_SEATS, "class": "input--short"}
        ),
    )
    price = forms.CharField(
        label="Price of a seat",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
    )

    def __init__(self, *args, topics, time_zone: str, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone, self.currency = time_zone, currency
        self.fields["topic"].choices = [("", "No particular topic")] + topic_choices(
            topics, whole_categories=False
        )
        self.fields["start"].help_text = f"On your clock ({time_zone})."
        self.fields["price"].label = f"Price of a seat ({currency})"
        self.fields["price"].help_text = "Each mentee pays this, such as 15 or 12.50; 0 is free."

    def clean(self):
        data = super().clean()
        if data.get("start") is not None:
            # The wall-clock time the mentor typed, read on their own clock.
            data["start"] = data["start"].replace(tzinfo=zone_of(self.time_zone))
        raw = (data.get("price") or "").strip()
        if raw:
            try:
                data["price_minor"] = Money.from_major(raw, self.currency).minor
            except DomainError as error:
                self.add_domain_error(error)
        return data

    def service_arguments(self) -> dict:
        """Keyword arguments for ``group_session_offer``."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "topic_slug": data["topic"] or None,
            "start": data["start"],
            "minutes": data["minutes"],
            "capacity": data["capacity"],
            "price_minor": data["price_minor"],
        }


class GroupFilterForm(DomainForm):
    """The listing's topic filter; an unknown topic simply finds nothing."""

    optional_marks = False

    topic = forms.ChoiceField(label="Topic", required=False)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", "Any topic")] + topic_choices(
            topics, whole_categories=True
        )


def _zone_for(request, group) -> str:
    """The clock a group's time is shown on: the viewer's, or its mentor's for visitors."""
    if request.user.is_authenticated:
        return request.user.time_zone
    return group.mentor.user.time_zone


def _seats_left(group) -> int:
    return max(0, group.capacity - group.seats_taken)


def group_list(request):
    """Open group sessions to come, with the seats left; narrowed to a topic on request."""
    topic = request.GET.get("topic", "").strip()
    groups = panel_reads.group_sessions_upcoming(now=clock.now(), topic_slug=topic or None)
    page = requested_page(request, groups)
    rows = [(group, _seats_left(group), _zone_for(request, group)) for group in page.items]
    form = GroupFilterForm(initial={"topic": topic}, topics=accounts.topics())
    context = {"page": page, "rows": rows, "topic": topic, "form": form}
    return render(request, "web/groups/list.html", context)


def _viewable(request, group_id: str):
    try:
        return panel_reads.group_session_get(group_id=group_id, viewer=request.user)
    except NotFound:
        raise Http404("No such group session.") from None


def group_detail(request, group_id: str):
    """A group session: what, when, who leads it and the seats left; take a seat. Its
    mentor also sees who took one."""
    group = _viewable(request, group_id)
    now = clock.now()
    is_mentor = request.user.is_authenticated and group.mentor.user_id == request.user.pk
    seat = None if is_mentor else panel_reads.group_seat_of(group=group, mentee=request.user)
    context = {
        "group": group,
        "zone": _zone_for(request, group),
        "seats_left": _seats_left(group),
        "is_open": group.status == GroupSessionStatus.OPEN and group.start > now,
        "is_mentor": is_mentor,
        "seat": seat,
        "seat_held": seat is not None and seat.status == BookingStatus.HELD,
        "seats": list(panel_reads.group_seats(group=group, mentor=request.user))
        if is_mentor
        else [],
    }
    return render(request, "web/groups/detail.html", context)


@login_required
@require_POST
def group_seat(request, group_id: str):
    """Hold a seat, then check out on the session's usual checkout page."""
    try:
        seat = group_services.group_seat_hold(mentee=request.user, group_id=group_id)
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        messages.error(request, error.message)
        return redirect("web:group_detail", group_id)
    return redirect("web:session_checkout", seat.public_id)


def _offer_form(request, profile, data=None) -> GroupOfferForm:
    return GroupOfferForm(
        data,
        topics=accounts.topics(),
        time_zone=request.user.time_zone,
        currency=profile.currency,
    )


@login_required
def my_groups(request):
    """A mentor's group sessions: offer one, see the seats taken, cancel."""
    profile = accounts.mentor_profile_for_owner(user=request.user)
    if profile is None:
        return render(request, "web/groups/mine.html", {"profile": None})
    form = _offer_form(request, profile, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = group_services.group_session_offer(
                mentor=request.user, **form.service_arguments()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(
                request, f"“{group.title}” is offered: mentees can take a seat from now on."
            )
            return redirect("web:my_groups")
    groups = panel_reads.group_sessions_of_mentor(mentor=request.user)
    page = requested_page(request, groups)
    now = clock.now()
    rows = [
        (group, group.status == GroupSessionStatus.OPEN and group.start > now)
        for group in page.items
    ]
    context = {"profile": profile, "form": form, "page": page, "rows": rows}
    return render(request, "web/groups/mine.html", context)


@login_required
def my_group_cancel(request, group_id: str):
    """Ask, then cancel one of the mentor's group sessions (every seat refunded in full)."""
    group = panel_reads.group_sessions_of_mentor(mentor=request.user).filter(public_id=group_id)
    group = group.first()
    if group is None:
        raise Http404("No such group session.")
    if group.status != GroupSessionStatus.OPEN or group.start <= clock.now():
        messages.error(request, "This group session can no longer be cancelled.")
        return redirect("web:my_groups")
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group_services.group_session_cancel(
                mentor=request.user, group_id=group.public_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            if refusal := http_refusal(error):
                raise refusal from None
            if error.field not in form.fields:
                messages.error(request, error.message)
                return redirect("web:my_groups")
            form.add_domain_error(error)
        else:
            messages.success(
                request, f"“{group.title}” is cancelled. Everyone with a seat is told and refunded."
            )
            return redirect("web:my_groups")
    context = {"group": group, "form": form, "back": reverse("web:my_groups")}
    return render(request, "web/groups/cancel.html", context)


routes: list = [
    path("groups/", group_list, name="group_list"),
    path("groups/<slug:group_id>/", group_detail, name="group_detail"),
    path("groups/<slug:group_id>/seat/", group_seat, name="group_seat"),
    path("me/groups/", my_groups, name="my_groups"),
    path("me/groups/<slug:group_id>/cancel/", my_group_cancel, name="my_group_cancel"),
]
