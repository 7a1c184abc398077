"""A person's own network as the page draws it: the people tied to them (strongest ties
first), the topics of their engagements, and the figures."""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from headstrt.accounts.models import Topic, User
from headstrt.core import clock
from headstrt.network.discovery import reach_of
from headstrt.network.figures import NetworkFigures, figures_of, first_ring, second_ring
from headstrt.network.graph import TieKind, ties, topic_links
from headstrt.reviews.models import Review
from headstrt.reviews.selectors import visible

PEOPLE_SHOWN = 40
TOPICS_SHOWN = 20


@dataclass(frozen=True)
class PersonNode:
    """Someone tied to the person: engagements per kind (``TieKind`` values), whether they
    taught or answered the person (``learned_from``) or the other way round (``helped``),
    and the topics of their engagements together."""

    person: User
    kinds: dict[str, int]
    learned_from: bool
    helped: bool
    topic_ids: frozenset[int]

    @property
    def strength(self) -> int:
        return sum(self.kinds.values())

    @property
    def is_mentor(self) -> bool:
        profile = getattr(self.person, "mentor_profile", None)
        return profile is not None and profile.is_active


@dataclass(frozen=True)
class TopicNode:
    """A topic of the person's sessions and written answers, with how many there were."""

    topic: Topic
    count: int


@dataclass(frozen=True)
class Network:
    """What the network page shows of ``user``: ``people`` and ``topics`` are capped (the
    strongest first); ``more_people`` and ``more_topics`` say how many were left out;
    ``anonymous_answers`` counts the written answers the person gave to people who asked
    without their name, who are never shown; ``reach`` is whose ratings discovery reads
    (``discovery.reach_of``)."""

    user: User
    figures: NetworkFigures
    people: list[PersonNode]
    more_people: int
    topics: list[TopicNode]
    more_topics: int
    anonymous_answers: int
    reach: frozenset[int]


def _other(user_id: int, one: int, other: int) -> int:
    return other if one == user_id else one


def network_of(
    *, user: User, people_limit: int = PEOPLE_SHOWN, topics_limit: int = TOPICS_SHOWN
) -> Network:
    """The person's own network, read with the graph's tie queries. A review the person
    received counts only once they may read it (revealed and not hidden); a mentee who asked
    anonymously is never named to the mentor who answered."""
    me = user.pk
    direct = ties([me])
    links = topic_links(me)
    second = second_ring(me, direct)
    figures = figures_of(me, direct, links, second)
    readable = {}
    if any(tie.kind == TieKind.REVIEW and tie.other == me for tie in direct):
        readable = dict(
            Review.objects.filter(visible(clock.now()), subject_id=me)
            .order_by()
            .values_list("author_id")
            .annotate(count=Count("*"))
        )
    kinds: dict[int, dict[str, int]] = defaultdict(dict)
    learned_from, helped = set(), set()
    anonymous_answers = 0
    for tie in direct:
        if tie.anonymous and tie.other == me:
            anonymous_answers += tie.count
            continue
        other = _other(me, tie.one, tie.other)
        count = tie.count
        if tie.kind == TieKind.REVIEW and tie.other == me:
            count = readable.get(other, 0)
            if not count:
                continue
        person_kinds = kinds[other]
        person_kinds[tie.kind] = person_kinds.get(tie.kind, 0) + count
        if tie.kind in (TieKind.SESSION, TieKind.PERSPECTIVE):
            (learned_from if tie.one == me else helped).add(other)
    topic_ids: dict[int, set[int]] = defaultdict(set)
    topic_counts: dict[int, int] = defaultdict(int)
    for link in links:
        topic_counts[link.topic_id] += link.count
        if not (link.anonymous and link.other == me):
            topic_ids[_other(me, link.one, link.other)].add(link.topic_id)
    ranked = sorted(kinds, key=lambda pk: (-sum(kinds[pk].values()), pk))
    shown = ranked[:people_limit]
    people = User.objects.select_related("mentor_profile").in_bulk(shown)
    top_topics = sorted(topic_counts, key=lambda pk: (-topic_counts[pk], pk))[:topics_limit]
    topics = Topic.objects.select_related("parent").in_bulk(top_topics)
    return Network(
        user=user,
        figures=figures,
        people=[
            PersonNode(
                person=people[pk],
                kinds=kinds[pk],
                learned_from=pk in learned_from,
                helped=pk in helped,
                topic_ids=frozenset(topic_ids[pk] & set(top_topics)),
            )
            for pk in shown
        ],
        more_people=len(ranked) - len(shown),
        topics=[TopicNode(topic=topics[pk], count=topic_counts[pk]) for pk in top_topics],
        more_topics=len(topic_counts) - len(top_topics),
        anonymous_answers=anonymous_answers,
        reach=frozenset(reach_of(first_ring(me, direct), second)),
    )
