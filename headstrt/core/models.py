"""Shared-kernel data: the remembered answers of requests sent with an Idempotency-Key."""

from django.conf import settings
from django.db import models


class IdempotencyRecord(models.Model):
    """One person's use of one ``Idempotency-Key``: what was asked and, once done, the answer.

    ``fingerprint`` is a SHA-256 of the endpoint and its parameters, so reusing a key for a
    different request is caught. ``status_code`` stays empty while the first request runs.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} ({self.status_code or 'running'})"
