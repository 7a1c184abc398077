"""Matches, in the API and on the web page, cost the same number of queries however many
mentors are shown, with ratings, outcomes and lapses present."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import ExpertiseEntryFactory, SituationFactory
from tests.matching.track_record import no_shows_of, outcomes_of, reviews_of

pytestmark = pytest.mark.django_db

TEXT = "I have a salary negotiation on Friday and want to ask for a raise"


def add_mentors(count: int) -> None:
    for n in range(count):
        mentor = ExpertiseEntryFactory(description=f"Salary negotiation and raises, way {n}").mentor
        reviews_of(mentor, [5, 4])
        outcomes_of(mentor, ["reached"])
        if n % 2:
            no_shows_of(mentor, 1)


def queries(fetch) -> int:
    fetch()  # the index is built, and the token's last use noted, once: not per request
    with CaptureQueriesContext(connection) as captured:
        response = fetch()
    assert response.status_code == 200, response.content
    return len(captured)


@pytest.mark.usefixtures("steady_index_refresh")
def test_matches_cost_a_fixed_number_of_queries(api, person, client):
    situation = SituationFactory(mentee=person, text=TEXT)
    client.force_login(person)
    api_matches = lambda: api.get(f"/situations/{situation.public_id}/matches")  # noqa: E731
    page = lambda: client.get(reverse("web:situation_matches", args=[situation.public_id]))  # noqa: E731
    add_mentors(2)
    few = (queries(api_matches), queries(page))
    assert len(api_matches().json()["matches"]) == 2

    add_mentors(6)
    many = (queries(api_matches), queries(page))

    assert len(api_matches().json()["matches"]) == 8
    assert many == few
