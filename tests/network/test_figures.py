"""A person's figures and the network the page draws: who is counted, who is shown, what
stays private (blind reviews, anonymous askers), and the cost in queries."""

import pytest

from headstrt.network.figures import NetworkFigures, network_figures
from headstrt.network.graph import TieKind
from headstrt.network.selectors import network_of
from tests.network.world import answer, mentor, person, review, session

pytestmark = pytest.mark.django_db


def test_figures_count_distinct_people_topics_and_answers(around):
    answer(around.cy, around.ana, about=around.abroad)
    assert network_figures(user=around.ana) == NetworkFigures(
        people_learned_from=2,  # Bo (two sessions) and Cy (two answers)
        people_helped=0,
        topics_covered=2,
        perspectives_gathered=2,
        second_degree=1,  # Dee, through Bo; Eve is three steps away
    )
    assert network_figures(user=around.bo.user) == NetworkFigures(
        people_learned_from=0,
        people_helped=2,
        topics_covered=1,
        perspectives_gathered=0,
        second_degree=2,  # Cy through Ana, Eve through Dee
    )


def test_a_mentor_who_also_learns_counts_both_ways(around):
    session(mentor("Fay Moreau"), around.bo.user)
    figures = network_figures(user=around.bo.user)
    assert (figures.people_learned_from, figures.people_helped) == (1, 2)


def test_the_network_lists_people_by_strength_with_their_ties_and_topics(around):
    network = network_of(user=around.ana)
    assert [node.person for node in network.people] == [around.bo.user, around.cy.user]
    bo, cy = network.people
    assert bo.kinds == {TieKind.SESSION: 2, TieKind.REVIEW: 1}
    assert (bo.learned_from, bo.helped, bo.is_mentor) == (True, False, True)
    assert bo.topic_ids == {around.salary.pk} and cy.topic_ids == {around.abroad.pk}
    assert [(node.topic, node.count) for node in network.topics] == [
        (around.salary, 2),
        (around.abroad, 1),
    ]
    assert network.reach == {around.bo.user_id, around.cy.user_id, around.dee.pk}


def test_a_blind_review_received_shows_only_once_revealed(around):
    blind = session(around.bo, around.dee)
    review(blind, by_mentee=False, revealed=False)  # Bo reviews Dee, still blind
    dee = {node.person: node for node in network_of(user=around.dee).people}[around.bo.user]
    assert TieKind.REVIEW not in dee.kinds
    bo = {node.person: node for node in network_of(user=around.bo.user).people}[around.dee]
    assert bo.kinds[TieKind.REVIEW] == 1  # its author knows it


def test_an_anonymous_asker_is_counted_never_named_to_the_mentor(around):
    shy = person("Shy Asker")
    answer(around.cy, shy, about=around.abroad, anonymous=True)
    network = network_of(user=around.cy.user)
    assert [node.person for node in network.people] == [around.ana]
    assert network.anonymous_answers == 1
    assert network.figures.people_helped == 2
    assert [node.person for node in network_of(user=shy).people] == [around.cy.user]


def test_the_people_drawn_are_capped_with_the_rest_counted(around):
    for index in range(3):
        session(around.bo, person(f"Mentee {index}"))
    network = network_of(user=around.bo.user, people_limit=2)
    assert [node.person for node in network.people][0] == around.ana  # two sessions and a review
    assert (len(network.people), network.more_people) == (2, 3)


def test_the_network_costs_a_fixed_number_of_queries(around, django_assert_num_queries):
    # ties 4, topic links 1, people two steps away 4, people 1, topics 1
    with django_assert_num_queries(11):
        network_of(user=around.ana)
    for index in range(5):
        session(around.bo, person(f"Mentee {index}"), about=around.career)
    with django_assert_num_queries(11):
        network_of(user=around.ana)
    # and one for the reviews a person received, of which they may read only some
    with django_assert_num_queries(12):
        network_of(user=around.bo.user)
