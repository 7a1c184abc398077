"""Situations people bring, who they share them with, and mentors they blocked."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from headstrt.accounts.models import Area, Language, SessionLength, Topic
from headstrt.core.ids import new_public_id

MAX_TEXT = 5000
MAX_TITLE = 120


class Situation(models.Model):
    """A concrete situation a mentee wants help with. Private unless shared with mentors.

    ``perspectives`` is what the ranking uses (at most ``query.MAX_PERSPECTIVES``);
    ``perspectives_requested`` keeps what the person asked for, so the cap can be explained.
    A window, when set, has both ends; "as soon as possible" excludes a window.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="situations"
    )
    title = models.CharField(max_length=MAX_TITLE, blank=True)
    text = models.TextField(max_length=MAX_TEXT)
    area = models.CharField(max_length=16, choices=Area.choices, blank=True)
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.SET_NULL)
    budget_minor = models.PositiveIntegerField(null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    languages = models.ManyToManyField(Language, blank=True, related_name="+")
    session_minutes = models.PositiveSmallIntegerField(
        choices=SessionLength.choices, null=True, blank=True
    )
    as_soon_as_possible = models.BooleanField(default=False)
    window_start = models.DateTimeField(null=True, blank=True)
    window_end = models.DateTimeField(null=True, blank=True)
    perspectives = models.PositiveSmallIntegerField(default=1)
    perspectives_requested = models.PositiveIntegerField(default=1)
    shared_with = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        through="SituationShare",
        related_name="situations_shared_with_me",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["mentee", "-updated_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(budget_minor__isnull=True) | Q(budget_minor__gt=0),
                name="situation_budget_positive",
            ),
            models.CheckConstraint(
                condition=Q(budget_minor__isnull=True, currency="")
                | (Q(budget_minor__isnull=False) & ~Q(currency="")),
                name="situation_budget_has_currency",
            ),
            models.CheckConstraint(
                condition=Q(window_start__isnull=True, window_end__isnull=True)
                | Q(
                    window_start__isnull=False,
                    window_end__gt=F("window_start"),
                    as_soon_as_possible=False,
                ),
                name="situation_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(perspectives__gte=1, perspectives_requested__gte=F("perspectives")),
                name="situation_perspectives_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:60]

    @property
    def heading(self) -> str:
        """What the situation is called: its title, else the start of its text."""
        if self.title:
            return self.title
        first_line = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return first_line if len(first_line) <= 80 else first_line[:79].rstrip() + "…"

    @property
    def has_window(self) -> bool:
        return self.window_start is not None


class SituationShare(models.Model):
    """A mentee let one mentor read one of their situations."""

    situation = models.ForeignKey(Situation, on_delete=models.CASCADE, related_name="shares")
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="situation_shares"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["situation", "mentor"], name="situation_share_unique")
        ]

    def __str__(self) -> str:
        return f"{self.situation} shared with {self.mentor}"


class MentorBlock(models.Model):
    """A mentee never wants to be matched with this mentor again."""

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentor_blocks"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocked_by"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mentee", "mentor"], name="mentor_block_unique")
        ]

    def __str__(self) -> str:
        return f"{self.mentee} blocks {self.mentor}"
