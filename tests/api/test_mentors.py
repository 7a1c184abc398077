"""The mentor directory and public profiles: filters, pages, SQL budget and visibility."""

from datetime import timedelta

import pytest

from headstrt.accounts.models import MentorProfile, User
from headstrt.core import clock
from tests.api.conftest import assert_error, client_for
from tests.factories import (
    DIRECTORY_FILTER_CASES,
    ExpertiseEntryFactory,
    MentorProfileFactory,
    TopicFactory,
    directory_sample,
)
from tests.matching.track_record import reviews_of

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [mentor["display_name"] for mentor in response.json()["items"]]


def test_directory_lists_active_mentors_for_anyone(anonymous):
    listed = MentorProfileFactory(user__display_name="Listed One", offers={30: 4000, 60: 7000})
    MentorProfileFactory(user__display_name="Paused One", is_active=False)

    body = anonymous.get("/mentors").json()

    assert body["total"] == 1 and body["page"] == 1 and body["size"] == 20
    assert body["pages"] == 1
    [mentor] = body["items"]
    assert mentor["id"] == listed.user.public_id
    assert mentor["display_name"] == "Listed One"
    assert mentor["from_price"] == {"minor": 4000, "currency": "EUR", "display": "€40.00"}
    assert [offer["minutes"] for offer in mentor["offers"]] == [30, 60]
    assert mentor["languages"] == ["en"] and mentor["photo_url"] is None
    assert (mentor["rating"], mentor["reviews"]) == (None, 0)


def test_directory_and_profile_show_the_rating_and_its_review_count(anonymous):
    rated = MentorProfileFactory(user__display_name="Rated")
    reviews_of(rated, [5, 5, 4])
    reviews_of(rated, [1], revealed=False)  # still blind: not counted yet

    [listed] = anonymous.get("/mentors").json()["items"]
    profile = anonymous.get(f"/mentors/{rated.user.public_id}").json()

    for body in (listed, profile):
        assert body["rating"] == round((20 + 14) / 8, 2) and body["reviews"] == 3


def test_a_mentor_paused_for_lapses_leaves_the_directory_until_the_pause_ends(anonymous):
    paused = MentorProfileFactory(user__display_name="Paused For Lapses")
    MentorProfileFactory(user__display_name="Listed")
    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() + timedelta(days=14))

    assert names(anonymous.get("/mentors")) == ["Listed"]

    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() - timedelta(minutes=1))
    assert sorted(names(anonymous.get("/mentors"))) == ["Listed", "Paused For Lapses"]


@pytest.mark.parametrize(("params", "expected"), DIRECTORY_FILTER_CASES)
def test_filters_narrow_the_results(anonymous, params, expected):
    directory_sample()

    assert names(anonymous.get("/mentors", params)) == expected


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"max_price": "-3"}, 400, "invalid_price"),
        ({"max_price": "abc"}, 400, "invalid_amount"),
        ({"max_price": "10", "currency": "XYZ"}, 400, "unknown_currency"),
        ({"area": "spiritual"}, 400, "unknown_area"),
        ({"topic": "no-such-topic"}, 400, "unknown_topic"),
        ({"language": "xx"}, 400, "unknown_language"),
        ({"q": "word " * 50}, 400, "too_long"),
        ({"page": "0"}, 400, "invalid_page"),
        ({"size": "500"}, 400, "invalid_page_size"),
        ({"page": "two"}, 422, "invalid"),
    ],
)
def test_bad_filters_are_explained(anonymous, params, status, code):
    assert_error(anonymous.get("/mentors", params), status, code)


def test_pagination(anonymous):
    for index in range(23):
        MentorProfileFactory(user__display_name=f"Mentor {index:02}")

    first = anonymous.get("/mentors").json()
    second = anonymous.get("/mentors", {"page": 2}).json()
    small = anonymous.get("/mentors", {"size": 5, "page": 5}).json()

    assert (first["total"], first["pages"], len(first["items"])) == (23, 2, 20)
    assert (second["page"], len(second["items"])) == (2, 3)
    assert len(small["items"]) == 3 and small["pages"] == 5
    seen = [mentor["id"] for mentor in first["items"] + second["items"]]
    assert len(set(seen)) == 23
    # Beyond the last page is an empty page, not an error, however far beyond.
    assert anonymous.get("/mentors", {"page": 9}).json()["items"] == []
    far = anonymous.get("/mentors", {"page": str(10**20)})
    assert far.status_code == 200 and far.json()["items"] == []


def create_mentors(count: int) -> None:
    topic = TopicFactory(name="Leadership")
    for _ in range(count):
        mentor = MentorProfileFactory(offers={15: 1000, 30: 2000}, user__languages=["en", "fr"])
        ExpertiseEntryFactory(mentor=mentor, topic=topic)


@pytest.mark.parametrize("count", [20, 45])
def test_a_page_of_mentors_costs_a_fixed_number_of_queries(
    anonymous, django_assert_num_queries, count
):
    create_mentors(count)
    for mentor in MentorProfile.objects.all()[:5]:
        reviews_of(mentor, [5, 4])

    # count, page, offers, languages, expertise with topics, ratings of the page's mentors
    with django_assert_num_queries(6):
        response = anonymous.get("/mentors")

    assert len(response.json()["items"]) == 20


def test_public_profile(anonymous):
    profile = MentorProfileFactory(user__display_name="Visible Person", bio="<em>Hi</em>")

    body = anonymous.get(f"/mentors/{profile.user.public_id}").json()

    assert body["display_name"] == "Visible Person" and body["bio"] == "<em>Hi</em>"
    assert "email" not in body
    assert_error(anonymous.get("/mentors/nosuchperson"), 404, "not_found")


def test_a_paused_profile_is_visible_to_its_owner_only(client, person):
    paused = MentorProfileFactory(user=person, is_active=False)
    url = f"/mentors/{paused.user.public_id}"

    owner = client_for(client, person)
    assert owner.get(url).json()["is_active"] is False

    intruder = client_for(client, MentorProfileFactory().user)
    assert_error(intruder.get(url), 404, "not_found")
    assert person.public_id not in [m["id"] for m in intruder.get("/mentors").json()["items"]]

    client.force_login(person)  # the owner's browser session works as well
    assert client.get(f"/api/v1{url}").status_code == 200
    client.logout()
    assert_error(client.get(f"/api/v1{url}"), 404, "not_found")


def test_taxonomy_and_languages(anonymous):
    career = TopicFactory(slug="career-x", name="Career X")
    TopicFactory(slug="salary-x", name="Salary X", parent=career)

    topics = {topic["slug"]: topic for topic in anonymous.get("/topics").json()}
    languages = {item["code"]: item["name"] for item in anonymous.get("/languages").json()}

    assert topics["salary-x"]["parent"] == "career-x"
    assert topics["salary-x"]["path"] == "Career X › Salary X"
    assert topics["career-x"]["parent"] is None
    assert languages["fr"] == "French"
