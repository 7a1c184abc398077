"""Data and invariants for people, their profiles, the expertise taxonomy and API tokens."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower

from headstrt.core.ids import new_public_id


class Area(models.TextChoices):
    """The three spheres of life a situation (and an expertise) belongs to."""

    PERSONAL = "personal", "Personal"
    SOCIAL = "social", "Social"
    PROFESSIONAL = "professional", "Professional"


class Language(models.Model):
    """A spoken language, identified by its ISO 639-1 code."""

    code = models.CharField(max_length=3, primary_key=True)
    name = models.CharField(max_length=80)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UserManager(BaseUserManager):
    """Creates users identified by email (stored lower-cased)."""

    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=email.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Anyone can be a mentee; anyone can also open a mentor profile."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    display_name = models.CharField(max_length=80)
    time_zone = models.CharField(max_length=64, default="UTC")
    languages = models.ManyToManyField(Language, blank=True, related_name="speakers")
    photo = models.ImageField(upload_to="photos/", blank=True)
    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(auto_now_add=True)
    # Set by an automatic reliability pause: no new bookings on either side until then.
    paused_until = models.DateTimeField(null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]
        # The few people a ranking must leave out, found without reading everyone.
        indexes = [
            models.Index(
                fields=["paused_until"],
                name="user_paused",
                condition=models.Q(paused_until__isnull=False),
            ),
            models.Index(fields=["id"], name="user_inactive", condition=models.Q(is_active=False)),
        ]

    def __str__(self) -> str:
        return self.display_name or self.email


class Topic(models.Model):
    """A node of the expertise taxonomy, e.g. Career › Salary negotiation."""

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=80)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    area = models.CharField(max_length=16, choices=Area.choices)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="topic_name_unique_in_parent")
        ]

    def __str__(self) -> str:
        return self.path

    @property
    def path(self) -> str:
        """Human path from the root, e.g. ``Career › Salary negotiation``."""
        return self.path_of(self.name, self.parent.name if self.parent_id else None)

    @staticmethod
    def path_of(name: str, parent_name: str | None) -> str:
        """The path of a topic named ``name`` under a parent named ``parent_name`` (if any)."""
        return f"{parent_name} › {name}" if parent_name is not None else name


class MentorProfile(models.Model):
    """What a person offers as a mentor. Listed in the directory only while active."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mentor_profile")
    headline = models.CharField(max_length=120)
    bio = models.TextField(max_length=4000)
    currency = models.CharField(max_length=3, default="EUR")
    weekly_capacity = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1), MaxValueValidator(40)]
    )
    is_active = models.BooleanField(default=True)
    # The price of one written answer to a perspective request; empty means the mentor
    # does not answer in writing (zero means they answer for free).
    answer_price_minor = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # What the directory's search reads: name, headline, bio and expertise in one text,
    # rewritten by every service that changes them (see accounts.search_text).
    search_text = models.TextField(blank=True, default="", editable=False)

    class Meta:
        # The directory's order, newest first, with the id that breaks ties: a page is read
        # from the index without sorting every mentor.
        indexes = [
            models.Index(fields=["is_active", "-created_at", "-id"]),
            # The matching index reads the profiles changed since its last look.
            models.Index(fields=["updated_at"], name="mentorprofile_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.headline}"


class SessionLength(models.IntegerChoices):
    """Micro-session lengths a mentor may offer, in minutes."""

    MIN_15 = 15, "15 min"
    MIN_30 = 30, "30 min"
    MIN_45 = 45, "45 min"
    MIN_60 = 60, "60 min"


class SessionOffer(models.Model):
    """One session length a mentor offers and its price (zero means free)."""

    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="offers")
    minutes = models.PositiveSmallIntegerField(choices=SessionLength.choices)
    price_minor = models.PositiveIntegerField()

    class Meta:
        ordering = ["minutes"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "minutes"], name="offer_length_unique")
        ]


class ExpertiseEntry(models.Model):
    """One area of a mentor's expertise: a taxonomy topic plus their own words and evidence."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    mentor = models.ForeignKey(MentorProfile, on_delete=models.CASCADE, related_name="expertise")
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="expertise_entries")
    area = models.CharField(max_length=16, choices=Area.choices)
    description = models.CharField(max_length=300, blank=True)
    years = models.PositiveSmallIntegerField(validators=[MaxValueValidator(70)])
    evidence = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-years", "id"]
        constraints = [
            models.UniqueConstraint(fields=["mentor", "topic"], name="expertise_topic_unique")
        ]


class MenteeProfile(models.Model):
    """What a person wants to grow in as a mentee."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="mentee_profile")
    interests = models.ManyToManyField(Topic, blank=True, related_name="interested_mentees")
    goals = models.TextField(max_length=2000, blank=True)


class Communication(models.TextChoices):
    """How a person prefers to talk things through."""

    TALK = "talk", "Talking it through"
    WRITE = "write", "Writing things down"
    VISUAL = "visual", "Sketches and examples"
    MIXED = "mixed", "A mix"


class Value(models.TextChoices):
    """Values a person may name as important in how they work with others."""

    AUTONOMY = "autonomy", "Autonomy"
    EMPATHY = "empathy", "Empathy"
    HONESTY = "honesty", "Honesty"
    PRAGMATISM = "pragmatism", "Pragmatism"
    RIGOR = "rigor", "Rigor"
    CREATIVITY = "creativity", "Creativity"
    GROWTH = "growth", "Growth"
    BALANCE = "balance", "Balance"


class WorkingStyle(models.Model):
    """A short questionnaire on working style, kept for fit matching (both sides)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="working_style")
    communication = models.CharField(max_length=8, choices=Communication.choices)
    directness = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = gentle and indirect, 5 = blunt and direct",
    )
    pace = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text="1 = reflective and slow, 5 = fast and action-oriented",
    )
    values = models.JSONField(default=list, blank=True)


class ApiToken(models.Model):
    """A personal API token for mobile and scripted clients. Only a hash is stored."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80)
    prefix = models.CharField(max_length=12)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
