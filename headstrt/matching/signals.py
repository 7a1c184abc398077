"""Signals beyond relevance, read through one interface so later capabilities plug in.

A provider scores some mentors in [0, 1] for a situation; mentors it says nothing about get
the neutral value in ``scoring.combine``. What a mentor's sessions say (ratings,
outcomes, reliability, recent activity, remaining capacity) comes from providers the reviews
app adds with ``register``; without them the ranking simply has no opinion on it.
"""

import math
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, lru_cache
from typing import Protocol
from zoneinfo import ZoneInfo

from django.db.models import prefetch_related_objects

from headstrt.accounts.models import ExpertiseEntry, MentorProfile
from headstrt.core import clock
from headstrt.matching.query import SituationQuery

# Hours of a person's day in which a live session is reasonable, in their local time.
WAKING_HOURS = (8, 21)


@dataclass(frozen=True)
class SignalValue:
    """A provider's opinion of one mentor: a value in [0, 1] and, when notable, why."""

    value: float
    reason: str = ""


class SignalProvider(Protocol):
    """Something that knows one thing about mentors, e.g. their price fit or their rating."""

    name: str

    def values(
        self, *, query: SituationQuery, mentors: Mapping[int, MentorProfile]
    ) -> dict[int, SignalValue]: ...


def cheapest_fitting_offer(mentor: MentorProfile, query: SituationQuery):
    """The offer a mentee would book: the requested length if given, else the cheapest."""
    offers = list(mentor.offers.all())
    if query.session_minutes:
        offers = [offer for offer in offers if offer.minutes == query.session_minutes]
    return min(offers, key=lambda offer: offer.price_minor, default=None)


class PriceFit:
    """Within budget is good, and cheaper is a little better; free fits every budget."""

    name = "price"

    def values(self, *, query, mentors):
        if query.budget is None:
            return {}
        scores = {}
        for mentor_id, mentor in mentors.items():
            offer = cheapest_fitting_offer(mentor, query)
            if offer is None:
                continue
            if offer.price_minor == 0:
                scores[mentor_id] = SignalValue(1.0, "Free session")
            elif mentor.currency == query.budget.currency and query.budget.minor:
                share = offer.price_minor / query.budget.minor
                scores[mentor_id] = SignalValue(max(0.0, 1.0 - 0.5 * share))
        return scores


class LanguageFit:
    """Speaking the mentee's first language beats speaking one of the others."""

    name = "language"

    def values(self, *, query, mentors):
        if not query.languages:
            return {}
        first = query.languages[0]
        scores = {}
        for mentor_id, mentor in mentors.items():
            spoken = {language.code for language in mentor.user.languages.all()}
            if first in spoken:
                scores[mentor_id] = SignalValue(1.0)
            elif spoken & set(query.languages):
                scores[mentor_id] = SignalValue(0.7)
            else:
                scores[mentor_id] = SignalValue(0.0)
        return scores


@cache
def _zone(name: str) -> ZoneInfo:
    # Kept for the process: ``ZoneInfo`` itself keeps only the last few zones loaded, and a
    # ranking meets dozens, each read again from disk once dropped.
    return ZoneInfo(name)


@lru_cache(maxsize=4096)
def _overlap_of_offsets(offset_a: float, offset_b: float) -> int:
    start, end = WAKING_HOURS
    hours = None
    for offset in (offset_a, offset_b):
        local = {int((hour - offset) % 24) for hour in range(start, end)}
        hours = local if hours is None else hours & local
    return len(hours)


def waking_overlap_hours(zone_a: str, zone_b: str, *, at: datetime | None = None) -> int:
    """Hours of the day that fall within both people's waking hours, today."""
    at = at or clock.now()
    offset_a, offset_b = (
        at.astimezone(_zone(zone)).utcoffset().total_seconds() / 3600 for zone in (zone_a, zone_b)
    )
    return _overlap_of_offsets(offset_a, offset_b)


class TimeZoneOverlap:
    """Mentors whose waking hours overlap the mentee's are easier to meet."""

    name = "time_zone"

    def values(self, *, query, mentors):
        if not query.time_zone:
            return {}
        span = WAKING_HOURS[1] - WAKING_HOURS[0]
        now = clock.now()
        overlaps = {}  # mentors share a few dozen zones: each is worked out once
        scores = {}
        for mentor_id, mentor in mentors.items():
            zone = mentor.user.time_zone
            if zone not in overlaps:
                overlaps[zone] = waking_overlap_hours(query.time_zone, zone, at=now)
            overlap = overlaps[zone]
            reason = "" if overlap >= span - 2 else f"{overlap} h of your waking hours overlap"
            scores[mentor_id] = SignalValue(overlap / span, reason)
        return scores


# Reads that several providers of one ``collect`` share, by name (unset outside one).
_shared: ContextVar[dict | None] = ContextVar("shared_reads", default=None)


def shared_read(name: str, read: Callable[[], object]):
    """``read()``, done once per ``collect`` for every provider asking by this ``name`` (the
    same mentors, the same moment); done each time outside ``collect``."""
    reads = _shared.get()
    if reads is None:
        return read()
    if name not in reads:
        reads[name] = read()
    return reads[name]


ACTIVITY_SCALE_DAYS = 90


def activity_decay(age_days: float) -> float:
    """How much activity ``age_days`` ago still counts: 1 now, halving about every two
    months."""
    return math.exp(-max(age_days, 0.0) / ACTIVITY_SCALE_DAYS)


def next_free_slots(
    mentors: Mapping[int, MentorProfile],
    *,
    minutes: int | None,
    after: datetime | None = None,
    before: datetime | None = None,
) -> dict[int, datetime]:
    """Each mentor's earliest free slot (UTC start), within ``after``..``before`` when
    given, for those who have one."""
    # scheduling builds on matching, so it is imported here rather than at the top
    from headstrt.scheduling.selectors import mentor_next_free_slot, next_free_slot_reads

    prefetch_related_objects(list(mentors.values()), "scheduling_policy")
    now = clock.now()
    reads = next_free_slot_reads(list(mentors.values()), now=now)
    found = {}
    for mentor_id, mentor in mentors.items():
        availability, busy = reads[mentor_id]
        if minutes and minutes not in availability.offered_minutes:
            continue
        start = mentor_next_free_slot(
            mentor=mentor,
            minutes=minutes,
            now=now,
            busy=busy,
            availability=availability,
            after=after,
            before=before,
        )
        if start is not None:
            found[mentor_id] = start
    return found


def free_slots_for(query: SituationQuery, mentors: Mapping[int, MentorProfile]):
    """Each mentor's first free slot as the mentee wants it: inside their time window when
    they gave one, else the earliest."""
    return next_free_slots(
        mentors,
        minutes=query.session_minutes,
        after=query.window_start,
        before=query.window_end,
    )


class EarlyAvailability:
    """ "As soon as possible": the sooner a mentor's next free slot, the better. With a time
    window: a free slot inside it is what counts, a little more the earlier it is."""

    name = "availability"
    within = timedelta(days=7)

    def values(self, *, query, mentors):
        if query.as_soon_as_possible:
            now = clock.now()
            slots = free_slots_for(query, mentors)
            return {
                mentor_id: SignalValue(
                    0.0 if start is None else max(0.0, 1.0 - (start - now) / self.within)
                )
                for mentor_id, start in ((pk, slots.get(pk)) for pk in mentors)
            }
        if query.window_start is None or query.window_end is None:
            return {}
        slots = free_slots_for(query, mentors)
        span = max(query.window_end - query.window_start, timedelta(hours=1))
        scores = {}
        for mentor_id in mentors:
            start = slots.get(mentor_id)
            if start is None:
                scores[mentor_id] = SignalValue(0.0, "No free time in your window")
            else:
                earliness = 1.0 - max(start - query.window_start, timedelta(0)) / span
                scores[mentor_id] = SignalValue(0.75 + 0.25 * earliness)
        return scores


class TopicFit:
    """The mentee named a topic or an area: expertise in it counts."""

    name = "topic"

    def values(self, *, query, mentors):
        if not (query.topic or query.area):
            return {}
        # Plain rows, one query: model instances of every candidate's entries and topics
        # would cost more than the rest of the signals together.
        entries = ExpertiseEntry.objects.filter(mentor_id__in=list(mentors)).values_list(
            "mentor_id", "topic__slug", "topic__parent__slug", "area"
        )
        scores = dict.fromkeys(mentors, 0.0)
        for mentor_id, slug, parent_slug, area in entries.order_by():
            if query.topic and slug == query.topic:
                fit = 1.0
            elif query.topic and parent_slug == query.topic:
                fit = 0.9
            elif query.area and area == query.area:
                fit = 0.5
            else:
                continue
            scores[mentor_id] = max(scores[mentor_id], fit)
        return {mentor_id: SignalValue(best) for mentor_id, best in scores.items()}


_providers: list[SignalProvider] = [
    PriceFit(),
    LanguageFit(),
    TimeZoneOverlap(),
    EarlyAvailability(),
    TopicFit(),
]


def register(provider: SignalProvider) -> None:
    """Add a provider (e.g. ratings, once reviews exist), replacing one of the same name."""
    _providers[:] = [p for p in _providers if p.name != provider.name] + [provider]


def providers() -> list[SignalProvider]:
    """The providers in use."""
    return list(_providers)


def collect(
    *, query: SituationQuery, mentors: Mapping[int, MentorProfile]
) -> dict[str, dict[int, SignalValue]]:
    """Every provider's values for ``mentors``, keyed by provider name."""
    scope = _shared.set({})
    try:
        return {p.name: p.values(query=query, mentors=mentors) for p in _providers}
    finally:
        _shared.reset(scope)
