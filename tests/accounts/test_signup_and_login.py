"""Sign-up with email verification through real SMTP, login, logout and their rate limits."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user
from django.test import Client
from django.urls import reverse

from headstrt.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = reverse("account_signup")
LOGIN_URL = reverse("account_login")
LOGOUT_URL = reverse("account_logout")
NEW_PASSWORD = "quiet lanterns over 9 rivers"
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^/\s]+/)")


def sign_up(client, **overrides):
    data = {
        "email": "person@example.org",
        "password1": NEW_PASSWORD,
        "display_name": "Sam River",
        "time_zone": "Asia/Kolkata",
        **overrides,
    }
    return client.post(SIGNUP_URL, data)


def log_in(client, email, password):
    return client.post(LOGIN_URL, {"login": email, "password": password})


def confirm_link(mailbox, address):
    (message,) = mailbox.messages_to(address)
    match = CONFIRM_LINK.search(mailbox.body(message))
    assert match, mailbox.body(message)
    return match.group(1)


def form_errors(response, field):
    return response.context["form"].errors.get(field, [])


def test_sign_up_creates_an_unverified_person_and_mails_a_confirmation_link(client, mailbox):
    response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="person@example.org")
    assert user.display_name == "Sam River"
    assert user.time_zone == "Asia/Kolkata"
    assert user.check_password(NEW_PASSWORD)
    assert EmailAddress.objects.get(user=user).verified is False
    (message,) = mailbox.messages_to("person@example.org")
    assert message["Subject"].startswith("[Headstrt] ")
    assert CONFIRM_LINK.search(mailbox.body(message))


def test_following_the_link_confirms_on_post_only_and_then_login_works(client, mailbox):
    sign_up(client)
    link = confirm_link(mailbox, "person@example.org")
    address = EmailAddress.objects.get(email="person@example.org")

    shown = client.get(link)
    address.refresh_from_db()
    assert shown.status_code == 200
    assert address.verified is False  # a mail scanner following links must not confirm

    confirmed = client.post(link)
    address.refresh_from_db()
    assert confirmed.status_code == 302
    assert address.verified is True
    assert get_user(client) == address.user  # confirmed in the sign-up session: logged in

    fresh = Client()
    response = log_in(fresh, "person@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert get_user(fresh) == address.user


def test_a_forged_confirmation_key_confirms_nothing(client, mailbox):
    sign_up(client)

    client.post(reverse("account_confirm_email", args=["not-a-real-key"]))

    assert EmailAddress.objects.get(email="person@example.org").verified is False


def test_login_before_verification_is_refused_and_sends_to_verification(client, mailbox):
    sign_up(client)
    fresh = Client()

    response = log_in(fresh, "person@example.org", NEW_PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert not get_user(fresh).is_authenticated


def test_a_second_sign_up_with_the_same_email_in_other_letter_case_is_refused(client, mailbox):
    sign_up(client)
    mailbox.clear()

    response = sign_up(Client(), email="Person@Example.org", display_name="Impostor")

    assert response.status_code == 200
    assert any("already" in error for error in form_errors(response, "email"))
    assert User.objects.filter(email__iexact="person@example.org").count() == 1
    assert User.objects.get().display_name == "Sam River"
    assert EmailAddress.objects.filter(email__iexact="person@example.org").count() == 1
    assert mailbox.messages == []


def test_signing_up_with_a_taken_email_takes_nothing_over(client, mailbox):
    owner = UserFactory(email="person@example.org", display_name="Owner")

    response = sign_up(client, email="PERSON@example.ORG", display_name="Impostor")

    assert response.status_code == 200
    assert list(User.objects.all()) == [owner]
    owner.refresh_from_db()
    assert owner.display_name == "Owner"
    assert owner.check_password(PASSWORD)
    assert not owner.check_password(NEW_PASSWORD)
    assert mailbox.messages == []


@pytest.mark.parametrize(
    "password",
    ["password123", "1234567890", "Sh0rt!x", "person@example.org", "personexample"],
    ids=["common", "numeric", "too-short", "same-as-email", "like-email"],
)
def test_weak_passwords_are_refused_and_create_no_user(client, mailbox, password):
    response = sign_up(client, password1=password)

    assert response.status_code == 200
    assert form_errors(response, "password1")
    assert not User.objects.exists()
    assert mailbox.messages == []


def test_an_unknown_time_zone_is_refused_with_a_clear_message(client, mailbox):
    response = sign_up(client, time_zone="Mars/Olympus_Mons")

    assert response.status_code == 200
    (message,) = form_errors(response, "time_zone")
    assert "Mars/Olympus_Mons" in message and "time zone" in message
    assert not User.objects.exists()
    assert mailbox.messages == []


def test_a_display_name_is_required(client, mailbox):
    response = sign_up(client, display_name="")

    assert form_errors(response, "display_name")
    assert not User.objects.exists()


def test_login_with_a_wrong_password_is_refused(client):
    UserFactory(email="ana@example.org")

    response = log_in(client, "ana@example.org", "not the password at all")

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not get_user(client).is_authenticated


def test_login_ignores_the_letter_case_of_the_email(client):
    user = UserFactory(email="ana@example.org")

    log_in(client, "ANA@Example.org", PASSWORD)

    assert get_user(client) == user


def test_repeated_failed_logins_lock_the_email_even_for_the_right_password(client):
    user = UserFactory(email="ana@example.org")
    other = UserFactory(email="ben@example.org")
    for _ in range(5):
        log_in(client, "ana@example.org", "a wrong guess, again")

    response = log_in(client, "ana@example.org", PASSWORD)

    assert response.status_code == 200
    assert "too many" in str(response.context["form"].errors).lower()
    assert not get_user(client).is_authenticated
    # The lock is for that email only: someone else on the same network still gets in.
    log_in(client, "ben@example.org", PASSWORD)
    assert get_user(client) == other
    assert user.pk != other.pk


def test_a_few_failed_logins_do_not_lock_the_owner_out(client):
    user = UserFactory(email="ana@example.org")
    for _ in range(4):
        log_in(client, "ana@example.org", "a wrong guess, again")

    log_in(client, "ana@example.org", PASSWORD)

    assert get_user(client) == user


def test_sign_ups_are_rate_limited_per_ip(settings, mailbox):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    for number in range(2):
        assert sign_up(Client(), email=f"p{number}@example.org").status_code == 302

    refused = sign_up(Client(), email="p2@example.org")
    elsewhere = sign_up(Client(REMOTE_ADDR="203.0.113.9"), email="p3@example.org")

    assert refused.status_code == 429
    assert not User.objects.filter(email="p2@example.org").exists()
    assert elsewhere.status_code == 302
    assert User.objects.filter(email="p3@example.org").exists()


def test_logout_happens_on_post_not_on_get(client):
    client.force_login(UserFactory())

    shown = client.get(LOGOUT_URL)
    assert shown.status_code == 200
    assert get_user(client).is_authenticated

    response = client.post(LOGOUT_URL)
    assert response.status_code == 302
    assert not get_user(client).is_authenticated
