"""The "My profile" area: account settings, profiles, questionnaire, API tokens and data."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors, services
from headstrt.core.errors import DomainError, NotFound
from headstrt.web.forms import (
    AccountDeleteForm,
    AccountForm,
    ApiTokenForm,
    ExpertiseForm,
    MenteeProfileForm,
    MentorProfileForm,
    PhotoForm,
    WorkingStyleForm,
)


def _account_page(request, *, form=None, photo_form=None):
    if form is None:
        form = AccountForm(
            initial=AccountForm.initial_for(request.user), languages=selectors.languages()
        )
    return render(
        request,
        "web/me/account.html",
        {"form": form, "photo_form": photo_form or PhotoForm()},
    )


@login_required
def account(request):
    """Display name, time zone, languages and photo."""
    if request.method != "POST":
        return _account_page(request)
    form = AccountForm(request.POST, languages=selectors.languages())
    if form.is_valid():
        try:
            services.user_update(user=request.user, **form.cleaned_data)
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Your account settings are saved.")
            return redirect("web:account")
    return _account_page(request, form=form)


@login_required
@require_POST
def photo_upload(request):
    """Replace the person's photo."""
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.user_set_photo(user=request.user, upload=form.cleaned_data["photo"])
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Your new photo is saved.")
            return redirect("web:account")
    return _account_page(request, photo_form=form)


@login_required
@require_POST
def photo_remove(request):
    """Remove the person's photo."""
    services.user_remove_photo(user=request.user)
    messages.success(request, "Your photo is removed.")
    return redirect("web:account")


def _mentor_page(request, *, form=None, expertise_form=None, partial="", status=""):
    profile = selectors.mentor_profile_for_owner(user=request.user)
    if form is None:
        form = MentorProfileForm(
            initial=MentorProfileForm.initial_for(profile) if profile else None
        )
    context = {
        "profile": profile,
        "form": form,
        "expertise_form": expertise_form or ExpertiseForm(topics=selectors.topics()),
        "status": status,
    }
    template = "web/me/mentor.html" + (f"#{partial}" if partial else "")
    return render(request, template, context)


@login_required
def mentor_profile(request):
    """Open or edit the mentor profile, and list its expertise."""
    if request.method != "POST":
        return _mentor_page(request)
    form = MentorProfileForm(request.POST)
    if form.is_valid():
        current = selectors.mentor_profile_for_owner(user=request.user)
        try:
            services.mentor_profile_save(
                user=request.user,
                is_active=current.is_active if current else True,
                **form.service_arguments(),
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            done = "Your mentor profile is saved." if current else "Your mentor profile is open."
            messages.success(request, done)
            return redirect("web:mentor_profile")
    return _mentor_page(request, form=form)


@login_required
@require_POST
def mentor_status(request):
    """Pause the mentor profile or make it active again."""
    is_active = request.POST.get("active") == "1"
    try:
        services.mentor_profile_set_active(user=request.user, is_active=is_active)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Your profile is active and listed in the directory."
            if is_active
            else "Your profile is paused: only you can see it.",
        )
    return redirect("web:mentor_profile")


@login_required
@require_POST
def expertise_add(request):
    """Add an expertise entry; htmx gets the refreshed expertise section back."""
    form = ExpertiseForm(request.POST, topics=selectors.topics())
    if form.is_valid():
        data = form.cleaned_data
        try:
            entry = services.mentor_expertise_add(
                user=request.user,
                topic=data["topic"],
                years=data["years"],
                area=data["area"] or None,
                description=data["description"],
                evidence=data["evidence"],
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            done = f"Added {entry.topic.path} to your expertise."
            if request.htmx:
                return _mentor_page(request, partial="expertise", status=done)
            messages.success(request, done)
            return redirect(reverse("web:mentor_profile") + "#expertise")
    return _mentor_page(request, expertise_form=form, partial="expertise" if request.htmx else "")


@login_required
@require_POST
def expertise_remove(request, entry_id: str):
    """Remove one of the person's expertise entries."""
    try:
        services.mentor_expertise_remove(user=request.user, entry_id=entry_id)
    except NotFound:
        raise Http404("No such expertise entry.") from None
    done = "Removed the expertise entry."
    if request.htmx:
        return _mentor_page(request, partial="expertise", status=done)
    messages.success(request, done)
    return redirect(reverse("web:mentor_profile") + "#expertise")


@login_required
def mentee_profile(request):
    """Interests and goals."""
    topics = selectors.topics()
    if request.method == "POST":
        form = MenteeProfileForm(request.POST, topics=topics)
        if form.is_valid():
            try:
                services.mentee_profile_save(user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, "Your mentee profile is saved.")
                return redirect("web:mentee_profile")
    else:
        current = selectors.mentee_profile_for_owner(user=request.user)
        initial = (
            {"interests": [t.slug for t in current.interests.all()], "goals": current.goals}
            if current
            else None
        )
        form = MenteeProfileForm(initial=initial, topics=topics)
    return render(request, "web/me/mentee.html", {"form": form})


@login_required
def working_style(request):
    """The working-style questionnaire."""
    if request.method == "POST":
        form = WorkingStyleForm(request.POST)
        if form.is_valid():
            try:
                services.working_style_save(user=request.user, **form.cleaned_data)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, "Your working style is saved.")
                return redirect("web:working_style")
    else:
        current = selectors.working_style_for_owner(user=request.user)
        initial = (
            {
                "communication": current.communication,
                "directness": current.directness,
                "pace": current.pace,
                "values": current.values,
            }
            if current
            else None
        )
        form = WorkingStyleForm(initial=initial)
    return render(request, "web/me/working_style.html", {"form": form})


@login_required
@never_cache
def api_tokens(request):
    """List and create API tokens; a new token's key is shown once, on this response only."""
    raw_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, raw_key = services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_tokens_for_owner(user=request.user)
    return render(
        request, "web/me/api_tokens.html", {"form": form, "tokens": tokens, "raw_key": raw_key}
    )


@login_required
@require_POST
def api_token_revoke(request, token_id: str):
    """Revoke one of the person's own API tokens."""
    try:
        token = services.api_token_revoke(user=request.user, token_id=token_id)
    except NotFound:
        raise Http404("No such token.") from None
    messages.success(request, f"The token “{token.name}” is revoked.")
    return redirect("web:api_tokens")


@login_required
def privacy(request):
    """Download my data and delete my account."""
    return render(request, "web/me/privacy.html", {"form": AccountDeleteForm(user=request.user)})


@login_required
@never_cache
def account_export(request):
    """Everything the platform holds about the person, as a JSON download."""
    data = selectors.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="headstrt-my-data.json"'
    return response


@login_required
@require_POST
def account_delete(request):
    """Delete the account after checking the current password, then log out."""
    form = AccountDeleteForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "web/me/privacy.html", {"form": form})
    try:
        services.account_delete(user=request.user)
    except DomainError as refused:
        form.add_error(None, refused.message)
        return render(request, "web/me/privacy.html", {"form": form})
    logout(request)
    messages.success(request, "Your account and everything in it are deleted.")
    return redirect("web:home")
