"""Reads of scheduling data: a mentor's policy and next free slot."""

from datetime import datetime, timedelta

from headstrt.accounts.models import MentorProfile
from headstrt.scheduling.slots import mentor_availability, slots_compute

# Search the horizon a week at a time, so a mentor free tomorrow costs one short computation.
_SEARCH_STEP = timedelta(days=7)


def mentor_next_free_slot(
    *, mentor: MentorProfile, minutes: int | None = None, now: datetime
) -> datetime | None:
    """Start (UTC) of the mentor's earliest free slot, for ``minutes`` or their shortest
    offered length; ``None`` when nothing is free within the horizon or nothing is offered.

    Bookings do not exist yet, so no busy intervals are subtracted.
    """
    availability = mentor_availability(mentor)
    if minutes is None:
        if not availability.offered_minutes:
            return None
        minutes = min(availability.offered_minutes)
    horizon = now + timedelta(days=availability.horizon_days)
    window_start = now
    while window_start < horizon:
        window_end = min(window_start + _SEARCH_STEP, horizon)
        slots = slots_compute(
            availability, minutes=minutes, start=window_start, end=window_end, now=now
        )
        if slots:
            return slots[0].start
        if window_end >= horizon:
            return None
        # Overlap the windows by one session, so a slot across their boundary is not lost.
        window_start = window_end - timedelta(minutes=minutes)
    return None
