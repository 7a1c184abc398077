"""API tokens: signing in for one, rate limits, listing, revoking, and who may use them."""

import pytest
from django.test import Client

from headstrt.accounts.models import ApiToken
from headstrt.api.tokens import SIGN_IN_RATE_PER_EMAIL, SIGN_IN_RATE_PER_IP
from tests.api.conftest import ApiClient, assert_error, client_for
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(anonymous, email, password=PASSWORD, name="Phone"):
    return anonymous.post("/auth/token", {"email": email, "password": password, "name": name})


def tries(rate: str) -> int:
    return int(rate.split("/")[0])


def test_signing_in_gives_a_token_that_works(anonymous, client, person):
    response = sign_in(anonymous, person.email.upper())

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]  # the key must not linger in any cache
    body = response.json()
    assert body["key"].startswith("hst_")
    assert body["token"]["name"] == "Phone"
    assert body["key"].startswith(body["token"]["prefix"])
    assert body["token"]["revoked"] is False
    me = ApiClient(client, body["key"]).get("/me")
    assert me.status_code == 200 and me.json()["email"] == person.email
    assert ApiToken.objects.get(user=person).public_id == body["token"]["id"]


def test_wrong_password_and_unknown_email_get_the_same_401(anonymous, person):
    wrong = assert_error(sign_in(anonymous, person.email, "not it at all"), 401)
    unknown = assert_error(sign_in(anonymous, "nobody@example.org"), 401)

    assert wrong == unknown and wrong["code"] == "invalid_credentials"
    assert not ApiToken.objects.exists()


def test_unverified_email_is_told_to_verify_first(anonymous):
    newcomer = UserFactory(verified=False)

    body = assert_error(sign_in(anonymous, newcomer.email), 403, "email_unverified")

    assert "verify" in body["message"].lower()
    assert not ApiToken.objects.exists()


def test_signing_in_is_rate_limited_per_email(anonymous, person):
    for _ in range(tries(SIGN_IN_RATE_PER_EMAIL)):
        assert_error(sign_in(anonymous, person.email, "guess"), 401)

    # Even the right password is refused once the limit is reached.
    assert_error(sign_in(anonymous, person.email), 429, "rate_limited")
    assert not ApiToken.objects.exists()


def test_signing_in_is_rate_limited_per_ip(anonymous):
    for index in range(tries(SIGN_IN_RATE_PER_IP)):
        assert_error(sign_in(anonymous, f"stranger{index}@example.org"), 401)

    assert_error(sign_in(anonymous, "one-more@example.org"), 429, "rate_limited")


def test_sign_in_with_missing_fields_is_invalid(anonymous, person):
    body = assert_error(anonymous.post("/auth/token", {"email": person.email}), 422, "invalid")

    assert {error["field"] for error in body["errors"]} == {"password", "name"}
    assert "password" in body["message"] and "name" in body["message"]


def test_list_create_and_revoke_tokens(api, person):
    created = api.post("/tokens", {"name": "Laptop script"})
    assert created.status_code == 201 and "no-store" in created["Cache-Control"]
    new_id = created.json()["token"]["id"]

    listed = api.get("/tokens").json()
    assert [token["name"] for token in listed] == ["Laptop script", "tests"]
    assert set(listed[0]) == {
        "id",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked",
        "revoked_at",
    }
    assert all("key" not in token and "key_hash" not in token for token in listed)

    assert api.delete(f"/tokens/{new_id}").status_code == 204
    revoked = {token["id"]: token for token in api.get("/tokens").json()}[new_id]
    assert revoked["revoked"] is True and revoked["revoked_at"]


def test_a_revoked_token_gets_401(client, person):
    api = client_for(client, person)
    token_id = api.get("/tokens").json()[0]["id"]
    assert api.delete(f"/tokens/{token_id}").status_code == 204

    assert_error(api.get("/me"), 401, "unauthenticated")
    # Unsafe methods too: the refusal is about the token, not about CSRF.
    assert_error(api.post("/tokens", {"name": "again"}), 401, "unauthenticated")
    assert ApiToken.objects.filter(user=person).count() == 1


def test_unknown_token_and_no_credentials_get_401(client):
    assert_error(ApiClient(client, "hst_made-up").get("/me"), 401, "unauthenticated")
    assert_error(ApiClient(client, "something-else").get("/me"), 401, "unauthenticated")
    assert_error(ApiClient(client).get("/me"), 401, "unauthenticated")
    assert_error(ApiClient(client).post("/tokens", {"name": "x"}), 401, "unauthenticated")


def test_another_persons_token_cannot_be_revoked(client, person):
    owner_api = client_for(client, person)
    token_id = owner_api.get("/tokens").json()[0]["id"]
    intruder = client_for(client, UserFactory())

    assert_error(intruder.delete(f"/tokens/{token_id}"), 404, "not_found")

    assert ApiToken.objects.get(public_id=token_id).revoked_at is None
    assert owner_api.get("/me").status_code == 200
    assert [token["id"] for token in intruder.get("/tokens").json()] != [token_id]


def test_token_name_is_checked(api, person):
    assert_error(api.post("/tokens", {"name": "   "}), 400, "required")
    assert_error(api.post("/tokens", {"name": "x" * 81}), 422, "invalid")
    assert ApiToken.objects.filter(user=person).count() == 1


def test_session_works_and_unsafe_methods_need_csrf(person):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(person)
    session = ApiClient(browser)

    assert session.get("/me").json()["id"] == person.public_id
    assert_error(session.post("/tokens", {"name": "No CSRF"}), 403, "csrf_failed")
    assert not ApiToken.objects.filter(user=person).exists()

    browser.get("/api/docs")  # any page that sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    created = browser.post(
        "/api/v1/tokens",
        {"name": "With CSRF"},
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert created.status_code == 201
