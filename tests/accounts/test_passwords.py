"""Passwords: reset by email through real SMTP, change ends other sessions, argon2 hashes."""

import re

import pytest
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from headstrt.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = reverse("account_login")
RESET_URL = reverse("account_reset_password")
CHANGE_URL = reverse("account_change_password")
NEW_PASSWORD = "seven orchards under snow"
RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password/reset/key/[^/\s]+/)")


def log_in(client, email, password):
    client.post(LOGIN_URL, {"login": email, "password": password})
    return get_user(client)


def reset_link(mailbox, address):
    (message,) = mailbox.messages_to(address)
    match = RESET_LINK.search(mailbox.body(message))
    assert match, mailbox.body(message)
    return match.group(1)


def set_new_password(client, link, password):
    """Follow the mailed link (it moves the key into the session) and post the new password."""
    opened = client.get(link)
    assert opened.status_code == 302
    return client.post(opened["Location"], {"password1": password, "password2": password})


def test_password_reset_by_email_replaces_the_old_password(client, mailbox):
    user = UserFactory(email="ana@example.org")

    client.post(RESET_URL, {"email": "ana@example.org"})
    response = set_new_password(client, reset_link(mailbox, "ana@example.org"), NEW_PASSWORD)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert not log_in(Client(), "ana@example.org", PASSWORD).is_authenticated
    assert log_in(Client(), "ana@example.org", NEW_PASSWORD) == user


def test_a_reset_link_works_once(client, mailbox):
    UserFactory(email="ana@example.org")
    client.post(RESET_URL, {"email": "ana@example.org"})
    link = reset_link(mailbox, "ana@example.org")
    set_new_password(client, link, NEW_PASSWORD)

    reused = Client().get(link)

    assert reused.status_code == 200
    assert reused.context["token_fail"] is True
    assert log_in(Client(), "ana@example.org", NEW_PASSWORD).is_authenticated


def test_a_reset_refuses_a_weak_new_password(client, mailbox):
    user = UserFactory(email="ana@example.org")
    client.post(RESET_URL, {"email": "ana@example.org"})

    response = set_new_password(client, reset_link(mailbox, "ana@example.org"), "password123")

    assert response.status_code == 200
    assert response.context["form"].errors
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_reset_for_an_unknown_email_says_so_and_mails_nothing(client, mailbox):
    response = client.post(RESET_URL, {"email": "nobody@example.org"})

    assert response.status_code == 200
    assert response.context["form"].errors["email"]
    assert mailbox.messages == []


def test_a_password_reset_ends_sessions_opened_with_the_old_password(client, mailbox):
    user = UserFactory(email="ana@example.org")
    elsewhere = Client()
    assert log_in(elsewhere, "ana@example.org", PASSWORD) == user

    client.post(RESET_URL, {"email": "ana@example.org"})
    set_new_password(client, reset_link(mailbox, "ana@example.org"), NEW_PASSWORD)

    elsewhere.get(CHANGE_URL)
    assert not get_user(elsewhere).is_authenticated


def test_changing_the_password_keeps_this_session_and_ends_the_others(mailbox):
    user = UserFactory(email="ana@example.org")
    laptop, phone = Client(), Client()
    assert log_in(laptop, "ana@example.org", PASSWORD) == user
    assert log_in(phone, "ana@example.org", PASSWORD) == user

    response = laptop.post(
        CHANGE_URL,
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert laptop.get(CHANGE_URL).status_code == 200
    assert get_user(laptop) == user
    on_phone = phone.get(CHANGE_URL)
    assert on_phone.status_code == 302
    assert on_phone["Location"].startswith(LOGIN_URL)
    assert not get_user(phone).is_authenticated


def test_changing_the_password_needs_the_current_one(client):
    user = UserFactory(email="ana@example.org")
    client.force_login(user)

    response = client.post(
        CHANGE_URL,
        {"oldpassword": "a guess", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["oldpassword"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_passwords_are_stored_as_argon2_hashes(client, mailbox):
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.org",
            "password1": NEW_PASSWORD,
            "display_name": "New Person",
            "time_zone": "UTC",
        },
    )

    stored = User.objects.get(email="new@example.org").password
    assert stored.startswith("argon2")
    assert NEW_PASSWORD not in stored
