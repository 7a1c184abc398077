"""Matches through the API carry the mentor's rating, review count and outcome rate, and why."""

import pytest

from headstrt.accounts.models import Topic
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory
from tests.matching.track_record import outcomes_of, reviews_of

pytestmark = pytest.mark.django_db


def test_a_match_shows_the_track_record_the_ranking_used(api):
    salary = Topic.objects.select_related("parent").get(slug="career-salary-negotiation")
    mentor = ExpertiseEntryFactory(
        mentor=MentorProfileFactory(user__display_name="Nia Negotiator"),
        topic=salary,
        description="Negotiating offers and raises as a recruiter",
    ).mentor
    reviews_of(mentor, [5, 5, 4])
    outcomes_of(mentor, ["reached", "reached", "partly"], topic=salary)
    situation = api.post(
        "/situations", {"text": "A salary negotiation on Friday", "topic": salary.slug}
    ).json()

    [match] = api.get(f"/situations/{situation['id']}/matches").json()["matches"]

    assert match["rating"] == round((20 + 14) / 8, 2) and match["reviews"] == 3
    assert match["outcome_rate"] == round((1.8 + 2.5) / 6, 3)
    reasons = {reason["kind"]: reason["text"] for reason in match["reasons"]}
    assert reasons["rating"] == "Rated 4.2 from 3 reviews"
    assert reasons["outcome"] == (
        "Objective reached in 2 of 3 sessions on Career › Salary negotiation"
    )
    assert reasons["session"].endswith(
        "Career › Salary negotiation — 3 sessions, objective reached in 2"
    )
