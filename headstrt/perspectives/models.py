"""Perspective data: a situation sent to several mentors for written answers, or posted
openly for mentors to offer theirs; each mentor's answer, decline or offer; follow-ups."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from headstrt.accounts.models import Area, Language, MentorProfile, Topic
from headstrt.core.ids import new_public_id
from headstrt.core.money import Money

MAX_ASKED = 5
MAX_QUESTION = 4000
MAX_ANSWER = 6000
MIN_ANSWER = 80
MAX_NOTE = 1000
MAX_FOLLOW_UP = 2000
DEFAULT_ANSWER_HOURS = 48


class PerspectiveRequest(models.Model):
    """A mentee's question to several mentors at once.

    Sent to chosen mentors (``PerspectiveAsk``), or posted openly (``open``) for qualified
    mentors to offer their perspective (``PerspectiveOffer``); the mentee then asks the
    ones they pick. ``anonymous`` hides the mentee's name from mentors. The question is a
    copy, so later edits of the situation never change what mentors were asked.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="perspective_requests"
    )
    situation = models.ForeignKey(
        "matching.Situation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(max_length=120, blank=True)
    question = models.TextField(max_length=MAX_QUESTION)
    area = models.CharField(max_length=16, choices=Area.choices, blank=True)
    topic = models.ForeignKey(
        Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    # Open posts: the most the mentee pays per answer (empty: any price), in ``currency``.
    budget_minor = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    answer_hours = models.PositiveSmallIntegerField(
        default=DEFAULT_ANSWER_HOURS, validators=[MinValueValidator(12), MaxValueValidator(168)]
    )
    open = models.BooleanField(default=False)
    anonymous = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["mentee", "-created_at"]),
            models.Index(fields=["open", "closed_at", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"perspectives {self.public_id}"

    @property
    def heading(self) -> str:
        return self.title or self.question[:80]


class AskStatus(models.TextChoices):
    """Where one mentor's part of a request is.

    ``unpaid`` waits for the mentee's payment (mentors see nothing yet); ``asked`` runs
    until the deadline; it ends ``answered``, ``declined``, ``expired`` (no answer in
    time: refunded) or ``withdrawn`` (never paid, or withdrawn before payment).
    """

    UNPAID = "unpaid", "Waiting for payment"
    ASKED = "asked", "Waiting for the answer"
    ANSWERED = "answered", "Answered"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "No answer in time"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PerspectiveAsk(models.Model):
    """One mentor asked for a written answer to a request, at their answer price.

    Paid answers are held in an escrow of their own (the ask's public id), released to the
    mentor when the answer arrives and refunded when it does not.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    request = models.ForeignKey(PerspectiveRequest, on_delete=models.CASCADE, related_name="asks")
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="perspective_asks"
    )
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=AskStatus.choices, default=AskStatus.UNPAID)
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="perspective_asks",
    )
    asked_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    answer = models.TextField(max_length=MAX_ANSWER, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=300, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    helpful = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["mentor", "status", "-created_at"]),
            models.Index(fields=["status", "due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["request", "mentor"], name="perspective_ask_once"),
        ]

    def __str__(self) -> str:
        return f"ask {self.public_id} ({self.status})"

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


class PerspectiveOffer(models.Model):
    """A mentor's offer to answer an open request, with a note on why and their price."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    request = models.ForeignKey(PerspectiveRequest, on_delete=models.CASCADE, related_name="offers")
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="perspective_offers"
    )
    note = models.TextField(max_length=MAX_NOTE)
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "mentor"], name="perspective_offer_once"),
        ]

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


class FollowUp(models.Model):
    """A message under an answer: the mentee's follow-up question or the mentor's reply."""

    ask = models.ForeignKey(PerspectiveAsk, on_delete=models.CASCADE, related_name="follow_ups")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=MAX_FOLLOW_UP)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
