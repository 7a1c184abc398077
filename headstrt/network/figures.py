"""A person's network in figures: people learned from and helped, topics covered,
perspectives gathered, and how many people stand two steps away."""

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from headstrt.accounts.models import User
from headstrt.network.graph import Tie, TieKind, TopicLink, neighbour_counts, ties, topic_links

# The ties in which one side taught or answered the other.
_LEARNING = (TieKind.SESSION, TieKind.PERSPECTIVE)


@dataclass(frozen=True)
class NetworkFigures:
    """Counts of distinct people and topics around one person."""

    people_learned_from: int
    people_helped: int
    topics_covered: int
    perspectives_gathered: int
    second_degree: int


def first_ring(user_id: int, direct: list[Tie]) -> set[int]:
    """The people one step from ``user_id``, from the person's own ties."""
    return {t.other if t.one == user_id else t.one for t in direct}


def second_ring(user_id: int, direct: list[Tie]) -> Counter[int]:
    """The people two steps from ``user_id`` and no closer, each with the number of
    engagements tying them to the person's first ring."""
    first = first_ring(user_id, direct)
    ring = neighbour_counts(first)
    for pk in first | {user_id}:
        ring.pop(pk, None)
    return ring


def figures_of(
    user_id: int, direct: list[Tie], links: list[TopicLink], second: Collection[int]
) -> NetworkFigures:
    """The figures of ``user_id`` from their own ties and topic links (``ties`` and
    ``topic_links`` of that person) and the people two steps away."""
    learned_from = {t.other for t in direct if t.kind in _LEARNING and t.one == user_id}
    helped = {t.one for t in direct if t.kind in _LEARNING and t.other == user_id}
    return NetworkFigures(
        people_learned_from=len(learned_from),
        people_helped=len(helped),
        topics_covered=len({link.topic_id for link in links}),
        perspectives_gathered=sum(
            t.count for t in direct if t.kind == TieKind.PERSPECTIVE and t.one == user_id
        ),
        second_degree=len(second),
    )


def network_figures(*, user: User) -> NetworkFigures:
    """The person's figures: distinct mentors of their sessions and of the written answers
    they received, distinct mentees they mentored or answered, distinct topics of those
    sessions and answers, answers received, and people two hops away."""
    direct = ties([user.pk])
    return figures_of(user.pk, direct, topic_links(user.pk), second_ring(user.pk, direct))
