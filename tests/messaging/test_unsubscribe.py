"""One-click unsubscribe: signed links in every email, confirmed on GET, done on POST."""

from datetime import UTC, datetime

import pytest
from django.core import signing
from django.urls import reverse

from headstrt.messaging.models import EmailPreference, Notification
from headstrt.messaging.preferences import category_named
from headstrt.messaging.services import notification_send
from headstrt.messaging.unsubscribe import SALT, unsubscribe_token
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)

frozen = frozen_at(NOW)

SITE = "http://127.0.0.1:8000"
INVALID = "This unsubscribe link is not valid"


@pytest.fixture
def person(db):
    return UserFactory(display_name="Mia Mentee", email="mia@example.org")


@pytest.fixture
def csrf_client(client):
    """A client that enforces CSRF, as a mail client's POST would meet it."""
    client.handler.enforce_csrf_checks = True
    return client


def link(person, category="message") -> str:
    return reverse(
        "web:unsubscribe", args=[unsubscribe_token(user=person, category=category_named(category))]
    )


def stored(person) -> dict[str, bool]:
    return dict(EmailPreference.objects.filter(person=person).values_list("category", "email"))


def tell(person, kind: str, title: str) -> None:
    notification_send(recipient=person, kind=kind, title=title, body="Details.", url="/x/")


def test_the_link_in_an_email_turns_that_category_off_and_only_that_one(
    person, mailbox, csrf_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        tell(person, "message.received", "New message from Ana")
    [email] = mailbox.messages
    address = email["List-Unsubscribe"].strip()[1:-1]
    assert address in mailbox.body(email)
    path = address.removeprefix(SITE)

    # What a mail client sends for its own unsubscribe button (RFC 8058): no cookie, no token.
    response = csrf_client.post(
        path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert "Unsubscribed from Messages" in response.content.decode()
    assert stored(person) == {"message": False}

    mailbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        tell(person, "message.received", "Another message from Ana")
        tell(person, "booking.confirmed", "Your session is confirmed")

    assert [m["Subject"] for m in mailbox.messages] == ["[Headstrt] Your session is confirmed"]
    assert Notification.objects.filter(recipient=person, kind="message.received").count() == 2


def test_opening_the_link_only_asks_to_confirm(person, client):
    response = client.get(link(person))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Stop emails about messages?" in html and "Unsubscribe from messages</button>" in html
    assert 'method="post"' in html and 'name="csrfmiddlewaretoken"' not in html
    assert response["X-Robots-Tag"] == "noindex" and response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"]
    assert stored(person) == {}


def test_the_undo_button_subscribes_again(person, csrf_client):
    path = link(person, "review")
    unsubscribed = csrf_client.post(path).content.decode()
    assert "Unsubscribed from Reviews" in unsubscribed
    assert 'name="action" value="resubscribe"' in unsubscribed
    assert "Undo: email me about reviews again" in unsubscribed

    again = csrf_client.post(path, {"action": "resubscribe"})

    assert "Subscribed to Reviews again" in again.content.decode()
    assert stored(person) == {}


def test_opening_the_link_once_unsubscribed_offers_to_subscribe_again(person, client):
    EmailPreference.objects.create(person=person, category="message", email=False, updated_at=NOW)

    html = client.get(link(person)).content.decode()

    assert "You are already unsubscribed from messages." in html
    assert "Email me about messages again</button>" in html
    assert stored(person) == {"message": False}


def test_the_link_works_for_a_signed_in_person_too_and_touches_only_its_owner(person, client):
    other = UserFactory()
    client.force_login(other)

    client.post(link(person, "booking"))

    assert stored(person) == {"booking": False} and stored(other) == {}


def forged_tokens(person) -> dict[str, str]:
    good = unsubscribe_token(user=person, category=category_named("message"))
    value, signature = good.rsplit(":", 1)
    ours = signing.Signer(salt=SALT)
    # The signed part alone does not depend on the salt: only the signature does.
    booking = signing.Signer(salt="any").sign_object([person.public_id, "booking"])
    return {
        "signature changed": f"{value}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "category swapped": f"{booking.rsplit(':', 1)[0]}:{signature}",
        "cut short": good[:-6],
        "made up": "hello",
        "another salt": booking,
        "unknown person": ours.sign_object(["nobody123", "message"]),
        "unknown category": ours.sign_object([person.public_id, "gossip"]),
        "always sent": ours.sign_object([person.public_id, "dispute"]),
        "not a pair": ours.sign_object({"u": person.public_id}),
        "not text": ours.sign_object([7, "message"]),
    }


@pytest.mark.parametrize(
    "forgery",
    [
        "signature changed",
        "category swapped",
        "cut short",
        "made up",
        "another salt",
        "unknown person",
        "unknown category",
        "always sent",
        "not a pair",
        "not text",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_forged_link_is_refused_and_changes_nothing(person, client, forgery, method):
    token = forged_tokens(person)[forgery]

    response = getattr(client, method)(reverse("web:unsubscribe", args=[token]))

    assert response.status_code == 400
    assert INVALID in response.content.decode()
    assert not EmailPreference.objects.exists()


def test_an_inactive_persons_link_is_refused(person, client):
    path = link(person)
    person.is_active = False
    person.save(update_fields=["is_active"])

    response = client.post(path)

    assert response.status_code == 400 and not EmailPreference.objects.exists()


def test_other_methods_are_not_allowed(person, client):
    assert client.put(link(person)).status_code == 405
    assert not EmailPreference.objects.exists()
