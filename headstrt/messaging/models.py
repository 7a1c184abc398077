"""Messaging data: the notifications a person finds in the app (and got by email)."""

from django.conf import settings
from django.db import models

from headstrt.core.ids import new_public_id


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
