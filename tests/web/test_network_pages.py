"""The "my network" page: figures, the SVG graph and its text list, discovery with a topic,
what another person never sees, a refused topic, and the page's query count."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import pytest
from django.urls import reverse

from headstrt.messaging.models import Block
from tests.network.conftest import around
from tests.network.world import PAST, answer, person

pytestmark = pytest.mark.django_db

URL = reverse("web:network")


def page(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_signing_in_is_required(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_page_shows_figures_graph_list_and_discovery(client, around):
    response = page(client, around.ana)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="network-graph"' in html and 'role="img"' in html
    assert '<title id="network-graph-title">Your network</title>' in html
    assert "People you learned from</dt><dd>2</dd>" in html
    assert "People two steps away</dt><dd>1</dd>" in html
    # the text list names each person with their ties and topics
    assert "Bo Lund</a>" in html and "2 sessions and 1 review; topics: Salary talks" in html
    assert "1 written perspective; topics: Moving abroad" in html
    # discovery: Eve, rated 5 stars by Dee, with a link to book her
    assert reverse("web:book", args=[around.eve.user.public_id]) in html
    assert "Rated highly by 1 person in your network, 5.0 stars on average" in html


def test_a_topic_narrows_discovery(client, around):
    html = page(client, around.ana, topic="net-career").content.decode()
    assert "Mentors your network rated highly for Career" in html
    assert reverse("web:book", args=[around.eve.user.public_id]) in html
    html = page(client, around.ana, topic="net-moving-abroad").content.decode()
    assert "No mentor rated highly by your network on this topic yet." in html


def test_an_unknown_topic_is_a_clear_400_with_the_rest_of_the_page(client, around):
    response = page(client, around.ana, topic="<script>alert(1)</script>")
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a topic of the taxonomy" in html and "<script>alert(1)" not in html
    assert reverse("web:book", args=[around.eve.user.public_id]) in html  # every topic


def test_names_are_escaped_in_the_graph_and_the_list(client, around):
    around.bo.user.display_name = "<b>Bo</b>"
    around.bo.user.save(update_fields=["display_name"])
    html = page(client, around.ana).content.decode()
    assert "<b>Bo</b>" not in html and "&lt;b&gt;Bo&lt;/b&gt;" in html


def test_a_person_sees_only_their_own_network(client, around):
    stranger = person("Sam Stranger")
    html = page(client, stranger).content.decode()
    assert "No ties yet." in html
    assert "Bo Lund" not in html and "Ana Diaz" not in html
    assert "Eve Moss" not in html  # nobody in their network rated anyone


def test_an_anonymous_asker_stays_unnamed_on_the_mentors_page(client, around):
    shy = person("Shy Asker")
    answer(around.cy, shy, about=around.abroad, anonymous=True)
    html = page(client, around.cy.user).content.decode()
    assert "Shy Asker" not in html
    assert "You also gave 1 written answer to people who asked without their name" in html


def test_a_blocked_mentor_is_not_suggested(client, around):
    Block.objects.create(blocker=around.ana, blocked=around.eve.user, created_at=PAST)
    html = page(client, around.ana).content.decode()
    assert reverse("web:book", args=[around.eve.user.public_id]) not in html


def test_the_page_costs_a_fixed_number_of_queries(client, around, django_assert_num_queries):
    client.force_login(around.ana)
    client.get(URL)  # the session and the user are read once per request
    # session 1, user 1, network 11, discovery over the network read 3, the navigation's
    # unread counts 1
    with django_assert_num_queries(17):
        assert client.get(URL).status_code == 200
    for index in range(4):
        answer(around.cy, person(f"Asker {index}"), about=around.abroad)
    with django_assert_num_queries(17):
        assert client.get(URL).status_code == 200
