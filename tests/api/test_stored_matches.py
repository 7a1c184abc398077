"""A situation's ranking is kept briefly for its mentee, and never outlives what it read:
a changed situation, a changed or deleted mentor profile or a new block ranks again, and nobody but
the mentee ever gets it."""

from datetime import timedelta

import pytest

from headstrt.accounts import services as accounts
from headstrt.accounts.models import MentorProfile
from headstrt.matching import ranking, services
from tests.api.conftest import client_for
from tests.factories import MentorProfileFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db

TEXT = "I have a salary negotiation on Friday and want to ask for more."


@pytest.fixture
def rankings(monkeypatch):
    """How many times the engine ranked (the fake engine, counted)."""
    use_fake_ranking(monkeypatch)
    fake = ranking.rank_mentors
    calls = []

    def counted(query, *, limit=10):
        calls.append(query)
        return fake(query, limit=limit)

    monkeypatch.setattr(ranking, "rank_mentors", counted)
    return calls


@pytest.fixture
def negotiator(db):
    return MentorProfileFactory(
        headline="Salary negotiation coach", bio="Negotiation for a living.", offers={30: 4000}
    )


@pytest.fixture
def situation(person):
    return services.situation_create(mentee=person, text=TEXT, languages=[])


def matches(api, situation, **params):
    response = api.get(f"/situations/{situation.public_id}/matches", params)
    assert response.status_code == 200, response.content
    return response.json()


def headlines(body) -> list[str]:
    return [match["mentor"]["headline"] for match in body["matches"]]


def test_reopening_the_matches_gets_the_stored_ranking(api, situation, negotiator, rankings):
    first = matches(api, situation)
    again = matches(api, situation)

    assert len(rankings) == 1
    assert again == first
    assert headlines(first) == ["Salary negotiation coach"]


def test_other_options_are_ranked_on_their_own(api, situation, negotiator, rankings):
    matches(api, situation)
    matches(api, situation, limit=5)

    assert len(rankings) == 2


def test_a_changed_situation_is_ranked_again(api, person, situation, negotiator, rankings):
    MentorProfileFactory(
        headline="Career change guide", bio="Career change, step by step.", offers={30: 0}
    )
    assert headlines(matches(api, situation))[0] == "Salary negotiation coach"

    services.situation_update(
        user=person, situation_id=situation.public_id, text="Help with a career change"
    )

    assert headlines(matches(api, situation))[0] == "Career change guide"
    assert len(rankings) == 2


def test_a_changed_mentor_profile_is_ranked_again(api, situation, negotiator, rankings):
    matches(api, situation)

    accounts.mentor_profile_save(
        user=negotiator.user,
        headline="Salary negotiation and raises",
        bio=negotiator.bio,
        currency=negotiator.currency,
        offers={30: 4000},
        weekly_capacity=negotiator.weekly_capacity,
    )

    assert headlines(matches(api, situation)) == ["Salary negotiation and raises"]
    assert len(rankings) == 2


def test_a_deleted_mentor_is_gone_at_once(
    api, situation, negotiator, rankings, django_capture_on_commit_callbacks
):
    # Another profile changed last, so the latest change stays the same after the deletion.
    later = MentorProfileFactory(headline="Gardening", bio="Roses.")
    MentorProfile.objects.filter(pk=later.pk).update(
        updated_at=negotiator.updated_at + timedelta(minutes=1)
    )
    assert "Salary negotiation coach" in headlines(matches(api, situation))

    with django_capture_on_commit_callbacks(execute=True):
        accounts.account_delete(user=negotiator.user)

    assert "Salary negotiation coach" not in headlines(matches(api, situation))
    assert len(rankings) == 2


def test_a_blocked_mentor_is_gone_at_once(api, person, situation, negotiator, rankings):
    assert headlines(matches(api, situation)) == ["Salary negotiation coach"]

    services.mentor_block(mentee=person, mentor_id=negotiator.user.public_id)

    assert matches(api, situation)["matches"] == []


def test_nobody_else_gets_a_stored_ranking(client, api, situation, negotiator, rankings):
    matches(api, situation)
    stranger = client_for(client, UserFactory())

    response = stranger.get(f"/situations/{situation.public_id}/matches")

    assert response.status_code == 404
    assert len(rankings) == 1
