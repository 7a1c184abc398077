"""Mentors' free slots, and a mentor's own weekly availability, date exceptions and policy."""

import re
from datetime import UTC, date, datetime, time, timedelta

from django.http import HttpRequest
from ninja import Query, Router

from headstrt.accounts import selectors as accounts
from headstrt.accounts.models import User
from headstrt.accounts.validation import clean_int
from headstrt.api.auth import viewer
from headstrt.api.schemas import (
    AvailabilityExceptionIn,
    AvailabilityIn,
    AvailabilityOut,
    AvailabilityRuleSchema,
    SchedulingPolicyIn,
    SchedulingPolicySchema,
    SlotsOut,
    SlotsQuery,
    TimeRangeSchema,
)
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.scheduling import selectors, services
from headstrt.scheduling.slots import zone_of

slots_router = Router(tags=["Mentors"], auth=None)
router = Router(tags=["Availability"])

MAX_DAYS = 31
_CLOCK = re.compile(r"(\d\d):(\d\d)")


def _day(value: str, *, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DomainError(
            "invalid_date", f"“{value}” is not a date; use YYYY-MM-DD.", field=field
        ) from None


def _clock_time(value: str, *, field: str, is_end: bool = False) -> time:
    """A wall-clock time from ``HH:MM``; an end may also say 24:00 for midnight."""
    match = _CLOCK.fullmatch(value.strip())
    if match:
        hours, minutes = int(match[1]), int(match[2])
        if is_end and (hours, minutes) == (24, 0):
            return time(0)
        if hours < 24 and minutes < 60:
            return time(hours, minutes)
    raise DomainError(
        "invalid_time",
        f"“{value}” is not a time of day; use HH:MM such as 09:30.",
        field=field,
    )


def _range_times(
    item: TimeRangeSchema | AvailabilityRuleSchema, *, field: str
) -> tuple[time, time]:
    return (
        _clock_time(item.start, field=f"{field}.start"),
        _clock_time(item.end, field=f"{field}.end", is_end=True),
    )


def _range(start: time, end: time) -> dict:
    return {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}


def _availability(user: User) -> dict:
    settings = selectors.availability_settings_for_owner(
        mentor=accounts.mentor_profile_required(user=user), now=clock.now()
    )
    exceptions: dict[date, list[dict]] = {}
    for exception in settings.exceptions:
        ranges = exceptions.setdefault(exception.date, [])
        if not exception.is_time_off:
            ranges.append(_range(exception.start, exception.end))
    return {
        "time_zone": user.time_zone,
        "rules": [
            {"weekday": rule.weekday, **_range(rule.start, rule.end)} for rule in settings.rules
        ],
        "exceptions": [
            {"date": day.isoformat(), "ranges": ranges} for day, ranges in exceptions.items()
        ],
    }


@slots_router.get("/{slug:mentor_id}/slots", response=SlotsOut)
def mentor_slots(request: HttpRequest, mentor_id: str, query: Query[SlotsQuery]):
    """A mentor's free slots of one length over ``days`` days from ``start`` (midnight in
    ``tz``), in UTC and on the viewer's clock."""
    mentor = selectors.mentor_get_for_slots(public_id=mentor_id)
    person = viewer(request)
    zone_name = query.tz.strip() or (
        person.time_zone if person.is_authenticated else mentor.user.time_zone
    )
    try:
        zone = zone_of(zone_name)
    except DomainError as error:
        error.field = "tz"
        raise
    days = clean_int(query.days, field="days", label="Days", minimum=1, maximum=MAX_DAYS)
    now = clock.now()
    first = _day(query.start, field="start") if query.start.strip() else now.astimezone(zone).date()
    try:
        start = datetime.combine(first, time(), zone).astimezone(UTC)
        end = datetime.combine(first + timedelta(days=days), time(), zone).astimezone(UTC)
    except OverflowError:
        raise DomainError("invalid_date", "That date is out of range.", field="start") from None
    slots = selectors.mentor_slots(
        mentor=mentor, minutes=query.minutes, start=start, end=end, now=now
    )
    answer = {
        "mentor": mentor.user.public_id,
        "minutes": query.minutes,
        "time_zone": zone_name,
        "slots": [
            {
                "start": slot.start,
                "end": slot.end,
                "local_start": slot.start.astimezone(zone),
                "local_end": slot.end.astimezone(zone),
            }
            for slot in slots
        ],
    }
    # Built to ``SlotsOut`` here, so the answer skips checking each slot against it again.
    # Imported here: the API's root imports this module to mount its routes.
    from headstrt.api.root import api

    return api.create_response(request, answer, status=200)


@router.get("/availability", response=AvailabilityOut)
def availability_get(request: HttpRequest):
    """Your weekly availability and your date exceptions from today on, in your time zone."""
    return _availability(request.auth)


@router.put("/availability", response=AvailabilityOut)
def availability_put(request: HttpRequest, payload: AvailabilityIn):
    """Replace your weekly availability. Ranges of one weekday may not overlap; nothing is
    saved unless every rule is valid."""
    rules = [
        (rule.weekday, *_range_times(rule, field=f"rules.{index}"))
        for index, rule in enumerate(payload.rules)
    ]
    services.availability_set(user=request.auth, rules=rules)
    return _availability(request.auth)


@router.put("/availability/exceptions/{day}", response=AvailabilityOut)
def availability_exception_put(request: HttpRequest, day: str, payload: AvailabilityExceptionIn):
    """Replace one date's availability with these ranges; no ranges takes the day off."""
    services.availability_exception_set(
        user=request.auth,
        day=_day(day, field="date"),
        ranges=[
            _range_times(item, field=f"ranges.{index}") for index, item in enumerate(payload.ranges)
        ],
    )
    return _availability(request.auth)


@router.delete("/availability/exceptions/{day}", response={204: None})
def availability_exception_delete(request: HttpRequest, day: str):
    """Let the date follow your weekly availability again."""
    services.availability_exception_remove(user=request.auth, day=_day(day, field="date"))


@router.get("/scheduling-policy", response=SchedulingPolicySchema)
def scheduling_policy_get(request: HttpRequest):
    """How you want to be booked; the defaults until you save a policy."""
    return selectors.scheduling_policy_for_mentor(
        mentor=accounts.mentor_profile_required(user=request.auth)
    )


@router.put("/scheduling-policy", response=SchedulingPolicySchema)
def scheduling_policy_put(request: HttpRequest, payload: SchedulingPolicyIn):
    """Replace your scheduling policy; fields left out take their defaults."""
    return services.scheduling_policy_save(user=request.auth, **payload.model_dump())
