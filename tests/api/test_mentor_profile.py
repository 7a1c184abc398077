"""The signed-in person's mentor profile: opening, updating, refusals and expertise."""

import pytest

from headstrt.accounts.models import ExpertiseEntry, MentorProfile
from tests.api.conftest import assert_error, client_for
from tests.factories import ExpertiseEntryFactory, TopicFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "headline": "Negotiation coach",
    "bio": "Fifteen years of closing deals.",
    "currency": "EUR",
    "offers": [{"minutes": 30, "price_minor": 4000}, {"minutes": 60, "price_minor": 7000}],
    "weekly_capacity": 5,
    "is_active": True,
}


def saved_state(person) -> tuple:
    profile = MentorProfile.objects.get(user=person)
    offers = list(profile.offers.values_list("minutes", "price_minor"))
    return profile.headline, profile.bio, profile.currency, profile.weekly_capacity, offers


def test_no_profile_yet_is_404(api):
    assert_error(api.get("/me/mentor-profile"), 404, "not_found")


def test_put_opens_then_updates_the_profile(api, person):
    opened = api.put("/me/mentor-profile", PROFILE)

    assert opened.status_code == 200
    body = opened.json()
    assert body["id"] == person.public_id and body["headline"] == "Negotiation coach"
    assert body["offers"] == [
        {"minutes": 30, "price": {"minor": 4000, "currency": "EUR", "display": "€40.00"}},
        {"minutes": 60, "price": {"minor": 7000, "currency": "EUR", "display": "€70.00"}},
    ]
    assert body["from_price"] == {"minor": 4000, "currency": "EUR", "display": "€40.00"}

    updated = api.put(
        "/me/mentor-profile",
        {**PROFILE, "offers": [{"minutes": 15, "price_minor": 0}], "is_active": False},
    ).json()

    assert updated["offers"] == [
        {"minutes": 15, "price": {"minor": 0, "currency": "EUR", "display": "Free"}}
    ]
    assert updated["is_active"] is False
    assert api.get("/me/mentor-profile").json() == updated
    assert MentorProfile.objects.filter(user=person).count() == 1


def test_markup_in_the_bio_is_stored_as_given_and_returned_as_data(api, person):
    bio = '<script>alert("hi")</script><b>bold</b> & more'

    response = api.put("/me/mentor-profile", {**PROFILE, "bio": bio})

    assert response["Content-Type"].startswith("application/json")
    assert response.json()["bio"] == bio
    assert MentorProfile.objects.get(user=person).bio == bio


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"offers": [{"minutes": 30, "price_minor": -100}]}, 400, "invalid_price"),
        ({"offers": [{"minutes": 30, "price_minor": 10**9}]}, 400, "invalid_price"),
        ({"offers": [{"minutes": 30, "price_minor": 12.5}]}, 422, "invalid"),
        ({"offers": [{"minutes": 20, "price_minor": 1000}]}, 400, "invalid_session_length"),
        ({"offers": []}, 400, "no_session_lengths"),
        (
            {"offers": [{"minutes": 30, "price_minor": 1}, {"minutes": 30, "price_minor": 2}]},
            422,
            "invalid",
        ),
        ({"currency": "XYZ"}, 400, "unknown_currency"),
        ({"headline": "x" * 121}, 400, "too_long"),
        ({"bio": ""}, 400, "required"),
        ({"weekly_capacity": 0}, 400, "out_of_range"),
        ({"weekly_capacity": "many"}, 422, "invalid"),
        ({"is_active": None}, 422, "invalid"),
    ],
)
def test_bad_profile_is_refused_and_nothing_changes(api, person, change, status, code):
    api.put("/me/mentor-profile", PROFILE)
    before = saved_state(person)

    body = assert_error(api.put("/me/mentor-profile", {**PROFILE, **change}), status, code)

    assert body["message"]
    assert saved_state(person) == before


def test_bad_first_profile_creates_nothing(api, person):
    assert_error(api.put("/me/mentor-profile", {**PROFILE, "currency": "XYZ"}), 400)

    assert not MentorProfile.objects.filter(user=person).exists()


def test_expertise_add_and_remove(api, person):
    career = TopicFactory(slug="career", name="Career")
    TopicFactory(slug="salary", name="Salary", parent=career)
    api.put("/me/mentor-profile", PROFILE)

    added = api.post(
        "/me/mentor-profile/expertise",
        {"topic": "salary", "years": 12, "description": "Raises and offers"},
    )

    assert added.status_code == 201
    entry = added.json()
    assert entry["topic"] == {"slug": "salary", "name": "Salary", "path": "Career › Salary"}
    assert entry["years"] == 12 and entry["area"] == "professional"
    assert api.get("/me/mentor-profile").json()["expertise"] == [entry]

    assert api.delete(f"/me/mentor-profile/expertise/{entry['id']}").status_code == 204
    assert api.get("/me/mentor-profile").json()["expertise"] == []


def test_expertise_refusals_change_nothing(api, person):
    TopicFactory(slug="salary", name="Salary")
    assert_error(
        api.post("/me/mentor-profile/expertise", {"topic": "salary", "years": 3}),
        409,
        "no_mentor_profile",
    )
    api.put("/me/mentor-profile", PROFILE)

    assert_error(
        api.post("/me/mentor-profile/expertise", {"topic": "no-such-topic", "years": 3}),
        400,
        "unknown_topic",
    )
    assert_error(
        api.post("/me/mentor-profile/expertise", {"topic": "salary", "years": 99}),
        400,
        "out_of_range",
    )
    assert_error(api.delete("/me/mentor-profile/expertise/nosuchentry"), 404, "not_found")
    assert not ExpertiseEntry.objects.exists()


def test_another_persons_expertise_cannot_be_removed(client, person):
    theirs = ExpertiseEntryFactory()
    api = client_for(client, person)
    api.put("/me/mentor-profile", PROFILE)

    assert_error(api.delete(f"/me/mentor-profile/expertise/{theirs.public_id}"), 404)

    assert ExpertiseEntry.objects.filter(pk=theirs.pk).exists()


def test_profile_endpoints_need_credentials(anonymous):
    assert_error(anonymous.get("/me/mentor-profile"), 401, "unauthenticated")
    assert_error(anonymous.put("/me/mentor-profile", PROFILE), 401, "unauthenticated")
    assert not MentorProfile.objects.exists()
