"""A mentee's time window and mentors' remaining weekly capacity move the ranking."""

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest

from headstrt.core import clock
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import rank_mentors
from headstrt.reviews.matching_signals import RemainingCapacity
from headstrt.scheduling import services as scheduling
from tests.matching.test_ranking import mentor, names, topics  # noqa: F401 (fixture)
from tests.matching.track_record import session_row

pytestmark = pytest.mark.django_db

TEXT = "salary negotiation raise"


def works_on(profile, day):
    """The mentor works 09:00–17:00 (Paris) on ``day``'s weekday only."""
    weekday = day.astimezone(ZoneInfo("Europe/Paris")).weekday()
    scheduling.availability_set(user=profile.user, rules=[(weekday, time(9), time(17))])


def test_a_window_prefers_the_mentor_free_inside_it_and_shows_that_slot(topics):  # noqa: F811
    paris = clock.now().astimezone(ZoneInfo("Europe/Paris"))
    midnight = paris.replace(hour=0, minute=0, second=0, microsecond=0)
    early = mentor("Free Tomorrow", topics["salary"], "Salary negotiation and a raise")
    inside = mentor("Free Next Week", topics["salary"], "Salary negotiation")
    works_on(early, midnight + timedelta(days=1, hours=12))
    works_on(inside, midnight + timedelta(days=9, hours=12))
    # Days 9 and 10: the early mentor's weekday comes back on days 8 and 15 only.
    window = (midnight + timedelta(days=9), midnight + timedelta(days=11))

    anytime = rank_mentors(SituationQuery(text=TEXT), limit=2)
    within = rank_mentors(
        SituationQuery(text=TEXT, window_start=window[0], window_end=window[1]), limit=2
    )

    assert names(anytime)[0] == "Free Tomorrow"
    assert names(within)[0] == "Free Next Week"
    slots = {match.mentor.user.display_name: match.next_free_slot for match in within.matches}
    assert window[0] <= slots["Free Next Week"] < window[1]
    assert slots["Free Tomorrow"] is None
    reasons = {m.mentor.user.display_name: [r.text for r in m.reasons] for m in within.matches}
    assert "No free time in your window" in reasons["Free Tomorrow"]


def test_sessions_in_the_coming_week_use_up_capacity(topics):  # noqa: F811
    now = clock.now()
    full = mentor("Fully Booked", topics["salary"], "Salary", weekly_capacity=2)
    roomy = mentor("Has Room", topics["salary"], "Salary", weekly_capacity=2)
    for row in (
        session_row(full, now + timedelta(days=1)),
        session_row(full, now + timedelta(days=2)),
        session_row(roomy, now + timedelta(days=9)),  # beyond the coming week: not counted
    ):
        row.save()

    values = RemainingCapacity().values(
        query=SituationQuery(text=TEXT), mentors={full.pk: full, roomy.pk: roomy}
    )

    assert values[full.pk].value == 0.0
    assert values[full.pk].reason == "Fully booked this week"
    assert values[roomy.pk].value == 0.2
