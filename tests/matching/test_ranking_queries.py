"""Ranking reads only what its signals need of each candidate, in a fixed number of queries
however many mentors it weighs, whatever filters and preferences the situation has."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.accounts.models import Area
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching.indexing import mentor_index
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import rank_mentors
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("steady_index_refresh")]

TEXT = "I have a salary negotiation on Friday and want to ask for a raise"


def add_mentors(count: int, topic) -> None:
    for n in range(count):
        profile = MentorProfileFactory(offers={30: 3000, 60: 5000}, user__languages=["en", "fr"])
        ExpertiseEntryFactory(
            mentor=profile, topic=topic, description=f"Salary negotiation and raises, way {n}"
        )


def ranking_queries(query: SituationQuery) -> tuple[int, int]:
    """The queries of one ranking (the index already built) and how many mentors it shows."""
    rank_mentors(query, limit=20)
    with CaptureQueriesContext(connection) as captured:
        result = rank_mentors(query, limit=20)
    return len(captured), len(result.matches)


@pytest.mark.parametrize(
    "asks",
    [
        {},
        {"budget": Money(6000, "EUR"), "session_minutes": 30},
        {"languages": ("fr",), "topic": "t-salary", "area": Area.PROFESSIONAL},
        {"as_soon_as_possible": True},
        {"window_start": "later", "window_end": "later"},
    ],
    ids=["words only", "budget and length", "language and topic", "soon", "window"],
)
def test_a_ranking_costs_the_same_queries_for_few_and_many_mentors(asks):
    topic = TopicFactory(slug="t-salary", name="Salary negotiation", area=Area.PROFESSIONAL)
    if "window_start" in asks:
        asks = {"window_start": clock.now(), "window_end": clock.now() + timedelta(days=7)}
    query = SituationQuery(text=TEXT, time_zone="Europe/Paris", **asks)
    add_mentors(2, topic)
    mentor_index()
    few, shown = ranking_queries(query)
    assert shown == 2

    add_mentors(10, topic)
    many, shown = ranking_queries(query)

    assert shown == 12
    assert many == few
