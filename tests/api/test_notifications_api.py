"""The API of email preferences: read them, change some, or set them all."""

from datetime import UTC, datetime

import pytest

from headstrt.messaging.models import EmailPreference
from tests.api.conftest import assert_error, client_for
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)

frozen = frozen_at(NOW)


def stored(person) -> dict[str, bool]:
    return dict(EmailPreference.objects.filter(person=person).values_list("category", "email"))


def emailed(body: list[dict]) -> dict[str, bool]:
    return {item["category"]: item["email"] for item in body}


def test_the_preferences_list_every_category(api, person, django_assert_num_queries):
    EmailPreference.objects.create(person=person, category="message", email=False, updated_at=NOW)

    # the token and its use; the choices
    with django_assert_num_queries(3):
        response = api.get("/notifications/preferences")

    body = response.json()
    assert response.status_code == 200 and len(body) == 9
    assert body[0] == {
        "category": "booking",
        "label": "Sessions",
        "description": body[0]["description"],
        "email": True,
        "always": False,
    }
    assert body[0]["description"].startswith("Requests, confirmations")
    assert emailed(body)["message"] is False
    assert [item["category"] for item in body if item["always"]] == ["dispute"]


def test_patch_changes_only_the_categories_named(api, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    response = api.patch("/notifications/preferences", {"message": False, "booking": True})

    assert response.status_code == 200
    assert {key for key, email in emailed(response.json()).items() if not email} == {
        "message",
        "review",
    }
    assert stored(person) == {"message": False, "review": False}


def test_put_sets_every_category_and_the_unnamed_go_back_on(api, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    response = api.put("/notifications/preferences", {"outcome": False})

    assert response.status_code == 200
    assert stored(person) == {"outcome": False}
    assert emailed(response.json())["review"] is True


@pytest.mark.parametrize("method", ["patch", "put"])
@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({"message": False, "gossip": False}, "unknown_category", "“gossip”"),
        ({"message": False, "dispute": False}, "email_always_sent", "disputes"),
        ({"message": "no"}, "invalid", "message"),
        ({"message": 0}, "invalid", "message"),
        (["message"], "invalid", ""),
    ],
)
def test_bad_choices_answer_422_naming_them_and_change_nothing(
    api, person, method, body, code, named
):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    refused = assert_error(getattr(api, method)("/notifications/preferences", body), 422, code)

    assert named in refused["message"]
    assert stored(person) == {"review": False}


def test_broken_json_is_a_400_and_changes_nothing(api, person):
    response = api.client.patch(
        "/api/v1/notifications/preferences",
        "{not json",
        content_type="application/json",
        headers=api.headers,
    )

    assert_error(response, 400, "invalid_json")
    assert stored(person) == {}


def test_my_choices_never_touch_anyone_elses(api, person, client):
    other = UserFactory()
    EmailPreference.objects.create(person=other, category="booking", email=False, updated_at=NOW)

    api.put("/notifications/preferences", {"message": False})

    assert stored(other) == {"booking": False}
    theirs = client_for(client, other).get("/notifications/preferences").json()
    assert emailed(theirs)["message"] is True and emailed(theirs)["booking"] is False


def test_the_preferences_need_credentials(anonymous, person):
    assert_error(anonymous.get("/notifications/preferences"), 401, "unauthenticated")
    assert_error(anonymous.patch("/notifications/preferences", {"message": False}), 401)
    assert_error(anonymous.put("/notifications/preferences", {"message": False}), 401)
    assert not EmailPreference.objects.exists()
