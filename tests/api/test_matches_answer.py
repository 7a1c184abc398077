"""A stored ranking is answered as kept, in the answer's form: it still fits the schema,
shows what a fresh ranking shows, costs two queries, and is refused to a mentor the
situation is shared with before anything kept is read."""

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from ninja.responses import NinjaJSONEncoder

from headstrt.api.schemas import MatchResultOut
from headstrt.matching import services
from tests.api.conftest import client_for
from tests.factories import MentorProfileFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db

TEXT = "I have a salary negotiation on Friday and want to ask for more."


@pytest.fixture
def situation(person, monkeypatch):
    use_fake_ranking(monkeypatch)
    MentorProfileFactory(headline="Salary negotiation coach", offers={30: 4000})
    return services.situation_create(mentee=person, text=TEXT, languages=["en"])


def test_a_stored_ranking_fits_the_schema_and_matches_a_fresh_one(api, situation):
    url = f"/situations/{situation.public_id}/matches"
    fresh = api.get(url).json()
    stored = api.get(url).json()
    cache.clear()

    assert stored == fresh == api.get(url).json()
    MatchResultOut.model_validate(stored)
    assert [match["rank"] for match in stored["matches"]] == [1]
    assert stored["matches"][0]["price"]["minor"] == 4000


def test_a_stored_ranking_costs_two_queries(api, situation):
    url = f"/situations/{situation.public_id}/matches"
    api.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert api.get(url).status_code == 200
    # The token; the situation with its access check, languages and the mentee's blocks.
    assert len(captured) == 2


def test_a_mentor_it_is_shared_with_is_refused_its_matches(client, api, situation):
    mentor = MentorProfileFactory().user
    services.situation_share(
        user=situation.mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
    )
    api.get(f"/situations/{situation.public_id}/matches")

    response = client_for(client, mentor).get(f"/situations/{situation.public_id}/matches")

    assert response.status_code == 403
    assert "Only the person who described this situation" in response.json()["message"]
    stranger = client_for(client, UserFactory())
    assert stranger.get(f"/situations/{situation.public_id}/matches").status_code == 404


def test_a_stored_ranking_is_the_bytes_of_the_checked_answer(api, situation):
    url = f"/situations/{situation.public_id}/matches"
    api.get(url)

    response = api.get(url)

    assert response["Content-Type"] == "application/json; charset=utf-8"
    checked = MatchResultOut.model_validate(response.json()).model_dump()
    assert response.content == json.dumps(checked, cls=NinjaJSONEncoder).encode()
