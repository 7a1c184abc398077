"""Dispute pages: opening a dispute over a session, the case page that parties, mediators and
staff share (with what each may do), your disputes, the mediator's console and the staff's
overview."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.disputes import selectors, services
from headstrt.disputes.downloads import evidence_download
from headstrt.disputes.models import MAX_EVIDENCE_BYTES, MAX_TEXT, DisputeReason, Remedy
from headstrt.scheduling import selectors as scheduling
from headstrt.web.forms import DomainForm
from headstrt.web.paging import requested_page
from headstrt.web.refusals import http_refusal

EVIDENCE_TYPES = "PDF, PNG, JPEG, WebP or plain text"


def _text(label: str, help_text: str, *, required: bool = True, rows: int = 5):
    return forms.CharField(
        label=label,
        required=required,
        strip=False,  # the service strips and counts
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows, "maxlength": MAX_TEXT}),
    )


def _percent(label: str) -> forms.IntegerField:
    # No bounds here: the service refuses a share outside 0–100 % with its own message.
    return forms.IntegerField(
        label=label,
        required=False,
        help_text="For a split only: from 1 to 99 % of the session's price goes to the mentor, "
        "the rest back to the mentee.",
        widget=forms.NumberInput(attrs={"min": 0, "max": 100, "class": "input--short"}),
    )


class DisputeOpenForm(DomainForm):
    """Why, what happened, and the resolution the opener wants."""

    field_aliases = {"percent": "wanted_mentor_percent"}

    reason = forms.ChoiceField(
        label="What went wrong?", choices=DisputeReason.choices, widget=forms.RadioSelect
    )
    description = _text(
        "What happened",
        f"Up to {MAX_TEXT:,} characters. The other side and the mediator read it.",
        rows=6,
    )
    wanted = forms.ChoiceField(label="Resolution", choices=Remedy.choices, widget=forms.RadioSelect)
    wanted_mentor_percent = _percent("Mentor's share for a split (%)")


class ResponseForm(DomainForm):
    text = _text(
        "Your account", f"Up to {MAX_TEXT:,} characters. The other side and the mediator read it."
    )


class EvidenceForm(DomainForm):
    """Text, a file, or both."""

    field_aliases = {"upload": "file"}

    text = _text("Description", f"Up to {MAX_TEXT:,} characters.", required=False, rows=3)
    file = forms.FileField(
        label="File",
        required=False,
        help_text=f"{EVIDENCE_TYPES}, up to {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB.",
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.webp,.txt,application/pdf,image/*,text/plain"}
        ),
    )


class MessageForm(DomainForm):
    body = _text("Message", f"Up to {MAX_TEXT:,} characters.", rows=3)


class ProposalForm(DomainForm):
    """A mediator's remedy, with a share for a split, and written reasons."""

    field_aliases = {"percent": "mentor_percent"}

    remedy = forms.ChoiceField(label="Resolution", choices=Remedy.choices, widget=forms.RadioSelect)
    mentor_percent = _percent("Mentor's share for a split (%)")
    reasons = _text("Reasons", f"Up to {MAX_TEXT:,} characters. Both parties read them.", rows=5)


class AppealForm(DomainForm):
    reason = _text(
        "Why you appeal",
        "A second, different mediator reviews the case; their decision is final. You can "
        "appeal once.",
        rows=3,
    )


FORMS = {
    "response_form": ResponseForm,
    "evidence_form": EvidenceForm,
    "message_form": MessageForm,
    "proposal_form": ProposalForm,
    "appeal_form": AppealForm,
}


def _refused(error: DomainError) -> None:
    if refusal := http_refusal(error):
        raise refusal from None


def _case_url(dispute_id: str) -> str:
    return reverse("web:dispute_detail", args=[dispute_id])


def _visible_dispute(request, dispute_id: str):
    try:
        return selectors.dispute_get_for_viewer(dispute_id=dispute_id, user=request.user)
    except NotFound:
        raise Http404("No such dispute.") from None


# --- opening ----------------------------------------------------------------------------------


@login_required
def dispute_open(request, booking_id: str):
    """Open a dispute over a session you took part in, while its dispute window is open."""
    try:
        booking = scheduling.booking_get_for_participant(booking_id=booking_id, user=request.user)
    except NotFound:
        raise Http404("No such session.") from None
    existing = getattr(booking, "dispute", None)
    if existing is not None:
        return redirect(_case_url(existing.public_id))
    session_url = reverse("web:session_detail", args=[booking.public_id])
    if request.method != "POST":
        refusal = selectors.dispute_open_refusal(
            booking=booking, user=request.user, now=clock.now()
        )
        if refusal is not None:
            messages.error(request, refusal.message)
            return redirect(session_url)
    form = DisputeOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            dispute = services.dispute_open(
                user=request.user, booking_id=booking.public_id, **form.cleaned_data
            )
        except DomainError as error:
            _refused(error)
            form.add_domain_error(error)
        else:
            messages.success(
                request,
                "Your dispute is open. The payment is frozen until it is resolved, and the "
                "other side is asked to respond.",
            )
            return redirect(_case_url(dispute.public_id))
    party = booking.party_of(request.user)
    context = {
        "booking": booking,
        "other": booking.mentee if party == "mentor" else booking.mentor.user,
        "form": form,
        "session_url": session_url,
        "response_hours": settings.HEADSTRT_DISPUTE_RESPONSE_HOURS,
    }
    return render(request, "web/disputes/open.html", context)


# --- the case page and its actions ------------------------------------------------------------


def _case_page(request, dispute, **bound):
    now = clock.now()
    forms_ = {name: bound.get(name) or form_class() for name, form_class in FORMS.items()}
    context = {
        "dispute": dispute,
        "case": selectors.dispute_case(dispute),
        "role": selectors.dispute_role(dispute, request.user),
        "actions": selectors.dispute_actions(dispute, request.user, now=now),
        "now": now,
        **forms_,
    }
    return render(request, "web/disputes/case.html", context)


@login_required
@never_cache
def dispute_detail(request, dispute_id: str):
    """The case: the session record, money, the parties' accounts, evidence, messages,
    proposals, the audit log and the deadline, with what the viewer may do now."""
    return _case_page(request, _visible_dispute(request, dispute_id))


def _act(request, dispute_id: str, form_name: str, run, done: str):
    """Run ``run`` with the form's data; back to the case page with a message, or the page
    again with the form's errors when the refusal is about the input."""
    dispute = _visible_dispute(request, dispute_id)
    form = FORMS[form_name](request.POST, request.FILES)
    if form.is_valid():
        try:
            run(dispute_id=dispute.public_id, **form.cleaned_data)
        except DomainError as error:
            _refused(error)
            if form.field_aliases.get(error.field, error.field) not in form.fields:
                # Not about the input (a deadline passed, not your turn): said on the page.
                messages.error(request, error.message)
                return redirect(_case_url(dispute.public_id))
            form.add_domain_error(error)
        else:
            messages.success(request, done)
            return redirect(_case_url(dispute.public_id))
    return _case_page(request, dispute, **{form_name: form})


@login_required
@require_POST
def dispute_respond(request, dispute_id: str):
    """The respondent gives their account; a neutral mediator then takes the case."""

    def run(*, dispute_id, text):
        services.dispute_respond(user=request.user, dispute_id=dispute_id, text=text)

    done = "Your response is recorded. A neutral mediator now looks at the case."
    return _act(request, dispute_id, "response_form", run, done)


@login_required
@require_POST
def evidence_add(request, dispute_id: str):
    """Add text and a file to the case."""

    def run(*, dispute_id, text, file):
        services.evidence_add(user=request.user, dispute_id=dispute_id, text=text, upload=file)

    return _act(request, dispute_id, "evidence_form", run, "Your evidence is added to the case.")


@login_required
@require_POST
def message_send(request, dispute_id: str):
    """Write to everyone on the case."""

    def run(*, dispute_id, body):
        services.dispute_message_send(user=request.user, dispute_id=dispute_id, body=body)

    return _act(request, dispute_id, "message_form", run, "Your message is sent.")


@login_required
@require_POST
def proposal_make(request, dispute_id: str):
    """The case's mediator proposes (or, on appeal, decides) a resolution with reasons."""

    def run(*, dispute_id, remedy, mentor_percent, reasons):
        services.proposal_make(
            mediator_user=request.user,
            dispute_id=dispute_id,
            remedy=remedy,
            mentor_percent=mentor_percent,
            reasons=reasons,
        )

    done = "Your resolution is sent to both parties."
    return _act(request, dispute_id, "proposal_form", run, done)


@login_required
@require_POST
def proposal_accept(request, dispute_id: str):
    """A party accepts the proposed resolution."""
    dispute = _visible_dispute(request, dispute_id)
    try:
        dispute = services.proposal_accept(user=request.user, dispute_id=dispute.public_id)
    except DomainError as error:
        _refused(error)
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "The dispute is resolved: the payment is settled as proposed."
            if dispute.resolved_at
            else "You accepted the proposal. The other side is asked to accept it too.",
        )
    return redirect(_case_url(dispute.public_id))


@login_required
@require_POST
def proposal_appeal(request, dispute_id: str):
    """A party appeals the proposal to a second mediator, once."""

    def run(*, dispute_id, reason):
        services.proposal_appeal(user=request.user, dispute_id=dispute_id, reason=reason)

    done = "Your appeal is recorded. A second neutral mediator decides; their decision is final."
    return _act(request, dispute_id, "appeal_form", run, done)


@login_required
def evidence_file(request, dispute_id: str, evidence_id: str):
    """An evidence file, for those who may see the case; always downloaded, never shown
    inline, so a file cannot run as a page of the site."""
    try:
        return evidence_download(dispute_id=dispute_id, evidence_id=evidence_id, user=request.user)
    except NotFound:
        raise Http404("No such file.") from None


# --- lists and consoles -------------------------------------------------------------------------


def _is_mediator(user) -> bool:
    mediator = getattr(user, "mediator", None)
    return mediator is not None and mediator.is_active


@login_required
@never_cache
def my_disputes(request):
    """The disputes you opened or answer, newest first."""
    context = {
        "page": requested_page(request, selectors.disputes_of_party(request.user)),
        "window_hours": settings.HEADSTRT_DISPUTE_WINDOW_HOURS,
        "now": clock.now(),
        "is_mediator": _is_mediator(request.user),
    }
    return render(request, "web/disputes/mine.html", context)


@login_required
@never_cache
def mediation(request):
    """A mediator's live cases, the soonest deadline first; overdue ones stand out."""
    if not _is_mediator(request.user):
        raise Http404("You are not a mediator.")
    context = {"queue": list(selectors.mediator_queue(request.user)), "now": clock.now()}
    return render(request, "web/disputes/mediation.html", context)


@staff_member_required
@never_cache
def staff_disputes(request):
    """Open disputes by age, time to resolution and outcomes."""
    now = clock.now()
    context = {"overview": selectors.disputes_overview(now=now), "now": now}
    return render(request, "web/disputes/staff.html", context)


routes = [
    path("sessions/<slug:booking_id>/dispute/", dispute_open, name="dispute_open"),
    path("disputes/", my_disputes, name="my_disputes"),
    path("disputes/<slug:dispute_id>/", dispute_detail, name="dispute_detail"),
    path("disputes/<slug:dispute_id>/response/", dispute_respond, name="dispute_respond"),
    path("disputes/<slug:dispute_id>/evidence/", evidence_add, name="dispute_evidence_add"),
    path(
        "disputes/<slug:dispute_id>/evidence/<slug:evidence_id>/",
        evidence_file,
        name="dispute_evidence_file",
    ),
    path("disputes/<slug:dispute_id>/messages/", message_send, name="dispute_message_send"),
    path("disputes/<slug:dispute_id>/proposal/", proposal_make, name="dispute_proposal_make"),
    path("disputes/<slug:dispute_id>/accept/", proposal_accept, name="dispute_accept"),
    path("disputes/<slug:dispute_id>/appeal/", proposal_appeal, name="dispute_appeal"),
    path("mediation/", mediation, name="mediation"),
    path("staff/disputes/", staff_disputes, name="staff_disputes"),
]
