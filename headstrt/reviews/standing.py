"""Each mentor's standing as a ranking reads it, kept per mentor in the cache.

A standing gathers what a mentor's sessions say whatever the situation: the rating, the
answered outcomes tallied per topic, the reliability record, when their last session ended
and when their sessions of the coming week start (for their remaining capacity). The
existing bulk reads work it out for the mentors of a ranking not kept yet (nine queries
however many), and it is kept for ``KEEP``: the 90-day windows and the activity decay move
slowly, the coming sessions are kept for every week a standing may be used for, and a
blind review's reveal ends it early.

Any write that changes a standing forgets it, at once and again when it commits, so the
next ranking works it out afresh. Only a ranking that read the cache before the write and
stored its figures after the commit could keep the old ones, and then for ``KEEP`` at most.
Standings are keyed by the mentor's user id, which reviews and lapses name, and bookings
and outcomes reach through the mentor profile the services load with them.

The cache only saves work: when it cannot be reached, rankings work every standing out and
writes go through (a forget that fails is logged; the standing expires within ``KEEP``).
"""

import logging
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from headstrt.accounts.models import MentorProfile
from headstrt.core import clock
from headstrt.reviews.models import Outcome, Review
from headstrt.reviews.outcomes import OutcomeTally, outcome_tallies
from headstrt.reviews.reliability import LATE_JOIN_AFTER, Reliability, reliability_of
from headstrt.reviews.reputation import PRIOR_MEAN, next_reveals_of, ratings_of
from headstrt.scheduling.models import (
    Attendance,
    Booking,
    BookingStatus,
    GroupSession,
    Party,
    ReliabilityEvent,
)
from headstrt.scheduling.selectors import last_session_end_by_mentor, session_starts_by_mentor

logger = logging.getLogger(__name__)

# Longer than the worker's sweep interval (10 minutes), which keeps every listed mentor's
# standing (``standings_keep_all``), so a ranking finds them all kept.
KEEP = timedelta(minutes=15)
# Mentors worked out together when the sweep keeps every standing.
KEEP_ALL_BATCH = 1000
# The coming week, whose sessions count against a mentor's weekly capacity.
UPCOMING = timedelta(days=7)


@dataclass(frozen=True)
class Standing:
    """A mentor's figures as of ``since``, usable until ``fresh_until``."""

    since: datetime
    fresh_until: datetime
    stars: float  # the Bayesian rating, 1..5, over ``reviews`` visible reviews (if any)
    reviews: int
    outcomes: tuple[OutcomeTally, ...]
    reliability: Reliability
    last_session_end: datetime | None
    # Sessions counted against capacity starting from ``since`` to ``UPCOMING`` after
    # ``fresh_until``: every coming week a standing is used for.
    upcoming: tuple[datetime, ...]

    def sessions_in_week(self, now: datetime) -> int:
        """How many counted sessions start in the ``UPCOMING`` week from ``now``."""
        return sum(1 for start in self.upcoming if now <= start < now + UPCOMING)


def _shape_version() -> str:
    """A short digest of the fields (names and types) of ``Standing`` and the records
    pickled inside it, so two releases whose standings differ in shape never read each
    other's."""
    names = [
        f"{shape.__name__}.{field.name}:{field.type}"
        for shape in (Standing, Reliability, OutcomeTally)
        for field in fields(shape)
    ]
    return f"{zlib.crc32(' '.join(names).encode()):08x}"


_VERSION = _shape_version()


def _standing_key(user_id: int) -> str:
    # Short: the cache checks every key character by character.
    return f"standing{_VERSION}:{user_id}"


def standings_of(mentors: Mapping[int, MentorProfile]) -> dict[int, Standing]:
    """The standing of each of ``mentors`` (keyed by profile id, each with its ``user_id``):
    one cache read, plus nine queries when some are not kept (all of them when the cache
    cannot be read)."""
    now = clock.now()
    keys = [_standing_key(mentor.user_id) for mentor in mentors.values()]
    try:
        kept = cache.get_many(keys)
    except Exception:  # each cache backend raises its own errors
        logger.warning("Could not read %d standings from the cache.", len(keys), exc_info=True)
        kept = {}
    found = {}
    for mentor_id, mentor in mentors.items():
        standing = kept.get(_standing_key(mentor.user_id))
        if standing is not None and standing.since <= now < standing.fresh_until:
            found[mentor_id] = standing
    missing = {pk: mentor.user_id for pk, mentor in mentors.items() if pk not in found}
    if missing:
        found.update(_work_out_and_keep(missing, now=now))
    return found


def standings_keep_all() -> int:
    """Work out and keep the standing of every listed mentor, a batch at a time: the
    worker's sweep runs this, so with a shared cache a ranking reads no aggregate but for
    the mentors whose standing a write forgot since. Returns how many were kept."""
    listed = list(
        MentorProfile.objects.filter(is_active=True, user__is_active=True)
        .order_by("pk")
        .values_list("pk", "user_id")
    )
    for first in range(0, len(listed), KEEP_ALL_BATCH):
        _work_out_and_keep(dict(listed[first : first + KEEP_ALL_BATCH]), now=clock.now())
    return len(listed)


def _work_out_and_keep(user_of: dict[int, int], *, now: datetime) -> dict[int, Standing]:
    worked_out = _work_out(user_of, now=now)
    try:
        cache.set_many(
            {_standing_key(user_of[pk]): standing for pk, standing in worked_out.items()},
            timeout=KEEP.total_seconds(),
        )
    except Exception:
        logger.warning("Could not keep %d standings in the cache.", len(worked_out), exc_info=True)
    return worked_out


def _work_out(user_of: dict[int, int], *, now: datetime) -> dict[int, Standing]:
    """Standings from the database, by the same bulk reads the profiles show."""
    users = list(user_of.values())
    ratings = ratings_of(users, party=Party.MENTOR)
    reveals = next_reveals_of(users, party=Party.MENTOR, now=now)
    reliability = reliability_of(users, response_hours=False)
    tallies = outcome_tallies(user_of)
    last_ends = last_session_end_by_mentor(mentor_ids=list(user_of), now=now)
    until = now + KEEP
    upcoming = session_starts_by_mentor(mentor_ids=list(user_of), start=now, end=until + UPCOMING)
    return {
        mentor_id: Standing(
            since=now,
            fresh_until=min(until, reveals.get(user_id, until)),
            stars=ratings[user_id].average if user_id in ratings else PRIOR_MEAN,
            reviews=ratings[user_id].count if user_id in ratings else 0,
            outcomes=tallies.get(mentor_id, ()),
            reliability=reliability[user_id],
            last_session_end=last_ends.get(mentor_id),
            upcoming=tuple(upcoming.get(mentor_id, ())),
        )
        for mentor_id, user_id in user_of.items()
    }


def standing_forget(*, user_ids: Iterable[int]) -> None:
    """Forget the standings of these people as mentors, now and again once the current
    transaction commits. Writes that bypass model signals (bulk updates) call this. A cache
    that cannot be reached fails no write: it is logged, and the standings expire within
    ``KEEP``."""
    keys = [_standing_key(pk) for pk in set(user_ids) if pk is not None]
    if keys:
        _delete(keys)
        transaction.on_commit(lambda: _delete(keys), robust=True)


def _delete(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        logger.warning("Could not forget the standings %s.", keys, exc_info=True)


def _mentor_user_id(instance: Booking | GroupSession | Outcome) -> int | None:
    """The user id of the row's mentor: from the profile loaded with it, as services load
    it, else read."""
    if type(instance).mentor.is_cached(instance):
        return instance.mentor.user_id
    return (
        MentorProfile.objects.filter(pk=instance.mentor_id)
        .values_list("user_id", flat=True)
        .first()
    )


# Cache invalidation only: these receivers change no data, so they are no hidden coupling
# between domains; they also catch writes made outside the services (admin, factories).


@receiver([post_save, post_delete], sender=Review)
def _review_changed(sender, instance: Review, **kwargs) -> None:
    if instance.subject_party == Party.MENTOR:
        standing_forget(user_ids=[instance.subject_id])


@receiver([post_save, post_delete], sender=Outcome)
def _outcome_changed(sender, instance: Outcome, **kwargs) -> None:
    standing_forget(user_ids=[_mentor_user_id(instance)])


@receiver([post_save, post_delete], sender=Booking)
def _booking_changed(sender, instance: Booking, **kwargs) -> None:
    # A hold (during checkout) counts nowhere in a standing: not against capacity, not as a
    # session held (never confirmed), not as the last session (never completed). A booking
    # is held when created or when a hold (lapsed or not) checks out again, so it never
    # counted before, and leaving a hold is a save that forgets.
    if instance.status == BookingStatus.HELD and instance.confirmed_at is None:
        return
    # The mentee's sessions count toward their own reliability, should they mentor too.
    standing_forget(user_ids=[instance.mentee_id, _mentor_user_id(instance)])


@receiver([post_save, post_delete], sender=GroupSession)
def _group_changed(sender, instance: GroupSession, **kwargs) -> None:
    standing_forget(user_ids=[_mentor_user_id(instance)])


@receiver([post_save, post_delete], sender=ReliabilityEvent)
def _lapse_changed(sender, instance: ReliabilityEvent, **kwargs) -> None:
    standing_forget(user_ids=[instance.person_id])


@receiver([post_save, post_delete], sender=Attendance)
def _attendance_changed(sender, instance: Attendance, **kwargs) -> None:
    # Only a late join counts in a standing, so a new on-time join (recorded with the
    # session the service loaded) changes none; a change or a deletion always forgets.
    on_time = (
        kwargs.get("created", False)
        and type(instance).booking.is_cached(instance)
        and instance.joined_at <= instance.booking.start + LATE_JOIN_AFTER
    )
    if not on_time:
        standing_forget(user_ids=[instance.person_id])
