"""Scheduling data: availability rules and policy, bookings, reliability lapses, calendar feeds."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from headstrt.accounts.models import MentorProfile
from headstrt.core.ids import new_public_id
from headstrt.core.money import Money


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


MAX_HORIZON_DAYS = 365


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
        default=30, validators=[MinValueValidator(1), MaxValueValidator(MAX_HORIZON_DAYS)]
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


class BookingStatus(models.TextChoices):
    """Where a booking is in its life.

    ``held`` protects a slot during checkout; ``requested`` waits for the mentor; the
    session takes place once ``confirmed`` and ends ``completed`` or ``no_show``.
    """

    HELD = "held", "Held during checkout"
    REQUESTED = "requested", "Waiting for the mentor"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined by the mentor"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"


# Statuses whose time range no other booking of the same mentor or mentee may overlap.
OCCUPYING = (
    BookingStatus.HELD,
    BookingStatus.REQUESTED,
    BookingStatus.CONFIRMED,
    BookingStatus.COMPLETED,
)


class Party(models.TextChoices):
    """One side of a session."""

    MENTOR = "mentor", "Mentor"
    MENTEE = "mentee", "Mentee"


def new_room_name() -> str:
    """A video room name nobody can guess (two public ids, about 118 bits)."""
    return f"headstrt-{new_public_id()}{new_public_id()}"


MAX_PANEL_MENTORS = 4
MAX_GROUP_SEATS = 20


class Panel(models.Model):
    """One live session of a mentee with two to four mentors at once.

    Each mentor's part is a booking of its own (``Booking.panel``), so reviews, escrow and
    disputes work per mentor; the panel is held, checked out and paid as one, all or none.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="panels"
    )
    situation = models.ForeignKey(
        "matching.Situation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["mentee", "start"])]

    def __str__(self) -> str:
        return f"panel {self.public_id} {self.start:%Y-%m-%d %H:%M}"


class GroupSessionStatus(models.TextChoices):
    """Whether a group session still takes place."""

    OPEN = "open", "Open"
    CANCELLED = "cancelled", "Cancelled"


class GroupSession(models.Model):
    """A session a mentor offers to up to ``capacity`` mentees at once.

    Each mentee's seat is a booking of its own (``Booking.group``), paid and reviewed like
    any session. The session's time is the mentor's from the moment it is offered.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentor = models.ForeignKey(
        MentorProfile, on_delete=models.CASCADE, related_name="group_sessions"
    )
    title = models.CharField(max_length=120)
    description = models.TextField(max_length=2000, blank=True)
    topic = models.ForeignKey(
        "accounts.Topic", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    capacity = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2), MaxValueValidator(MAX_GROUP_SEATS)]
    )
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=GroupSessionStatus.choices, default=GroupSessionStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["mentor", "start"]),
            models.Index(fields=["status", "start"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="group_session_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=2, capacity__lte=MAX_GROUP_SEATS),
                name="group_session_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"group {self.public_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)


class Booking(models.Model):
    """One micro-session between a mentor and a mentee, from hold to outcome.

    ``start`` and ``end`` are UTC. ``sequence`` counts changes the participants' calendars
    must see (the iCalendar SEQUENCE). The price is copied from the mentor's offer when the
    slot is held, so later price changes never touch it.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="bookings")
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings_as_mentee"
    )
    situation = models.ForeignKey(
        "matching.Situation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="bookings",
    )
    # A mentor's part of a panel: the mentee's bookings of one panel may share their time.
    panel = models.ForeignKey(
        Panel, on_delete=models.CASCADE, null=True, blank=True, related_name="bookings"
    )
    # A mentee's seat in a group session: the mentor's seats of one group share their time.
    group = models.ForeignKey(
        GroupSession, on_delete=models.CASCADE, null=True, blank=True, related_name="seats"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    price_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    objective = models.TextField(max_length=1000, blank=True)
    agenda = models.TextField(max_length=4000, blank=True)
    status = models.CharField(
        max_length=12, choices=BookingStatus.choices, default=BookingStatus.HELD
    )
    held_until = models.DateTimeField(null=True, blank=True)
    respond_by = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    end_reason = models.TextField(max_length=1000, blank=True)
    no_show_party = models.CharField(max_length=6, choices=Party.choices, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    room = models.CharField(max_length=64, unique=True, default=new_room_name, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["mentor", "start"]),
            models.Index(fields=["mentee", "start"]),
            models.Index(fields=["status", "start"]),
            # The network's session ties, each side with the other, so tie lookups read the
            # index alone (an index-only scan on PostgreSQL).
            *(
                models.Index(
                    fields=[one, other],
                    condition=models.Q(confirmed_at__isnull=False),
                    name=f"booking_tie_{one}_{other}",
                )
                for one, other in (("mentee", "mentor"), ("mentor", "mentee"))
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.public_id} {self.start:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def price(self) -> Money:
        return Money(self.price_minor, self.currency)

    def party_of(self, user) -> str | None:
        """``mentor`` or ``mentee`` for a participant, ``None`` for anyone else."""
        if user.pk == self.mentee_id:
            return Party.MENTEE
        if user.pk == self.mentor.user_id:
            return Party.MENTOR
        return None


class ReliabilityKind(models.TextChoices):
    """What a person did that counts toward their reliability."""

    LATE_CANCELLATION = "late_cancellation", "Cancelled within 24 hours"
    LATE_RESCHEDULE = "late_reschedule", "Rescheduled within 24 hours"
    NO_SHOW = "no_show", "Did not show up"


class ReliabilityEvent(models.Model):
    """A recorded lapse of one participant of a booking; reliability scores count these."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reliability_events"
    )
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reliability")
    party = models.CharField(max_length=6, choices=Party.choices)
    kind = models.CharField(max_length=20, choices=ReliabilityKind.choices)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["person", "created_at"])]


class Attendance(models.Model):
    """When a participant first joined a session's video room (for punctuality, and the
    record a mediator reads)."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="attendance"
    )
    party = models.CharField(max_length=6, choices=Party.choices)
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["booking", "person"], name="attendance_once")
        ]


class CalendarFeed(models.Model):
    """A person's private calendar subscription URL; only a SHA-256 of its token is kept."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class ReminderKind(models.TextChoices):
    """How long before a session its reminder goes out."""

    DAY_BEFORE = "24h", "24 hours before"
    QUARTER_HOUR_BEFORE = "15m", "15 minutes before"


class BookingReminder(models.Model):
    """A reminder that went out for a session at a given start time.

    The unique row makes sending idempotent: a reminder task that runs twice sends once,
    and a session moved to a new time gets its reminders again.
    """

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=3, choices=ReminderKind.choices)
    start = models.DateTimeField()
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "kind", "start"], name="booking_reminder_once"
            )
        ]
