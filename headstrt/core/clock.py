"""The current time, in one place so tests can move it."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    """The current aware UTC datetime."""
    return timezone.now()
