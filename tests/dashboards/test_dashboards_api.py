"""The dashboards API: a mentor's series and the platform's health as JSON, each for who may
see it, with the period checked."""

import pytest

from headstrt.reviews.models import OutcomeResult
from tests.api.conftest import ApiClient, assert_error, client_for
from tests.clock import frozen_at
from tests.dashboards.seed import NOW, earning, outcome, session, weeks_ago
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)


def test_a_mentor_reads_their_dashboard(client):
    mentor = MentorProfileFactory(currency="EUR")
    mentee = UserFactory()
    booking = session(mentor, mentee, weeks_ago(1))
    outcome(booking, OutcomeResult.REACHED)
    earning(mentor.user, 3600, weeks_ago(1))

    answer = client_for(client, mentor.user).get("/me/dashboard", {"weeks": 4})

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["weeks"] == 4 and body["since"] == "2030-02-11"
    assert body["currency"] == "EUR" and body["other_currencies"] == []
    assert body["earnings_total"] == {"minor": 3600, "currency": "EUR", "display": "€36.00"}
    sessions = body["series"]["sessions"]
    assert sessions["unit"] == "count" and sessions["period"] == "week"
    assert [point["value"] for point in sessions["points"]] == [0, 0, 1, 0]
    assert sessions["points"][2] == {"start": "2030-02-25", "value": 1.0, "count": 1}
    assert [point["value"] for point in body["series"]["earnings"]["points"]] == [0, 0, 3600, 0]
    assert body["series"]["earnings"]["currency"] == "EUR"
    assert body["series"]["outcomes"]["points"][-2]["value"] == 1.0
    assert body["outcome_rate"] == 1.0 and body["rating"] is None


def test_someone_without_a_mentor_profile_gets_404(client):
    assert_error(client_for(client, UserFactory()).get("/me/dashboard"), 404, "not_found")


@pytest.mark.parametrize("weeks", ["0", "105", "many"])
def test_the_period_is_checked(client, weeks):
    api = client_for(client, MentorProfileFactory().user)
    assert_error(api.get("/me/dashboard", {"weeks": weeks}), 422, "invalid")


def test_staff_read_the_platform_health(client):
    mentor = MentorProfileFactory()
    session(mentor, UserFactory(), weeks_ago(0))
    answer = client_for(client, UserFactory(is_staff=True)).get("/staff/health", {"weeks": 2})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["sessions_total"] == 1
    assert set(body["series"]) == {
        "sessions",
        "no_show_rate",
        "dispute_rate",
        "outcome_rate",
        "accept_hours",
        "answer_hours",
    }
    assert [point["value"] for point in body["series"]["no_show_rate"]["points"]] == [None, 0.0]


def test_others_may_not_read_the_platform_health(client):
    assert_error(
        client_for(client, MentorProfileFactory().user).get("/staff/health"), 403, "forbidden"
    )


def test_nobody_signed_in_reads_no_dashboard(client):
    assert_error(ApiClient(client).get("/me/dashboard"), 401)
    assert_error(ApiClient(client).get("/staff/health"), 401)
