"""What people are told when a booking changes: in-app notices, email, calendar invites."""

from datetime import timedelta

import pytest

from headstrt.accounts.services import account_delete
from headstrt.messaging.models import Notification
from headstrt.scheduling import services
from headstrt.scheduling.models import BookingStatus
from headstrt.scheduling.video import video_room_url
from tests.scheduling.sessions import TUESDAY_9, book, event_of, invites

pytestmark = pytest.mark.django_db


def notices_of(person) -> list[tuple[str, str]]:
    return list(
        Notification.objects.filter(recipient=person)
        .order_by("created_at", "id")
        .values_list("kind", "title")
    )


def only_message_to(mailbox, person):
    [message] = mailbox.messages_to(person.email)
    return message


def test_an_instant_booking_tells_both_on_their_own_clock_with_an_invite(
    frozen, mentor, mentee, mailbox, committed
):
    with committed():
        booking = book(mentor, mentee)

    to_mentee, to_mentor = only_message_to(mailbox, mentee), only_message_to(mailbox, mentor.user)
    assert to_mentee["Subject"] == "[Headstrt] Your session with Nia Negotiator is confirmed"
    assert to_mentor["Subject"] == "[Headstrt] New session with Mia Mentee"
    assert "Tuesday 5 March 2030, 17:00–17:30 (Asia/Tokyo)" in mailbox.body(to_mentee)
    assert "Tuesday 5 March 2030, 09:00–09:30 (Europe/Paris)" in mailbox.body(to_mentor)
    for message in (to_mentee, to_mentor):
        text = mailbox.body(message)
        assert "Ask for 15% more" in text and video_room_url(booking) in text
        assert f"http://127.0.0.1:8000/sessions/{booking.public_id}/" in text
        html = message.get_body(preferencelist=("html",)).get_content()
        assert f"/sessions/{booking.public_id}/" in html and "Nia Negotiator" in html
        [(filename, method, calendar)] = invites(message)
        assert (filename, method, str(calendar["METHOD"])) == ("invite.ics", "REQUEST", "REQUEST")
        assert str(event_of(calendar)["UID"]) == f"{booking.public_id}@headstrt"
    assert notices_of(mentee) == [
        ("booking.confirmed", "Your session with Nia Negotiator is confirmed")
    ]
    assert notices_of(mentor.user) == [("booking.confirmed", "New session with Mia Mentee")]
    assert Notification.objects.get(recipient=mentee).url == f"/sessions/{booking.public_id}/"


def test_a_request_asks_the_mentor_to_answer_by_a_time_on_their_clock(
    frozen, mentor, mentee, mailbox, committed, tasks
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")

    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))

    message = only_message_to(mailbox, mentor.user)
    assert message["Subject"] == "[Headstrt] New session request from Mia Mentee"
    # Asked Monday 08:00 UTC with a 48-hour window: Wednesday 09:00 in Paris.
    assert "accept or decline by Wednesday 6 March 2030, 09:00 (Europe/Paris)" in mailbox.body(
        message
    )
    assert invites(message) == [] and mailbox.messages_to(mentee.email) == []
    assert notices_of(mentee) == []
    [expiry] = tasks.waiting("requests_expire")
    assert expiry.task.run_after == booking.respond_by


def test_an_accepted_request_tells_the_mentee_and_sends_both_the_invite(
    frozen, mentor, mentee, mailbox, committed
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee)

    with committed():
        services.booking_accept(mentor=mentor.user, booking_id=booking.public_id)

    to_mentee = only_message_to(mailbox, mentee)
    assert to_mentee["Subject"] == "[Headstrt] Nia Negotiator accepted your session request"
    receipt = only_message_to(mailbox, mentor.user)
    assert receipt["Subject"] == "[Headstrt] Your session with Mia Mentee is confirmed"
    for message in (to_mentee, receipt):
        [(_, method, calendar)] = invites(message)
        assert method == "REQUEST" and str(event_of(calendar)["STATUS"]) == "CONFIRMED"
    # The mentor did it: an email for their calendar, not a notice of their own action.
    assert notices_of(mentor.user) == []
    assert notices_of(mentee) == [
        ("booking.accepted", "Nia Negotiator accepted your session request")
    ]


def test_a_declined_request_tells_the_mentee_why_and_sends_no_invite(
    frozen, mentor, mentee, mailbox, committed
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee)

    with committed():
        services.booking_decline(
            mentor=mentor.user, booking_id=booking.public_id, reason="Travelling that week"
        )

    message = only_message_to(mailbox, mentee)
    assert message["Subject"] == "[Headstrt] Nia Negotiator declined your session request"
    assert "Nia Negotiator's note: Travelling that week" in mailbox.body(message)
    assert invites(message) == [] and mailbox.messages_to(mentor.user.email) == []


def test_a_moved_session_tells_the_other_side_and_updates_both_calendars(
    frozen, mentor, mentee, mailbox, committed
):
    booking = book(mentor, mentee)
    mailbox.clear()

    with committed():
        services.booking_reschedule(
            user=mentee, booking_id=booking.public_id, start=TUESDAY_9 + timedelta(hours=1)
        )

    told = only_message_to(mailbox, mentor.user)
    assert told["Subject"] == "[Headstrt] Mia Mentee moved your session"
    assert (
        "Your 30-minute session with Mia Mentee is now on Tuesday 5 March 2030, 10:00–10:30 "
        "(Europe/Paris)" in mailbox.body(told)
    )
    receipt = only_message_to(mailbox, mentee)
    assert "18:00–18:30 (Asia/Tokyo)" in mailbox.body(receipt)
    for message in (told, receipt):
        [(_, method, calendar)] = invites(message)
        event = event_of(calendar)
        assert method == "REQUEST" and event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == TUESDAY_9 + timedelta(hours=1)
    assert notices_of(mentee) == []
    assert notices_of(mentor.user) == [("booking.rescheduled", "Mia Mentee moved your session")]


def test_a_cancelled_session_tells_the_other_side_and_removes_it_from_both_calendars(
    frozen, mentor, mentee, mailbox, committed
):
    booking = book(mentor, mentee)
    mailbox.clear()

    with committed():
        services.booking_cancel(user=mentor.user, booking_id=booking.public_id, reason="Ill")

    told = only_message_to(mailbox, mentee)
    assert told["Subject"] == "[Headstrt] Nia Negotiator cancelled your session"
    assert "Nia Negotiator's note: Ill" in mailbox.body(told)
    receipt = only_message_to(mailbox, mentor.user)
    assert receipt["Subject"] == "[Headstrt] You cancelled your session with Mia Mentee"
    for message in (told, receipt):
        [(filename, method, calendar)] = invites(message)
        event = event_of(calendar)
        assert (filename, method, str(calendar["METHOD"])) == ("cancel.ics", "CANCEL", "CANCEL")
        assert str(event["STATUS"]) == "CANCELLED" and event["SEQUENCE"] == 1
    assert notices_of(mentor.user) == []


def test_a_withdrawn_request_tells_the_mentor_without_any_calendar_change(
    frozen, mentor, mentee, mailbox, committed
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee)
    mailbox.clear()

    with committed():
        services.booking_cancel(user=mentee, booking_id=booking.public_id)

    message = only_message_to(mailbox, mentor.user)
    assert message["Subject"] == "[Headstrt] Mia Mentee withdrew their session request"
    assert invites(message) == [] and mailbox.messages_to(mentee.email) == []


@pytest.mark.parametrize(
    ("action", "kind", "title"),
    [
        (
            services.booking_complete,
            "booking.completed",
            "Nia Negotiator marked your session as done",
        ),
        (
            services.booking_report_no_show,
            "booking.no_show",
            "Nia Negotiator reported that you did not show up",
        ),
    ],
)
def test_closing_a_session_tells_the_other_side(
    frozen, mentor, mentee, mailbox, committed, action, kind, title
):
    booking = book(mentor, mentee)
    frozen.set(booking.start + timedelta(minutes=31))
    mailbox.clear()

    with committed():
        action(user=mentor.user, booking_id=booking.public_id)

    # Marking it done also asks the mentee about their objective, after this notice.
    assert mailbox.messages_to(mentee.email)[0]["Subject"] == f"[Headstrt] {title}"
    assert mailbox.messages_to(mentor.user.email) == []
    assert (kind, title) in notices_of(mentee)


def test_someone_leaving_tells_the_other_side_without_a_dead_link(
    frozen, mentor, mentee, mailbox, committed
):
    book(mentor, mentee)
    mailbox.clear()

    with committed():
        account_delete(user=mentee)

    message = only_message_to(mailbox, mentor.user)
    assert message["Subject"] == "[Headstrt] Mia Mentee cancelled your session"
    assert "closed their Headstrt account" in mailbox.body(message)
    assert "/sessions/" not in mailbox.body(message)
    assert [method for _, method, _ in invites(message)] == ["CANCEL"]
    assert Notification.objects.get(recipient=mentor.user, kind="booking.cancelled").url == ""
    assert mailbox.messages_to(mentee.email) == []


def test_an_email_that_cannot_be_sent_does_not_undo_the_booking(
    frozen, mentor, mentee, mailbox, committed, settings
):
    settings.EMAIL_PORT = 9  # nothing listens there

    with committed():
        booking = book(mentor, mentee)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert len(notices_of(mentee)) == len(notices_of(mentor.user)) == 1
    assert mailbox.messages == []


def test_an_unknown_change_is_a_programming_error(frozen, mentor, mentee):
    from headstrt.scheduling import notices

    with pytest.raises(ValueError, match="Unknown booking change"):
        notices.booking_changed(book(mentor, mentee), "teleported")
