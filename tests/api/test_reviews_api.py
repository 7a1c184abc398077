"""The reviews API: your blind review by PUT, what each side may read, a mentor's public
reviews with their rating, and reports; every refusal is a 4xx that changes nothing."""

# ruff: noqa: F811 (the fixtures imported below are then named as test arguments)

from datetime import timedelta

import pytest

from tests.api.conftest import ApiClient, assert_error, client_for
from tests.reviews.conftest import done_session, outsider, staff  # noqa: F401
from tests.reviews.reviewing import review, reviewed_sessions, snapshot
from tests.scheduling.conftest import committed, frozen, mentee, mentor  # noqa: F401
from tests.scheduling.sessions import TUESDAY_9, book

pytestmark = pytest.mark.django_db

NOTE = "Private: camera was off"


def path(booking, tail="review") -> str:
    return f"/bookings/{booking.public_id}/{tail}"


@pytest.fixture
def as_mentee(client, mentee):
    return client_for(client, mentee)


@pytest.fixture
def as_mentor(client, mentor):
    return client_for(client, mentor.user)


def test_put_writes_then_edits_the_same_blind_review(done_session, as_mentee, frozen):
    body = {"stars": 4, "clarity": 5, "text": "Helpful", "private_note": NOTE}
    created = as_mentee.put(path(done_session), body)
    assert created.status_code == 201, created.content
    first = created.json()
    assert first["stars"] == 4 and first["private_note"] == NOTE and not first["revealed"]
    assert first["reveal_at"] == "2030-03-19T08:30:00Z" and first["subject_role"] == "mentor"

    frozen.move(hours=1)
    edited = as_mentee.put(path(done_session), {**body, "stars": 5})
    assert edited.status_code == 200 and edited.json()["id"] == first["id"]
    assert edited.json()["stars"] == 5
    again = as_mentee.put(path(done_session), {**body, "stars": 5})
    assert again.status_code == 200 and again.json()["id"] == first["id"]

    read = as_mentee.get(path(done_session))
    assert read.status_code == 200 and read.json()["stars"] == 5


def test_both_sides_see_each_other_only_after_both_reviewed(
    done_session,
    as_mentee,
    as_mentor,
    frozen,
):
    as_mentee.put(path(done_session), {"stars": 5, "text": "Great", "private_note": NOTE})
    theirs = as_mentor.get(path(done_session, "reviews"))
    assert theirs.status_code == 200
    assert theirs.json()["theirs"] is None and theirs.json()["yours"] is None
    assert theirs.json()["can_write"] and NOTE not in theirs.content.decode()
    assert "Great" not in theirs.content.decode()
    assert_error(as_mentor.get(path(done_session)), 404, "not_found")

    frozen.move(minutes=10)
    assert as_mentor.put(path(done_session), {"stars": 3}).status_code == 201
    for side, other_stars in ((as_mentor, 5), (as_mentee, 3)):
        answer = side.get(path(done_session, "reviews"))
        assert answer.json()["theirs"]["stars"] == other_stars
        assert not answer.json()["can_edit"]
        assert "private_note" not in answer.json()["theirs"]
    assert NOTE not in as_mentor.get(path(done_session, "reviews")).content.decode()


def test_edit_after_the_reveal_is_refused_and_changes_nothing(
    done_session,
    as_mentee,
    mentor,
    frozen,
):
    as_mentee.put(path(done_session), {"stars": 5})
    review(done_session, mentor.user, 4)
    frozen.move(minutes=1)
    before = snapshot()
    assert_error(as_mentee.put(path(done_session), {"stars": 1}), 409, "review_revealed")
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"stars": 0},
        {"stars": 6},
        {"stars": "five"},
        {"stars": True},
        {"stars": "5"},
        {"stars": 4.0},
        {"stars": 5, "respect": 9},
        {"stars": 5, "text": "x" * 100_000},
        {"stars": 5, "private_note": "x" * 2001},
        {},
        {"stars": 5, "tip": 100},
    ],
)
def test_bad_input_is_a_422_and_saves_nothing(done_session, as_mentee, body):
    response = as_mentee.put(path(done_session), body)
    error = assert_error(response, 422, "invalid")
    if "text" in body:
        assert "4000" in error["message"]
    assert snapshot() == [[], []]


def test_people_outside_the_session_get_404_and_nothing_changes(
    client,
    done_session,
    mentee,
    outsider,
    as_mentee,
):
    as_mentee.put(path(done_session), {"stars": 5, "text": "Blind words", "private_note": NOTE})
    before = snapshot()
    stranger = client_for(client, outsider)
    for answer in (
        stranger.get(path(done_session)),
        stranger.get(path(done_session, "reviews")),
        stranger.put(path(done_session), {"stars": 1}),
    ):
        body = assert_error(answer, 404, "not_found")
        assert "Blind words" not in str(body)
    assert snapshot() == before


def test_sessions_that_did_not_happen_answer_409(frozen, mentor, mentee, client):
    booking = book(mentor, mentee, start=TUESDAY_9)
    answer = client_for(client, mentee).put(path(booking), {"stars": 5})
    assert_error(answer, 409, "session_not_completed")
    assert snapshot() == [[], []]


def test_a_mentors_public_reviews_with_rating_and_pages(
    client,
    done_session,
    mentee,
    mentor,
    frozen,
    django_assert_num_queries,
):
    review(done_session, mentee, 5, text="Brilliant", private_note=NOTE, preparation=4)
    anonymous = ApiClient(client)
    empty = anonymous.get(f"/mentors/{mentor.user.public_id}/reviews")
    assert (
        empty.status_code == 200 and empty.json()["items"] == [] and empty.json()["rating"] is None
    )

    frozen.set(done_session.end + timedelta(days=14))
    # The profile (with its offers, languages and expertise), the count, the page, the rating.
    with django_assert_num_queries(7):
        answer = anonymous.get(f"/mentors/{mentor.user.public_id}/reviews", {"size": 5})
    body = answer.json()
    assert body["rating"] == {
        "average": 4.17,
        "count": 1,
        "distribution": {"5": 1, "4": 0, "3": 0, "2": 0, "1": 0},
        "aspects": {"preparation": 4.0, "clarity": None, "respect": None},
    }
    [item] = body["items"]
    assert item["text"] == "Brilliant" and item["author"]["display_name"] == "Mia Mentee"
    assert (body["page"], body["size"], body["total"], body["pages"]) == (1, 5, 1, 1)
    assert NOTE not in answer.content.decode()
    assert_error(anonymous.get(f"/mentors/{mentor.user.public_id}/reviews", {"size": 0}), 400)
    assert_error(anonymous.get("/mentors/nobody/reviews"), 404, "not_found")


def test_reporting_a_review(client, done_session, mentee, mentor, outsider, frozen):
    written = review(done_session, mentee, 1, text="Nasty")
    stranger = client_for(client, outsider)
    assert_error(stranger.post(f"/reviews/{written.public_id}/reports", {"reason": "x"}), 404)

    review(done_session, mentor.user, 5)
    answer = stranger.post(f"/reviews/{written.public_id}/reports", {"reason": "Insulting"})
    assert answer.status_code == 201 and answer.json()["review"] == written.public_id
    before = snapshot()
    again = stranger.post(f"/reviews/{written.public_id}/reports", {"reason": "Again"})
    assert_error(again, 409, "already_reported")
    assert_error(stranger.post(f"/reviews/{written.public_id}/reports", {}), 422, "invalid")
    assert snapshot() == before
    client.logout()
    assert_error(
        ApiClient(client).post(f"/reviews/{written.public_id}/reports", {"reason": "x"}),
        401,
    )


def test_the_query_count_does_not_grow_with_the_reviews(
    client,
    mentor,
    frozen,
    django_assert_num_queries,
):
    reviewed_sessions(mentor, frozen, stars=(5, 4, 3))
    with django_assert_num_queries(7):
        answer = ApiClient(client).get(f"/mentors/{mentor.user.public_id}/reviews", {"size": 2})
    body = answer.json()
    assert [item["stars"] for item in body["items"]] == [3, 4]
    assert (body["total"], body["pages"], body["rating"]["count"]) == (3, 2, 3)
    assert body["rating"]["average"] == round((20 + 12) / 8, 2)
