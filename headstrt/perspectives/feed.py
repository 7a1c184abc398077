"""Reverse matching: the open questions a mentor could answer, ranked by fit to their own
expertise (the matching engine's embedder and the mentor's profile vector), with reasons."""

from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from headstrt.accounts.models import Area, ExpertiseEntry, MentorProfile, User
from headstrt.accounts.validation import clean_int
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching.models import MentorBlock
from headstrt.perspectives.models import (
    MAX_ASKED,
    AskStatus,
    PerspectiveAsk,
    PerspectiveOffer,
    PerspectiveRequest,
)
from headstrt.perspectives.selectors import mentee_label
from headstrt.scheduling.selectors import person_is_paused

# Only the newest open questions are ranked, so the feed costs the same however many
# questions were ever posted.
WINDOW = 500
MAX_LIMIT = 100
# The words decide; the taxonomy and freshness only order questions of similar fit.
SAME_TOPIC, SAME_PARENT, SAME_AREA = 0.3, 0.15, 0.05
RECENCY = 0.05
RECENCY_HALF_LIFE_HOURS = 48
# Below this cosine an expertise entry is not named as the reason for a question.
CLOSE_ENOUGH = 0.35


@dataclass(frozen=True)
class FeedItem:
    """One open question in a mentor's feed, with how well it fits them and why."""

    request: PerspectiveRequest
    score: float
    reasons: tuple[str, ...]
    mentee_label: str


def _profile(mentor: User) -> MentorProfile | None:
    entries = ExpertiseEntry.objects.select_related("topic__parent").order_by("-years", "pk")
    return (
        MentorProfile.objects.select_related("user")
        .prefetch_related(Prefetch("expertise", queryset=entries))
        .filter(user=mentor)
        .first()
    )


def open_requests_notice(*, mentor: User) -> str:
    """Why the mentor's feed is empty for a reason of their own (no answer price, paused),
    or ``""``."""
    profile = MentorProfile.objects.filter(user=mentor).first()
    if profile is None:
        return "Open a mentor profile to see open questions and offer your perspective."
    if profile.answer_price_minor is None:
        return (
            "Set a price for written answers on your mentor profile (it may be free) to see "
            "open questions and offer your perspective."
        )
    if not profile.is_active or person_is_paused(mentor, now=clock.now()):
        return "Your mentor profile is paused, so open questions are not shown."
    return ""


def _candidates(profile: MentorProfile, *, spoken: list[str]) -> QuerySet[PerspectiveRequest]:
    """Open questions of others this mentor may offer to answer: in a language they speak
    (or any), within the budget, not asked or offered already, not full, not from a mentee
    who blocked them."""
    languages = PerspectiveRequest.languages.through.objects.filter(
        perspectiverequest_id=OuterRef("pk")
    )
    price = profile.answer_price_minor
    fits = (
        Q()
        if price == 0
        else Q(budget_minor__isnull=True) | Q(currency=profile.currency, budget_minor__gte=price)
    )
    asked = PerspectiveAsk.objects.filter(request=OuterRef("pk"), mentor=profile).exclude(
        status=AskStatus.WITHDRAWN
    )
    offered = PerspectiveOffer.objects.filter(request=OuterRef("pk"), mentor=profile)
    blocked = MentorBlock.objects.filter(mentee=OuterRef("mentee"), mentor_id=profile.user_id)
    return (
        PerspectiveRequest.objects.filter(open=True, closed_at__isnull=True, mentee__is_active=True)
        .exclude(mentee_id=profile.user_id)
        .filter(~Exists(languages) | Exists(languages.filter(language_id__in=spoken)))
        .filter(fits)
        .exclude(Exists(asked))
        .exclude(Exists(offered))
        .exclude(Exists(blocked))
        .alias(live=Count("asks", filter=~Q(asks__status=AskStatus.WITHDRAWN)))
        .filter(live__lt=MAX_ASKED)
        .select_related("mentee", "topic__parent")
        .order_by("-created_at", "-pk")
    )


def _request_text(request: PerspectiveRequest) -> str:
    return f"{request.title}\n\n{request.question}" if request.title else request.question


def _entry_text(entry: ExpertiseEntry) -> str:
    return " — ".join(part for part in (entry.topic.path, entry.description) if part)


def _taxonomy(request: PerspectiveRequest, entries: list[ExpertiseEntry]) -> tuple[float, str]:
    """How the question's topic or area meets the mentor's expertise, and the words for it."""
    topic = request.topic
    if topic is not None:
        for entry in entries:
            if entry.topic_id == topic.pk:
                return SAME_TOPIC, f"Same topic as your expertise: {topic.path}"
        family = {topic.pk, topic.parent_id} - {None}
        for entry in entries:
            if {entry.topic_id, entry.topic.parent_id} & family:
                parent = topic.parent or topic
                return SAME_PARENT, f"In {parent.name}, where you have expertise"
    area = request.area or (topic.area if topic is not None else "")
    if area and any(entry.area == area for entry in entries):
        return SAME_AREA, f"In your area of expertise: {Area(area).label}"
    return 0.0, ""


def _age(request: PerspectiveRequest, now: datetime) -> tuple[float, str]:
    hours = max((now - request.created_at).total_seconds() / 3600, 0.0)
    freshness = RECENCY * 0.5 ** (hours / RECENCY_HALF_LIFE_HOURS)
    if hours < 1:
        return freshness, "Posted less than an hour ago"
    if hours < 48:
        return freshness, f"Posted {int(hours)} h ago"
    return freshness, f"Posted {int(hours // 24)} days ago"


def open_requests_for_mentor(*, mentor: User, limit: int = 20) -> list[FeedItem]:
    """The open questions of others that best fit the mentor's expertise, best first.

    A mentor who does not answer in writing (no answer price) or is paused gets an empty
    feed; ``open_requests_notice`` says why. Only the newest ``WINDOW`` questions are
    ranked, by the closeness in meaning of each question to the mentor's profile, then
    the taxonomy (same topic, same parent, same area) and a little freshness.
    """
    limit = clean_int(limit, field="limit", label="Limit", minimum=1, maximum=MAX_LIMIT)
    now = clock.now()
    profile = _profile(mentor)
    if (
        profile is None
        or profile.answer_price_minor is None
        or not profile.is_active
        or person_is_paused(profile.user, now=now)
    ):
        return []
    spoken = list(mentor.languages.values_list("code", flat=True))
    requests = list(_candidates(profile, spoken=spoken)[:WINDOW])
    if not requests:
        return []
    # Imported here: the engine loads its index and model, which only ranking should pay for.
    from headstrt.matching.indexing import mentor_index

    index = mentor_index()
    entries = list(profile.expertise.all())
    vectors = index.embedder.encode([_request_text(request) for request in requests])
    profile_vector = index.mentor_vector(profile.pk)
    closeness = vectors @ profile_vector if profile_vector is not None else np.zeros(len(requests))
    by_entry = (
        vectors @ index.embedder.encode([_entry_text(entry) for entry in entries]).T
        if entries
        else None
    )
    price = Money(profile.answer_price_minor, profile.currency)
    items = []
    for row, request in enumerate(requests):
        reasons = []
        if by_entry is not None:
            best = int(np.argmax(by_entry[row]))
            if by_entry[row, best] >= CLOSE_ENOUGH:
                reasons.append(f"Close to your expertise in {entries[best].topic.path}")
        fit, said = _taxonomy(request, entries)
        reasons += [said] if said else []
        if request.budget_minor is not None:
            budget = Money(request.budget_minor, request.currency)
            reasons.append(f"Pays up to {budget} per answer; you charge {price}")
        fresh, posted = _age(request, now)
        reasons.append(posted)
        items.append(
            FeedItem(
                request=request,
                score=round(float(closeness[row]) + fit + fresh, 4),
                reasons=tuple(reasons),
                mentee_label=mentee_label(request, mentor),
            )
        )
    items.sort(key=lambda item: (-item.score, -item.request.created_at.timestamp()))
    return items[:limit]
