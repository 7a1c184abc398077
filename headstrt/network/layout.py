"""The network drawn as an SVG image, server-side: the person in the middle, the people
tied to them on a ring, the topics of their engagements on an outer ring, one line per kind
of tie, and a legend. The layout is deterministic: the same network draws the same."""

import math
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from headstrt.core.wording import names_in_words
from headstrt.network.graph import TieKind
from headstrt.network.selectors import Network, PersonNode

WIDTH, HEIGHT = 900, 860
CENTRE = (450.0, 400.0)
PEOPLE_RING, TOPIC_RING = 165.0, 275.0
# Above this many people the ring has no room for names: initials, names in tooltips.
NAMED_PEOPLE = 24
PARALLEL_GAP = 14.0

KIND_WORDS = {
    TieKind.SESSION: ("session", "sessions"),
    TieKind.PERSPECTIVE: ("written perspective", "written perspectives"),
    TieKind.REVIEW: ("review", "reviews"),
    TieKind.MESSAGE: ("dispute message thread", "dispute message threads"),
}
ROLES = (
    ("mentor", "Taught or answered you"),
    ("mentee", "You taught or answered them"),
    ("both", "Both ways"),
    ("other", "Reviews or messages only"),
)


@dataclass(frozen=True)
class _Point:
    x: float
    y: float


def _n(value: float) -> str:
    """A coordinate as SVG reads it, to a tenth of a unit."""
    return f"{value:.1f}"


def _at(angle: float, radius: float) -> _Point:
    return _Point(CENTRE[0] + radius * math.cos(angle), CENTRE[1] + radius * math.sin(angle))


def _counted(count: int, kind: str) -> str:
    one, many = KIND_WORDS[kind]
    return f"{count} {one if count == 1 else many}"


def role_of(node: PersonNode) -> str:
    """``mentor``, ``mentee``, ``both`` or ``other``: which way learning went."""
    if node.learned_from and node.helped:
        return "both"
    if node.learned_from:
        return "mentor"
    return "mentee" if node.helped else "other"


def ties_in_words(node: PersonNode) -> str:
    """E.g. "3 sessions and 1 review", kinds in a fixed order."""
    return names_in_words([_counted(node.kinds[k], k) for k in TieKind if k in node.kinds])


def _initials(name: str) -> str:
    return "".join(word[0] for word in name.split()[:2]).upper() or "?"


def _anchor(angle: float) -> str:
    cosine = math.cos(angle)
    return "start" if cosine > 0.2 else "end" if cosine < -0.2 else "middle"


def _spread(wanted: list[float], gap: float) -> list[float]:
    """Angles as close to ``wanted`` (sorted) as a minimum ``gap`` between them allows."""
    placed: list[float] = []
    for angle in wanted:
        placed.append(max(angle, placed[-1] + gap) if placed else angle)
    overflow = placed[-1] - (placed[0] + 2 * math.pi - gap) if placed else 0.0
    return (
        [angle - overflow * i / max(1, len(placed) - 1) for i, angle in enumerate(placed)]
        if (overflow > 0)
        else placed
    )


def _layout(network: Network) -> tuple[dict[int, float], dict[int, float]]:
    """Angles of people and topics: people grouped by their most common topic, so their
    lines to it stay short; each topic where its people are."""
    order = {node.topic.pk: index for index, node in enumerate(network.topics)}

    def first_topic(node: PersonNode) -> int:
        return min((order[pk] for pk in node.topic_ids if pk in order), default=len(order))

    people = sorted(network.people, key=lambda n: (first_topic(n), -n.strength, n.person.pk))
    step = 2 * math.pi / max(1, len(people))
    person_angle = {n.person.pk: -math.pi / 2 + i * step for i, n in enumerate(people)}
    wanted = []
    for index, topic in enumerate(network.topics):
        linked = [person_angle[n.person.pk] for n in people if topic.topic.pk in n.topic_ids]
        if linked:
            angle = math.atan2(sum(math.sin(a) for a in linked), sum(math.cos(a) for a in linked))
        else:
            angle = -math.pi / 2 + (index + 0.5) * 2 * math.pi / len(network.topics)
        wanted.append((angle % (2 * math.pi), topic.topic.pk))
    wanted.sort()
    gap = 2 * math.pi / max(12, len(wanted))
    angles = _spread([angle for angle, _ in wanted], gap)
    return person_angle, {pk: a for a, (_, pk) in zip(angles, wanted, strict=True)}


def _edge(start: _Point, end: _Point, offset: float) -> str:
    """A quadratic curve bowed sideways by ``offset``, so parallel ties stay apart."""
    dx, dy = end.x - start.x, end.y - start.y
    length = math.hypot(dx, dy) or 1.0
    control = _Point(
        (start.x + end.x) / 2 - dy / length * offset, (start.y + end.y) / 2 + dx / length * offset
    )
    return f"M{_n(start.x)} {_n(start.y)} Q{_n(control.x)} {_n(control.y)} {_n(end.x)} {_n(end.y)}"


def _description(network: Network) -> str:
    people = len(network.people) + network.more_people
    if not people:
        return "You have no ties yet: sessions, written perspectives and reviews add them."
    text = (
        f"You in the middle and {people} {'person' if people == 1 else 'people'} tied to you"
        f" on the inner ring"
    )
    if network.more_people:
        text += f" (the {len(network.people)} with the strongest ties drawn)"
    if network.topics:
        text += f"; {len(network.topics)} topics of your sessions and answers on the outer ring"
    return text + ". Lines show sessions, written perspectives, reviews and dispute messages."


def network_svg(network: Network) -> SafeString:
    """The network as an accessible SVG image (``role="img"``, a title and a description;
    names and counts in each node's tooltip). The page lists the same in text."""
    person_angle, topic_angle = _layout(network)
    named = len(network.people) <= NAMED_PEOPLE
    centre = _Point(*CENTRE)
    topic_points = {pk: _at(angle, TOPIC_RING) for pk, angle in topic_angle.items()}
    links, edges, people, topics = [], [], [], []
    for node in network.people:
        angle = person_angle[node.person.pk]
        point = _at(angle, PEOPLE_RING)
        name = node.person.display_name
        for pk in sorted(node.topic_ids):
            target = topic_points[pk]
            links.append((_n(point.x), _n(point.y), _n(target.x), _n(target.y)))
        kinds = [k for k in TieKind if k in node.kinds]
        for index, kind in enumerate(kinds):
            offset = (index - (len(kinds) - 1) / 2) * PARALLEL_GAP
            edges.append(
                (
                    kind,
                    _n(1.5 + min(node.kinds[kind], 10) * 0.35),
                    _edge(centre, point, offset),
                    f"{_counted(node.kinds[kind], kind)} with {name}",
                )
            )
        radius = 9 + min(node.strength, 12) * 0.5
        label = Truncator(name).chars(18) if named else _initials(name)
        if named:
            place = _at(angle, PEOPLE_RING + radius + 6)
            text = format_html(
                '<text x="{}" y="{}" text-anchor="{}" class="network-graph__label">{}</text>',
                _n(place.x),
                _n(place.y + 4),
                _anchor(angle),
                label,
            )
        else:
            text = format_html(
                '<text x="{}" y="{}" text-anchor="middle" '
                'class="network-graph__initials">{}</text>',
                _n(point.x),
                _n(point.y + 4),
                label,
            )
        people.append(
            format_html(
                '<g class="network-graph__person network-graph__person--{}"><title>{}: {}</title>'
                '<circle cx="{}" cy="{}" r="{}"/>{}</g>',
                role_of(node),
                name,
                ties_in_words(node),
                _n(point.x),
                _n(point.y),
                _n(radius),
                text,
            )
        )
    for node in network.topics:
        angle = topic_angle[node.topic.pk]
        point = topic_points[node.topic.pk]
        place = _at(angle, TOPIC_RING + 14)
        topics.append(
            format_html(
                '<g class="network-graph__topic"><title>{}: {} engagement{}</title>'
                '<rect x="{}" y="{}" width="14" height="14" rx="3"/>'
                '<text x="{}" y="{}" text-anchor="{}" class="network-graph__label">{}</text>'
                "</g>",
                node.topic.path,
                node.count,
                "" if node.count == 1 else "s",
                _n(point.x - 7),
                _n(point.y - 7),
                _n(place.x),
                _n(place.y + 4),
                _anchor(angle),
                Truncator(node.topic.name).chars(20),
            )
        )
    # The legend: kinds of tie on one row, which way learning went on two below.
    legend = [
        format_html(
            '<g class="network-graph__key"><path d="M{} {}h36" class="network-graph__edge '
            'network-graph__edge--{}"/><text x="{}" y="{}">{}</text></g>',
            24 + 220 * index,
            780,
            kind,
            66 + 220 * index,
            784,
            label,
        )
        for index, (kind, label) in enumerate(TieKind.choices)
    ] + [
        format_html(
            '<g class="network-graph__key network-graph__person--{}"><circle cx="{}" cy="{}" '
            'r="8"/><text x="{}" y="{}">{}</text></g>',
            role,
            32 + 440 * (index % 2),
            814 + 28 * (index // 2),
            48 + 440 * (index % 2),
            818 + 28 * (index // 2),
            label,
        )
        for index, (role, label) in enumerate(ROLES)
    ]
    more = []
    if network.more_people:
        more.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="middle" class="network-graph__more">'
                "and {} more {}</text>",
                _n(CENTRE[0]),
                740,
                network.more_people,
                "person" if network.more_people == 1 else "people",
            )
        )
    return format_html(
        '<svg class="network-graph" viewBox="0 0 {} {}" width="100%" role="img" '
        'aria-labelledby="network-graph-title network-graph-desc" '
        'xmlns="http://www.w3.org/2000/svg">'
        '<title id="network-graph-title">Your network</title>'
        '<desc id="network-graph-desc">{}</desc>'
        '<g class="network-graph__links">{}</g><g class="network-graph__edges">{}</g>'
        "{}{}"
        '<g class="network-graph__you"><title>You</title>'
        '<circle cx="{}" cy="{}" r="24"/><text x="{}" y="{}" text-anchor="middle">You</text></g>'
        "{}</svg>",
        WIDTH,
        HEIGHT,
        _description(network),
        format_html_join(
            "",
            '<line x1="{}" y1="{}" x2="{}" y2="{}"/>',
            links,
        ),
        format_html_join(
            "",
            '<path d="{}" class="network-graph__edge network-graph__edge--{}" '
            'stroke-width="{}"><title>{}</title></path>',
            ((path, kind, width, title) for kind, width, path, title in edges),
        ),
        mark_safe("".join(topics)),  # each built with format_html
        mark_safe("".join(people)),  # each built with format_html
        _n(CENTRE[0]),
        _n(CENTRE[1]),
        _n(CENTRE[0]),
        _n(CENTRE[1] + 5),
        mark_safe("".join(legend + more)),  # each built with format_html
    )
