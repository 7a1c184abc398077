"""Free slots: a mentor's wall-clock availability expanded into bookable UTC intervals.

The rules, in the domain's words:

* A range such as Monday 09:00–12:00 covers the real instants whose wall-clock time in the
  mentor's zone is on that date and within the range. Where clocks spring forward, the
  missing wall-clock times simply do not exist, so the range is shorter (or empty). Where
  clocks fall back, only the first pass through the repeated wall-clock times counts, so a
  mentor never offers more real minutes than the range's wall-clock minutes.
* A date with exceptions uses the exception ranges instead of the weekly ones; a whole-day
  exception is time off.
* Slots are laid on a grid that starts at the beginning of each range and steps by the
  session length (a 30-minute session offers 09:00, 09:30, ...). Steps of the session length
  keep the offered slots from overlapping each other, and a fixed grid lets a booking be
  checked against the rules later ("aligned to the mentor's rules").
* A slot must keep ``buffer_minutes`` clear of every busy interval on both sides, start at
  least ``minimum_notice_minutes`` after now and end within ``horizon_days`` of now.
* Each busy interval counts as one session on the mentor's local date (and ISO week) where it
  starts; a date or week at its cap offers nothing.
* Only lengths the mentor offers may be asked for.

Everything here is pure: ``slots_compute`` takes an ``Availability`` value and plain
intervals, so it is cheap to test and to benchmark. ``free_slots`` loads a mentor's data
from the database and delegates.
"""

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from headstrt.accounts.models import MentorProfile
from headstrt.core.errors import DomainError

MINUTES_PER_DAY = 24 * 60
# Any instant whose local date is D lies within this much of D's midnight read as UTC.
_DAY_MARGIN = timedelta(hours=15)
# Offsets are sampled this often to find transitions; real zones never change twice within it.
_SAMPLE_SECONDS = 3600

MinuteRange = tuple[int, int]


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """A free interval of real time; ``start`` and ``end`` are aware UTC datetimes."""

    start: datetime
    end: datetime

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True, slots=True)
class LocalSlot:
    """A slot as a person in ``zone`` reads it on their clock."""

    start: datetime
    end: datetime
    zone: str


@dataclass(frozen=True)
class Availability:
    """Everything slot computation needs to know about one mentor, as plain values.

    ``weekly`` maps a weekday (0 = Monday) to wall-clock ranges in minutes since midnight;
    ``overrides`` maps a date to the ranges that replace the weekly ones (an empty tuple is
    a day off).
    """

    zone: str
    weekly: dict[int, tuple[MinuteRange, ...]]
    overrides: dict[date, tuple[MinuteRange, ...]] = field(default_factory=dict)
    offered_minutes: frozenset[int] = frozenset({15, 30, 45, 60})
    buffer_minutes: int = 10
    minimum_notice_minutes: int = 120
    horizon_days: int = 30
    max_sessions_per_day: int | None = None
    max_sessions_per_week: int | None = None

    def ranges_on(self, day: date) -> tuple[MinuteRange, ...]:
        """The wall-clock ranges that apply to ``day``."""
        if day in self.overrides:
            return self.overrides[day]
        return self.weekly.get(day.weekday(), ())


def minutes_of(value: time, *, is_end: bool = False) -> int:
    """Minutes since midnight; an end of 00:00 means the midnight that ends the day."""
    minutes = value.hour * 60 + value.minute
    return MINUTES_PER_DAY if is_end and minutes == 0 else minutes


def zone_of(name: str) -> ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, or a ``DomainError`` naming the bad zone."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DomainError(
            "unknown_time_zone",
            f"“{name}” is not a time zone we know. Use an IANA name such as Europe/Paris.",
            field="time_zone",
        ) from None


def _offset(zone: ZoneInfo, timestamp: int) -> int:
    return int(datetime.fromtimestamp(timestamp, zone).utcoffset().total_seconds())


@lru_cache(maxsize=8192)
def _offset_segments(zone_name: str, day: date) -> tuple[tuple[int, int, int], ...]:
    """Spans of constant UTC offset around ``day``, as (start, end, offset) in epoch seconds."""
    zone = ZoneInfo(zone_name)
    midnight = datetime.combine(day, time(), UTC)
    low = int((midnight - _DAY_MARGIN).timestamp())
    high = int((midnight + timedelta(days=1) + _DAY_MARGIN).timestamp())
    segments = []
    segment_start, current = low, _offset(zone, low)
    probe = low
    while probe < high:
        following = min(probe + _SAMPLE_SECONDS, high)
        if _offset(zone, following) != current:
            # Narrow down to the first second with the new offset.
            before, after = probe, following
            while after - before > 1:
                middle = (before + after) // 2
                if _offset(zone, middle) == current:
                    before = middle
                else:
                    after = middle
            segments.append((segment_start, after, current))
            segment_start, current = after, _offset(zone, after)
        probe = following
    segments.append((segment_start, high, current))
    return tuple(segments)


def range_intervals(zone_name: str, day: date, start: int, end: int) -> list[tuple[int, int]]:
    """The real intervals (epoch seconds) covered by wall-clock ``start``–``end`` on ``day``.

    Within a span of constant offset, wall time is UTC plus the offset, so the range is one
    subtraction away. After a fall-back the first ``previous - offset`` seconds of a span
    repeat wall-clock times already shown, and are left out.
    """
    midnight = int(datetime.combine(day, time(), UTC).timestamp())
    pieces: list[list[int]] = []
    previous = None
    for span_start, span_end, offset in _offset_segments(zone_name, day):
        first_pass = span_start
        if previous is not None and previous > offset:
            first_pass = span_start + (previous - offset)
        low = max(first_pass, midnight + start * 60 - offset)
        high = min(span_end, midnight + end * 60 - offset)
        if low < high:
            if pieces and pieces[-1][1] == low:
                pieces[-1][1] = high  # across a spring-forward the range continues
            else:
                pieces.append([low, high])
        previous = offset
    return [(low, high) for low, high in pieces]


def _to_seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("slot computation needs aware datetimes")
    return int(moment.timestamp())


def _from_seconds(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def length_check(availability: Availability, minutes: int) -> None:
    """Refuse a session length the mentor does not offer."""
    if minutes not in availability.offered_minutes:
        offered = ", ".join(str(length) for length in sorted(availability.offered_minutes))
        raise DomainError(
            "length_not_offered",
            f"This mentor offers sessions of {offered or 'no'} minutes, not {minutes}.",
            field="minutes",
        )


def slots_compute(
    availability: Availability,
    *,
    minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    busy: Iterable[tuple[datetime, datetime]] = (),
) -> list[Slot]:
    """Free slots of ``minutes`` between ``start`` and ``end``, sorted, in UTC."""
    length_check(availability, minutes)
    zone = zone_of(availability.zone)
    length = minutes * 60
    low = max(_to_seconds(start), _to_seconds(now) + availability.minimum_notice_minutes * 60)
    high = min(_to_seconds(end), _to_seconds(now) + availability.horizon_days * 86400)
    if low >= high:
        return []

    buffer = availability.buffer_minutes * 60
    blocked = sorted(
        (_to_seconds(busy_start) - buffer, _to_seconds(busy_end) + buffer)
        for busy_start, busy_end in busy
    )
    blocked_starts = [interval[0] for interval in blocked]
    # Busy intervals are at most a few hours long, so scanning back from the first one that
    # starts at or after a slot's end finds every overlap.
    longest = max((high_ - low_ for low_, high_ in blocked), default=0)

    per_day: Counter[date] = Counter()
    per_week: Counter[tuple[int, int]] = Counter()
    for busy_start, _ in busy:
        local_day = busy_start.astimezone(zone).date()
        per_day[local_day] += 1
        per_week[local_day.isocalendar()[:2]] += 1

    def is_free(slot_start: int, slot_end: int) -> bool:
        index = bisect_left(blocked_starts, slot_end)
        while index > 0:
            index -= 1
            blocked_start, blocked_end = blocked[index]
            if blocked_start + longest <= slot_start:
                break
            if blocked_start < slot_end and blocked_end > slot_start:
                return False
        return True

    slots: list[Slot] = []
    first_day = _from_seconds(low).astimezone(zone).date()
    last_day = _from_seconds(high).astimezone(zone).date()
    day = first_day
    while day <= last_day:
        if (
            availability.max_sessions_per_day is not None
            and per_day[day] >= availability.max_sessions_per_day
        ) or (
            availability.max_sessions_per_week is not None
            and per_week[day.isocalendar()[:2]] >= availability.max_sessions_per_week
        ):
            day += timedelta(days=1)
            continue
        for range_start, range_end in availability.ranges_on(day):
            for piece_start, piece_end in range_intervals(
                availability.zone, day, range_start, range_end
            ):
                slot_start = piece_start
                if slot_start < low:  # jump to the first grid point at or after ``low``
                    slot_start += -(-(low - slot_start) // length) * length
                while slot_start + length <= min(piece_end, high):
                    if is_free(slot_start, slot_start + length):
                        slots.append(
                            Slot(_from_seconds(slot_start), _from_seconds(slot_start + length))
                        )
                    slot_start += length
        day += timedelta(days=1)
    slots.sort()
    return slots


def slot_in_zone(slot: Slot, zone: str) -> LocalSlot:
    """Present ``slot`` on the clock of a viewer in ``zone``."""
    viewer = zone_of(zone)
    return LocalSlot(slot.start.astimezone(viewer), slot.end.astimezone(viewer), zone)


def availability_from(
    *,
    mentor: MentorProfile,
    rules: Iterable[tuple[int, time, time]],
    exceptions: Iterable[tuple[date, time | None, time | None]],
    offered: Iterable[int],
) -> Availability:
    """An ``Availability`` from a mentor's weekly rules (weekday, start, end), date exceptions
    (date, start, end; no start is a day off), offered lengths and policy."""
    from headstrt.scheduling.models import SchedulingPolicy

    weekly: dict[int, list[MinuteRange]] = {}
    for weekday, start, end in rules:
        weekly.setdefault(weekday, []).append((minutes_of(start), minutes_of(end, is_end=True)))
    overrides: dict[date, list[MinuteRange]] = {}
    days_off = set()
    for day, start, end in exceptions:
        ranges = overrides.setdefault(day, [])
        if start is None:
            days_off.add(day)
        else:
            ranges.append((minutes_of(start), minutes_of(end, is_end=True)))
    for day in days_off:  # a time-off row wins over ranges on the same date
        overrides[day] = []
    try:
        policy = mentor.scheduling_policy
        values = {name: getattr(policy, name) for name in SchedulingPolicy.DEFAULTS}
    except SchedulingPolicy.DoesNotExist:
        values = dict(SchedulingPolicy.DEFAULTS)
    return Availability(
        zone=mentor.user.time_zone,
        weekly={weekday: tuple(sorted(ranges)) for weekday, ranges in weekly.items()},
        overrides={day: tuple(sorted(ranges)) for day, ranges in overrides.items()},
        offered_minutes=frozenset(offered),
        buffer_minutes=values["buffer_minutes"],
        minimum_notice_minutes=values["minimum_notice_minutes"],
        horizon_days=values["horizon_days"],
        max_sessions_per_day=values["max_sessions_per_day"],
        max_sessions_per_week=values["max_sessions_per_week"] or mentor.weekly_capacity,
    )


def mentor_availability(mentor: MentorProfile) -> Availability:
    """Load a mentor's rules, exceptions, policy and offers into an ``Availability``."""
    return availability_from(
        mentor=mentor,
        rules=((rule.weekday, rule.start, rule.end) for rule in mentor.availability_rules.all()),
        exceptions=(
            (exception.date, exception.start, exception.end)
            for exception in mentor.availability_exceptions.all()
        ),
        offered=(offer.minutes for offer in mentor.offers.all()),
    )


def free_slots(
    *,
    mentor: MentorProfile,
    minutes: int,
    start: datetime,
    end: datetime,
    now: datetime,
    busy: Sequence[tuple[datetime, datetime]] = (),
) -> list[Slot]:
    """A mentor's free slots of ``minutes`` between ``start`` and ``end``, sorted, in UTC.

    ``busy`` holds the mentor's sessions and holds as UTC intervals; each one is kept clear
    by the buffer and counts toward the daily and weekly caps.
    """
    return slots_compute(
        mentor_availability(mentor), minutes=minutes, start=start, end=end, now=now, busy=busy
    )
