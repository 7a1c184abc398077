"""The outcomes and reliability API: a session's outcome, its follow-up, one's reliability
and contest, a mentor's growth and public reliability, and joining the video room."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

from datetime import timedelta

import pytest

from headstrt.reviews import reliability
from headstrt.reviews.models import Outcome, ReliabilityNotice
from headstrt.scheduling import services
from headstrt.scheduling.models import Attendance, ReliabilityKind
from tests.api.conftest import assert_error, client_for
from tests.factories import MentorProfileFactory, UserFactory
from tests.reviews.outcome_fixtures import done_booking, lapse
from tests.scheduling.conftest import frozen, mentee, mentor
from tests.scheduling.sessions import book

pytestmark = pytest.mark.django_db


@pytest.fixture
def done(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.end + timedelta(minutes=1))
    services.booking_complete(user=mentor.user, booking_id=booking.public_id)
    return booking


def outcome_path(booking, tail=""):
    return f"/bookings/{booking.public_id}/outcome{tail}"


def test_the_mentee_records_the_outcome_and_the_mentor_reads_it(client, done, mentee, mentor):
    answer = client_for(client, mentee).put(
        outcome_path(done), {"result": "partly", "note": "10% more"}
    )

    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["result"], body["result_note"], body["can_record"]) == ("partly", "10% more", True)
    assert body["can_follow_up"] is False
    # The mentor reads the answer only once their own blind review of the mentee is in.
    mentor_api = client_for(client, mentor.user)
    hidden = mentor_api.get(outcome_path(done)).json()
    assert (hidden["result"], hidden["result_note"], hidden["answer_hidden"]) == ("", "", True)
    review = mentor_api.put(f"/bookings/{done.public_id}/review", {"stars": 4})
    assert review.status_code == 201, review.content
    read = mentor_api.get(outcome_path(done))
    assert read.status_code == 200 and read.json()["result"] == "partly"
    assert read.json()["answer_hidden"] is False


def test_the_mentor_cannot_answer_and_others_cannot_see(client, done, mentor, frozen):
    assert_error(
        client_for(client, mentor.user).put(outcome_path(done), {"result": "reached"}),
        403,
        "forbidden",
    )
    stranger = client_for(client, UserFactory())
    assert_error(stranger.get(outcome_path(done)), 404)
    assert_error(stranger.put(outcome_path(done), {"result": "reached"}), 404)
    assert Outcome.objects.get().result == ""


def test_bad_values_and_closed_windows(client, done, mentee, frozen):
    api = client_for(client, mentee)
    assert_error(api.put(outcome_path(done), {"result": "great"}), 422, "invalid")
    assert_error(api.put(outcome_path(done), {"result": "reached", "note": "x" * 5000}), 400)
    api.put(outcome_path(done), {"result": "reached"})
    assert_error(
        api.put(outcome_path(done, "/follow-up"), {"held": "held"}), 409, "follow_up_not_open"
    )

    frozen.set(done.end + timedelta(days=31))
    assert_error(api.put(outcome_path(done), {"result": "partly"}), 409, "outcome_window_closed")
    answer = api.put(outcome_path(done, "/follow-up"), {"held": "held", "note": "Still there"})
    assert answer.status_code == 200 and answer.json()["held"] == "held"
    frozen.set(done.end + timedelta(days=61))
    assert_error(
        api.put(outcome_path(done, "/follow-up"), {"held": "partly"}), 409, "follow_up_closed"
    )
    assert Outcome.objects.get().held == "held"


def test_a_session_not_done_has_no_outcome(client, frozen, mentor, mentee):
    booking = book(mentor, mentee)

    assert_error(
        client_for(client, mentee).get(outcome_path(booking)), 409, "session_not_completed"
    )


def paused_person(person):
    mentor = MentorProfileFactory()
    for _ in range(3):
        lapse(person, done_booking(mentor, person), ReliabilityKind.NO_SHOW)
    notice = reliability.reliability_review(person=person)
    person.refresh_from_db()
    return notice


def test_my_reliability_lists_notices_and_a_pause_is_contested_once(client, frozen, mentee):
    notice = paused_person(mentee)
    api = client_for(client, mentee)

    mine = api.get("/me/reliability").json()
    assert mine["no_shows"] == 3 and mine["sessions"] == 3
    assert mine["paused_until"] is not None
    assert [(n["id"], n["kind"]) for n in mine["notices"]] == [(notice.public_id, "pause")]

    path = f"/me/reliability/notices/{notice.public_id}/contest"
    answer = api.post(path, {"text": "I was there."})
    assert answer.status_code == 200 and answer.json()["contest_text"] == "I was there."
    assert_error(api.post(path, {"text": "Again"}), 409, "already_contested")


def test_nobody_reads_or_contests_someone_elses_notices(client, frozen, mentee):
    notice = paused_person(mentee)
    stranger = client_for(client, UserFactory())

    assert stranger.get("/me/reliability").json()["notices"] == []
    path = f"/me/reliability/notices/{notice.public_id}/contest"
    assert_error(stranger.post(path, {"text": "Mine now"}), 404)
    assert ReliabilityNotice.objects.get().contested_at is None


def test_my_growth_as_a_mentor(client, done, mentee, mentor):
    client_for(client, mentee).put(outcome_path(done), {"result": "reached"})

    body = client_for(client, mentor.user).get("/me/growth").json()

    assert body["sessions"] == 1
    assert body["outcome_rate"] == {"rate": pytest.approx(0.7), "count": 1, "reached": 1}
    assert body["topics"][0]["sessions"] == 1
    assert body["reliability"]["sessions"] == 1
    assert_error(client_for(client, mentee).get("/me/growth"), 404)


def test_a_mentors_public_reliability_needs_no_sign_in(client, done, mentee, mentor):
    client_for(client, mentee).put(outcome_path(done), {"result": "reached"})

    answer = client.get(f"/api/v1/mentors/{mentor.user.public_id}/reliability")

    assert answer.status_code == 200
    body = answer.json()
    assert (body["score"], body["sessions"], body["no_shows"]) == (1.0, 1, 0)
    assert body["outcome_rate"]["count"] == 1
    assert "notices" not in body and "paused_until" not in body
    assert_error(client.get("/api/v1/mentors/nobody/reliability"), 404)


def test_joining_through_the_api(client, frozen, mentor, mentee):
    booking = book(mentor, mentee)
    api = client_for(client, mentee)
    assert_error(api.post(f"/bookings/{booking.public_id}/join"), 409, "not_joinable")

    frozen.set(booking.start + timedelta(minutes=2))
    answer = api.post(f"/bookings/{booking.public_id}/join")

    assert answer.status_code == 200 and booking.room in answer.json()["video_url"]
    assert Attendance.objects.get().person == mentee
    assert_error(client_for(client, UserFactory()).post(f"/bookings/{booking.public_id}/join"), 404)


def test_a_paused_mentee_is_refused_a_booking(client, frozen, mentor, mentee):
    paused_person(mentee)

    answer = client_for(client, mentee).post(
        "/bookings/holds",
        {"mentor": mentor.user.public_id, "start": "2030-03-05T08:00:00Z", "minutes": 30},
    )

    body = assert_error(answer, 403, "booking_paused")
    assert "contest" in body["message"]
