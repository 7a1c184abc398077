"""The SVG drawing: well-formed and accessible, one circle per person, one line per kind of
tie, names escaped, initials when the ring is crowded, and the same drawing every time."""

import xml.etree.ElementTree as ET

import pytest

from headstrt.network.layout import NAMED_PEOPLE, network_svg
from headstrt.network.selectors import network_of
from tests.network.world import person, review, session

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def parsed(network) -> ET.Element:
    return ET.fromstring(str(network_svg(network)))


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [e for e in root.iter() if name in e.get("class", "").split()]


def test_the_drawing_is_accessible_and_complete(around):
    root = parsed(network_of(user=around.ana))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "network-graph-title network-graph-desc"
    assert root.find(f"{SVG}title").text == "Your network"
    assert "2 people tied to you" in root.find(f"{SVG}desc").text
    people = by_class(root, "network-graph__person")
    assert len(people) == 2
    titles = sorted(p.find(f"{SVG}title").text for p in people)
    assert titles == ["Bo Lund: 2 sessions and 1 review", "Cy Ode: 1 written perspective"]
    edges = by_class(root, "network-graph__edge")
    drawn = [e for e in edges if e.find(f"{SVG}title") is not None]
    assert sorted(e.find(f"{SVG}title").text for e in drawn) == [
        "1 review with Bo Lund",
        "1 written perspective with Cy Ode",
        "2 sessions with Bo Lund",
    ]
    assert len(by_class(root, "network-graph__topic")) == 2
    assert len(root.find(f"{SVG}g[@class='network-graph__links']")) == 2  # person to topic


def test_the_drawing_is_deterministic_and_names_are_escaped(around):
    around.bo.user.display_name = 'Bo <script>"x"</script>'
    around.bo.user.save(update_fields=["display_name"])
    first = str(network_svg(network_of(user=around.ana)))
    assert first == str(network_svg(network_of(user=around.ana)))
    assert "<script>" not in first and "&lt;script&gt;" in first
    ET.fromstring(first)  # still well-formed


def test_a_crowded_ring_shows_initials_and_counts_the_rest(around):
    for index in range(NAMED_PEOPLE + 2):
        review(session(around.bo, person(f"Mentee Number{index}")), stars=5)
    root = parsed(network_of(user=around.bo.user, people_limit=NAMED_PEOPLE + 1))
    assert len(by_class(root, "network-graph__person")) == NAMED_PEOPLE + 1
    assert {t.text for t in by_class(root, "network-graph__initials")} >= {"MN", "AD"}
    assert "Ana Diaz" not in {label.text for label in by_class(root, "network-graph__label")}
    assert by_class(root, "network-graph__more")[0].text == "and 3 more people"  # of 28


def test_an_empty_network_draws_only_the_person(db):
    root = parsed(network_of(user=person("Sam Stranger")))
    assert by_class(root, "network-graph__person") == []
    assert "no ties yet" in root.find(f"{SVG}desc").text
