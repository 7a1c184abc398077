"""Disputes over sessions, their neutral mediators, evidence, proposals and the audit log of
every step (the case's messages are the dispute's conversation, in messaging)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from headstrt.core.ids import new_public_id
from headstrt.core.private_files import PrivateFileStorage
from headstrt.scheduling.models import Booking, Party

MAX_TEXT = 4000
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


class Mediator(models.Model):
    """A person in the pool of neutral mediators (staff add them in the admin)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator"
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user)


class DisputeReason(models.TextChoices):
    """What went wrong, in the opener's words."""

    NO_SHOW = "no_show", "No-show"
    QUALITY = "quality", "Quality of the session"
    CONDUCT = "conduct", "Conduct"
    TECHNICAL = "technical", "Technical problem"
    BILLING = "billing", "Billing"


class Remedy(models.TextChoices):
    """Where the escrow goes: all to the mentor, all back to the mentee, or a split."""

    RELEASE = "release", "Release to the mentor"
    REFUND = "refund", "Full refund to the mentee"
    SPLIT = "split", "Split"


class DisputeStatus(models.TextChoices):
    """Where a dispute stands. Every open status has a deadline and a default outcome."""

    AWAITING_RESPONSE = "awaiting_response", "Waiting for the other side"
    IN_MEDIATION = "in_mediation", "With the mediator"
    PROPOSED = "proposed", "Resolution proposed"
    IN_APPEAL = "in_appeal", "With the appeal mediator"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (
    DisputeStatus.AWAITING_RESPONSE,
    DisputeStatus.IN_MEDIATION,
    DisputeStatus.PROPOSED,
    DisputeStatus.IN_APPEAL,
)


def _percent_in_range(field: str) -> Q:
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": 0, f"{field}__lte": 100})


class Dispute(models.Model):
    """One dispute over one session, from opening to the settlement of its escrow.

    ``deadline`` is when the current status runs out and its default applies (see
    ``services.disputes_advance``). ``mentor_percent`` is the share of the escrow the mentor
    gets in the final resolution.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    booking = models.OneToOneField(Booking, on_delete=models.PROTECT, related_name="dispute")
    opener = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_opened"
    )
    opener_party = models.CharField(max_length=6, choices=Party.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_answered"
    )
    reason = models.CharField(max_length=10, choices=DisputeReason.choices)
    description = models.TextField(max_length=MAX_TEXT)
    wanted = models.CharField(max_length=8, choices=Remedy.choices)
    wanted_mentor_percent = models.PositiveSmallIntegerField()
    response = models.TextField(max_length=MAX_TEXT, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.AWAITING_RESPONSE
    )
    deadline = models.DateTimeField()
    appealed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(max_length=8, choices=Remedy.choices, blank=True)
    mentor_percent = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved_by_default = models.BooleanField(default=False)
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "deadline"])]
        constraints = [
            models.CheckConstraint(
                condition=_percent_in_range("mentor_percent"), name="dispute_percent_range"
            ),
            models.CheckConstraint(
                condition=Q(wanted_mentor_percent__gte=0, wanted_mentor_percent__lte=100),
                name="dispute_wanted_percent_range",
            ),
        ]


class Stage(models.TextChoices):
    """First mediation, or the appeal whose decision is final."""

    FIRST = "first", "Mediation"
    APPEAL = "appeal", "Appeal"


class Assignment(models.Model):
    """A mediator's turn on a dispute. Ends when they decide or miss their deadline (then a
    new neutral mediator takes over)."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="assignments")
    mediator = models.ForeignKey(Mediator, on_delete=models.PROTECT, related_name="assignments")
    stage = models.CharField(max_length=6, choices=Stage.choices)
    assigned_at = models.DateTimeField()
    due_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=10, blank=True)  # decided, replaced

    class Meta:
        indexes = [models.Index(fields=["mediator", "ended_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(ended_at__isnull=True),
                name="one_live_assignment_per_dispute",
            )
        ]


class Proposal(models.Model):
    """A mediator's proposed (first stage) or final (appeal) resolution, with reasons."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="proposals")
    assignment = models.OneToOneField(Assignment, on_delete=models.PROTECT, related_name="proposal")
    remedy = models.CharField(max_length=8, choices=Remedy.choices)
    mentor_percent = models.PositiveSmallIntegerField()
    reasons = models.TextField(max_length=MAX_TEXT)
    created_at = models.DateTimeField()
    mentor_accepted_at = models.DateTimeField(null=True, blank=True)
    mentee_accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(mentor_percent__gte=0, mentor_percent__lte=100),
                name="proposal_percent_range",
            )
        ]


class Evidence(models.Model):
    """Text and an optional file a party or the mediator adds to the case."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="evidence")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=MAX_TEXT, blank=True)
    file = models.FileField(upload_to="evidence/", storage=PrivateFileStorage(), blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField()


class AuditEntry(models.Model):
    """One step of a dispute, written once: who (``None`` for the platform's deadlines) did
    what, with the details."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="audit")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=40)
    detail = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
