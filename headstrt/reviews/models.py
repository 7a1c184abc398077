"""Reviews both sides write after a session, reports on them, outcomes of objectives, and
reliability notices (warnings and automatic pauses)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from headstrt.accounts.models import MentorProfile, Topic
from headstrt.core.ids import new_public_id
from headstrt.scheduling.models import Booking, Party

MAX_REVIEW_TEXT = 4000
MAX_NOTE = 2000
STARS = (1, 5)
ASPECTS = ("preparation", "clarity", "respect")


def _in_star_range(field: str) -> Q:
    return Q(**{f"{field}__gte": STARS[0], f"{field}__lte": STARS[1]})


class Review(models.Model):
    """One participant's review of the other after a completed session.

    Blind until ``reveal_at``: the end of the review window when written, moved to the
    moment the second review arrives. Nobody but its author (and staff) sees it before;
    the author can edit it only while it is still blind. ``private_note`` goes to the
    platform only, never to the person reviewed.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_written"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews_received"
    )
    # The side the subject was on: "mentor" for a mentee's review of their mentor.
    subject_party = models.CharField(max_length=6, choices=Party.choices)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    stars = models.PositiveSmallIntegerField()
    preparation = models.PositiveSmallIntegerField(null=True, blank=True)
    clarity = models.PositiveSmallIntegerField(null=True, blank=True)
    respect = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(max_length=MAX_REVIEW_TEXT, blank=True)
    private_note = models.TextField(max_length=MAX_NOTE, blank=True)
    reveal_at = models.DateTimeField()
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.TextField(max_length=MAX_NOTE, blank=True)
    # When the subject was told the review is visible (the reveal sweep's mark).
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-reveal_at", "-id"]
        indexes = [
            models.Index(fields=["subject", "subject_party", "reveal_at"]),
            models.Index(fields=["reveal_at", "announced_at"]),
            # The network's review ties, each way, read from the index alone.
            models.Index(fields=["author", "subject"], name="review_tie_author_subject"),
            models.Index(fields=["subject", "author"], name="review_tie_subject_author"),
            # Discovery: a mentor's high ratings by author, with all the query reads.
            models.Index(
                fields=["author", "subject", "stars", "topic", "reveal_at"],
                condition=Q(subject_party="mentor", stars__gte=4, hidden_at__isnull=True),
                name="review_high_for_mentor",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["booking", "author"], name="review_once_per_author"),
            models.CheckConstraint(condition=_in_star_range("stars"), name="review_stars_range"),
            *(
                models.CheckConstraint(
                    condition=Q(**{f"{aspect}__isnull": True}) | _in_star_range(aspect),
                    name=f"review_{aspect}_range",
                )
                for aspect in ASPECTS
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.stars}★ by {self.author_id} on {self.booking_id}"


class ReportResolution(models.TextChoices):
    """What staff decided about a reported review."""

    HIDDEN = "hidden", "Review hidden"
    KEPT = "kept", "Review kept"


class ReviewReport(models.Model):
    """Someone's report that a review breaks the rules; staff resolve it."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="review_reports"
    )
    reason = models.TextField(max_length=MAX_NOTE)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(max_length=8, choices=ReportResolution.choices, blank=True)
    resolution_note = models.TextField(max_length=MAX_NOTE, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "reporter"], name="review_report_once_per_reporter"
            )
        ]


class OutcomeResult(models.TextChoices):
    """Right after the session: was the objective reached?"""

    REACHED = "reached", "Reached"
    PARTLY = "partly", "Partly reached"
    NOT_REACHED = "not_reached", "Not reached"


class OutcomeHeld(models.TextChoices):
    """Thirty days later: did the result hold?"""

    HELD = "held", "It held"
    PARTLY = "partly", "Partly"
    NOT_HELD = "not_held", "It did not hold"


class Outcome(models.Model):
    """What came of a completed session's objective, in the mentee's words.

    Created when the session is marked done; the mentee answers ``result`` after the
    session and ``held`` from ``follow_up_at`` (30 days after the end) on. ``topic`` is
    the session's topic, for outcome rates per topic.
    """

    booking = models.OneToOneField(Booking, on_delete=models.CASCADE, related_name="outcome")
    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="outcomes")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="outcomes"
    )
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    result = models.CharField(max_length=12, choices=OutcomeResult.choices, blank=True)
    result_note = models.TextField(max_length=MAX_NOTE, blank=True)
    result_at = models.DateTimeField(null=True, blank=True)
    held = models.CharField(max_length=12, choices=OutcomeHeld.choices, blank=True)
    held_note = models.TextField(max_length=MAX_NOTE, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    follow_up_at = models.DateTimeField()
    follow_up_asked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["mentor", "topic"]),
            models.Index(fields=["follow_up_at", "follow_up_asked_at"]),
        ]


class NoticeKind(models.TextChoices):
    """How far a person's lapses have gone."""

    WARNING = "warning", "Warning"
    PAUSE = "pause", "Automatic pause"


class LapseKind(models.TextChoices):
    """The kinds of lapses that have thresholds of their own."""

    NO_SHOW = "no_show", "No-shows"
    LATE_CHANGE = "late_change", "Late cancellations and reschedules"


class ReliabilityNotice(models.Model):
    """A warning or an automatic pause sent to a person whose lapses crossed a threshold.

    A pause stops new bookings (as mentee and as mentor) until ``ends_at``, or until staff
    lift it, e.g. after the person contested it.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliability_notices"
    )
    kind = models.CharField(max_length=8, choices=NoticeKind.choices)
    # Which lapses crossed the threshold: a warning goes once per 30 days for each.
    lapse = models.CharField(max_length=12, choices=LapseKind.choices)
    reason = models.TextField(max_length=MAX_NOTE)
    created_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    contested_at = models.DateTimeField(null=True, blank=True)
    contest_text = models.TextField(max_length=MAX_NOTE, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    lift_reason = models.TextField(max_length=MAX_NOTE, blank=True)
    # Staff looked at the contest and kept the pause; it ends on its date.
    kept_at = models.DateTimeField(null=True, blank=True)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    keep_reason = models.TextField(max_length=MAX_NOTE, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "-created_at"])]
