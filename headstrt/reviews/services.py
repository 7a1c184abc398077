"""Review services: write or edit a blind review, reveal both together, report and moderate."""

from django.db import IntegrityError, transaction

from headstrt.accounts.models import User
from headstrt.accounts.validation import clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.messaging.services import notification_send
from headstrt.reviews.models import ASPECTS, MAX_NOTE, MAX_REVIEW_TEXT, STARS, Review, ReviewReport
from headstrt.reviews.models import ReportResolution as Resolution
from headstrt.reviews.selectors import other_party, review_window_closes, visible
from headstrt.reviews.standing import standing_forget
from headstrt.scheduling.calendar import session_path
from headstrt.scheduling.models import Booking, BookingStatus, Party

ASPECT_LABELS = {"preparation": "Preparation", "clarity": "Clarity", "respect": "Respect"}


def _invalid(error: DomainError) -> DomainError:
    """Bad input answers 422 ``invalid``, whatever check found it."""
    return DomainError("invalid", error.message, field=error.field, status=422)


def _stars(value: object, *, field: str, label: str, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not STARS[0] <= value <= STARS[1]:
        raise DomainError(
            "invalid",
            f"{label} must be a whole number of stars from {STARS[0]} to {STARS[1]}.",
            field=field,
            status=422,
        )
    return value


def _text(value: object, *, field: str, label: str, max_length: int) -> str:
    if value is not None and not isinstance(value, str):
        raise DomainError("invalid", f"{label} must be text.", field=field, status=422)
    try:
        return clean_text(value, field=field, label=label, max_length=max_length)
    except DomainError as error:
        raise _invalid(error) from None


def _booking_for_update(*, booking_id: object, user: User) -> Booking:
    """The booking, row-locked, so two reviews arriving together are decided one after the
    other and the second sees the first; ``NotFound`` unless ``user`` took part."""
    if not isinstance(booking_id, str):
        raise NotFound("No such session.")
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("mentor__user", "mentee", "situation")
        .filter(public_id=booking_id)
        .first()
    )
    if booking is None or booking.party_of(user) is None:
        raise NotFound("No such session.")
    return booking


@transaction.atomic
def review_submit(
    *,
    author: User,
    booking_id: object,
    stars: object,
    preparation: object = None,
    clarity: object = None,
    respect: object = None,
    text: object = "",
    private_note: object = "",
) -> Review:
    """Write or edit ``author``'s review of a completed session they took part in.

    The review stays blind (only its author sees it) until the other side's review arrives,
    when both are revealed at once, or until the review window closes. It can be changed
    while blind, never after.
    """
    booking = _booking_for_update(booking_id=booking_id, user=author)
    values = {
        "stars": _stars(stars, field="stars", label="Stars", required=True),
        **{
            aspect: _stars(value, field=aspect, label=ASPECT_LABELS[aspect], required=False)
            for aspect, value in zip(ASPECTS, (preparation, clarity, respect), strict=True)
        },
        "text": _text(text, field="text", label="Review", max_length=MAX_REVIEW_TEXT),
        "private_note": _text(
            private_note, field="private_note", label="Private note", max_length=MAX_NOTE
        ),
    }
    now = clock.now()
    if booking.status != BookingStatus.COMPLETED:
        raise DomainError(
            "session_not_completed",
            "Only a session marked as done can be reviewed; this one is "
            f"{booking.get_status_display().lower()}.",
            status=409,
        )
    reviews = {review.author_id: review for review in Review.objects.filter(booking=booking)}
    own = reviews.get(author.pk)
    if own is not None and own.reveal_at <= now:
        raise DomainError(
            "review_revealed",
            "Your review of this session is already revealed, so it can no longer change.",
            status=409,
        )
    if now >= review_window_closes(booking):
        raise DomainError(
            "review_window_closed",
            "Reviews can be written up to 14 days after the session; this window has closed.",
            status=409,
        )
    if own is not None:
        changed = [name for name, value in values.items() if getattr(own, name) != value]
        if changed:  # the same review sent again is a retry: nothing to write
            for name in changed:
                setattr(own, name, values[name])
            own.updated_at = now
            own.save(update_fields=[*changed, "updated_at"])
        return own
    party = booking.party_of(author)
    review = Review.objects.create(
        booking=booking,
        author=author,
        subject=booking.mentee if party == "mentor" else booking.mentor.user,
        subject_party=other_party(party),
        topic=booking.situation.topic if booking.situation else None,
        reveal_at=review_window_closes(booking),
        created_at=now,
        updated_at=now,
        **values,
    )
    other = next((r for r in reviews.values() if r.author_id != author.pk), None)
    if other is not None:
        _reveal_both(booking, (review, other), now=now)
    return review


def _reveal_both(booking: Booking, reviews: tuple[Review, Review], *, now) -> None:
    """The second review is in: reveal both now and tell both people once committed."""
    Review.objects.filter(pk__in=[r.pk for r in reviews]).update(reveal_at=now, announced_at=now)
    standing_forget(user_ids=[r.subject_id for r in reviews if r.subject_party == Party.MENTOR])
    for review in reviews:
        review.reveal_at = review.announced_at = now

    def tell() -> None:
        for review in reviews:
            author = review.author
            notification_send(
                recipient=review.subject,
                kind="review.revealed",
                title=f"{author.display_name} reviewed your session",
                body=f"Both reviews of your session are in, so you can now read "
                f"{author.display_name}'s review of you, and they can read yours.",
                url=session_path(booking),
            )

    transaction.on_commit(tell)


def reviews_announce_revealed() -> int:
    """Tell each person whose review became visible when the review window closed; returns
    how many reviews were announced. Safe to run any number of times."""
    now = clock.now()
    due = (
        Review.objects.filter(visible(now), announced_at__isnull=True)
        .select_related("author", "subject", "booking")
        .order_by("reveal_at", "id")
    )
    announced = 0
    for review in due:
        with transaction.atomic():
            # The conditional update claims the review, so two sweeps never both send.
            claimed = Review.objects.filter(pk=review.pk, announced_at__isnull=True).update(
                announced_at=now
            )
            if not claimed:
                continue
            notification_send(
                recipient=review.subject,
                kind="review.revealed",
                title=f"{review.author.display_name} reviewed your session",
                body=f"{review.author.display_name}'s review of your session is now visible. "
                "The review window has closed, so a review appears even when only one side "
                "wrote one.",
                url=session_path(review.booking),
            )
            announced += 1
    return announced


@transaction.atomic
def review_report(*, reporter: User, review_id: object, reason: object) -> ReviewReport:
    """Anyone signed in reports a visible review that breaks the rules, once each."""
    review = _review_for_report(review_id=review_id, reporter=reporter)
    text = _text(reason, field="reason", label="Reason", max_length=MAX_NOTE)
    if not text:
        raise DomainError(
            "invalid", "Say what is wrong with the review.", field="reason", status=422
        )
    if review.author_id == reporter.pk:
        raise DomainError("own_review", "You cannot report your own review.", status=409)
    if ReviewReport.objects.filter(review=review, reporter=reporter).exists():
        raise _already_reported()
    try:
        with transaction.atomic():
            return ReviewReport.objects.create(
                review=review, reporter=reporter, reason=text, created_at=clock.now()
            )
    except IntegrityError:  # the same report sent twice at once
        raise _already_reported() from None


def _review_for_report(*, review_id: object, reporter: User) -> Review:
    if not isinstance(review_id, str):
        raise NotFound("No such review.")
    review = Review.objects.filter(visible(clock.now()), public_id=review_id).first()
    if review is None:
        raise NotFound("No such review.")
    return review


def _already_reported() -> DomainError:
    return DomainError(
        "already_reported",
        "You have already reported this review; staff will look at it.",
        status=409,
    )


def _moderated(*, staff: User, review_id: object, reason: object) -> tuple[Review, str]:
    """The review, row-locked, and the staff member's reason; only staff may moderate."""
    if not staff.is_staff:
        raise PermissionDenied("Only staff can moderate reviews.")
    if not isinstance(review_id, str):
        raise NotFound("No such review.")
    review = (
        Review.objects.select_for_update(of=("self",))
        .select_related("author", "booking")
        .filter(public_id=review_id)
        .first()
    )
    if review is None:
        raise NotFound("No such review.")
    text = _text(reason, field="reason", label="Reason", max_length=MAX_NOTE)
    if not text:
        raise DomainError("invalid", "Record why you decided so.", field="reason", status=422)
    return review, text


def _resolve_reports(review: Review, *, staff: User, resolution: str, note: str, now) -> int:
    return ReviewReport.objects.filter(review=review, resolved_at__isnull=True).update(
        resolved_at=now, resolved_by=staff, resolution=resolution, resolution_note=note
    )


@transaction.atomic
def review_hide(*, staff: User, review_id: object, reason: object) -> Review:
    """Staff hide a review, with the reason recorded: it leaves every page and every rating;
    open reports of it are resolved and its author is told why."""
    review, text = _moderated(staff=staff, review_id=review_id, reason=reason)
    if review.hidden_at is not None:
        raise DomainError("already_hidden", "This review is already hidden.", status=409)
    now = clock.now()
    review.hidden_at, review.hidden_by, review.hidden_reason = now, staff, text
    review.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    _resolve_reports(review, staff=staff, resolution=Resolution.HIDDEN, note=text, now=now)
    transaction.on_commit(
        lambda: notification_send(
            recipient=review.author,
            kind="review.hidden",
            title="One of your reviews was hidden",
            body="Staff hid your review of a session because it breaks the platform's rules."
            f"\n\nReason: {text}",
            url=session_path(review.booking),
        )
    )
    return review


@transaction.atomic
def review_keep(*, staff: User, review_id: object, reason: object) -> Review:
    """Staff keep a reported review, resolving its open reports with the reason recorded."""
    review, text = _moderated(staff=staff, review_id=review_id, reason=reason)
    now = clock.now()
    if not _resolve_reports(review, staff=staff, resolution=Resolution.KEPT, note=text, now=now):
        raise DomainError("no_open_reports", "This review has no open reports.", status=409)
    return review
