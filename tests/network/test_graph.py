"""The graph's tie queries: typed ties with counts, topic links, and their bounded cost."""

import pytest

from headstrt.network import graph
from headstrt.network.graph import Tie, TieKind, TopicLink, neighbours, ties, topic_links
from headstrt.perspectives.models import AskStatus
from headstrt.reviews.models import Outcome
from headstrt.scheduling.models import BookingStatus
from tests.network.world import answer, mentor, person, session

pytestmark = pytest.mark.django_db


def test_ties_are_typed_and_counted(around):
    ana, bo, cy = around.ana.pk, around.bo.user_id, around.cy.user_id
    assert set(ties([ana])) == {
        Tie(TieKind.SESSION, ana, bo, 2),
        Tie(TieKind.REVIEW, ana, bo, 1),
        Tie(TieKind.PERSPECTIVE, ana, cy, 1),
    }


def test_a_tie_between_two_people_asked_for_comes_once(around):
    found = ties([around.ana.pk, around.bo.user_id])
    sessions = [t for t in found if t.kind == TieKind.SESSION and t.one == around.ana.pk]
    assert sessions == [Tie(TieKind.SESSION, around.ana.pk, around.bo.user_id, 2)]


def test_sessions_never_confirmed_and_unanswered_asks_are_no_ties(db):
    ana, bo = person("Ana"), mentor("Bo")
    session(bo, ana, status=BookingStatus.DECLINED, confirmed=False)
    answer(bo, ana, status=AskStatus.DECLINED)
    assert ties([ana.pk]) == []
    session(bo, ana, status=BookingStatus.CANCELLED)  # cancelled after it was confirmed
    assert ties([ana.pk]) == [Tie(TieKind.SESSION, ana.pk, bo.user_id, 1)]


def test_an_anonymous_request_marks_its_answer_tie(db):
    ana, bo = person("Ana"), mentor("Bo")
    answer(bo, ana, anonymous=True)
    assert ties([bo.user_id]) == [Tie(TieKind.PERSPECTIVE, ana.pk, bo.user_id, 1, True)]


def test_topic_links_come_from_the_situation_then_the_outcome(around):
    ana, bo, cy = around.ana.pk, around.bo.user_id, around.cy.user_id
    untitled = session(around.bo, around.ana)
    Outcome.objects.create(
        booking=untitled,
        mentor=around.bo,
        mentee=around.ana,
        topic=around.career,
        follow_up_at=untitled.end,
        created_at=untitled.end,
    )
    assert set(topic_links(ana)) == {
        TopicLink(TieKind.SESSION, ana, bo, around.salary.pk, 2),
        TopicLink(TieKind.SESSION, ana, bo, around.career.pk, 1),
        TopicLink(TieKind.PERSPECTIVE, ana, cy, around.abroad.pk, 1),
    }
    assert TopicLink(TieKind.SESSION, around.dee.pk, around.eve.user_id, around.salary.pk, 1) in (
        topic_links(around.eve.user_id)
    )


def test_ties_cost_four_queries_per_batch_of_people(around, django_assert_num_queries, monkeypatch):
    with django_assert_num_queries(4):
        ties([around.ana.pk, around.dee.pk])
    monkeypatch.setattr(graph, "_BATCH", 1)
    with django_assert_num_queries(8):
        found = neighbours([around.ana.pk, around.dee.pk])
    assert found == {around.bo.user_id, around.cy.user_id, around.eve.user_id}


def test_topic_links_cost_one_query(around, django_assert_num_queries):
    with django_assert_num_queries(1):
        topic_links(around.ana.pk)
