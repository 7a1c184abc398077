"""Notifications: sending (in the app and by email), the page, the badge and the API."""

import socket
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from redis.exceptions import ConnectionError as RedisConnectionError

from headstrt.core.errors import NotFound
from headstrt.messaging.models import EmailPreference, Notification
from headstrt.messaging.services import email_send, notification_send, notifications_mark_read
from tests.api.conftest import ApiClient, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)

frozen = frozen_at(NOW, autouse=False)


@pytest.fixture
def person(db):
    return UserFactory(display_name="Mia Mentee", email="mia@example.org")


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def send(person, title="Your session is confirmed", **extra):
    return notification_send(
        recipient=person,
        kind=extra.pop("kind", "booking.confirmed"),
        title=title,
        body=extra.pop("body", "Tuesday at 09:00.\nBring your numbers."),
        url=extra.pop("url", "/sessions/abc/"),
        **extra,
    )


def many(person, count: int, frozen) -> list[Notification]:
    sent = []
    for number in range(count):
        frozen.now = NOW + timedelta(minutes=number)
        sent.append(send(person, title=f"Notice {number}", email=False))
    return sent


def unread(person) -> int:
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


# Sending


def test_a_notification_is_recorded_and_emailed_after_commit(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notification = send(person, attachments=[("a.ics", b"BEGIN:VCALENDAR", "text/calendar")])
        assert mailbox.messages == []

    assert (notification.kind, notification.created_at, notification.read_at) == (
        "booking.confirmed",
        NOW,
        None,
    )
    [message] = mailbox.messages_to("mia@example.org")
    assert message["Subject"] == "[Headstrt] Your session is confirmed"
    assert message["Auto-Submitted"] == "auto-generated"
    text = mailbox.body(message)
    assert text.startswith("Hello Mia Mentee,")
    assert "Bring your numbers." in text and "http://127.0.0.1:8000/sessions/abc/" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Bring your numbers." in html and 'href="http://127.0.0.1:8000/sessions/abc/"' in html
    [attachment] = message.iter_attachments()
    assert attachment.get_filename() == "a.ics"


def test_the_email_is_queued_for_the_worker_with_nothing_rendered_in_the_request(
    frozen, person, mailbox, tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person, attachments=[("a.ics", b"BEGIN:VCALENDAR", "text/calendar")])
        email_send(recipient=person, title="Your session moved", body="Now at 10:00.")

    queued = [(result.task.name, result.kwargs) for result in tasks.ran]
    assert [(name, kwargs["address"], kwargs["category"]) for name, kwargs in queued] == [
        ("email_deliver", "mia@example.org", "booking"),
        ("email_deliver", "mia@example.org", ""),
    ]
    # Only what the worker needs to render it: no email built in the request.
    assert queued[0][1]["attachments"] == [["a.ics", "QkVHSU46VkNBTEVOREFS", "text/calendar"]]
    assert [m["Subject"] for m in mailbox.messages] == [
        "[Headstrt] Your session is confirmed",
        "[Headstrt] Your session moved",
    ]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def queue_unreachable(settings, monkeypatch):
    """The Redis task queue, pointed at a port where no Redis listens."""
    from headstrt.operations import task_queue

    monkeypatch.setattr(task_queue, "_clients", {})
    settings.RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:{closed_port()}/0"}}
    settings.TASKS = {"default": {"BACKEND": "headstrt.operations.task_queue.RedisTaskBackend"}}


def test_with_the_queue_unreachable_the_email_is_sent_at_once(
    frozen, person, mailbox, caplog, queue_unreachable, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person)
        email_send(recipient=person, title="Your session moved", body="Now at 10:00.")

    assert [m["Subject"] for m in mailbox.messages] == [
        "[Headstrt] Your session is confirmed",
        "[Headstrt] Your session moved",
    ]
    assert mailbox.messages[0]["List-Unsubscribe"] is not None
    logged = [r for r in caplog.records if r.getMessage().startswith("email queue unreachable")]
    assert [r.exc_info[0] for r in logged] == [RedisConnectionError] * 2


def test_with_neither_queue_nor_mail_server_the_failure_is_logged_and_the_change_stands(
    frozen, person, mailbox, caplog, settings, queue_unreachable, django_capture_on_commit_callbacks
):
    settings.EMAIL_PORT = closed_port()

    with django_capture_on_commit_callbacks(execute=True):
        send(person)

    assert mailbox.messages == [] and unread(person) == 1
    [failed] = [r for r in caplog.records if r.getMessage().startswith("could not send the email")]
    assert issubclass(failed.exc_info[0], OSError)


def test_a_notification_email_says_why_it_came_and_how_to_stop_it(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person)

    [message] = mailbox.messages
    # A long header is folded onto a second line, which leaves a space before the value.
    link = message["List-Unsubscribe"].strip()
    assert link.startswith("<http://127.0.0.1:8000/unsubscribe/") and link.endswith("/>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = mailbox.body(message)
    assert "because emails about sessions are on" in text
    assert f"Unsubscribe from emails about sessions: {link[1:-1]}" in text
    assert "Email preferences: http://127.0.0.1:8000/me/notifications/" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert f'href="{link[1:-1]}"' in html and "Unsubscribe from emails about sessions" in html


def test_a_category_turned_off_is_kept_in_the_app_but_not_emailed(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    EmailPreference.objects.create(person=person, category="booking", email=False, updated_at=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        send(person, title="A session changed")
        send(person, kind="review.revealed", title="Your reviews are revealed")

    assert [m["Subject"] for m in mailbox.messages] == ["[Headstrt] Your reviews are revealed"]
    assert unread(person) == 2


def test_the_choice_is_read_when_the_email_leaves(
    frozen, person, mailbox, django_capture_on_commit_callbacks, django_assert_num_queries
):
    with django_capture_on_commit_callbacks() as callbacks:
        send(person)
    EmailPreference.objects.create(person=person, category="booking", email=False, updated_at=NOW)

    # The queued email, run by the worker: the person and their choice.
    with django_assert_num_queries(2):
        for callback in callbacks:
            callback()

    assert mailbox.messages == [] and unread(person) == 1


def test_disputes_are_always_emailed_without_an_unsubscribe_link(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    # Not a choice the platform lets anyone store; written here to prove it is ignored.
    EmailPreference.objects.create(person=person, category="dispute", email=False, updated_at=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        send(person, kind="dispute.opened", title="A dispute was opened")

    [message] = mailbox.messages
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    text = mailbox.body(message)
    assert "These emails are always sent" in text and "/unsubscribe/" not in text


def test_a_message_notification_uses_the_messages_email(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person, kind="message.received", title="New message from Ana", url="/c/1/")

    [message] = mailbox.messages
    text = mailbox.body(message)
    assert "Read and reply: http://127.0.0.1:8000/c/1/" in text
    assert "We email you once until you have read the conversation" in text
    assert "Unsubscribe from emails about messages: http://127.0.0.1:8000/unsubscribe/" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Read and reply</a>" in html


def test_a_receipt_is_always_sent_and_has_no_unsubscribe_link(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    EmailPreference.objects.create(person=person, category="booking", email=False, updated_at=NOW)

    with django_capture_on_commit_callbacks(execute=True):
        email_send(recipient=person, title="You moved your session", body="Now on Friday.")

    [message] = mailbox.messages
    assert message["List-Unsubscribe"] is None
    assert "because you made this change" in mailbox.body(message)
    assert not Notification.objects.exists()


def test_an_email_of_a_category_no_longer_known_is_dropped_not_sent_as_a_receipt(
    person, mailbox, caplog
):
    from headstrt.messaging.tasks import email_deliver

    sent = email_deliver.call(
        recipient_id=person.pk,
        address=person.email,
        name="Mia",
        title="Renamed since",
        body="Queued before a deploy renamed its category.",
        url="",
        category="gossip",
        attachments=[],
    )

    assert sent is False and mailbox.messages == []
    assert "unknown category 'gossip'" in caplog.text


def test_only_text_and_html_files_are_compiled_as_email_templates(monkeypatch, tmp_path):
    from headstrt.messaging import tasks

    for name in ("base.txt", "base.html", ".DS_Store", "base.txt~"):
        (tmp_path / name).write_text("")
    (tmp_path / "drafts").mkdir()
    compiled = []
    monkeypatch.setattr(tasks, "EMAIL_TEMPLATES", tmp_path)
    monkeypatch.setattr(tasks, "get_template", compiled.append)

    tasks.email_templates_load()

    assert compiled == ["messaging/email/base.html", "messaging/email/base.txt"]


def test_a_kind_in_no_category_is_a_mistake_and_records_nothing(frozen, person, mailbox):
    with pytest.raises(ValueError, match="no category"):
        send(person, kind="gossip.heard")

    assert not Notification.objects.exists()


def test_a_person_without_an_address_gets_the_notification_only(
    frozen, mailbox, django_capture_on_commit_callbacks
):
    person = UserFactory(email="")

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(person)

    assert callbacks == [] and mailbox.messages == [] and unread(person) == 1


def test_html_in_a_notification_is_escaped_in_the_email(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person, body="<script>alert(1)</script>")

    [message] = mailbox.messages
    assert "<script>" not in message.get_body(preferencelist=("html",)).get_content()
    assert "<script>alert(1)</script>" in mailbox.body(message)


def test_nothing_is_sent_when_the_change_is_rolled_back(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        suppress(RuntimeError),
        transaction.atomic(),
    ):
        send(person)
        raise RuntimeError("the change failed")

    assert mailbox.messages == [] and not Notification.objects.exists()


def test_an_in_app_only_notification_sends_no_email(
    frozen, person, mailbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(person, email=False)

    assert mailbox.messages == [] and unread(person) == 1


# Marking read


def test_marking_one_or_all_read(frozen, person):
    first, second, third = many(person, 3, frozen)
    frozen.now = NOW + timedelta(hours=1)

    assert notifications_mark_read(user=person, notification_id=first.public_id) == 1
    assert notifications_mark_read(user=person, notification_id=first.public_id) == 0
    assert unread(person) == 2
    assert notifications_mark_read(user=person) == 2
    assert set(Notification.objects.values_list("read_at", flat=True)) == {NOW + timedelta(hours=1)}


def test_nobody_marks_someone_elses_notification_read(frozen, person):
    theirs = send(UserFactory(), email=False)

    with pytest.raises(NotFound):
        notifications_mark_read(user=person, notification_id=theirs.public_id)
    notifications_mark_read(user=person)

    theirs.refresh_from_db()
    assert theirs.read_at is None


# The page and the badge


def test_the_page_lists_my_notifications_newest_first(frozen, person, signed_in):
    many(person, 3, frozen)
    send(UserFactory(), title="Someone else's", email=False)

    response = signed_in.get(reverse("web:notifications"))

    html = response.content.decode()
    assert [item.title for item in response.context["page"].items] == [
        "Notice 2",
        "Notice 1",
        "Notice 0",
    ]
    assert "Someone else" not in html and html.count(">New</span>") == 3
    assert "Mark all as read" in html


def test_the_page_paginates(frozen, person, signed_in):
    many(person, 23, frozen)

    first = signed_in.get(reverse("web:notifications"))
    second = signed_in.get(reverse("web:notifications"), {"page": "2"})

    assert len(first.context["page"].items) == 20 and len(second.context["page"].items) == 3
    assert 'aria-label="Pages of notifications"' in first.content.decode()
    assert [item.title for item in second.context["page"].items] == [
        "Notice 2",
        "Notice 1",
        "Notice 0",
    ]


@pytest.mark.parametrize("count", [1, 15])
def test_the_page_costs_a_fixed_number_of_queries(
    frozen, person, signed_in, django_assert_num_queries, count
):
    many(person, count, frozen)

    # session, user; count and page of notifications; the unread count (badge and button)
    with django_assert_num_queries(5):
        signed_in.get(reverse("web:notifications"))


def test_the_badge_counts_unread_notifications(frozen, person, signed_in):
    many(person, 2, frozen)

    html = signed_in.get(reverse("web:home")).content.decode()
    assert '2<span class="visually-hidden"> unread</span>' in html

    response = signed_in.post(reverse("web:notifications_read"), follow=True)

    html = response.content.decode()
    assert "marked as read" in html and "unread</span>" not in html
    assert unread(person) == 0 and "Mark all as read" not in html


def test_anonymous_visitors_have_no_badge_and_no_count(client):
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("web:home")).content.decode()

    assert reverse("web:notifications") not in html
    assert not [query for query in queries if "messaging_notification" in query["sql"]]


def test_opening_a_notification_marks_it_read_and_goes_where_it_points(frozen, person, signed_in):
    notification = send(person, email=False)

    response = signed_in.get(reverse("web:notification_open", args=[notification.public_id]))

    assert response.status_code == 302 and response["Location"] == "/sessions/abc/"
    notification.refresh_from_db()
    assert notification.read_at == NOW


def test_a_notification_without_a_page_opens_the_list(frozen, person, signed_in):
    notification = send(person, url="", email=False)

    response = signed_in.get(reverse("web:notification_open", args=[notification.public_id]))

    assert response["Location"] == reverse("web:notifications")


def test_someone_elses_notification_cannot_be_opened(frozen, person, signed_in):
    theirs = send(UserFactory(), email=False)

    response = signed_in.get(reverse("web:notification_open", args=[theirs.public_id]))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_pages_need_a_sign_in(client):
    for response in (
        client.get(reverse("web:notifications")),
        client.post(reverse("web:notifications_read")),
    ):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# The API


@pytest.fixture
def api(client, person):
    return client_for(client, person)


def test_the_api_lists_notifications_with_the_unread_count(frozen, person, api):
    many(person, 3, frozen)
    send(UserFactory(), email=False)

    body = api.get("/notifications", {"size": 2}).json()

    assert [item["title"] for item in body["items"]] == ["Notice 2", "Notice 1"]
    assert (body["page"], body["size"], body["total"], body["pages"], body["unread"]) == (
        1,
        2,
        3,
        2,
        3,
    )
    item = body["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "url", "created_at", "read_at", "read"}
    assert (item["kind"], item["url"], item["read"], item["read_at"]) == (
        "booking.confirmed",
        "/sessions/abc/",
        False,
        None,
    )


def test_the_api_marks_one_then_all_read(frozen, person, api):
    first, _ = many(person, 2, frozen)

    one = api.post(f"/notifications/{first.public_id}/read")

    assert one.status_code == 200 and one.json()["read"] is True
    assert api.get("/notifications").json()["unread"] == 1
    assert api.post("/notifications/read").json() == {"marked": 1}
    assert api.get("/notifications").json()["unread"] == 0


def test_the_api_refuses_someone_elses_notification(frozen, person, api):
    theirs = send(UserFactory(), email=False)

    assert_error(api.post(f"/notifications/{theirs.public_id}/read"), 404, "not_found")
    api.post("/notifications/read")

    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_api_needs_credentials(client):
    anonymous = ApiClient(client)

    assert_error(anonymous.get("/notifications"), 401, "unauthenticated")
    assert_error(anonymous.post("/notifications/read"), 401, "unauthenticated")


@pytest.mark.parametrize("count", [1, 15])
def test_the_api_list_costs_a_fixed_number_of_queries(
    frozen, person, api, django_assert_num_queries, count
):
    many(person, count, frozen)

    # the token and its use; count, page; the unread count
    with django_assert_num_queries(5):
        assert len(api.get("/notifications").json()["items"]) == count


# The admin


def test_staff_can_read_notifications_in_the_admin(frozen, person, client):
    from headstrt.accounts.models import User

    notification = send(person, email=False)
    client.force_login(User.objects.create_superuser("staff@example.org", "x" * 12))

    changelist = client.get(reverse("admin:messaging_notification_changelist"))
    change = client.get(reverse("admin:messaging_notification_change", args=[notification.pk]))

    assert changelist.status_code == change.status_code == 200
    assert "Your session is confirmed" in changelist.content.decode()
