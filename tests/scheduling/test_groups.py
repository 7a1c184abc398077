"""Group session services: offering one, taking and giving up seats, the mentor cancelling,
busy time and caps counting a group once, and who sees what. Refusals leave nothing changed."""

from datetime import timedelta

import pytest

from headstrt.accounts.models import Area
from headstrt.core.errors import DomainError
from headstrt.messaging.models import Notification
from headstrt.scheduling import services
from headstrt.scheduling.models import (
    Booking,
    BookingStatus,
    GroupSessionStatus,
    ReliabilityEvent,
)
from headstrt.scheduling.panel_reads import (
    group_seat_of,
    group_seats,
    group_seats_taken,
    group_session_get,
    group_sessions_of_mentor,
    group_sessions_upcoming,
)
from headstrt.scheduling.selectors import (
    booking_actions,
    busy_intervals,
    mentor_free_slots,
    session_starts_by_mentor,
)
from headstrt.scheduling.video import video_room_url
from tests.factories import MentorProfileFactory, TopicFactory, UserFactory
from tests.scheduling.gatherings import WEDNESDAY_10, group_offer, seat_book, state
from tests.scheduling.sessions import NOW, TUESDAY_9, book, hold, paris_mentor, refused

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)
TUESDAY_11 = TUESDAY_9 + 2 * HOUR  # 11:00 in Paris, within the mentor's Tuesday hours


def seat_hold(group, mentee):
    return services.group_seat_hold(mentee=mentee, group_id=group.public_id)


def statuses(group) -> list[str]:
    return sorted(Booking.objects.filter(group=group).values_list("status", flat=True))


def test_a_mentor_offers_a_group_session_in_their_currency(frozen, mentor):
    topic = TopicFactory(slug="negotiation")

    group = group_offer(
        mentor,
        title="  Negotiating your first raise ",
        description="Bring a number.",
        capacity=5,
        price_minor=1500,
        topic_slug="negotiation",
    )

    group.refresh_from_db()
    assert (group.title, group.description, group.topic, group.mentor) == (
        "Negotiating your first raise",
        "Bring a number.",
        topic,
        mentor,
    )
    assert (group.start, group.end, group.minutes, group.capacity) == (
        WEDNESDAY_10,
        WEDNESDAY_10 + HOUR,
        60,
        5,
    )
    assert (group.price.minor, group.currency, group.status) == (1500, "EUR", "open")


def test_an_open_group_takes_the_mentor_s_time_even_with_no_seat(frozen, mentor, mentee):
    group_offer(mentor, start=TUESDAY_11, minutes=30)

    window = {"start": NOW, "end": NOW + timedelta(days=2), "now": NOW}
    assert busy_intervals(user=mentor.user, **window) == [(TUESDAY_11, TUESDAY_11 + HOUR / 2)]
    slots = mentor_free_slots(mentor=mentor, minutes=30, **window)
    assert [slot.start for slot in slots] == [TUESDAY_9 + HOUR * k / 2 for k in range(3)]
    refused("slot_taken", hold, mentor=mentor, mentee=mentee, start=TUESDAY_11)
    refused("mentor_busy", group_offer, mentor=mentor, start=TUESDAY_11 + HOUR / 4, minutes=15)


def test_seats_count_once_for_the_mentor_s_caps(frozen):
    mentor = paris_mentor(offers={30: 0})
    services.scheduling_policy_save(user=mentor.user, max_sessions_per_day=2)
    group = group_offer(mentor, start=TUESDAY_11, minutes=30, capacity=4)
    seats = [seat_book(group) for _ in range(3)]

    window = {"start": NOW, "end": NOW + timedelta(days=2), "now": NOW}
    assert busy_intervals(user=mentor.user, **window) == [(TUESDAY_11, TUESDAY_11 + HOUR / 2)]
    assert busy_intervals(user=seats[0].mentee, **window) == [(TUESDAY_11, TUESDAY_11 + HOUR / 2)]
    week = {"start": NOW, "end": NOW + 7 * 24 * HOUR}
    assert session_starts_by_mentor(mentor_ids=[mentor.pk], **week) == {mentor.pk: [TUESDAY_11]}
    # The group is one of the day's two sessions: one more fills the day.
    assert mentor_free_slots(mentor=mentor, minutes=30, **window)
    book(mentor, UserFactory())
    assert mentor_free_slots(mentor=mentor, minutes=30, **window) == []


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        ("required", {"title": "  "}),
        ("too_long", {"title": "x" * 121}),
        ("too_long", {"description": "x" * 2001}),
        ("invalid_minutes", {"minutes": 20}),
        ("invalid_minutes", {"minutes": "60"}),
        ("invalid_minutes", {"minutes": True}),
        ("invalid_capacity", {"capacity": 1}),
        ("invalid_capacity", {"capacity": 21}),
        ("invalid_capacity", {"capacity": "3"}),
        ("invalid_price", {"price_minor": -1}),
        ("invalid_price", {"price_minor": 1_000_001}),
        ("invalid_price", {"price_minor": 15.5}),
        ("unknown_topic", {"topic_slug": "nothing-like-it"}),
        ("invalid_start", {"start": WEDNESDAY_10.replace(tzinfo=None)}),
        ("invalid_start", {"start": "2030-03-06T10:00:00Z"}),
        ("in_past", {"start": NOW - HOUR}),
        ("too_soon", {"start": NOW + HOUR}),
        ("beyond_horizon", {"start": NOW + timedelta(days=30)}),
    ],
)
def test_a_bad_offer_is_refused(frozen, mentor, code, changes):
    before = state()

    refused(code, group_offer, mentor=mentor, **changes)

    assert state() == before


def test_only_an_active_mentor_who_is_free_offers(frozen, mentor, mentee):
    before = state()
    refused(
        "no_mentor_profile",
        services.group_session_offer,
        mentor=mentee,
        title="Hi",
        start=WEDNESDAY_10,
        minutes=30,
        capacity=2,
        price_minor=0,
    )
    mentor.user.paused_until = NOW + timedelta(days=1)
    mentor.user.save()
    refused("mentor_paused", group_offer, mentor=mentor)
    mentor.user.paused_until = None
    mentor.user.save()
    mentor.is_active = False
    mentor.save()
    refused("profile_inactive", group_offer, mentor=mentor)
    assert state() == before

    mentor.is_active = True
    mentor.save()
    book(mentor, mentee)  # Tuesday 08:00–08:30 UTC
    group_offer(mentor, start=WEDNESDAY_10)
    # A mentor is busy in the sessions they take as a mentee too.
    book(
        paris_mentor(name="Rae Other", email="rae@example.org"), mentor.user, start=TUESDAY_9 + HOUR
    )
    before = state()
    for start in (TUESDAY_9, TUESDAY_9 + HOUR / 4, TUESDAY_9 + HOUR, WEDNESDAY_10 + HOUR / 2):
        refused("mentor_busy", group_offer, mentor=mentor, start=start, minutes=30)
    assert state() == before


def test_a_seat_is_held_then_confirmed_at_once_whatever_the_mentor_s_policy(
    frozen, free_mentor, mentee, mailbox, committed
):
    services.scheduling_policy_save(user=free_mentor.user, confirmation="request")
    group = group_offer(free_mentor, price_minor=0)

    seat = seat_hold(group, mentee)

    assert (seat.status, seat.held_until, seat.group, seat.mentor) == (
        BookingStatus.HELD,
        NOW + timedelta(minutes=10),
        group,
        free_mentor,
    )
    assert (seat.start, seat.end, seat.minutes, seat.price_minor, seat.currency) == (
        group.start,
        group.end,
        60,
        0,
        "EUR",
    )
    assert booking_actions(booking=seat, user=mentee, now=NOW) == {"checkout"}
    with committed():
        services.booking_checkout(mentee=mentee, booking_id=seat.public_id, objective="Learn")
    seat.refresh_from_db()
    assert (seat.status, seat.confirmed_at) == (BookingStatus.CONFIRMED, NOW)
    assert booking_actions(booking=seat, user=mentee, now=NOW) == {"cancel"}
    [to_mentee] = mailbox.messages_to(mentee.email)
    # A subject beyond ASCII is encoded and reads back after a folding space.
    assert (
        to_mentee["Subject"].strip()
        == "[Headstrt] Your seat in “Negotiating your first raise” is confirmed"
    )
    assert "Wednesday 6 March 2030, 19:00–20:00 (Asia/Tokyo)" in mailbox.body(to_mentee)
    [to_mentor] = mailbox.messages_to(free_mentor.user.email)
    assert to_mentor["Subject"].strip() == (
        "[Headstrt] Mia Mentee took a seat in “Negotiating your first raise”"
    )
    assert not list(to_mentor.iter_attachments())


def test_everyone_in_a_group_meets_in_one_room(frozen, mentor):
    first, second = group_offer(mentor), group_offer(mentor, start=WEDNESDAY_10 + 2 * HOUR)
    rooms = {video_room_url(seat_book(first)) for _ in range(2)}

    assert len(rooms) == 1 and rooms != {video_room_url(seat_book(second))}


def test_seats_run_out_at_capacity_and_a_lapsed_hold_frees_one(frozen, mentor):
    group = group_offer(mentor, capacity=2)
    seat_book(group)
    lapsing = UserFactory()
    seat_hold(group, lapsing)
    before = state()

    error = refused("group_full", seat_hold, group=group, mentee=UserFactory())
    assert error.status == 409 and "All 2 seats" in error.message
    assert state() == before
    assert group_seats_taken(group) == 2

    frozen.move(minutes=11)
    assert group_seats_taken(group) == 1
    late = UserFactory()
    seat_book(group, late)
    error = refused(
        "hold_expired",
        services.booking_checkout,
        mentee=lapsing,
        booking_id=Booking.objects.get(mentee=lapsing).public_id,
        objective="Learn",
    )
    assert "filled up" in error.message
    assert statuses(group) == ["confirmed", "confirmed", "expired"]


def test_a_lapsed_seat_hold_checks_out_while_a_seat_is_left(frozen, mentor, mentee):
    group = group_offer(mentor, capacity=2)
    seat = seat_hold(group, mentee)
    frozen.move(minutes=30)
    services.bookings_expire_lapsed()

    services.booking_checkout(mentee=mentee, booking_id=seat.public_id, objective="Learn")

    assert statuses(group) == ["confirmed"]


@pytest.mark.parametrize("change", ["cancelled", "started", "mentee_busy"])
def test_a_lapsed_seat_hold_rechecks_the_group(frozen, mentor, mentee, change):
    group = group_offer(mentor, capacity=2)
    seat = seat_hold(group, mentee)
    frozen.move(minutes=30)
    expected = {
        "cancelled": "group_cancelled",
        "started": "too_late",
        "mentee_busy": "hold_expired",
    }
    if change == "cancelled":
        services.group_session_cancel(mentor=mentor.user, group_id=group.public_id)
    elif change == "started":
        frozen.set(group.start)
    else:
        other = group_offer(MentorProfileFactory(), start=group.start, capacity=2)
        seat_book(other, mentee)
    before = state()

    refused(
        expected[change],
        services.booking_checkout,
        mentee=mentee,
        booking_id=seat.public_id,
        objective="Learn",
    )
    assert state() == before


def test_seat_refusals_change_nothing(frozen, mentor, mentee):
    group = group_offer(mentor)
    seat_book(group, mentee)
    paused = UserFactory(paused_until=NOW + timedelta(days=1))
    busy = UserFactory()
    book(mentor, busy)  # Tuesday: not in the way
    other = group_offer(MentorProfileFactory(), start=group.start + HOUR / 2, capacity=2)
    seat_book(other, busy)
    before = state()

    refused("own_group", seat_hold, group=group, mentee=mentor.user)
    assert refused("already_seated", seat_hold, group=group, mentee=mentee).status == 409
    assert refused("booking_paused", seat_hold, group=group, mentee=paused).status == 403
    assert refused("mentee_busy", seat_hold, group=group, mentee=busy).status == 409
    for group_id in ("nope", 7, None):
        refused("not_found", services.group_seat_hold, mentee=mentee, group_id=group_id)
    assert state() == before


def test_a_paused_mentor_s_groups_take_no_new_seat_and_are_not_listed(frozen, mentor):
    group = group_offer(mentor)
    mentor.user.paused_until = NOW + timedelta(days=1)
    mentor.user.save()

    refused("mentor_paused", seat_hold, group=group, mentee=UserFactory())
    assert list(group_sessions_upcoming(now=NOW)) == []
    assert list(group_sessions_upcoming(now=NOW + timedelta(days=1))) == [group]
    mentor.is_active = False
    mentor.save()
    assert list(group_sessions_upcoming(now=NOW + timedelta(days=1))) == []


def test_no_seat_once_the_group_started_or_was_cancelled(frozen, mentor):
    group = group_offer(mentor)
    frozen.set(group.start)
    refused("too_late", seat_hold, group=group, mentee=UserFactory())
    frozen.set(NOW)
    services.group_session_cancel(mentor=mentor.user, group_id=group.public_id)
    refused("group_cancelled", seat_hold, group=group, mentee=UserFactory())


def test_a_seat_is_given_up_and_taken_again_but_never_moved(frozen, mentor, mentee):
    group = group_offer(mentor, capacity=2)
    seat = seat_book(group, mentee)
    taker = seat_book(group)

    refused(
        "not_movable",
        services.booking_reschedule,
        user=mentee,
        booking_id=seat.public_id,
        start=group.start + HOUR,
    )
    services.booking_cancel(user=mentee, booking_id=seat.public_id)
    assert group_seats_taken(group) == 1
    services.booking_cancel(user=mentor.user, booking_id=taker.public_id, reason="Sorry")
    assert group_seats_taken(group) == 0
    again = seat_book(group, mentee)
    assert again.status == BookingStatus.CONFIRMED and group_seats_taken(group) == 1


def test_the_mentor_cancels_the_group_and_every_seat_with_one_late_cancellation(
    frozen, mentor, mailbox, committed
):
    group = group_offer(mentor, capacity=4)
    seated = [seat_book(group) for _ in range(2)]
    frozen.set(group.start - 3 * HOUR)
    holding = seat_hold(group, UserFactory())
    stranger = MentorProfileFactory()
    before = state()
    refused(
        "not_found", services.group_session_cancel, mentor=stranger.user, group_id=group.public_id
    )
    assert state() == before

    with committed():
        services.group_session_cancel(mentor=mentor.user, group_id=group.public_id, reason="Ill")

    group.refresh_from_db()
    assert (group.status, group.cancelled_at) == (GroupSessionStatus.CANCELLED, frozen.now)
    assert statuses(group) == ["cancelled"] * 3
    assert Booking.objects.get(pk=holding.pk).ended_by == mentor.user
    assert ReliabilityEvent.objects.filter(person=mentor.user).count() == 1
    for seat in seated:
        [message] = mailbox.messages_to(seat.mentee.email)
        assert message["Subject"].strip() == (
            "[Headstrt] Nia Negotiator cancelled the group session “Negotiating your first raise”"
        )
        assert "Nia Negotiator's note: Ill" in mailbox.body(message)
    assert not mailbox.messages_to(holding.mentee.email)
    assert not Notification.objects.filter(recipient=mentor.user, kind="booking.cancelled")
    # The time is the mentor's own again.
    window = {"start": NOW, "end": NOW + timedelta(days=3), "now": frozen.now}
    assert busy_intervals(user=mentor.user, **window) == []
    refused(
        "group_cancelled",
        services.group_session_cancel,
        mentor=mentor.user,
        group_id=group.public_id,
    )


def test_a_group_that_started_cannot_be_cancelled(frozen, mentor):
    group = group_offer(mentor)
    frozen.set(group.start)
    before = state()

    refused(
        "already_started",
        services.group_session_cancel,
        mentor=mentor.user,
        group_id=group.public_id,
    )

    assert state() == before


def test_group_seat_create_takes_a_seat_in_one_call_or_leaves_nothing(frozen, mentor, mentee):
    group = group_offer(mentor, capacity=2)

    seat = services.group_seat_create(mentee=mentee, group_id=group.public_id, objective="Learn")
    assert seat.status == BookingStatus.CONFIRMED and seat.objective == "Learn"
    before = state()
    refused(
        "required",
        services.group_seat_create,
        mentee=UserFactory(),
        group_id=group.public_id,
        objective="",
    )
    assert state() == before


def test_the_mentor_is_reminded_of_the_group_once(frozen, mentor, mailbox, committed, tasks):
    group = group_offer(mentor)
    with committed():
        mentees = [seat_book(group).mentee for _ in range(2)]
    frozen.set(group.start - timedelta(minutes=15))

    with committed():
        assert tasks.run_due() == 4

    def reminders(person):
        return [m for m in mailbox.messages_to(person.email) if "Reminder" in m["Subject"]]

    assert len(reminders(mentor.user)) == 2  # the day before, and now
    assert [len(reminders(person)) for person in mentees] == [2, 2]


def test_who_sees_group_sessions_and_their_seats(frozen, mentor, mentee, django_assert_num_queries):
    career = TopicFactory(slug="career", area=Area.PROFESSIONAL)
    salary = TopicFactory(slug="salary", parent=career, area=Area.PROFESSIONAL)
    soon = group_offer(mentor, topic_slug="salary", capacity=2)
    later = group_offer(mentor, start=WEDNESDAY_10 + 3 * HOUR, topic_slug="career")
    other = group_offer(MentorProfileFactory(), capacity=2)
    gone = group_offer(mentor, start=WEDNESDAY_10 + 6 * HOUR)
    seat_book(soon, mentee)
    seat_hold(soon, UserFactory())
    seat_book(gone, mentee)
    services.group_session_cancel(mentor=mentor.user, group_id=gone.public_id)

    with django_assert_num_queries(1):
        listed = [
            (group.public_id, group.seats_taken, group.mentor.user.display_name, group.topic)
            for group in group_sessions_upcoming(now=NOW)
        ]
    assert listed == [
        (soon.public_id, 2, "Nia Negotiator", salary),
        (other.public_id, 0, other.mentor.user.display_name, None),
        (later.public_id, 0, "Nia Negotiator", career),
    ]
    assert [g.pk for g in group_sessions_upcoming(now=NOW, topic_slug="career")] == [
        soon.pk,
        later.pk,
    ]
    assert [g.pk for g in group_sessions_upcoming(now=NOW, topic_slug="salary")] == [soon.pk]
    assert list(group_sessions_upcoming(now=WEDNESDAY_10)) == [later]

    assert group_session_get(group_id=soon.public_id, viewer=None).seats_taken == 2
    for viewer in (mentor.user, mentee):
        assert group_session_get(group_id=gone.public_id, viewer=viewer) == gone
    for viewer in (None, UserFactory()):
        with pytest.raises(DomainError):
            group_session_get(group_id=gone.public_id, viewer=viewer)
    assert [g.pk for g in group_sessions_of_mentor(mentor=mentor.user)] == [
        gone.pk,
        later.pk,
        soon.pk,
    ]
    assert group_seat_of(group=soon, mentee=mentee).mentee == mentee
    assert group_seat_of(group=later, mentee=mentee) is None
    assert [seat.mentee for seat in group_seats(group=soon, mentor=mentor.user)][0] == mentee
    with pytest.raises(DomainError):
        group_seats(group=soon, mentor=mentee)
