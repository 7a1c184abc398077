"""The mentor's availability editor: weekly hours, dates that differ and the booking policy."""

from datetime import date
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors as accounts
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.scheduling import selectors, services
from headstrt.scheduling.slots import zone_of
from headstrt.web.booking_forms import (
    AvailabilityExceptionForm,
    SchedulingPolicyForm,
    WeeklyAvailabilityForm,
)


def _day_name(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def _editor_url(section: str) -> str:
    return reverse("web:availability") + f"#{section}"


def _saved(request, form, save, done: str, section: str):
    """Run ``save`` and go back to the editor's ``section`` with ``done``; ``None`` when the
    service refused, its error now on ``form``."""
    try:
        save()
    except DomainError as error:
        form.add_domain_error(error)
        return None
    messages.success(request, done)
    return redirect(_editor_url(section))


def _page(request, *, weekly_form=None, exception_form=None, policy_form=None):
    profile = accounts.mentor_profile_for_owner(user=request.user)
    if profile is None:
        return render(request, "web/me/availability.html", {"profile": None})
    now = clock.now()
    settings = selectors.availability_settings_for_owner(mentor=profile, now=now)
    exception_form = exception_form or AvailabilityExceptionForm()
    # Past dates are never listed, so the date picker starts at the mentor's today.
    today = now.astimezone(zone_of(request.user.time_zone)).date()
    exception_form.fields["day"].widget.attrs["min"] = today.isoformat()
    context = {
        "profile": profile,
        "exceptions": settings.exceptions,
        "weekly_form": weekly_form or WeeklyAvailabilityForm(rules=settings.rules),
        "exception_form": exception_form,
        "policy_form": policy_form
        or SchedulingPolicyForm(
            initial=SchedulingPolicyForm.initial_for(settings.policy),
            weekly_capacity=profile.weekly_capacity,
        ),
    }
    return render(request, "web/me/availability.html", context)


@login_required
def availability(request):
    """Show the editor; a POST replaces the weekly hours."""
    if request.method != "POST":
        return _page(request)
    form = WeeklyAvailabilityForm(request.POST)
    if form.is_valid():
        save = partial(services.availability_set, user=request.user, rules=form.rules())
        done = "Your weekly hours are saved."
        if (saved := _saved(request, form, save, done, "weekly")) is not None:
            return saved
    return _page(request, weekly_form=form)


@login_required
@require_POST
def availability_exception_add(request):
    """Give one date its own hours, or make it a day off."""
    form = AvailabilityExceptionForm(request.POST)
    if form.is_valid():
        day, ranges = form.cleaned_data["day"], form.cleaned_data["ranges"]
        save = partial(
            services.availability_exception_set, user=request.user, day=day, ranges=ranges
        )
        done = f"{_day_name(day)} is " + ("saved with its hours." if ranges else "a day off.")
        if (saved := _saved(request, form, save, done, "exceptions")) is not None:
            return saved
    return _page(request, exception_form=form)


@login_required
@require_POST
def availability_exception_remove(request, day: str):
    """Let a date follow the weekly hours again."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise Http404("No such date.") from None
    try:
        services.availability_exception_remove(user=request.user, day=parsed)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{_day_name(parsed)} follows your weekly hours again.")
    return redirect(_editor_url("exceptions"))


@login_required
@require_POST
def scheduling_policy(request):
    """Save the booking policy: buffer, notice, horizon, caps and confirmation."""
    profile = accounts.mentor_profile_for_owner(user=request.user)
    if profile is None:
        return redirect("web:availability")
    form = SchedulingPolicyForm(request.POST, weekly_capacity=profile.weekly_capacity)
    if form.is_valid():
        save = partial(services.scheduling_policy_save, user=request.user, **form.cleaned_data)
        done = "Your booking policy is saved."
        if (saved := _saved(request, form, save, done, "policy")) is not None:
            return saved
    return _page(request, policy_form=form)
