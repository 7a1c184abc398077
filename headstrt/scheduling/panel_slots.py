"""Common slots of a panel: the times every one of its mentors offers and is free at, across
their time zones, and the nearest options when there are none.

Each mentor's slots lie on the grid of their own rules in their own zone (see slots.py), so
a common slot is a start every mentor's grid has, kept clear of each mentor's busy time
(with their buffer and caps) and of the mentee's. Mentors whose zones differ by a quarter or
half hour share starts only for lengths their grids have in common, which is why other
lengths are among the nearest options.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import prefetch_related_objects
from django.utils import dateformat

from headstrt.accounts.models import MentorProfile, SessionLength, User
from headstrt.scheduling.selectors import busy_intervals_of_people, person_is_paused
from headstrt.scheduling.slots import (
    Availability,
    Slot,
    mentor_availability,
    slots_compute,
    zone_of,
)

# The caps and buffers of a slot count the bookings of the week either side of it.
_CAPS_REACH = timedelta(days=8)


@dataclass(frozen=True)
class PanelOptions:
    """What comes nearest when a panel's mentors share no slot of the length asked for.

    ``earliest``: the earliest common slot of that length (from ``after`` on);
    ``other_lengths``: for each other length every mentor offers, its earliest common slot;
    ``without``: for each mentor, the earliest common slot of the others if they were left
    out (with just one other, that mentor's own earliest slot); ``obstacles``: what stops a
    mentor from any panel of that length, in words.
    """

    minutes: int
    earliest: Slot | None
    other_lengths: tuple[tuple[int, Slot], ...]
    without: tuple[tuple[MentorProfile, Slot], ...]
    obstacles: tuple[str, ...]

    @property
    def found(self) -> bool:
        """Whether there is anything to suggest."""
        return bool(self.earliest or self.other_lengths or self.without)

    def describe(self, zone: str) -> str:
        """The options in words, times on the clock of a reader in ``zone``, e.g. ``The
        earliest time all of them can do 30 minutes: Tuesday 5 March 2030, 10:00
        (Asia/Tokyo). Without Nia Negotiator: Monday 4 March 2030, 14:00 (Asia/Tokyo).``"""
        sentences = list(self.obstacles)
        if self.earliest is not None:
            sentences.append(
                f"The earliest time all of them can do {self.minutes} minutes: "
                f"{_when(self.earliest, zone)}"
            )
        sentences += [
            f"For {minutes} minutes: {_when(slot, zone)}" for minutes, slot in self.other_lengths
        ]
        sentences += [
            f"Without {mentor.user.display_name}: {_when(slot, zone)}"
            for mentor, slot in self.without
        ]
        if not self.found:
            sentences.append("They share no free time in the time they take bookings for")
        return ". ".join(sentences) + "."


def _when(slot: Slot, zone: str) -> str:
    local = slot.start.astimezone(zone_of(zone))
    return f"{dateformat.format(local, 'l j F Y, H:i')} ({zone})"


class _CommonTime:
    """The mentors' rules, and everyone's busy time loaded once, for several searches."""

    def __init__(
        self,
        mentors: Sequence[MentorProfile],
        *,
        now: datetime,
        mentee: User | None,
        start: datetime,
        end: datetime | None = None,
    ):
        """Load what searching ``start``..``end`` takes; without ``end``, up to the longest
        horizon among the mentors."""
        prefetch_related_objects(
            list(mentors),
            "user",
            "availability_rules",
            "availability_exceptions",
            "scheduling_policy",
            "offers",
        )
        self.now, self.mentee = now, mentee
        self.availability: dict[int, Availability] = {
            mentor.pk: mentor_availability(mentor) for mentor in mentors
        }
        self.closed = {
            mentor.pk
            for mentor in mentors
            if not mentor.is_active or person_is_paused(mentor.user, now=now)
        }
        if end is None:
            days = max((rules.horizon_days for rules in self.availability.values()), default=0)
            end = now + timedelta(days=days)
        people = [mentor.user for mentor in mentors] + ([mentee] if mentee is not None else [])
        self.busy = busy_intervals_of_people(
            users=people, start=start - _CAPS_REACH, end=end + _CAPS_REACH, now=now
        )

    def bookable(self, mentors: Sequence[MentorProfile], minutes: object) -> bool:
        """Whether every mentor takes bookings now and offers ``minutes``."""
        return all(
            mentor.pk not in self.closed and minutes in self.availability[mentor.pk].offered_minutes
            for mentor in mentors
        )

    def slots(
        self, mentors: Sequence[MentorProfile], minutes: int, start: datetime, end: datetime
    ) -> list[Slot]:
        """The common slots of ``minutes`` between ``start`` and ``end``, sorted."""
        if not mentors or not self.bookable(mentors, minutes):
            return []
        common: set[datetime] | None = None
        for mentor in mentors:
            starts = {
                slot.start
                for slot in slots_compute(
                    self.availability[mentor.pk],
                    minutes=minutes,
                    start=start,
                    end=end,
                    now=self.now,
                    busy=self.busy.get(mentor.user_id, ()),
                )
            }
            common = starts if common is None else common & starts
            if not common:
                return []
        length = timedelta(minutes=minutes)
        taken = self.busy.get(self.mentee.pk, ()) if self.mentee is not None else ()
        return sorted(
            Slot(slot_start, slot_start + length)
            for slot_start in common
            if not any(
                busy_start < slot_start + length and busy_end > slot_start
                for busy_start, busy_end in taken
            )
        )

    def horizon(self, mentors: Sequence[MentorProfile]) -> datetime:
        """The end of the time all ``mentors`` take bookings for: the shortest horizon, as
        no slot of the others lies beyond it."""
        days = min(self.availability[mentor.pk].horizon_days for mentor in mentors)
        return self.now + timedelta(days=days)

    def earliest(
        self, mentors: Sequence[MentorProfile], minutes: int, after: datetime
    ) -> Slot | None:
        """The earliest common slot of ``minutes`` from ``after`` on, searched a week at a
        time so a panel possible soon costs one short computation."""
        if not mentors or not self.bookable(mentors, minutes):
            return None
        horizon = self.horizon(mentors)
        window_start = max(after, self.now)
        while window_start < horizon:
            window_end = min(window_start + timedelta(days=7), horizon)
            found = self.slots(mentors, minutes, window_start, window_end)
            if found:
                return found[0]
            if window_end >= horizon:
                return None
            # Overlap the windows by one session, so a slot across their boundary is kept.
            window_start = window_end - timedelta(minutes=minutes)
        return None


def panel_common_slots(
    *,
    mentors: Sequence[MentorProfile],
    minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    mentee: User | None = None,
) -> list[Slot]:
    """The slots of ``minutes`` between ``start`` and ``end`` (UTC) that every mentor offers
    and is free at, and the mentee too when given; sorted. None when a mentor is paused or
    does not offer that length."""
    search = _CommonTime(mentors, now=now, mentee=mentee, start=start, end=end)
    return search.slots(list(mentors), minutes, start, end)


def panel_nearest_options(
    *,
    mentors: Sequence[MentorProfile],
    minutes: int,
    now: datetime,
    mentee: User | None = None,
    after: datetime | None = None,
) -> PanelOptions:
    """What comes nearest to a panel of ``minutes`` with these mentors, from ``after`` (or
    now) to the end of the time they take bookings for: see ``PanelOptions``."""
    mentors = list(mentors)
    after = max(after or now, now)
    search = _CommonTime(mentors, now=now, mentee=mentee, start=now)
    obstacles = []
    for mentor in mentors:
        name = mentor.user.display_name
        if mentor.pk in search.closed:
            obstacles.append(f"{name} is not taking bookings at the moment")
        elif minutes not in search.availability[mentor.pk].offered_minutes:
            obstacles.append(f"{name} does not offer {minutes}-minute sessions")
    other_lengths = []
    for length in SessionLength.values:
        if length != minutes:
            slot = search.earliest(mentors, length, after)
            if slot is not None:
                other_lengths.append((length, slot))
    without = []
    if len(mentors) > 1:
        for left_out in mentors:
            others = [mentor for mentor in mentors if mentor.pk != left_out.pk]
            slot = search.earliest(others, minutes, after)
            if slot is not None:
                without.append((left_out, slot))
    return PanelOptions(
        minutes=minutes,
        earliest=search.earliest(mentors, minutes, after),
        other_lengths=tuple(other_lengths),
        without=tuple(without),
        obstacles=tuple(obstacles),
    )
