"""Situations: describe, see explained matches, refine, share, block; and what is shared with me."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors as accounts
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.matching import selectors, services
from headstrt.web.forms import SituationForm, SituationRefineForm
from headstrt.web.paging import requested_page
from headstrt.web.refusals import http_refusal

PUBLIC_ID = re.compile(r"[0-9a-z]{1,16}")
RELAX_LABELS = {
    "language": "Allow any language",
    "budget": "Remove the budget",
    "session_minutes": "Allow any session length",
    "topic": "Allow any topic",
    "area": "Allow any area",
}


def _viewable(request, situation_id: str):
    try:
        return selectors.situation_get_for_viewer(situation_id=situation_id, viewer=request.user)
    except NotFound:
        raise Http404("No such situation.") from None


def _own(request, situation_id: str):
    try:
        return selectors.situation_get_for_owner(situation_id=situation_id, user=request.user)
    except (NotFound, PermissionDenied) as error:
        raise http_refusal(error) from None


def _form(form_class, request, *, data=None, initial=None):
    return form_class(
        data,
        initial=initial,
        topics=accounts.topics(),
        languages=accounts.languages(),
        time_zone=request.user.time_zone,
    )


@login_required
def situation_list(request):
    """My situations (return to, edit, delete, see matches again) and the mentors I blocked."""
    page = requested_page(request, selectors.situations_for_mentee(mentee=request.user))
    blocks = selectors.mentor_blocks_for_mentee(mentee=request.user)
    return render(request, "web/situations/list.html", {"page": page, "blocks": blocks})


@login_required
def situations_shared(request):
    """Situations that mentees shared with me, to read before a session."""
    page = requested_page(request, selectors.situations_shared_with(mentor=request.user))
    return render(request, "web/situations/shared.html", {"page": page})


@login_required
def situation_create(request):
    """Describe a situation; saving it shows its matches."""
    if request.method != "POST":
        initial = {"languages": [language.code for language in request.user.languages.all()]}
        form = _form(SituationForm, request, initial=initial)
        return render(request, "web/situations/form.html", {"form": form})
    form = _form(SituationForm, request, data=request.POST)
    if form.is_valid():
        try:
            situation = services.situation_create(mentee=request.user, **form.service_arguments())
        except DomainError as error:
            form.add_domain_error(error)
        else:
            return redirect("web:situation_matches", situation.public_id)
    return render(request, "web/situations/form.html", {"form": form})


@login_required
def situation_edit(request, situation_id: str):
    """Change a situation's words and filters."""
    situation = _own(request, situation_id)
    if request.method != "POST":
        form = _form(SituationForm, request, initial=SituationForm.initial_for(situation))
        return render(request, "web/situations/form.html", {"form": form, "situation": situation})
    form = _form(SituationForm, request, data=request.POST)
    if form.is_valid():
        try:
            services.situation_update(
                user=request.user, situation_id=situation_id, **form.service_arguments()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            messages.success(request, "Your situation is saved.")
            return redirect("web:situation_matches", situation_id)
    return render(request, "web/situations/form.html", {"form": form, "situation": situation})


def _matches_page(request, situation, *, form=None, partial: bool = False, done: str = ""):
    if form is None:
        form = _form(SituationRefineForm, request, initial=SituationForm.initial_for(situation))
    result = None
    if not form.is_bound or form.is_valid():
        result = selectors.situation_matches(situation=situation, viewer=request.user)
    context = {
        "situation": situation,
        "form": form,
        "result": result,
        "shared_ids": {share.mentor.public_id for share in situation.shares.all()},
        "answering": [m for m in result.matches if m.mentor.answer_price_minor is not None]
        if result
        else [],
        "relaxations": [
            (relaxation, RELAX_LABELS.get(relaxation.filter, ""))
            for relaxation in (result.relaxations if result else [])
        ],
        "done": done,
    }
    template = "web/situations/matches.html" + ("#results" if partial else "")
    return render(request, template, context)


@login_required
def situation_matches(request, situation_id: str):
    """The explained matches of a situation, with a form to refine its filters (htmx or not)."""
    situation = _own(request, situation_id)
    if request.method != "POST":
        return _matches_page(request, situation)
    form = _form(SituationRefineForm, request, data=request.POST)
    if form.is_valid():
        try:
            services.situation_update(
                user=request.user, situation_id=situation_id, **form.service_arguments()
            )
        except DomainError as error:
            form.add_domain_error(error)
        else:
            if not request.htmx:
                messages.success(request, "Your filters are saved; here are your matches.")
                return redirect("web:situation_matches", situation_id)
            situation = _own(request, situation_id)
            return _matches_page(
                request, situation, form=form, partial=True, done="Your filters are saved."
            )
    return _matches_page(request, situation, form=form, partial=bool(request.htmx))


@login_required
@require_POST
def situation_relax(request, situation_id: str):
    """Drop the hard filter a relaxation names, and show the matches again."""
    try:
        services.situation_relax(
            user=request.user, situation_id=situation_id, filter=request.POST.get("filter", "")
        )
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        done, level = error.message, messages.ERROR
    else:
        done, level = "Filter removed; here are your matches.", messages.SUCCESS
    if request.htmx:
        return _matches_page(request, _own(request, situation_id), partial=True, done=done)
    messages.add_message(request, level, done)
    return redirect("web:situation_matches", situation_id)


@login_required
def situation_detail(request, situation_id: str):
    """A situation as written: its mentee manages it; a mentor it is shared with reads it."""
    situation = _viewable(request, situation_id)
    is_owner = selectors.situation_is_owned_by(situation, request.user)
    return render(
        request, "web/situations/detail.html", {"situation": situation, "is_owner": is_owner}
    )


@login_required
def situation_delete(request, situation_id: str):
    """Ask, then delete a situation for good."""
    situation = _own(request, situation_id)
    if request.method != "POST":
        return render(request, "web/situations/delete.html", {"situation": situation})
    services.situation_delete(user=request.user, situation_id=situation_id)
    messages.success(request, f"“{situation.heading}” is deleted.")
    return redirect("web:situation_list")


def _is_public_id(value: str) -> bool:
    return bool(PUBLIC_ID.fullmatch(value))


def _back(request, situation_id: str, mentor_id: str = "") -> str:
    if request.POST.get("back") == "detail":
        return reverse("web:situation_detail", args=[situation_id]) + "#sharing"
    anchor = f"#match-{mentor_id}" if _is_public_id(mentor_id) else ""
    return reverse("web:situation_matches", args=[situation_id]) + anchor


@login_required
@require_POST
def situation_share(request, situation_id: str):
    """Let a mentor read this situation."""
    mentor_id = request.POST.get("mentor", "")
    try:
        share = services.situation_share(
            user=request.user, situation_id=situation_id, mentor_id=mentor_id
        )
    except DomainError as error:
        if refusal := http_refusal(error):
            raise refusal from None
        messages.error(request, error.message)
    else:
        messages.success(request, f"{share.mentor.display_name} can now read this situation.")
    return redirect(_back(request, situation_id, mentor_id))


@login_required
@require_POST
def situation_unshare(request, situation_id: str):
    """Stop sharing this situation with a mentor."""
    mentor_id = request.POST.get("mentor", "")
    try:
        services.situation_unshare(
            user=request.user, situation_id=situation_id, mentor_id=mentor_id
        )
    except (NotFound, PermissionDenied) as error:
        raise http_refusal(error) from None
    messages.success(request, "That mentor can no longer read this situation.")
    return redirect(_back(request, situation_id, mentor_id))


@login_required
@require_POST
def mentor_block(request):
    """Never show this mentor again; back to the situation the button was on."""
    situation_id = request.POST.get("situation", "")
    try:
        block = services.mentor_block(mentee=request.user, mentor_id=request.POST.get("mentor", ""))
    except NotFound:
        raise Http404("No such mentor.") from None
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            f"You will not see {block.mentor.display_name} in your matches again. "
            "You can undo this under My situations.",
        )
    if _is_public_id(situation_id):
        return redirect("web:situation_matches", situation_id)
    return redirect("web:situation_list")


@login_required
@require_POST
def mentor_unblock(request):
    """Let a blocked mentor appear in my matches again."""
    services.mentor_unblock(mentee=request.user, mentor_id=request.POST.get("mentor", ""))
    messages.success(request, "That mentor can appear in your matches again.")
    return redirect(reverse("web:situation_list") + "#blocked")
