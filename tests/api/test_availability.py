"""The availability API: free slots, weekly rules, date exceptions and the scheduling policy."""

from datetime import UTC, date, datetime, time

import pytest

from headstrt.scheduling import services
from headstrt.scheduling.models import AvailabilityException, AvailabilityRule, SchedulingPolicy
from tests.api.conftest import assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # Monday, 11:00 in Paris
WEEK = {"rules": [{"weekday": 0, "start": "09:00", "end": "12:00"}]}

frozen = frozen_at(NOW)


@pytest.fixture
def profile(person):
    """The signed-in person is a mentor."""
    return MentorProfileFactory(user=person, offers={30: 4000})


@pytest.fixture
def mentor(db):
    """Someone else, a mentor in Paris free on Tuesday mornings."""
    other = MentorProfileFactory(offers={30: 4000, 60: 7000})
    services.availability_set(user=other.user, rules=[(1, time(9), time(12))])
    return other


def rules_of(profile) -> list[tuple]:
    return list(
        AvailabilityRule.objects.filter(mentor=profile).values_list("weekday", "start", "end")
    )


def test_set_and_read_the_weekly_rules(api, profile):
    response = api.put(
        "/me/availability",
        {
            "rules": [
                {"weekday": 2, "start": "14:00", "end": "16:30"},
                {"weekday": 2, "start": "09:00", "end": "12:00"},
                {"weekday": 6, "start": "20:00", "end": "24:00"},
            ]
        },
    )

    assert response.status_code == 200, response.content
    assert response.json() == {
        "time_zone": "Europe/Paris",
        "rules": [
            {"weekday": 2, "start": "09:00", "end": "12:00"},
            {"weekday": 2, "start": "14:00", "end": "16:30"},
            {"weekday": 6, "start": "20:00", "end": "00:00"},
        ],
        "exceptions": [],
    }
    assert api.get("/me/availability").json() == response.json()
    assert rules_of(profile)[-1] == (6, time(20), time(0))


@pytest.mark.parametrize(
    ("rule", "status", "code", "field"),
    [
        ({"start": "9:00"}, 400, "invalid_time", "rules.1.start"),
        ({"start": "09:60"}, 400, "invalid_time", "rules.1.start"),
        ({"start": "25:00"}, 400, "invalid_time", "rules.1.start"),
        ({"start": "24:00"}, 400, "invalid_time", "rules.1.start"),
        ({"end": "noon"}, 400, "invalid_time", "rules.1.end"),
        ({"end": ""}, 400, "invalid_time", "rules.1.end"),
        ({"end": "12:00:30"}, 400, "invalid_time", "rules.1.end"),
        ({"start": "11:00", "end": "13:00"}, 400, "overlapping_ranges", "rules"),
        ({"start": "15:00", "end": "14:00"}, 400, "invalid_range", "rules"),
        ({"weekday": 7}, 400, "unknown_weekday", "rules"),
        ({"weekday": "monday"}, 422, "invalid", None),
        ({"start": 900}, 422, "invalid", None),
        ({"colour": "blue"}, 422, "invalid", None),
    ],
)
def test_bad_rules_are_refused_and_the_week_stays(api, profile, rule, status, code, field):
    api.put("/me/availability", {"rules": [{"weekday": 1, "start": "08:00", "end": "09:00"}]})
    second = {"weekday": 0, "start": "10:00", "end": "12:00", **rule}

    error = assert_error(api.put("/me/availability", {"rules": [WEEK["rules"][0], second]}), status)

    assert error["code"] == code
    if field:
        assert error["field"] == field
    assert rules_of(profile) == [(1, time(8), time(9))]


def test_an_empty_week_clears_the_rules(api, profile):
    api.put("/me/availability", WEEK)

    assert api.put("/me/availability", {"rules": []}).json()["rules"] == []
    assert rules_of(profile) == []


def test_date_exceptions_replace_a_day_or_take_it_off(api, profile):
    AvailabilityException.objects.create(mentor=profile, date=date(2030, 3, 1))  # past: hidden

    api.put("/me/availability/exceptions/2030-03-06", {"ranges": []})
    response = api.put(
        "/me/availability/exceptions/2030-03-05",
        {"ranges": [{"start": "13:00", "end": "14:00"}, {"start": "08:00", "end": "09:00"}]},
    )

    assert response.status_code == 200, response.content
    assert response.json()["exceptions"] == [
        {
            "date": "2030-03-05",
            "ranges": [{"start": "08:00", "end": "09:00"}, {"start": "13:00", "end": "14:00"}],
        },
        {"date": "2030-03-06", "ranges": []},
    ]
    assert api.delete("/me/availability/exceptions/2030-03-06").status_code == 204
    assert [item["date"] for item in api.get("/me/availability").json()["exceptions"]] == [
        "2030-03-05"
    ]


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        ("2030-02-30", {"ranges": []}, "invalid_date", "date"),
        ("tomorrow", {"ranges": []}, "invalid_date", "date"),
        (
            "2030-03-05",
            {"ranges": [{"start": "08:00", "end": "8pm"}]},
            "invalid_time",
            "ranges.0.end",
        ),
        (
            "2030-03-05",
            {"ranges": [{"start": "08:00", "end": "10:00"}, {"start": "09:00", "end": "11:00"}]},
            "overlapping_ranges",
            "ranges",
        ),
    ],
)
def test_bad_exceptions_are_refused_and_nothing_changes(api, profile, path, body, code, field):
    api.put("/me/availability/exceptions/2030-03-05", {"ranges": []})

    error = assert_error(api.put(f"/me/availability/exceptions/{path}", body), 400, code)

    assert error["field"] == field
    assert list(AvailabilityException.objects.values_list("date", "start")) == [
        (date(2030, 3, 5), None)
    ]


def test_the_policy_has_defaults_until_saved(api, profile):
    assert api.get("/me/scheduling-policy").json() == {
        "buffer_minutes": 10,
        "minimum_notice_minutes": 120,
        "horizon_days": 30,
        "max_sessions_per_day": 4,
        "max_sessions_per_week": None,
        "confirmation": "instant",
        "response_window_hours": 48,
    }

    response = api.put(
        "/me/scheduling-policy",
        {"buffer_minutes": 0, "confirmation": "request", "max_sessions_per_week": 3},
    )

    assert response.status_code == 200, response.content
    saved = response.json()
    assert saved["buffer_minutes"] == 0 and saved["confirmation"] == "request"
    assert saved["max_sessions_per_week"] == 3 and saved["horizon_days"] == 30
    assert api.get("/me/scheduling-policy").json() == saved


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"buffer_minutes": 121}, 400, "out_of_range"),
        ({"horizon_days": 0}, 400, "out_of_range"),
        ({"max_sessions_per_week": 0}, 400, "out_of_range"),
        ({"confirmation": "maybe"}, 400, "invalid_confirmation"),
        ({"buffer_minutes": "ten"}, 422, "invalid"),
        ({"colour": "blue"}, 422, "invalid"),
    ],
)
def test_a_bad_policy_is_refused(api, profile, body, status, code):
    assert_error(api.put("/me/scheduling-policy", body), status, code)

    assert not SchedulingPolicy.objects.exists()


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/me/availability", None),
        ("put", "/me/availability", WEEK),
        ("put", "/me/availability/exceptions/2030-03-05", {"ranges": []}),
        ("delete", "/me/availability/exceptions/2030-03-05", None),
        ("get", "/me/scheduling-policy", None),
        ("put", "/me/scheduling-policy", {}),
    ],
)
def test_only_mentors_have_availability(api, anonymous, method, path, body):
    call = getattr(api, method)
    response = call(path) if body is None else call(path, body)

    assert_error(response, 409, "no_mentor_profile")
    anonymous_call = getattr(anonymous, method)
    assert_error(anonymous_call(path) if body is None else anonymous_call(path, body), 401)


def slots(api, mentor, **params):
    response = api.get(f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_slots_in_the_viewers_zone(api, person, mentor):
    person.time_zone = "America/New_York"
    person.save()

    body = slots(api, mentor, days=2)

    assert body["mentor"] == mentor.user.public_id and body["minutes"] == 30
    assert body["time_zone"] == "America/New_York"
    assert len(body["slots"]) == 6  # Tuesday 09:00-12:00 in Paris
    assert body["slots"][0] == {
        "start": "2030-03-05T08:00:00Z",
        "end": "2030-03-05T08:30:00Z",
        "local_start": "2030-03-05T03:00:00-05:00",
        "local_end": "2030-03-05T03:30:00-05:00",
    }


def test_anonymous_visitors_see_slots_on_the_mentors_clock(anonymous, mentor):
    body = slots(anonymous, mentor, days=2)

    assert body["time_zone"] == "Europe/Paris"
    assert body["slots"][0]["local_start"] == "2030-03-05T09:00:00+01:00"


def test_the_window_starts_at_midnight_in_the_zone_and_crosses_clock_changes(api, mentor):
    # Tuesday 2030-03-05 00:00 in Tokyo is Monday 15:00 UTC: Tuesday in Paris is outside.
    assert slots(api, mentor, start="2030-03-04", days=1, tz="Asia/Tokyo")["slots"] == []
    assert len(slots(api, mentor, start="2030-03-05", days=1, tz="Asia/Tokyo")["slots"]) == 6

    # Paris moves its clocks on Sunday 31 March; the mentor's 09:00 stays 09:00 there.
    body = slots(api, mentor, start="2030-03-26", days=8, tz="Europe/Paris")
    starts = [(slot["start"], slot["local_start"]) for slot in body["slots"][::6]]
    assert starts == [
        ("2030-03-26T08:00:00Z", "2030-03-26T09:00:00+01:00"),
        ("2030-04-02T07:00:00Z", "2030-04-02T09:00:00+02:00"),
    ]


def test_a_booked_slot_is_no_longer_offered(api, client, mentor):
    before = slots(api, mentor, days=2)["slots"]
    booked = client_for(client, UserFactory()).post(
        "/bookings",
        {
            "mentor": mentor.user.public_id,
            "start": before[0]["start"],
            "minutes": 30,
            "objective": "Plan my week",
            "source": GOOD_CARD,
        },
    )
    assert booked.status_code == 201, booked.content

    after = [slot["start"] for slot in slots(api, mentor, days=2)["slots"]]

    assert before[0]["start"] not in after
    assert before[1]["start"] not in after  # inside the 10-minute buffer
    assert after == [slot["start"] for slot in before[2:]]


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"tz": "Mars/Olympus_Mons"}, "unknown_time_zone", "tz"),
        ({"tz": "../../etc/passwd"}, "unknown_time_zone", "tz"),
        ({"minutes": 45}, "length_not_offered", "minutes"),
        ({"days": 0}, "out_of_range", "days"),
        ({"days": 32}, "out_of_range", "days"),
        ({"start": "2030-02-30"}, "invalid_date", "start"),
        ({"start": "9999-12-31"}, "invalid_date", "start"),
    ],
)
def test_bad_slot_queries_are_a_400(api, mentor, params, code, field):
    response = api.get(f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30, **params})

    assert assert_error(response, 400, code)["field"] == field


def test_slots_of_a_paused_or_unknown_mentor_are_a_404(api, mentor):
    assert_error(api.get("/mentors/nosuchmentor/slots", {"minutes": 30}), 404, "not_found")
    mentor.is_active = False
    mentor.save()

    assert_error(
        api.get(f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30}), 404, "not_found"
    )
