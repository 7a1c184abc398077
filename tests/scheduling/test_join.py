"""Joining a session's video room: open from 10 minutes before the start to the end, and the
first time each participant joins is recorded (punctuality)."""

from datetime import timedelta

import pytest

from headstrt.reviews.reliability import reliability_of
from headstrt.scheduling import services
from headstrt.scheduling.models import Attendance
from headstrt.scheduling.video import video_room_url
from tests.factories import UserFactory
from tests.scheduling.sessions import book, refused

pytestmark = pytest.mark.django_db


def join(booking, user):
    return services.booking_join(user=user, booking_id=booking.public_id)


def test_joining_gives_the_room_and_records_the_first_time_only(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.start - timedelta(minutes=10))

    assert join(booking, mentee) == video_room_url(booking)
    frozen.move(minutes=20)
    join(booking, mentee)
    join(booking, mentor.user)

    rows = Attendance.objects.order_by("party").values_list("party", "joined_at")
    assert list(rows) == [
        ("mentee", booking.start - timedelta(minutes=10)),
        ("mentor", booking.start + timedelta(minutes=10)),
    ]


@pytest.mark.parametrize(
    "moment", [timedelta(minutes=-11), timedelta(minutes=31)], ids=["too early", "after the end"]
)
def test_the_room_is_closed_outside_its_hours(frozen, mentor, mentee, moment):
    booking = book(mentor, mentee)
    frozen.set(booking.start + moment)

    error = refused("not_joinable", join, booking=booking, user=mentee)

    assert error.status == 409 and not Attendance.objects.exists()


def test_a_cancelled_session_has_no_room(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    services.booking_cancel(user=mentee, booking_id=booking.public_id)
    frozen.set(booking.start)

    refused("not_joinable", join, booking=booking, user=mentee)


def test_others_cannot_join(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.start)

    error = refused("not_found", join, booking=booking, user=UserFactory())

    assert error.status == 404 and not Attendance.objects.exists()


def test_a_late_join_lowers_reliability(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.set(booking.start + timedelta(minutes=6))
    join(booking, mentee)
    join(booking, mentor.user)  # 6 minutes late too

    assert reliability_of([mentee.pk])[mentee.pk].late_joins == 1
    assert reliability_of([mentee.pk])[mentee.pk].score == pytest.approx(1 - 0.25 / 3)
