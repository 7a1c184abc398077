"""Counts deleted mentor profiles, for the generation stored rankings are kept under."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from headstrt.accounts.models import MentorProfile

DEPARTURES_KEY = "matching:mentor-departures"


def mentor_departures() -> int:
    """How many mentor profiles were deleted, as the cache counts them: counting the
    profiles instead would read every one on each stored ranking. The count lives in the
    same cache as the rankings kept under it, so losing one loses both."""
    return cache.get(DEPARTURES_KEY, 0)


@receiver(post_delete, sender=MentorProfile)
def _mentor_departed(sender, instance: MentorProfile, **kwargs) -> None:
    transaction.on_commit(_departure_count, robust=True)


def _departure_count() -> None:
    if not cache.add(DEPARTURES_KEY, 1, timeout=None):
        cache.incr(DEPARTURES_KEY)
