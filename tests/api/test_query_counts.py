"""The bookings list and a situation's matches cost a fixed number of queries, whatever the
amount of data: counted with a little of everything, then with several times more (the same
world as the web pages' test), both counts equal to the pinned one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import client_for
from tests.clock import Clock
from tests.factories import SituationFactory
from tests.scheduling.sessions import NOW
from tests.web.test_query_counts import World

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("steady_index_refresh")]

# Each includes the token (its last use is noted at most once a minute, not per request).
PINNED = {
    "bookings upcoming": 3,
    "bookings past": 3,
    "bookings as mentor": 3,
}
# Matching's read path is being made leaner: its count is held to a ceiling, not pinned.
MATCHES_AT_MOST = 29


@pytest.fixture
def frozen(monkeypatch) -> Clock:
    return Clock(monkeypatch, NOW)


def counts(client, world: World, situation) -> dict[str, int]:
    mentee, mentor = client_for(client, world.mentee), client_for(client, world.mentor.user)
    calls = {
        "bookings upcoming": lambda: mentee.get("/bookings"),
        "bookings past": lambda: mentee.get("/bookings", {"list": "past"}),
        "bookings as mentor": lambda: mentor.get("/bookings", {"role": "mentor"}),
        "matches": lambda: mentee.get(f"/situations/{situation.public_id}/matches"),
    }
    found = {}
    for name, call in calls.items():
        assert call().status_code == 200, name  # the token's first use is noted once
        with CaptureQueriesContext(connection) as captured:
            response = call()
        assert response.status_code == 200, name
        found[name] = len(captured)
    return found


def test_api_lists_cost_a_fixed_number_of_queries(client, frozen):
    world = World()
    situation = SituationFactory(mentee=world.mentee, text="Salary negotiation: asking for a raise")
    world.grow(1)
    few = counts(client, world, situation)

    world.grow(4)
    many = counts(client, world, situation)

    assert many == few
    assert few.pop("matches") <= MATCHES_AT_MOST
    assert few == PINNED


def test_the_lists_counted_hold_the_data_that_grew(client, frozen):
    world = World()
    situation = SituationFactory(mentee=world.mentee, text="Salary negotiation: asking for a raise")
    world.grow(5)
    api = client_for(client, world.mentee)

    past = api.get("/bookings", {"list": "past"}).json()
    matches = api.get(f"/situations/{situation.public_id}/matches").json()

    assert len(past["items"]) == 5
    assert len(matches["matches"]) == 6
