"""Guessing passwords is slow: after a few failures, the web sign-in form and the API's token
sign-in refuse, even the right password, until the wait is over."""

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY

from headstrt.accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

WRONG = "not the password 1234"
TOO_MANY = "Too many failed login attempts"


def web_sign_in(client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def api_sign_in(client, email: str, password: str, address: str = "192.0.2.10"):
    return client.post(
        "/api/v1/auth/token",
        {"email": email, "password": password, "name": "phone"},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_the_web_form_refuses_after_repeated_failures_even_the_right_password(client):
    person = UserFactory()
    for _ in range(5):
        response = web_sign_in(client, person.email, WRONG)
        assert response.status_code == 200 and TOO_MANY not in response.text
    throttled = web_sign_in(client, person.email, WRONG)
    assert TOO_MANY in throttled.text
    right = web_sign_in(client, person.email, PASSWORD)
    assert right.status_code == 200 and TOO_MANY in right.text
    assert SESSION_KEY not in client.session


def test_the_web_throttle_is_per_account_not_for_everyone(client):
    victim, other = UserFactory(), UserFactory()
    for _ in range(6):
        web_sign_in(client, victim.email, WRONG)
    response = web_sign_in(client, other.email, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(other.pk)


def test_the_web_form_lets_the_person_in_once_the_wait_is_over(client, monkeypatch):
    import time

    person = UserFactory()
    for _ in range(6):
        web_sign_in(client, person.email, WRONG)
    later = time.time() + timedelta(minutes=6).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)
    response = web_sign_in(client, person.email, PASSWORD)
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(person.pk)


def test_the_api_refuses_a_token_after_repeated_tries_even_with_the_right_password(client):
    person = UserFactory()
    for _ in range(5):
        assert api_sign_in(client, person.email, WRONG).status_code == 401
    throttled = api_sign_in(client, person.email, PASSWORD)
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "rate_limited"
    assert not ApiToken.objects.filter(user=person).exists()


def test_the_api_counts_tries_from_one_address_across_accounts(client):
    people = [UserFactory() for _ in range(5)]
    for person in people:
        for _ in range(4):
            api_sign_in(client, person.email, WRONG, address="198.51.100.7")
    # 20 tries from this address: the next, for a fresh account and the right password, waits.
    newcomer = UserFactory()
    throttled = api_sign_in(client, newcomer.email, PASSWORD, address="198.51.100.7")
    assert throttled.status_code == 429
    assert api_sign_in(client, newcomer.email, PASSWORD, address="203.0.113.5").status_code == 201


def test_a_request_with_no_client_address_is_throttled_too(client):
    """A server on a Unix socket may send no address: the counter still works."""
    person = UserFactory()
    for _ in range(5):
        assert api_sign_in(client, person.email, WRONG, address="").status_code == 401
    assert api_sign_in(client, person.email, PASSWORD, address="").status_code == 429
