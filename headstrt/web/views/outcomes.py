"""Pages of outcomes and reliability: a session's outcome, a mentor's growth, one's own
reliability and contest, and the staff queue of contested pauses."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.reviews import outcomes, reliability
from headstrt.reviews.models import MAX_NOTE, OutcomeHeld, OutcomeResult
from headstrt.scheduling import selectors as scheduling
from headstrt.web.forms import DomainForm
from headstrt.web.refusals import http_refusal


class OutcomeForm(DomainForm):
    """Right after the session: was the objective reached?"""

    result = forms.ChoiceField(
        label="Did you reach your objective?",
        choices=OutcomeResult.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label="What happened",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="outcome", **kwargs)


class FollowUpForm(DomainForm):
    """Thirty days later: did the result hold?"""

    held = forms.ChoiceField(
        label="Did the result hold?", choices=OutcomeHeld.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label="What happened since",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="follow_up", **kwargs)


class ContestForm(DomainForm):
    text = forms.CharField(
        label="Why is this pause wrong?",
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say what happened, e.g. that you did come to the session. Staff read it "
        "and decide; you can contest a pause once.",
    )


class LiftForm(DomainForm):
    reason = forms.CharField(
        label="Reason (the person reads it)",
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _session_url(booking_id: str) -> str:
    return reverse("web:session_detail", args=[booking_id])


def _refused(error: DomainError) -> None:
    if refusal := http_refusal(error):
        raise refusal from None


def outcome_context(*, booking, user, outcome_form=None, follow_up_form=None) -> dict:
    """What the outcome section of a session shows ``user``: nothing before it is done; the
    mentee's forms while their windows are open; the answers as they stand."""
    outcome = outcomes.outcome_get_for_participant(booking_id=booking.public_id, user=user)
    if outcome is None:
        return {"outcome": None}
    now = clock.now()
    windows = outcomes.outcome_windows(outcome, now=now)
    is_mentee = booking.mentee_id == user.pk
    initial = {"result": outcome.result, "note": outcome.result_note}
    held_initial = {"held": outcome.held, "note": outcome.held_note}
    return {
        "outcome": outcome,
        "booking": booking,
        "is_mentee": is_mentee,
        "windows": windows,
        "now": now,
        "outcome_form": outcome_form or OutcomeForm(initial=initial),
        "follow_up_form": follow_up_form or FollowUpForm(initial=held_initial),
    }


@login_required
def outcome(request, booking_id: str):
    """A session's outcome: the mentee answers (reached, partly, not; later whether it held),
    the mentor reads the answers."""
    try:
        booking = scheduling.booking_get_for_participant(booking_id=booking_id, user=request.user)
    except NotFound as error:
        _refused(error)
    outcome_form = follow_up_form = None
    if request.method == "POST":
        follow_up = "follow_up" in request.POST
        form = FollowUpForm(request.POST) if follow_up else OutcomeForm(request.POST)
        if form.is_valid():
            try:
                if follow_up:
                    outcomes.outcome_follow_up_record(
                        mentee=request.user,
                        booking_id=booking.public_id,
                        held=form.cleaned_data["held"],
                        note=form.cleaned_data["note"],
                    )
                else:
                    outcomes.outcome_record(
                        mentee=request.user,
                        booking_id=booking.public_id,
                        result=form.cleaned_data["result"],
                        note=form.cleaned_data["note"],
                    )
            except DomainError as error:
                _refused(error)
                form.add_domain_error(error)
            else:
                messages.success(request, "Thank you: your answer is recorded.")
                return redirect(_session_url(booking.public_id))
        if follow_up:
            follow_up_form = form
        else:
            outcome_form = form
    context = outcome_context(
        booking=booking,
        user=request.user,
        outcome_form=outcome_form,
        follow_up_form=follow_up_form,
    )
    if context["outcome"] is None:
        messages.info(request, "The outcome can be recorded once the session is marked as done.")
        return redirect(_session_url(booking.public_id))
    return render(request, "web/outcomes/outcome.html", context)


@login_required
@never_cache
def growth(request):
    """A mentor's growth: topics helped with, outcome rates, how results held, feedback."""
    try:
        found = outcomes.mentor_growth(user=request.user)
    except NotFound:
        messages.info(request, "Open your mentor profile first: growth is about your mentoring.")
        return redirect("web:mentor_profile")
    context = {
        "growth": found,
        "reliability": reliability.reliability_of([request.user.pk])[request.user.pk],
    }
    return render(request, "web/outcomes/growth.html", context)


def _reliability_page(request, *, contest_form=None, contested: str = ""):
    now = clock.now()
    user = request.user
    context = {
        "reliability": reliability.reliability_of([user.pk])[user.pk],
        "paused": reliability.person_is_paused(user, now=now),
        "notices": list(reliability.reliability_notices_of(person=user)),
        "contest_form": contest_form or ContestForm(),
        "contested": contested,
        "now": now,
    }
    return render(request, "web/outcomes/reliability.html", context)


@login_required
@never_cache
def reliability_page(request):
    """One's own reliability: score, counts, warnings and pauses, and contesting a pause."""
    return _reliability_page(request)


@login_required
@require_POST
def reliability_contest(request, notice_id: str):
    """Contest one's own automatic pause."""
    form = ContestForm(request.POST)
    if form.is_valid():
        try:
            reliability.reliability_contest(
                person=request.user, notice_id=notice_id, text=form.cleaned_data["text"]
            )
        except DomainError as error:
            _refused(error)
            form.add_domain_error(error)
        else:
            messages.success(request, "Your contest is sent. Staff will look at it and tell you.")
            return redirect("web:reliability")
    return _reliability_page(request, contest_form=form, contested=notice_id)


def _staff_page(request, *, lift_form=None, lifting: str = ""):
    context = {
        "pauses": list(reliability.reliability_contested_pauses(staff=request.user)),
        "lift_form": lift_form or LiftForm(),
        "lifting": lifting,
    }
    return render(request, "web/outcomes/staff_reliability.html", context)


@staff_member_required
@never_cache
def staff_reliability(request):
    """Contested pauses still in force, for staff to lift or leave."""
    return _staff_page(request)


@staff_member_required
@require_POST
def staff_reliability_lift(request, notice_id: str):
    """Staff lift a contested pause, or keep it, with a reason the person reads."""
    form = LiftForm(request.POST)
    keep = request.POST.get("decision") == "keep"
    decide = reliability.reliability_pause_keep if keep else reliability.reliability_pause_lift
    if form.is_valid():
        try:
            notice = decide(
                staff=request.user, notice_id=notice_id, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            _refused(error)
            form.add_domain_error(error)
        else:
            done = "kept" if keep else "lifted"
            messages.success(request, f"The pause of {notice.person.display_name} is {done}.")
            return redirect("web:staff_reliability")
    return _staff_page(request, lift_form=form, lifting=notice_id)


routes = [
    path("sessions/<slug:booking_id>/outcome/", outcome, name="outcome"),
    path("me/growth/", growth, name="growth"),
    path("me/reliability/", reliability_page, name="reliability"),
    path(
        "me/reliability/<slug:notice_id>/contest/",
        reliability_contest,
        name="reliability_contest",
    ),
    path("staff/reliability/", staff_reliability, name="staff_reliability"),
    path(
        "staff/reliability/<slug:notice_id>/lift/",
        staff_reliability_lift,
        name="staff_reliability_lift",
    ),
]
