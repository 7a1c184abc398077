"""What the ranking needs to know about a situation, and what it answers."""

from dataclasses import dataclass, field
from datetime import datetime

from headstrt.accounts.models import MentorProfile
from headstrt.core.money import Money

MAX_PERSPECTIVES = 5


@dataclass(frozen=True)
class SituationQuery:
    """A situation as the ranking sees it: text plus hard filters and preferences."""

    text: str
    mentee_id: int | None = None
    time_zone: str = ""  # the mentee's IANA zone, for time-zone overlap
    area: str = ""
    topic: str = ""  # taxonomy slug
    budget: Money | None = None  # per session
    languages: tuple[str, ...] = ()  # ISO 639-1; a mentor must speak one of them
    session_minutes: int | None = None
    as_soon_as_possible: bool = False
    window_start: datetime | None = None
    window_end: datetime | None = None
    perspectives: int = 1


@dataclass(frozen=True)
class Reason:
    """One piece of a match's explanation, in words a person understands."""

    kind: str  # expertise, bio, session, topic, rating, outcome, price, language, availability
    text: str
    matched_terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class MentorMatch:
    """One ranked mentor with the score and the reasons behind it."""

    mentor: MentorProfile
    score: float  # 0..1, higher is better
    reasons: tuple[Reason, ...]
    price: Money | None = None  # for the requested length, else the cheapest offer
    rating: float | None = None  # Bayesian average, 1..5
    reviews: int = 0
    outcome_rate: float | None = None  # share of sessions whose objective was reached
    next_free_slot: datetime | None = None


@dataclass(frozen=True)
class Relaxation:
    """A hard filter to relax and how many mentors that would bring back."""

    filter: str  # language, budget, session_minutes, topic, area
    message: str
    mentors: int


@dataclass(frozen=True)
class MatchResult:
    """The ranked matches, plus notices (caps, ignored input) and relaxation advice.

    For an answer that sends them as JSON, ``matches_json`` holds the matches encoded once
    and ``matches`` is empty."""

    matches: list[MentorMatch]
    notices: list[str] = field(default_factory=list)
    relaxations: list[Relaxation] = field(default_factory=list)
    matches_json: str = ""
