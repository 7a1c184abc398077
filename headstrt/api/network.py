"""The person's network: graph, figures and discovery of mentors their network rated highly."""

from django.http import HttpRequest
from django.urls import reverse
from django.views.decorators.cache import never_cache
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from headstrt.api.schemas import TopicRefOut
from headstrt.network.discovery import network_discovery
from headstrt.network.graph import TieKind
from headstrt.network.layout import role_of
from headstrt.network.selectors import network_of

router = Router(tags=["Network"])


class NetworkFiguresOut(Schema):
    people_learned_from: int = Field(description="Mentors of your sessions and written answers.")
    people_helped: int = Field(description="People you mentored or answered.")
    topics_covered: int
    perspectives_gathered: int = Field(description="Written answers to your requests.")
    second_degree: int = Field(description="People two steps away and no closer.")


class NetworkNodeOut(Schema):
    id: str = Field(description="`you`, `person:<public id>` or `topic:<slug>`.")
    type: str = Field(description="`you`, `person` or `topic`.")
    name: str
    public_id: str | None = None
    slug: str | None = None
    role: str | None = Field(
        None,
        description="For people: `mentor` (taught or answered you), `mentee` (you taught or "
        "answered them), `both` or `other` (reviews or dispute messages only).",
    )
    mentor_url: str | None = Field(None, description="Their mentor page, if they mentor.")
    count: int | None = Field(None, description="For topics: sessions and answers on it.")


class NetworkEdgeOut(Schema):
    source: str
    target: str
    kind: str = Field(
        description="`session`, `perspective`, `review`, `message` (you to a person) or "
        "`topic` (a person to a topic of your engagements together)."
    )
    count: int | None = None


class NetworkOut(Schema):
    figures: NetworkFiguresOut
    nodes: list[NetworkNodeOut]
    edges: list[NetworkEdgeOut]
    more_people: int = Field(description="People tied to you beyond the strongest ones listed.")
    more_topics: int
    anonymous_answers: int = Field(
        description="Written answers you gave to people who asked without their name."
    )


class DiscoveryQuery(Schema):
    topic: str | None = Field(
        None, max_length=100, description="A topic slug; its sub-topics count too."
    )


class NetworkPickOut(Schema):
    public_id: str
    name: str
    headline: str
    reviewers: int = Field(description="People in your network who rated them 4 stars or more.")
    average: float = Field(description="The average stars of those reviews.")
    topic: TopicRefOut | None
    mentor_url: str
    book_url: str


class DiscoveryOut(Schema):
    topic: TopicRefOut | None
    topics: list[TopicRefOut] = Field(description="Topics your network's high ratings are about.")
    mentors: list[NetworkPickOut]


def _person_id(public_id: str) -> str:
    return f"person:{public_id}"


@router.get("/me/network", response=NetworkOut, summary="Your network")
@decorate_view(never_cache)
def my_network(request: HttpRequest):
    """The people tied to you by sessions, written perspectives, reviews and dispute messages
    (the 40 strongest ties), the topics of your sessions and answers, and your figures."""
    network = network_of(user=request.auth)
    nodes = [{"id": "you", "type": "you", "name": request.auth.display_name}]
    edges = []
    for node in network.topics:
        slug = node.topic.slug
        nodes.append(
            {
                "id": f"topic:{slug}",
                "type": "topic",
                "name": node.topic.path,
                "slug": slug,
                "count": node.count,
            }
        )
    slugs = {node.topic.pk: node.topic.slug for node in network.topics}
    for node in network.people:
        person = node.person
        nodes.append(
            {
                "id": _person_id(person.public_id),
                "type": "person",
                "name": person.display_name,
                "public_id": person.public_id,
                "role": role_of(node),
                "mentor_url": request.build_absolute_uri(
                    reverse("web:mentor_detail", args=[person.public_id])
                )
                if node.is_mentor
                else None,
            }
        )
        edges += [
            {
                "source": "you",
                "target": _person_id(person.public_id),
                "kind": kind,
                "count": node.kinds[kind],
            }
            for kind in TieKind
            if kind in node.kinds
        ]
        edges += [
            {
                "source": _person_id(person.public_id),
                "target": f"topic:{slugs[pk]}",
                "kind": "topic",
            }
            for pk in sorted(node.topic_ids)
        ]
    return {
        "figures": network.figures,
        "nodes": nodes,
        "edges": edges,
        "more_people": network.more_people,
        "more_topics": network.more_topics,
        "anonymous_answers": network.anonymous_answers,
    }


@router.get(
    "/me/network/discovery", response=DiscoveryOut, summary="Mentors your network rated highly"
)
@decorate_view(never_cache)
def my_network_discovery(request: HttpRequest, query: Query[DiscoveryQuery]):
    """Mentors that people within two steps of you rated 4 stars or more, on a topic (its
    sub-topics included) or on any; ranked by how many of them did, then by their average.
    An unknown topic answers 422 `unknown_topic`."""
    found = network_discovery(user=request.auth, topic=query.topic)
    return {
        "topic": found.topic,
        "topics": found.topics,
        "mentors": [
            {
                "public_id": pick.mentor.user.public_id,
                "name": pick.mentor.user.display_name,
                "headline": pick.mentor.headline,
                "reviewers": pick.reviewers,
                "average": pick.average,
                "topic": pick.topic,
                "mentor_url": request.build_absolute_uri(
                    reverse("web:mentor_detail", args=[pick.mentor.user.public_id])
                ),
                "book_url": request.build_absolute_uri(
                    reverse("web:book", args=[pick.mentor.user.public_id])
                ),
            }
            for pick in found.picks
        ],
    }
