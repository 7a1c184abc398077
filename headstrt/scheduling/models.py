"""Availability data: weekly wall-clock rules, date exceptions and each mentor's policy."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from headstrt.accounts.models import MentorProfile


class Weekday(models.IntegerChoices):
    """ISO-style weekday numbers as Python's ``date.weekday()`` returns them."""

    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class AvailabilityRule(models.Model):
    """A weekly range of wall-clock time, in the mentor's own time zone.

    An ``end`` of 00:00 means midnight at the end of the day. Ranges of one weekday never
    overlap (the service refuses them).
    """

    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="availability_rules"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentor", "weekday", "start"], name="availability_rule_start_unique"
            )
        ]


class AvailabilityException(models.Model):
    """A date whose availability differs from the weekly rules, in the mentor's zone.

    Rows with a range replace that date's weekly ranges; a row without a range means the
    whole day is time off.
    """

    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField()
    start = models.TimeField(null=True, blank=True)
    end = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start"]
        indexes = [models.Index(fields=["mentor", "date"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(start__isnull=True, end__isnull=True)
                | models.Q(start__isnull=False, end__isnull=False),
                name="availability_exception_range_complete",
            )
        ]

    @property
    def is_time_off(self) -> bool:
        return self.start is None


class Confirmation(models.TextChoices):
    """Whether a booking confirms at once or waits for the mentor to accept it."""

    INSTANT = "instant", "Instant"
    REQUEST = "request", "Request"


class SchedulingPolicy(models.Model):
    """How a mentor wants to be booked. A mentor without a row gets ``DEFAULTS``.

    ``max_sessions_per_week`` empty means the mentor profile's ``weekly_capacity``.
    """

    DEFAULTS = {
        "buffer_minutes": 10,
        "minimum_notice_minutes": 120,
        "horizon_days": 30,
        "max_sessions_per_day": 4,
        "max_sessions_per_week": None,
        "confirmation": Confirmation.INSTANT,
        "response_window_hours": 48,
    }

    mentor = models.OneToOneField(
        MentorProfile, on_delete=models.CASCADE, related_name="scheduling_policy"
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        default=10, validators=[MaxValueValidator(120)]
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=120, validators=[MaxValueValidator(14 * 24 * 60)]
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    max_sessions_per_day = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    max_sessions_per_week = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    confirmation = models.CharField(
        max_length=8, choices=Confirmation.choices, default=Confirmation.INSTANT
    )
    response_window_hours = models.PositiveSmallIntegerField(
        default=48, validators=[MinValueValidator(1), MaxValueValidator(168)]
    )
    updated_at = models.DateTimeField(auto_now=True)
