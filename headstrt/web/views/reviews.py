"""Review pages: write or edit a session's review, a mentor's reviews, your reviews, reporting a
review, and the staff's moderation of reported reviews."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import dateformat
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from headstrt.accounts import selectors as accounts
from headstrt.core.errors import DomainError, NotFound
from headstrt.reviews import selectors, services
from headstrt.reviews.models import MAX_NOTE, MAX_REVIEW_TEXT
from headstrt.reviews.reputation import ratings_of
from headstrt.scheduling.models import Party
from headstrt.scheduling.slots import zone_of
from headstrt.web.forms import DomainForm
from headstrt.web.paging import requested_page
from headstrt.web.refusals import http_refusal

STAR_CHOICES = [
    (5, "5 stars — excellent"),
    (4, "4 stars — good"),
    (3, "3 stars — all right"),
    (2, "2 stars — poor"),
    (1, "1 star — very poor"),
]
ASPECT_CHOICES = [("", "Not rated"), *((n, f"{n} of 5") for n in range(5, 0, -1))]


def _aspect(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=ASPECT_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )


class ReviewForm(DomainForm):
    """Stars, three optional aspects, a review and a note only the platform reads."""

    stars = forms.TypedChoiceField(
        label="Overall, how was the session?",
        choices=STAR_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose from 1 to 5 stars."},
    )
    preparation = _aspect("Preparation")
    clarity = _aspect("Clarity")
    respect = _aspect("Respect")
    text = forms.CharField(
        label="Your review",
        required=False,
        strip=False,
        help_text=f"Up to {MAX_REVIEW_TEXT:,} characters. The other person and, for a mentor, "
        "visitors of their profile read it once reviews are revealed.",
        widget=forms.Textarea(attrs={"rows": 6, "maxlength": MAX_REVIEW_TEXT}),
    )
    private_note = forms.CharField(
        label="Private note to the platform",
        required=False,
        strip=False,
        help_text=f"Never shown to the other person, nor anyone else but staff. Up to "
        f"{MAX_NOTE:,} characters.",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_NOTE}),
    )

    def __init__(self, *args, other_name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stars"].label = f"Overall, how was your session with {other_name}?"

    @classmethod
    def of(cls, review, **kwargs) -> "ReviewForm":
        initial = {
            name: getattr(review, name)
            for name in ("stars", "preparation", "clarity", "respect", "text", "private_note")
        }
        return cls(initial=initial, **kwargs)


class ReasonForm(DomainForm):
    reason = forms.CharField(
        label="What is wrong with this review?",
        strip=False,
        help_text=f"Up to {MAX_NOTE:,} characters. Only staff read it.",
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": MAX_NOTE}),
    )


def _refused(error: DomainError) -> None:
    if refusal := http_refusal(error):
        raise refusal from None


@login_required
def session_review(request, booking_id: str):
    """Write or edit your review of a session, while the rules allow it."""
    try:
        booking, state = selectors.review_state_for_participant(
            booking_id=booking_id, user=request.user
        )
    except NotFound:
        raise Http404("No such session.") from None
    session_url = reverse("web:session_detail", args=[booking.public_id])
    other_name = state.other.display_name
    if request.method == "POST":
        form = ReviewForm(request.POST, other_name=other_name)
        if form.is_valid():
            try:
                review = services.review_submit(
                    author=request.user, booking_id=booking.public_id, **form.cleaned_data
                )
            except DomainError as error:
                _refused(error)
                form.add_domain_error(error)
            else:
                messages.success(
                    request, _saved_message(review, other_name, zone_of(request.user.time_zone))
                )
                return redirect(session_url)
    elif not (state.can_write or state.can_edit):
        messages.error(request, _closed_message(state))
        return redirect(session_url)
    else:
        form = (
            ReviewForm.of(state.yours, other_name=other_name)
            if state.yours
            else ReviewForm(other_name=other_name)
        )
    context = {"booking": booking, "state": state, "form": form, "session_url": session_url}
    return render(request, "web/reviews/form.html", context)


def _saved_message(review, other_name: str, zone) -> str:
    if review.reveal_at <= review.updated_at:
        return f"Your review is saved. Both reviews are in: you can now read {other_name}'s."
    return (
        f"Your review is saved. {other_name} sees it once they have reviewed you too, or on "
        f"{dateformat.format(review.reveal_at.astimezone(zone), 'j F Y')} when the review window "
        "closes."
    )


def _closed_message(state) -> str:
    if not state.completed:
        return "Only a session marked as done can be reviewed."
    if state.yours is not None:
        return "Your review is revealed, so it can no longer change."
    return "The review window of this session has closed."


def mentor_reviews(request, public_id: str):
    """All visible reviews of a mentor, newest first, a page at a time."""
    try:
        profile = accounts.mentor_get_public(public_id=public_id, viewer=request.user)
    except NotFound:
        raise Http404("No such mentor.") from None
    reviews = selectors.reviews_visible_of(profile.user_id, party=Party.MENTOR)
    context = {
        "profile": profile,
        "rating": ratings_of([profile.user_id], party=Party.MENTOR).get(profile.user_id),
        "page": requested_page(request, reviews),
    }
    return render(request, "web/reviews/mentor_reviews.html", context)


@login_required
@never_cache
def my_reviews(request):
    """Your ratings on both sides, the reviews you received and the ones you wrote."""
    ratings = {
        party: ratings_of([request.user.pk], party=party).get(request.user.pk)
        for party in (Party.MENTOR, Party.MENTEE)
    }
    context = {
        "ratings": ratings,
        "received": selectors.reviews_visible_of(request.user.pk)[:20],
        "written": selectors.reviews_written_by(request.user)[:20],
    }
    return render(request, "web/reviews/mine.html", context)


@login_required
def review_report(request, review_id: str):
    """Report a review that breaks the rules; staff decide what happens to it."""
    try:
        review = selectors.review_get_visible(review_id=review_id, viewer=request.user)
    except NotFound:
        raise Http404("No such review.") from None
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_report(
                reporter=request.user, review_id=review.public_id, **form.cleaned_data
            )
        except DomainError as error:
            _refused(error)
            if error.field:
                form.add_domain_error(error)
            else:
                messages.info(request, error.message)
                return redirect("web:my_reviews")
        else:
            messages.success(request, "Thank you: staff will look at the review.")
            return redirect("web:my_reviews")
    return render(request, "web/reviews/report.html", {"review": review, "form": form})


class ModerationForm(DomainForm):
    decision = forms.ChoiceField(choices=[("hide", "Hide"), ("keep", "Keep")])
    reason = forms.CharField(
        label="Reason (recorded; the author reads it when the review is hidden)",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": MAX_NOTE}),
    )


@staff_member_required
@never_cache
def staff_reviews(request):
    """Open reports of reviews, oldest first, each with the review and a decision form."""
    page = requested_page(request, selectors.reports_open())
    return render(request, "web/reviews/staff.html", {"page": page})


@staff_member_required
@require_POST
def staff_review_decide(request, review_id: str):
    """Hide or keep a reported review, with the reason recorded."""
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose hide or keep and record a reason.")
        return redirect("web:staff_reviews")
    decide = (
        services.review_hide if form.cleaned_data["decision"] == "hide" else services.review_keep
    )
    try:
        decide(staff=request.user, review_id=review_id, reason=form.cleaned_data["reason"])
    except DomainError as error:
        _refused(error)
        messages.error(request, error.message)
    else:
        done = "hidden" if form.cleaned_data["decision"] == "hide" else "kept"
        messages.success(request, f"The review is {done}; its reports are resolved.")
    return redirect("web:staff_reviews")


routes = [
    path("sessions/<slug:booking_id>/review/", session_review, name="session_review"),
    path("mentors/<slug:public_id>/reviews/", mentor_reviews, name="mentor_reviews"),
    path("me/reviews/", my_reviews, name="my_reviews"),
    path("reviews/<slug:review_id>/report/", review_report, name="review_report"),
    path("staff/reviews/", staff_reviews, name="staff_reviews"),
    path("staff/reviews/<slug:review_id>/", staff_review_decide, name="staff_review_decide"),
]
