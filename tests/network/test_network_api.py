"""The network API: nodes, edges and figures of one's own network; discovery with a topic;
sign-in required; an unknown topic answers 422 and changes nothing."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import pytest

from tests.api.conftest import ApiClient, assert_error, client_for
from tests.network.world import answer, person

pytestmark = pytest.mark.django_db


def test_signing_in_is_required(client, around):
    assert_error(ApiClient(client).get("/me/network"), 401, "unauthenticated")
    assert_error(ApiClient(client).get("/me/network/discovery"), 401, "unauthenticated")


def test_the_network_as_nodes_edges_and_figures(client, around):
    body = client_for(client, around.ana).get("/me/network").json()
    bo, cy = around.bo.user, around.cy.user
    assert body["figures"] == {
        "people_learned_from": 2,
        "people_helped": 0,
        "topics_covered": 2,
        "perspectives_gathered": 1,
        "second_degree": 1,
    }
    nodes = {node["id"]: node for node in body["nodes"]}
    assert set(nodes) == {
        "you",
        f"person:{bo.public_id}",
        f"person:{cy.public_id}",
        "topic:net-salary-talks",
        "topic:net-moving-abroad",
    }
    assert nodes[f"person:{bo.public_id}"]["role"] == "mentor"
    assert nodes[f"person:{bo.public_id}"]["mentor_url"].endswith(f"/mentors/{bo.public_id}/")
    assert nodes["topic:net-salary-talks"]["name"] == "Career › Salary talks"
    edges = {(e["source"], e["target"], e["kind"]): e["count"] for e in body["edges"]}
    assert edges == {
        ("you", f"person:{bo.public_id}", "session"): 2,
        ("you", f"person:{bo.public_id}", "review"): 1,
        ("you", f"person:{cy.public_id}", "perspective"): 1,
        (f"person:{bo.public_id}", "topic:net-salary-talks", "topic"): None,
        (f"person:{cy.public_id}", "topic:net-moving-abroad", "topic"): None,
    }
    assert (body["more_people"], body["anonymous_answers"]) == (0, 0)


def test_an_anonymous_asker_is_no_node_of_the_mentor(client, around):
    shy = person("Shy Asker")
    answer(around.cy, shy, about=around.abroad, anonymous=True)
    body = client_for(client, around.cy.user).get("/me/network").json()
    assert f"person:{shy.public_id}" not in {node["id"] for node in body["nodes"]}
    assert body["anonymous_answers"] == 1


def test_discovery_with_and_without_a_topic(client, around):
    api = client_for(client, around.ana)
    body = api.get("/me/network/discovery").json()
    eve = around.eve.user
    assert [(m["public_id"], m["reviewers"], m["average"]) for m in body["mentors"]] == [
        (eve.public_id, 1, 5.0)
    ]
    assert body["mentors"][0]["book_url"].endswith(f"/mentors/{eve.public_id}/book/")
    assert body["topics"] == [
        {"slug": "net-salary-talks", "name": "Salary talks", "path": "Career › Salary talks"}
    ]
    body = api.get("/me/network/discovery", {"topic": "net-career"}).json()
    assert body["topic"]["slug"] == "net-career"
    assert body["mentors"][0]["topic"]["slug"] == "net-career"
    assert api.get("/me/network/discovery", {"topic": "net-moving-abroad"}).json()["mentors"] == []


def test_an_unknown_topic_is_refused(client, around):
    api = client_for(client, around.ana)
    body = assert_error(api.get("/me/network/discovery", {"topic": "nope"}), 422, "unknown_topic")
    assert "nope" in body["message"]
    assert_error(api.get("/me/network/discovery", {"topic": "x" * 101}), 422, "invalid")


def test_another_person_gets_their_own_network_only(client, around):
    body = client_for(client, person("Sam Stranger")).get("/me/network").json()
    assert [node["id"] for node in body["nodes"]] == ["you"]
    assert body["edges"] == [] and body["figures"]["second_degree"] == 0


def test_the_network_endpoint_costs_a_fixed_number_of_queries(
    client, around, django_assert_num_queries
):
    api = client_for(client, around.ana)
    api.get("/me/network")  # the token's first use is recorded once
    # the token and its person 1, network 11
    with django_assert_num_queries(12):
        assert api.get("/me/network").status_code == 200
    for index in range(3):
        answer(around.cy, person(f"Asker {index}"), about=around.abroad)
    with django_assert_num_queries(12):
        assert api.get("/me/network").status_code == 200
