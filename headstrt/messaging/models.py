"""Messaging data: notifications and email preferences, conversations around engagements,
their messages and attachments, blocks and reports."""

from django.conf import settings
from django.db import models

from headstrt.core.ids import new_public_id
from headstrt.core.private_files import PrivateFileStorage

MAX_MESSAGE = 4000
MAX_REPORT_REASON = 1000


class Notification(models.Model):
    """Something a person is told, once, in the app and usually by email too.

    ``kind`` is a stable dotted name such as ``booking.confirmed``, so a person's
    preferences can later be keyed on it. ``url`` is a path on the web app (``/sessions/…/``).
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=4000, blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "created_at"]),
            # The unread badge is counted on every page a signed-in person opens.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailPreference(models.Model):
    """A person's choice about email for one category of notification (``booking``,
    ``message``, …: the part of ``Notification.kind`` before the dot).

    Only choices that differ from the default (email on) are stored; the in-app
    notification is always recorded.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_preferences"
    )
    category = models.CharField(max_length=20)
    email = models.BooleanField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "category"], name="email_preference_once_per_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.category}: {'on' if self.email else 'off'}"


class Conversation(models.Model):
    """The one conversation around an engagement: a session (or a whole panel), a request
    for written perspectives, or a dispute. Exactly one of the four links is set.

    Who may read and write is decided by the engagement each time (its mentee, mentors,
    parties, mediators); ``ConversationMember`` rows keep each person's read state and let
    a person list their conversations.
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    booking = models.OneToOneField(
        "scheduling.Booking",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    panel = models.OneToOneField(
        "scheduling.Panel",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    request = models.OneToOneField(
        "perspectives.PerspectiveRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    dispute = models.OneToOneField(
        "disputes.Dispute",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="conversation",
    )
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(booking__isnull=False, panel__isnull=True)
                    & models.Q(request__isnull=True, dispute__isnull=True)
                )
                | (
                    models.Q(booking__isnull=True, panel__isnull=False)
                    & models.Q(request__isnull=True, dispute__isnull=True)
                )
                | (
                    models.Q(booking__isnull=True, panel__isnull=True)
                    & models.Q(request__isnull=False, dispute__isnull=True)
                )
                | (
                    models.Q(booking__isnull=True, panel__isnull=True)
                    & models.Q(request__isnull=True, dispute__isnull=False)
                ),
                name="conversation_has_one_engagement",
            )
        ]

    def __str__(self) -> str:
        return f"conversation {self.public_id}"


class ConversationMember(models.Model):
    """One person's place in a conversation: whether they still belong to the engagement,
    and how far they have read."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations"
    )
    active = models.BooleanField(default=True)
    last_read_message_id = models.BigIntegerField(default=0)
    # When this person was last emailed about unread messages here, so a burst of messages
    # sends one email rather than one per message.
    emailed_at = models.DateTimeField(null=True, blank=True)
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "person"], name="conversation_member_once"
            )
        ]
        indexes = [models.Index(fields=["person", "active"])]

    def __str__(self) -> str:
        return f"{self.person_id} in {self.conversation_id}"


class Message(models.Model):
    """A message in a conversation: plain text, shown escaped, with optional attachments.

    ``hidden_at`` is set when staff uphold a report; the message then shows as removed.
    A person's messages leave with their account (a dispute's record keeps its people, so
    its messages stay).
    """

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="messages_written"
    )
    body = models.TextField(max_length=MAX_MESSAGE, blank=True)
    created_at = models.DateTimeField()
    hidden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["conversation", "id"]),
            models.Index(fields=["author", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"message {self.public_id}"


class Attachment(models.Model):
    """A file attached to a message, checked at upload (size, type by its content, never
    executable or HTML) and only ever served as a download to the conversation's members."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/", storage=PrivateFileStorage())
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    def __str__(self) -> str:
        return self.name


class Block(models.Model):
    """``blocker`` does not want messages from ``blocked``: those messages are hidden from
    the blocker and never notified, and where everyone else in a conversation blocked
    someone, that person cannot post there."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_blocks"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_blocked_by"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="message_block_once"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="message_block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class MessageReport(models.Model):
    """A member's report that a message breaks the rules; staff hide it or dismiss the report."""

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_reports"
    )
    reason = models.TextField(max_length=MAX_REPORT_REASON)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    upheld = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["resolved_at", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["message", "reporter"], name="message_report_once_per_reporter"
            )
        ]

    def __str__(self) -> str:
        return f"report {self.public_id}"
