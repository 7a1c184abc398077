"""Reminders and request deadlines: background tasks that run when the clock gets there."""

import signal
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from headstrt.messaging.models import Notification
from headstrt.scheduling import services
from headstrt.scheduling import tasks as scheduling_tasks
from headstrt.scheduling.models import BookingReminder, BookingStatus
from headstrt.scheduling.video import video_room_url
from tests.scheduling.sessions import TUESDAY_9, book, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db


def reminders_to(mailbox, person) -> list[str]:
    return [
        message["Subject"]
        for message in mailbox.messages_to(person.email)
        if "Reminder" in message["Subject"]
    ]


def waiting_reminders(tasks) -> list[tuple[str, object]]:
    return sorted(
        (result.args[1], result.task.run_after) for result in tasks.waiting("booking_reminder_send")
    )


def test_a_session_is_reminded_a_day_and_a_quarter_hour_before_once_each(
    frozen, mentor, mentee, mailbox, committed, tasks
):
    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    start = booking.start

    assert waiting_reminders(tasks) == [
        ("15m", start - timedelta(minutes=15)),
        ("24h", start - timedelta(hours=24)),
    ]
    frozen.set(start - timedelta(hours=24, minutes=1))
    with committed():
        assert tasks.run_due() == 0
    frozen.set(start - timedelta(hours=24))
    with committed():
        assert tasks.run_due() == 1
    day_before = "[Headstrt] Reminder: your session with Nia Negotiator starts in 24 hours"
    assert reminders_to(mailbox, mentee) == [day_before]
    assert len(reminders_to(mailbox, mentor.user)) == 1
    [message] = [m for m in mailbox.messages_to(mentee.email) if "Reminder" in m["Subject"]]
    body = mailbox.body(message)
    assert "Tuesday 12 March 2030, 17:00–17:30 (Asia/Tokyo)" in body
    assert video_room_url(booking) in body and "Ask for 15% more" in body
    assert f"/sessions/{booking.public_id}/" in body

    frozen.set(start - timedelta(minutes=15))
    with committed():
        assert tasks.run_due() == 1
    assert reminders_to(mailbox, mentee)[1:] == [
        "[Headstrt] Reminder: your session with Nia Negotiator starts in 15 minutes"
    ]
    assert Notification.objects.filter(recipient=mentee, kind="booking.reminder").count() == 2


def test_a_reminder_that_runs_twice_sends_once(frozen, mentor, mentee, mailbox, committed):
    booking = book(mentor, mentee)
    arguments = (booking.public_id, "15m", booking.start.isoformat())
    frozen.set(booking.start - timedelta(minutes=15))

    with committed():
        assert scheduling_tasks.booking_reminder_send.call(*arguments) is True
        assert scheduling_tasks.booking_reminder_send.call(*arguments) is False

    assert len(reminders_to(mailbox, mentee)) == len(reminders_to(mailbox, mentor.user)) == 1
    assert BookingReminder.objects.count() == 1


def test_a_session_booked_three_hours_ahead_gets_only_the_quarter_hour_reminder(
    frozen, mentor, mentee, committed, tasks
):
    frozen.set(TUESDAY_9 - timedelta(hours=3))

    with committed():
        book(mentor, mentee)

    assert waiting_reminders(tasks) == [("15m", TUESDAY_9 - timedelta(minutes=15))]


def test_a_cancelled_session_is_not_reminded(frozen, mentor, mentee, mailbox, committed, tasks):
    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
        services.booking_cancel(user=mentee, booking_id=booking.public_id)

    frozen.set(booking.start)
    with committed():
        assert tasks.run_due() == 2

    assert reminders_to(mailbox, mentee) == reminders_to(mailbox, mentor.user) == []
    assert not BookingReminder.objects.exists()


def test_a_moved_session_is_reminded_at_its_new_time_only(
    frozen, mentor, mentee, mailbox, committed, tasks
):
    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
        moved = services.booking_reschedule(
            user=mentor.user, booking_id=booking.public_id, start=booking.start + timedelta(hours=1)
        )

    frozen.set(booking.start - timedelta(hours=24))
    with committed():
        tasks.run_due()
    assert reminders_to(mailbox, mentee) == []
    frozen.set(moved.start - timedelta(hours=24))
    with committed():
        tasks.run_due()
    assert len(reminders_to(mailbox, mentee)) == 1
    frozen.set(moved.start - timedelta(minutes=15))
    with committed():
        tasks.run_due()
    assert len(reminders_to(mailbox, mentee)) == 2
    assert list(BookingReminder.objects.values_list("start", flat=True)) == [moved.start] * 2


def test_a_reminder_that_runs_after_the_start_stays_silent(frozen, mentor, mentee, mailbox):
    booking = book(mentor, mentee)
    frozen.set(booking.start + timedelta(minutes=1))

    assert not scheduling_tasks.booking_reminder_send.call(
        booking.public_id, "24h", booking.start.isoformat()
    )
    assert mailbox.messages == []


def test_an_unanswered_request_expires_on_time_and_the_mentee_is_told(
    frozen, mentor, mentee, mailbox, committed, tasks
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    mailbox.clear()

    frozen.set(booking.respond_by - timedelta(seconds=1))
    with committed():
        assert tasks.run_due() == 0
    frozen.set(booking.respond_by)
    with committed():
        assert tasks.run_due() == 1

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    [message] = mailbox.messages_to(mentee.email)
    assert message["Subject"] == "[Headstrt] Your session request to Nia Negotiator expired"
    assert mailbox.messages_to(mentor.user.email) == []


def test_an_answered_request_is_left_alone_by_its_deadline(
    frozen, mentor, mentee, mailbox, committed, tasks
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    with committed():
        booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
        services.booking_accept(mentor=mentor.user, booking_id=booking.public_id)
    mailbox.clear()

    frozen.set(booking.respond_by)
    with committed():
        tasks.run_due()

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and mailbox.messages == []


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_a_task_once_it_is_due(frozen, settings, mailbox):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Free sessions: a paid request that expires queues its refund as a second task.
    mentor, mentee = paris_mentor(offers={30: 0}), tokyo_mentee()
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    # Beside the emails, queued for the worker too.
    expiry = DBTaskResult.objects.filter(task_path="headstrt.scheduling.tasks.requests_expire")
    [stored] = expiry
    assert stored.run_after == booking.respond_by

    def work():
        handlers = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
        try:
            call_command("db_worker", batch=True, interval=0, startup_delay=False, verbosity=0)
        finally:
            for number, handler in handlers.items():
                signal.signal(number, handler)

    work()  # not due yet
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    # The worker reads the real clock: the deadline arrives when the stored time passes.
    expiry.update(run_after=timezone.now() - timedelta(seconds=1))
    frozen.set(booking.respond_by)
    work()

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert expiry.get().status == "SUCCESSFUL"
    assert len(mailbox.messages_to(mentee.email)) == 1
