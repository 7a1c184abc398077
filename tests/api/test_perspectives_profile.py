"""The price of a written answer through the API: set on the mentor profile in minor units,
shown on the profile and in the directory, null for no written answers; bad values are
refused 4xx with nothing saved."""

import pytest

from headstrt.accounts.models import MentorProfile

pytestmark = pytest.mark.django_db

PROFILE = {
    "headline": "Negotiation coach",
    "bio": "Fifteen years of closing deals.",
    "currency": "EUR",
    "offers": [{"minutes": 30, "price_minor": 4000}],
    "weekly_capacity": 5,
    "is_active": True,
}


def test_the_answer_price_is_set_shown_and_cleared(api, anonymous, person):
    body = api.put("/me/mentor-profile", {**PROFILE, "answer_price_minor": 1500}).json()
    assert body["answer_price"] == {"minor": 1500, "currency": "EUR", "display": "€15.00"}
    listed = anonymous.get(f"/mentors/{person.public_id}").json()
    assert listed["answer_price"]["minor"] == 1500

    free = api.put("/me/mentor-profile", {**PROFILE, "answer_price_minor": 0}).json()
    assert free["answer_price"]["display"] == "Free"

    left_out = api.put("/me/mentor-profile", PROFILE).json()
    assert left_out["answer_price"] is None
    assert MentorProfile.objects.get(user=person).answer_price_minor is None


@pytest.mark.parametrize(
    ("price", "status", "code"),
    [
        (True, 422, "invalid"),
        ("1500", 422, "invalid"),
        (15.5, 422, "invalid"),
        (-1, 400, "invalid_price"),
        (1_000_001, 400, "invalid_price"),
        (10**30, 400, "invalid_price"),
    ],
)
def test_a_bad_answer_price_is_refused_and_nothing_is_saved(api, person, price, status, code):
    api.put("/me/mentor-profile", {**PROFILE, "answer_price_minor": 2000})

    response = api.put(
        "/me/mentor-profile", {**PROFILE, "headline": "Changed", "answer_price_minor": price}
    )

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    profile = MentorProfile.objects.get(user=person)
    assert (profile.answer_price_minor, profile.headline) == (2000, "Negotiation coach")
