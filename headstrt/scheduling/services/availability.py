"""Scheduling services: a mentor sets weekly availability, date exceptions and a policy."""

from collections.abc import Iterable, Sequence
from datetime import date, time

from django.db import transaction

from headstrt.accounts.models import User
from headstrt.accounts.selectors import mentor_profile_for_update
from headstrt.accounts.validation import clean_int
from headstrt.core.errors import DomainError
from headstrt.scheduling.models import (
    MAX_HORIZON_DAYS,
    AvailabilityException,
    AvailabilityRule,
    Confirmation,
    SchedulingPolicy,
    Weekday,
)
from headstrt.scheduling.slots import minutes_of

MAX_RANGES_PER_DAY = 12
WEEKDAY_NAMES = dict(Weekday.choices)


def _clock(value: object, *, field: str) -> time:
    if not isinstance(value, time) or value.tzinfo is not None:
        raise DomainError("invalid_time", "Times are wall-clock times such as 09:00.", field=field)
    if value.second or value.microsecond:
        raise DomainError("invalid_time", "Times are whole minutes such as 09:30.", field=field)
    return value


def _check_ranges(ranges: Sequence[tuple[time, time]], *, label: str, field: str) -> None:
    """Refuse empty, inverted and overlapping ranges of one day."""
    if len(ranges) > MAX_RANGES_PER_DAY:
        raise DomainError(
            "too_many_ranges", f"{label}: at most {MAX_RANGES_PER_DAY} ranges.", field=field
        )
    spans = []
    for start, end in ranges:
        _clock(start, field=field)
        _clock(end, field=field)
        low, high = minutes_of(start), minutes_of(end, is_end=True)
        if low >= high:
            raise DomainError(
                "invalid_range",
                f"{label}: {start:%H:%M}–{end:%H:%M} ends before it starts.",
                field=field,
            )
        spans.append((low, high, start, end))
    spans.sort()
    for (_, first_end, first_start, first_end_time), (second_start, _, start, end) in zip(
        spans, spans[1:], strict=False
    ):
        if second_start < first_end:
            raise DomainError(
                "overlapping_ranges",
                f"{label}: {first_start:%H:%M}–{first_end_time:%H:%M} overlaps "
                f"{start:%H:%M}–{end:%H:%M}.",
                field=field,
            )


@transaction.atomic
def availability_set(
    *, user: User, rules: Iterable[tuple[int, time, time]]
) -> list[AvailabilityRule]:
    """Replace the mentor's weekly availability with ``rules`` of (weekday, start, end).

    Times are wall-clock times in the mentor's own time zone; an end of 00:00 is midnight.
    Nothing is saved unless every rule is valid.
    """
    profile = mentor_profile_for_update(user=user)
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    for rule in rules:
        try:
            weekday, start, end = rule
        except (TypeError, ValueError):
            raise DomainError(
                "invalid_rule", "Each rule is a weekday, a start and an end.", field="rules"
            ) from None
        if isinstance(weekday, bool) or weekday not in WEEKDAY_NAMES:
            raise DomainError(
                "unknown_weekday",
                f"“{weekday}” is not a weekday; use 0 (Monday) to 6 (Sunday).",
                field="rules",
            )
        by_weekday.setdefault(weekday, []).append((start, end))
    for weekday, ranges in by_weekday.items():
        _check_ranges(ranges, label=WEEKDAY_NAMES[weekday], field="rules")
    AvailabilityRule.objects.filter(mentor=profile).delete()
    return AvailabilityRule.objects.bulk_create(
        AvailabilityRule(mentor=profile, weekday=weekday, start=start, end=end)
        for weekday, ranges in sorted(by_weekday.items())
        for start, end in sorted(ranges, key=lambda pair: minutes_of(pair[0]))
    )


@transaction.atomic
def availability_exception_set(
    *, user: User, day: date, ranges: Sequence[tuple[time, time]] = ()
) -> list[AvailabilityException]:
    """Replace ``day``'s availability with ``ranges``; no ranges makes the day time off."""
    profile = mentor_profile_for_update(user=user)
    if not isinstance(day, date):
        raise DomainError("invalid_date", "Pick a date.", field="day")
    _check_ranges(list(ranges), label=f"{day:%Y-%m-%d}", field="ranges")
    AvailabilityException.objects.filter(mentor=profile, date=day).delete()
    if not ranges:
        return [AvailabilityException.objects.create(mentor=profile, date=day)]
    return AvailabilityException.objects.bulk_create(
        AvailabilityException(mentor=profile, date=day, start=start, end=end)
        for start, end in sorted(ranges, key=lambda pair: minutes_of(pair[0]))
    )


@transaction.atomic
def availability_exception_remove(*, user: User, day: date) -> None:
    """Let ``day`` follow the weekly rules again."""
    profile = mentor_profile_for_update(user=user)
    AvailabilityException.objects.filter(mentor=profile, date=day).delete()


POLICY_LIMITS = {
    "buffer_minutes": ("Buffer between sessions (minutes)", 0, 120),
    "minimum_notice_minutes": ("Minimum notice (minutes)", 0, 14 * 24 * 60),
    "horizon_days": ("Booking horizon (days)", 1, MAX_HORIZON_DAYS),
    "max_sessions_per_day": ("Sessions per day", 1, 24),
    "max_sessions_per_week": ("Sessions per week", 1, 100),
    "response_window_hours": ("Response window (hours)", 1, 168),
}


@transaction.atomic
def scheduling_policy_save(
    *,
    user: User,
    buffer_minutes: int = 10,
    minimum_notice_minutes: int = 120,
    horizon_days: int = 30,
    max_sessions_per_day: int = 4,
    max_sessions_per_week: int | None = None,
    confirmation: str = Confirmation.INSTANT,
    response_window_hours: int = 48,
) -> SchedulingPolicy:
    """Create or replace the mentor's scheduling policy; an empty weekly cap means the
    profile's weekly capacity."""
    profile = mentor_profile_for_update(user=user)
    values = {
        "buffer_minutes": buffer_minutes,
        "minimum_notice_minutes": minimum_notice_minutes,
        "horizon_days": horizon_days,
        "max_sessions_per_day": max_sessions_per_day,
        "max_sessions_per_week": max_sessions_per_week,
        "response_window_hours": response_window_hours,
    }
    for name, value in values.items():
        if name == "max_sessions_per_week" and value is None:
            continue
        label, minimum, maximum = POLICY_LIMITS[name]
        clean_int(value, field=name, label=label, minimum=minimum, maximum=maximum)
    if confirmation not in Confirmation.values:
        raise DomainError(
            "invalid_confirmation",
            "Confirmation is either “instant” or “request”.",
            field="confirmation",
        )
    policy, _ = SchedulingPolicy.objects.update_or_create(
        mentor=profile, defaults={**values, "confirmation": confirmation}
    )
    return policy
