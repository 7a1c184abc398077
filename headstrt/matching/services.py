"""State changes of situations, their sharing and mentor blocks; one transaction each."""

import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from headstrt.accounts.models import Area, SessionLength, Topic, User
from headstrt.accounts.validation import clean_languages, clean_text
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.core.money import MAX_SESSION_PRICE_MAJOR, Money, minor_exponent, validate_currency
from headstrt.matching.models import (
    MAX_TEXT,
    MAX_TITLE,
    MentorBlock,
    Situation,
    SituationShare,
)
from headstrt.matching.query import MAX_PERSPECTIVES

SLUG = re.compile(r"[-a-z0-9_]{1,100}")
MAX_SITUATIONS = 500
# How far ahead a window may reach; further is a typo in the year, not a plan.
MAX_WINDOW_AHEAD = timedelta(days=366)
# What is recorded of an absurd request (the column's limit); the ranking uses the cap anyway.
MAX_RECORDED_PERSPECTIVES = 2**31 - 1


class _Unchanged:
    """Marks an argument of ``situation_update`` that was not given."""

    def __repr__(self) -> str:
        return "UNCHANGED"


UNCHANGED: Any = _Unchanged()


def _given(value) -> bool:
    return value is not UNCHANGED


DESCRIBE_IT = "Describe your situation: what is happening, and what you want out of it."

# For each hard filter a relaxation can name, the change that drops it.
RELAXATIONS = {
    "language": {"languages": []},
    "budget": {"budget": None},
    "session_minutes": {"session_minutes": None},
    "topic": {"topic": ""},
    "area": {"area": ""},
}


def _title(value: str | None) -> str:
    return clean_text(value, field="title", label="Title", max_length=MAX_TITLE)


def _text(value: str | None) -> str:
    # Browsers send a textarea's line breaks as CRLF but count them as one character.
    text = clean_text(
        (value or "").replace("\r\n", "\n"),
        field="text",
        label="Your description",
        max_length=MAX_TEXT,
    )
    if not text:
        raise DomainError("required", DESCRIBE_IT, field="text")
    return text


def _area(value: str | None) -> str:
    value = (value or "").strip()
    if value and value not in Area.values:
        raise DomainError(
            "unknown_area", "Area must be personal, social or professional.", field="area"
        )
    return value


def _topic(slug: str | None) -> Topic | None:
    slug = (slug or "").strip()
    if not slug:
        return None
    topic = Topic.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
    if topic is None:
        raise DomainError(
            "unknown_topic", f"“{slug}” is not a topic of the taxonomy.", field="topic"
        )
    return topic


def _budget(budget: Money | None) -> dict:
    if budget is None:
        return {"budget_minor": None, "currency": ""}
    currency = validate_currency(budget.currency)
    if isinstance(budget.minor, bool) or not isinstance(budget.minor, int):
        raise DomainError(
            "invalid_budget", "A budget is a whole number of minor units.", field="budget"
        )
    if budget.minor <= 0:
        raise DomainError(
            "invalid_budget",
            "A budget must be more than zero. Leave it blank to see mentors at any price.",
            field="budget",
        )
    limit = MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(currency)
    if budget.minor > limit:
        raise DomainError(
            "invalid_budget",
            f"A budget can be at most {Money(limit, currency).format()} a session.",
            field="budget",
        )
    return {"budget_minor": budget.minor, "currency": currency}


def _session_minutes(value: int | None) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool) or value not in SessionLength.values:
        raise DomainError(
            "invalid_session_length",
            "Session lengths are 15, 30, 45 or 60 minutes.",
            field="session_minutes",
        )
    return int(value)


def _perspectives(value: int) -> dict:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(
            "invalid_number", "Perspectives must be a whole number.", field="perspectives"
        )
    if value < 1:
        raise DomainError("out_of_range", "Ask for at least one perspective.", field="perspectives")
    return {
        "perspectives": min(value, MAX_PERSPECTIVES),
        "perspectives_requested": min(value, MAX_RECORDED_PERSPECTIVES),
    }


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %Y, %H:%M").lstrip("0")


def _timing(
    *,
    as_soon_as_possible: bool,
    window_start: datetime | None,
    window_end: datetime | None,
    time_zone: str,
    kept: tuple[datetime | None, datetime | None] = (None, None),
) -> dict:
    """A checked time preference; naive datetimes are read in the person's time zone.

    A window equal to ``kept`` (the one already saved) may have started or passed meanwhile.
    """
    if (window_start is None) != (window_end is None):
        missing = "window_end" if window_end is None else "window_start"
        raise DomainError(
            "incomplete_window", "A time window needs both a start and an end.", field=missing
        )
    if window_start is None:
        return {
            "as_soon_as_possible": bool(as_soon_as_possible),
            "window_start": None,
            "window_end": None,
        }
    if as_soon_as_possible:
        raise DomainError(
            "conflicting_timing",
            "Choose either “As soon as possible” or a time window, not both.",
            field="window_start",
        )
    zone = ZoneInfo(time_zone or "UTC")
    start, end = (
        moment if moment.tzinfo else moment.replace(tzinfo=zone)
        for moment in (window_start, window_end)
    )
    if end <= start:
        raise DomainError(
            "invalid_window", "The time window must end after it starts.", field="window_end"
        )
    now = clock.now()
    must_be_ahead = (start, end) != kept
    if must_be_ahead and end <= now:
        raise DomainError(
            "window_in_past",
            f"That time window ended on {_local(end, zone)} ({zone.key}), which is in the "
            "past. Choose a window in the future, or “As soon as possible”.",
            field="window_start",
        )
    if must_be_ahead and end > now + MAX_WINDOW_AHEAD:
        raise DomainError(
            "window_too_far",
            "A time window can reach at most a year ahead.",
            field="window_end",
        )
    return {"as_soon_as_possible": False, "window_start": start, "window_end": end}


def _own_situation(*, user: User, situation_id: str) -> Situation:
    """The person's own situation, locked; a mentor it is shared with may only read it."""
    situation = (
        Situation.objects.select_for_update()
        .select_related("mentee")
        .filter(public_id=situation_id)
        .first()
    )
    if situation is None or situation.mentee_id != user.pk:
        if situation is not None and situation.shares.filter(mentor=user).exists():
            raise PermissionDenied("Only the person who described this situation can change it.")
        raise NotFound("No such situation.")
    return situation


def _save(situation: Situation, values: dict) -> Situation:
    languages = values.pop("languages", None)
    for name, value in values.items():
        setattr(situation, name, value)
    situation.save()
    if languages is not None:
        situation.languages.set(languages)
    return situation


@transaction.atomic
def situation_create(
    *,
    mentee: User,
    text: str,
    title: str = "",
    area: str = "",
    topic: str = "",
    budget: Money | None = None,
    languages: Iterable[str] | None = None,
    session_minutes: int | None = None,
    as_soon_as_possible: bool = False,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    perspectives: int = 1,
) -> Situation:
    """Save a new situation for ``mentee``; nothing is saved if any input is refused.

    ``languages`` left out means the languages the person speaks; an empty list means any.
    ``budget`` is per session; ``None`` means any price. Naive window datetimes are read in
    the person's time zone. A request for more than ``MAX_PERSPECTIVES`` perspectives is
    capped (and the matches say so).
    """
    values = {
        "text": _text(text),
        "title": _title(title),
        "area": _area(area),
        "topic": _topic(topic),
        **_budget(budget),
        "languages": clean_languages(
            languages if languages is not None else mentee.languages.values_list("code", flat=True)
        ),
        "session_minutes": _session_minutes(session_minutes),
        **_timing(
            as_soon_as_possible=as_soon_as_possible,
            window_start=window_start,
            window_end=window_end,
            time_zone=mentee.time_zone,
        ),
        **_perspectives(perspectives),
    }
    if Situation.objects.filter(mentee=mentee).count() >= MAX_SITUATIONS:
        raise DomainError(
            "too_many_situations",
            f"You have {MAX_SITUATIONS} situations; delete some you no longer need first.",
            status=409,
        )
    return _save(Situation(mentee=mentee), values)


@transaction.atomic
def situation_update(
    *,
    user: User,
    situation_id: str,
    text: str = UNCHANGED,
    title: str = UNCHANGED,
    area: str = UNCHANGED,
    topic: str = UNCHANGED,
    budget: Money | None = UNCHANGED,
    languages: Iterable[str] = UNCHANGED,
    session_minutes: int | None = UNCHANGED,
    as_soon_as_possible: bool = UNCHANGED,
    window_start: datetime | None = UNCHANGED,
    window_end: datetime | None = UNCHANGED,
    perspectives: int = UNCHANGED,
) -> Situation:
    """Change the person's own situation; arguments left out stay as they are.

    The same checks as ``situation_create`` apply, and a refused change saves nothing. A
    window that is kept as it was is not refused for having started or passed meanwhile.
    """
    situation = _own_situation(user=user, situation_id=situation_id)
    values: dict = {}
    if _given(text):
        values["text"] = _text(text)
    if _given(title):
        values["title"] = _title(title)
    if _given(area):
        values["area"] = _area(area)
    if _given(topic):
        values["topic"] = _topic(topic)
    if _given(budget):
        values.update(_budget(budget))
    if _given(languages):
        values["languages"] = clean_languages(languages)
    if _given(session_minutes):
        values["session_minutes"] = _session_minutes(session_minutes)
    if _given(as_soon_as_possible) or _given(window_start) or _given(window_end):
        asap = as_soon_as_possible if _given(as_soon_as_possible) else situation.as_soon_as_possible
        start = window_start if _given(window_start) else situation.window_start
        end = window_end if _given(window_end) else situation.window_end
        if (
            _given(as_soon_as_possible)
            and asap
            and not (_given(window_start) or _given(window_end))
        ):
            start = end = None  # choosing "as soon as possible" replaces a window
        if not _given(as_soon_as_possible) and (_given(window_start) or _given(window_end)):
            asap = False  # choosing a window replaces "as soon as possible"
        timing = _timing(
            as_soon_as_possible=asap,
            window_start=start,
            window_end=end,
            time_zone=situation.mentee.time_zone,
            kept=(situation.window_start, situation.window_end),
        )
        values.update(timing)
    if _given(perspectives):
        values.update(_perspectives(perspectives))
    return _save(situation, values)


@transaction.atomic
def situation_relax(*, user: User, situation_id: str, filter: str) -> Situation:
    """Drop one hard filter (language, budget, session_minutes, topic, area) of a situation."""
    if filter not in RELAXATIONS:
        raise DomainError(
            "unknown_filter",
            f"“{filter}” is not a filter that can be relaxed; use one of {', '.join(RELAXATIONS)}.",
            field="filter",
        )
    return situation_update(user=user, situation_id=situation_id, **RELAXATIONS[filter])


@transaction.atomic
def situation_delete(*, user: User, situation_id: str) -> None:
    """Delete the person's own situation, and with it every share of it."""
    _own_situation(user=user, situation_id=situation_id).delete()


def _mentor(mentor_id: str, *, listed: bool) -> User:
    """A person with a mentor profile, by public id; ``listed`` asks for an active one."""
    mentors = User.objects.filter(public_id=mentor_id, is_active=True, mentor_profile__isnull=False)
    if listed:
        mentors = mentors.filter(mentor_profile__is_active=True)
    mentor = mentors.first()
    if mentor is None:
        raise NotFound("No such mentor.")
    return mentor


@transaction.atomic
def situation_share(*, user: User, situation_id: str, mentor_id: str) -> SituationShare:
    """Let an active mentor read the person's situation (sharing twice changes nothing)."""
    situation = _own_situation(user=user, situation_id=situation_id)
    mentor = _mentor(mentor_id, listed=True)
    if mentor.pk == user.pk:
        raise DomainError(
            "share_with_self",
            "This is your own situation; share it with a mentor.",
            field="mentor",
        )
    if MentorBlock.objects.filter(mentee=user, mentor=mentor).exists():
        raise DomainError(
            "mentor_blocked",
            f"You blocked {mentor.display_name}. Unblock them first to share with them.",
            field="mentor",
            status=409,
        )
    share, _ = SituationShare.objects.get_or_create(situation=situation, mentor=mentor)
    return share


@transaction.atomic
def situation_unshare(*, user: User, situation_id: str, mentor_id: str) -> None:
    """Stop sharing the person's situation with a mentor (idempotent)."""
    situation = _own_situation(user=user, situation_id=situation_id)
    SituationShare.objects.filter(situation=situation, mentor__public_id=mentor_id).delete()


@transaction.atomic
def mentor_block(*, mentee: User, mentor_id: str) -> MentorBlock:
    """Never show this mentor to ``mentee`` again; their situations stop being shared with them."""
    mentor = _mentor(mentor_id, listed=False)
    if mentor.pk == mentee.pk:
        raise DomainError("block_self", "You cannot block yourself.", field="mentor")
    block, _ = MentorBlock.objects.get_or_create(mentee=mentee, mentor=mentor)
    SituationShare.objects.filter(situation__mentee=mentee, mentor=mentor).delete()
    return block


@transaction.atomic
def mentor_unblock(*, mentee: User, mentor_id: str) -> None:
    """Let a blocked mentor appear in ``mentee``'s matches again (idempotent)."""
    MentorBlock.objects.filter(mentee=mentee, mentor__public_id=mentor_id).delete()
