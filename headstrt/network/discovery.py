"""Discovery through the network: mentors that people within two steps of a person rated
highly, overall or for one topic (and its sub-topics)."""

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from headstrt.accounts.models import MentorProfile, Topic, User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.matching.models import MentorBlock
from headstrt.messaging.models import Block
from headstrt.network.figures import first_ring, second_ring
from headstrt.network.graph import batches, ties
from headstrt.reviews.models import Review
from headstrt.reviews.selectors import visible
from headstrt.scheduling.models import Party

# Stars from which a review counts as rating the mentor highly (the partial index of
# reviews_0003 holds these reviews only).
HIGH_STARS = 4
# Best-ranked mentors whose profiles are read at a time.
_CANDIDATES = 50
# The people of the second ring whose ratings count: those most tied to the first ring.
# Around a busy mentor the second ring is tens of thousands of people; reading all their
# reviews would cost the page more than everything else on it.
SECOND_RING_READ = 300


def reach_of(first: set[int], second: Counter[int], *, limit: int = SECOND_RING_READ) -> set[int]:
    """The people whose ratings discovery reads: everyone one step away, and the ``limit``
    people two steps away with the most engagements with them (ties broken by id, so the
    same network reads the same people)."""
    closest = sorted(second, key=lambda pk: (-second[pk], pk))[:limit]
    return first | set(closest)


@dataclass(frozen=True)
class TopicChoice:
    """A topic to choose from, read without building the whole taxonomy node."""

    slug: str
    name: str
    path: str


@dataclass(frozen=True)
class NetworkPick:
    """A mentor rated highly by ``reviewers`` distinct people of the network, ``average``
    stars across those reviews; ``topic`` is the topic asked for, else the one most of
    those reviews were about (``None`` when they named none)."""

    mentor: MentorProfile
    reviewers: int
    average: float
    topic: TopicChoice | None


@dataclass(frozen=True)
class Discovery:
    """The picks for ``topic`` (``None``: every topic) and the topics the network's high
    ratings are about, to choose from."""

    picks: list[NetworkPick]
    topic: Topic | None
    topics: list[TopicChoice]


def _topic(slug: object) -> Topic | None:
    slug = slug.strip() if isinstance(slug, str) else ""
    if not slug:
        return None
    topic = Topic.objects.select_related("parent").filter(slug=slug[:100]).first()
    if topic is None:
        raise DomainError(
            "unknown_topic",
            f"“{slug[:100]}” is not a topic of the taxonomy.",
            field="topic",
            status=422,
        )
    return topic


def network_discovery(
    *,
    user: User,
    topic: object = None,
    limit: int = 10,
    reach: Iterable[int] | None = None,
) -> Discovery:
    """Mentors rated 4 stars or more, in reviews people can read, by the person's network
    (``reach_of``: the first ring and the closest of the second; ``reach``, when the caller
    has it already), on ``topic`` (a slug; a topic with sub-topics covers them too); never
    the person themselves, a mentor they blocked or whose messages they blocked, nor a
    paused profile. Ranked by the number of network reviewers, then their average stars."""
    chosen = _topic(topic)
    if reach is None:
        direct = ties([user.pk])
        reach = reach_of(first_ring(user.pk, direct), second_ring(user.pk, direct))
    people = set(reach) - {user.pk}
    reviews = (
        Review.objects.filter(
            visible(clock.now()),
            subject_party=Party.MENTOR,
            stars__gte=HIGH_STARS,
        )
        .exclude(subject_id=user.pk)
        .exclude(subject_id__in=MentorBlock.objects.filter(mentee=user).values("mentor_id"))
        .exclude(subject_id__in=Block.objects.filter(blocker=user).values("blocked_id"))
        .order_by()
    )
    rows = [
        row
        for batch in batches(people)
        for row in reviews.filter(author_id__in=batch).values_list(
            "author_id", "subject_id", "topic_id", "stars"
        )
    ]
    present = {topic_id for _, _, topic_id, _ in rows if topic_id is not None}
    wanted = None
    if chosen is not None:
        wanted = {chosen.pk} | set(chosen.children.values_list("pk", flat=True))
    reviewers: dict[int, set[int]] = defaultdict(set)
    stars: dict[int, list[int]] = defaultdict(list)
    topics: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for author, subject, topic_id, given in rows:
        if wanted is not None and topic_id not in wanted:
            continue
        reviewers[subject].add(author)
        stars[subject].append(given)
        if topic_id is not None:
            topics[subject][topic_id] += 1

    def rank(subject: int) -> tuple:
        return (-len(reviewers[subject]), -sum(stars[subject]) / len(stars[subject]), subject)

    ranked = sorted(reviewers, key=rank)
    # Paused profiles are left out here, for the best-ranked only: joining every review to
    # its mentor's profile and account would cost more than all the rest.
    profiles: list[MentorProfile] = []
    for start in range(0, len(ranked), _CANDIDATES):
        if len(profiles) >= limit:
            break
        chunk = ranked[start : start + _CANDIDATES]
        active = MentorProfile.objects.select_related("user").filter(
            user_id__in=chunk, is_active=True, user__is_active=True
        )
        found = {profile.user_id: profile for profile in active}
        profiles += [found[subject] for subject in chunk if subject in found]
    profiles = profiles[:limit]
    named = {
        profile.user_id: max(
            topics[profile.user_id], key=lambda pk: (topics[profile.user_id][pk], -pk)
        )
        for profile in profiles
        if topics[profile.user_id]
    }
    choices = {
        pk: TopicChoice(slug, name, f"{parent} › {name}" if parent else name)
        for pk, slug, name, parent in Topic.objects.filter(pk__in=present).values_list(
            "pk", "slug", "name", "parent__name"
        )
    }
    asked = None if chosen is None else TopicChoice(chosen.slug, chosen.name, chosen.path)
    return Discovery(
        picks=[
            NetworkPick(
                mentor=profile,
                reviewers=len(reviewers[profile.user_id]),
                average=round(sum(stars[profile.user_id]) / len(stars[profile.user_id]), 2),
                topic=asked or choices.get(named.get(profile.user_id)),
            )
            for profile in profiles
        ],
        topic=chosen,
        topics=sorted(choices.values(), key=lambda choice: choice.path),
    )


def mentors_rated_by_network(
    *, user: User, topic: object = None, limit: int = 10
) -> list[NetworkPick]:
    """ "Mentors people in your network rated highly for <topic>": see ``network_discovery``."""
    return network_discovery(user=user, topic=topic, limit=limit).picks
