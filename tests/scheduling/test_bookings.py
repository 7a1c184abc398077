"""Booking services: holds, checkout, requests, reschedule, cancel, done and no-show."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from headstrt.accounts.selectors import account_export
from headstrt.accounts.services import account_delete
from headstrt.scheduling import notices, services
from headstrt.scheduling.models import Booking, BookingStatus, ReliabilityEvent
from headstrt.scheduling.selectors import (
    booking_actions,
    mentor_free_slots,
    mentor_next_free_slot,
)
from headstrt.scheduling.services import bookings as booking_services
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, book, hold, paris_mentor, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def changes(monkeypatch):
    """The (booking id, change) pairs the services announced after commit."""
    seen = []
    monkeypatch.setattr(
        notices, "booking_changed", lambda booking, change: seen.append((booking.public_id, change))
    )
    return seen


def statuses():
    return sorted(Booking.objects.values_list("status", flat=True))


def test_hold_then_checkout_confirms_an_instant_booking(frozen, free_mentor, mentee, changes):
    situation = SituationFactory(mentee=mentee)
    held = hold(free_mentor, mentee, minutes=60, situation_id=situation.public_id)

    assert held.status == BookingStatus.HELD
    assert held.held_until == NOW + timedelta(minutes=10)
    assert (held.end, held.price_minor, held.currency) == (
        TUESDAY_9 + timedelta(hours=1),
        0,
        free_mentor.currency,
    )
    booking = services.booking_checkout(
        mentee=mentee, booking_id=held.public_id, objective="  Plan the talk ", agenda="1. Ask"
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.confirmed_at == NOW
    assert (booking.objective, booking.agenda) == ("Plan the talk", "1. Ask")
    assert booking.situation == situation and booking.held_until is None


def test_changes_are_announced_after_commit(frozen, mentor, mentee, monkeypatch, committed):
    seen = []
    monkeypatch.setattr(notices, "booking_changed", lambda booking, change: seen.append(change))
    with committed():
        booking = book(mentor, mentee)
    with committed():
        services.booking_cancel(user=mentee, booking_id=booking.public_id)

    assert seen == ["confirmed", "cancelled"]


def test_the_objective_is_required_and_a_refused_checkout_keeps_the_hold(
    frozen, free_mentor, mentee
):
    held = hold(free_mentor, mentee)

    refused(
        "required",
        services.booking_checkout,
        mentee=mentee,
        booking_id=held.public_id,
        objective="   ",
    )
    refused(
        "too_long",
        services.booking_checkout,
        mentee=mentee,
        booking_id=held.public_id,
        objective="x" * 1001,
    )
    refused("required", book, mentor=free_mentor, mentee=UserFactory(), objective="")
    assert statuses() == [BookingStatus.HELD]


def test_a_live_hold_blocks_others_and_a_lapsed_one_does_not(frozen, free_mentor, mentee):
    held = hold(free_mentor, mentee)
    rival = UserFactory()

    error = refused("slot_taken", book, mentor=free_mentor, mentee=rival)
    assert error.status == 409 and "no longer free" in error.message
    frozen.move(minutes=11)
    taken = book(free_mentor, rival)

    assert taken.status == BookingStatus.CONFIRMED
    error = refused(
        "hold_expired",
        services.booking_checkout,
        mentee=mentee,
        booking_id=held.public_id,
        objective="Too late",
    )
    assert "ran out" in error.message
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED


def test_checkout_after_a_lapsed_hold_succeeds_when_the_slot_is_still_free(
    frozen, free_mentor, mentee
):
    held = hold(free_mentor, mentee)
    frozen.move(minutes=30)
    services.bookings_expire_lapsed()

    booking = services.booking_checkout(
        mentee=mentee, booking_id=held.public_id, objective="Still here"
    )

    assert booking.status == BookingStatus.CONFIRMED


def test_a_paid_session_is_not_checked_out_without_its_payment(frozen, mentor, mentee):
    held = hold(mentor, mentee, minutes=60)
    before = list(Booking.objects.values())

    error = refused(
        "payment_required",
        services.booking_checkout,
        mentee=mentee,
        booking_id=held.public_id,
        objective="Plan the talk",
    )

    assert error.status == 402 and "€70.00" in error.message
    assert held.price_minor == 7000 and list(Booking.objects.values()) == before


def test_a_new_hold_releases_the_mentees_previous_one(frozen, mentor, mentee):
    first = hold(mentor, mentee)
    hold(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))

    first.refresh_from_db()
    assert first.status == BookingStatus.EXPIRED
    assert book(mentor, UserFactory()).start == TUESDAY_9


def test_booking_in_one_call_keeps_the_mentees_other_holds(frozen, mentor, mentee):
    """Another call of the same person may be between its hold and its payment."""
    in_flight = hold(paris_mentor("Ola Other", "ola@example.org"), mentee)

    refused("mentee_busy", book, mentor=mentor, mentee=mentee)
    later = book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))

    in_flight.refresh_from_db()
    assert in_flight.status == BookingStatus.HELD and later.status == BookingStatus.CONFIRMED


@pytest.mark.parametrize(
    ("start", "minutes", "code"),
    [
        (NOW - timedelta(hours=1), 30, "in_past"),
        (TUESDAY_9 + timedelta(minutes=15), 30, "not_a_slot"),
        (TUESDAY_9 + timedelta(hours=5), 30, "not_a_slot"),  # outside the mentor's rules
        (TUESDAY_9, 45, "length_not_offered"),
        (TUESDAY_9, "30", "invalid_minutes"),
        (NOW + timedelta(hours=1), 30, "too_soon"),
        (TUESDAY_9 + timedelta(days=35), 30, "beyond_horizon"),
        (TUESDAY_9.replace(tzinfo=None), 30, "invalid_start"),
        ("tomorrow", 30, "invalid_start"),
    ],
)
def test_bad_slots_are_refused_and_nothing_is_written(frozen, mentor, mentee, start, minutes, code):
    refused(code, book, mentor=mentor, mentee=mentee, start=start, minutes=minutes)

    assert not Booking.objects.exists()


def test_too_soon_is_reported_even_on_the_mentors_grid(frozen, mentor, mentee):
    frozen.now = TUESDAY_9 - timedelta(hours=1)

    error = refused("too_soon", book, mentor=mentor, mentee=mentee)

    assert "2 hours' notice" in error.message


def test_who_may_book_whom(frozen, mentor, mentee):
    refused("own_profile", book, mentor=mentor, mentee=mentor.user)
    refused(
        "not_found",
        services.booking_hold,
        mentee=mentee,
        mentor_id="nobody",
        start=TUESDAY_9,
        minutes=30,
    )
    refused(
        "not_found", book, mentor=mentor, mentee=mentee, situation_id=SituationFactory().public_id
    )  # someone else's situation
    mentor.is_active = False
    mentor.save()
    assert refused("mentor_paused", book, mentor=mentor, mentee=mentee).status == 409
    assert not Booking.objects.exists()


def test_overlapping_lengths_and_the_buffer_are_refused(frozen, mentor, mentee):
    book(mentor, mentee, minutes=60)  # 09:00-10:00 Paris

    # 09:30 overlaps the session; 10:00 is free of it but inside its 10-minute buffer.
    for start in (TUESDAY_9 + timedelta(minutes=30), TUESDAY_9 + timedelta(hours=1)):
        refused("slot_taken", book, mentor=mentor, mentee=UserFactory(), start=start)
    later = book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(minutes=90))
    assert later.status == BookingStatus.CONFIRMED
    assert len(Booking.objects.filter(status=BookingStatus.CONFIRMED)) == 2


def test_a_mentee_cannot_be_in_two_sessions_at_once(frozen, mentor, mentee):
    other = paris_mentor("Ola Other", "ola@example.org")
    book(mentor, mentee)

    error = refused("mentee_busy", book, mentor=other, mentee=mentee)

    assert error.status == 409 and Booking.objects.count() == 1


def test_a_mentors_own_sessions_as_mentee_take_their_time(frozen, mentor, mentee):
    other = paris_mentor("Ola Other", "ola@example.org")
    book(other, mentor.user)  # the mentor learns from someone else on Tuesday 09:00

    refused("slot_taken", book, mentor=mentor, mentee=mentee)
    starts = [
        slot.start
        for slot in mentor_free_slots(
            mentor=mentor,
            minutes=30,
            start=TUESDAY_9,
            end=TUESDAY_9 + timedelta(hours=3),
            now=NOW,
        )
    ]
    assert TUESDAY_9 not in starts and TUESDAY_9 + timedelta(minutes=60) in starts


def test_daily_cap_closes_the_day(frozen, mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, max_sessions_per_day=1)
    book(mentor, mentee)

    eleven = TUESDAY_9 + timedelta(hours=2)
    refused("slot_taken", book, mentor=mentor, mentee=UserFactory(), start=eleven)
    next_tuesday = TUESDAY_9 + timedelta(days=7)
    assert mentor_next_free_slot(mentor=mentor, minutes=30, now=NOW) == next_tuesday


def test_a_request_waits_for_the_mentor_and_can_be_accepted(frozen, mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")

    booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))

    assert booking.status == BookingStatus.REQUESTED
    assert booking.respond_by == NOW + timedelta(hours=48)
    refused(
        "slot_taken", book, mentor=mentor, mentee=UserFactory(), start=TUESDAY_9 + timedelta(days=7)
    )
    refused("forbidden", services.booking_accept, mentor=mentee, booking_id=booking.public_id)
    refused(
        "not_found", services.booking_accept, mentor=UserFactory(), booking_id=booking.public_id
    )
    accepted = services.booking_accept(mentor=mentor.user, booking_id=booking.public_id)
    assert accepted.status == BookingStatus.CONFIRMED and accepted.confirmed_at == NOW
    refused(
        "not_a_request", services.booking_accept, mentor=mentor.user, booking_id=booking.public_id
    )


def test_a_request_never_waits_past_the_session_start(frozen, mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")

    booking = book(mentor, mentee)

    assert booking.respond_by == TUESDAY_9


def test_a_declined_request_frees_the_slot(frozen, mentor, mentee, changes):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee)

    declined = services.booking_decline(
        mentor=mentor.user, booking_id=booking.public_id, reason="Travelling"
    )

    assert declined.status == BookingStatus.DECLINED and declined.end_reason == "Travelling"
    assert book(mentor, UserFactory()).status == BookingStatus.REQUESTED


def test_an_unanswered_request_expires_and_the_mentee_is_told(
    frozen, mentor, mentee, monkeypatch, committed
):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    told = []
    monkeypatch.setattr(
        notices, "booking_changed", lambda booking, change: told.append((booking.mentee, change))
    )
    frozen.move(hours=48)

    with committed():
        assert services.bookings_expire_lapsed() == 1
    assert services.bookings_expire_lapsed() == 0

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED and told == [(mentee, "expired")]
    refused(
        "not_a_request", services.booking_accept, mentor=mentor.user, booking_id=booking.public_id
    )


def test_a_lapsed_request_no_longer_blocks_the_slot(frozen, mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    start = TUESDAY_9 + timedelta(days=7)
    book(mentor, mentee, start=start)
    frozen.move(hours=49)

    assert book(mentor, UserFactory(), start=start).status == BookingStatus.REQUESTED
    assert statuses() == [BookingStatus.EXPIRED, BookingStatus.REQUESTED]


def test_rescheduling_early_is_free_and_bumps_the_sequence(frozen, mentor, mentee):
    booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))

    moved = services.booking_reschedule(
        user=mentee, booking_id=booking.public_id, start=TUESDAY_9 + timedelta(days=7, hours=1)
    )

    assert moved.start == TUESDAY_9 + timedelta(days=7, hours=1)
    assert moved.end == moved.start + timedelta(minutes=30) and moved.sequence == 1
    assert not ReliabilityEvent.objects.exists()
    assert book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(days=7)).sequence == 0


def test_rescheduling_into_its_own_buffer_is_allowed(frozen, mentor, mentee):
    booking = book(mentor, mentee, minutes=60)

    moved = services.booking_reschedule(
        user=mentor.user, booking_id=booking.public_id, start=TUESDAY_9 + timedelta(hours=1)
    )

    assert moved.start == TUESDAY_9 + timedelta(hours=1)


def test_late_reschedule_is_recorded_against_who_moved_it(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.move(hours=10)  # 15 hours before

    services.booking_reschedule(
        user=mentor.user, booking_id=booking.public_id, start=TUESDAY_9 + timedelta(hours=1)
    )

    [event] = ReliabilityEvent.objects.all()
    assert (event.person, event.party, event.kind) == (mentor.user, "mentor", "late_reschedule")


def test_bad_reschedules_change_nothing(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    taken = book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=2))

    refused(
        "slot_taken",
        services.booking_reschedule,
        user=mentee,
        booking_id=booking.public_id,
        start=taken.start,
    )
    refused(
        "same_time",
        services.booking_reschedule,
        user=mentee,
        booking_id=booking.public_id,
        start=TUESDAY_9,
    )
    refused(
        "not_found",
        services.booking_reschedule,
        user=UserFactory(),
        booking_id=booking.public_id,
        start=TUESDAY_9 + timedelta(hours=1),
    )
    frozen.now = TUESDAY_9 + timedelta(minutes=1)
    error = refused(
        "already_started",
        services.booking_reschedule,
        user=mentee,
        booking_id=booking.public_id,
        start=TUESDAY_9 + timedelta(days=7),
    )
    assert error.status == 409
    booking.refresh_from_db()
    assert (booking.start, booking.sequence) == (TUESDAY_9, 0)


def test_cancelling_early_is_free_and_frees_the_slot(frozen, mentor, mentee):
    booking = book(mentor, mentee)

    cancelled = services.booking_cancel(
        user=mentee, booking_id=booking.public_id, reason="Solved it"
    )

    assert cancelled.status == BookingStatus.CANCELLED and cancelled.sequence == 1
    assert (cancelled.ended_by, cancelled.end_reason) == (mentee, "Solved it")
    assert not ReliabilityEvent.objects.exists()
    assert book(mentor, UserFactory()).status == BookingStatus.CONFIRMED


def test_late_cancellation_is_recorded_for_either_side(frozen, mentor, mentee):
    first = book(mentor, mentee)
    second = book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=2))
    frozen.now = TUESDAY_9 - timedelta(hours=3)

    services.booking_cancel(user=mentee, booking_id=first.public_id)
    services.booking_cancel(user=mentor.user, booking_id=second.public_id)

    assert sorted(ReliabilityEvent.objects.values_list("party", "kind")) == [
        ("mentee", "late_cancellation"),
        ("mentor", "late_cancellation"),
    ]


def test_bad_cancellations_change_nothing(frozen, mentor, mentee):
    booking = book(mentor, mentee)

    refused("not_found", services.booking_cancel, user=UserFactory(), booking_id=booking.public_id)
    refused("not_found", services.booking_cancel, user=mentee, booking_id=None)
    frozen.now = TUESDAY_9
    refused("already_started", services.booking_cancel, user=mentee, booking_id=booking.public_id)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and not ReliabilityEvent.objects.exists()


def test_a_hold_is_released_by_its_mentee_only(frozen, free_mentor, mentee):
    held = hold(free_mentor, mentee)

    refused("forbidden", services.booking_cancel, user=free_mentor.user, booking_id=held.public_id)
    assert services.booking_cancel(user=mentee, booking_id=held.public_id).status == "cancelled"
    refused(
        "not_held",
        services.booking_checkout,
        mentee=mentee,
        booking_id=held.public_id,
        objective="Back again",
    )


def test_marking_done_needs_the_session_to_have_started(frozen, mentor, mentee):
    booking = book(mentor, mentee)

    refused("not_started", services.booking_complete, user=mentee, booking_id=booking.public_id)
    frozen.now = TUESDAY_9 + timedelta(minutes=25)
    done = services.booking_complete(user=mentor.user, booking_id=booking.public_id)

    assert done.status == BookingStatus.COMPLETED and done.ended_by == mentor.user
    refused(
        "not_confirmed", services.booking_report_no_show, user=mentee, booking_id=booking.public_id
    )


def test_a_no_show_is_recorded_against_the_other_side(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.now = TUESDAY_9 + timedelta(minutes=15)

    reported = services.booking_report_no_show(user=mentee, booking_id=booking.public_id)

    assert reported.status == BookingStatus.NO_SHOW and reported.no_show_party == "mentor"
    [event] = ReliabilityEvent.objects.all()
    assert (event.person, event.kind) == (mentor.user, "no_show")


def test_closing_a_session_has_a_deadline(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    frozen.now = TUESDAY_9 + timedelta(days=4)

    refused("too_late", services.booking_complete, user=mentee, booking_id=booking.public_id)
    refused("too_late", services.booking_report_no_show, user=mentee, booking_id=booking.public_id)


def test_actions_follow_the_booking_and_the_person(frozen, mentor, mentee):
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = book(mentor, mentee)

    def actions(user):
        return booking_actions(booking=booking, user=user, now=frozen.now)

    assert actions(mentor.user) == {"accept", "decline", "reschedule", "cancel"}
    assert actions(mentee) == {"reschedule", "cancel"}
    assert actions(UserFactory()) == set()
    booking = services.booking_accept(mentor=mentor.user, booking_id=booking.public_id)
    frozen.now = TUESDAY_9 - timedelta(minutes=5)
    assert actions(mentee) == {"reschedule", "cancel", "join"}
    frozen.now = TUESDAY_9 + timedelta(minutes=5)
    assert actions(mentee) == {"join", "complete", "report_no_show"}
    frozen.now = TUESDAY_9 + timedelta(hours=2)
    assert actions(mentor.user) == {"complete", "report_no_show"}


def test_next_free_slot_skips_booked_time(frozen, mentor, mentee):
    book(mentor, mentee)

    assert mentor_next_free_slot(mentor=mentor, minutes=30, now=NOW) == TUESDAY_9 + timedelta(
        minutes=60
    )


def test_exceptions_apply_to_bookings(frozen, mentor, mentee):
    services.availability_exception_set(user=mentor.user, day=date(2030, 3, 5))

    refused("not_a_slot", book, mentor=mentor, mentee=mentee)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints")
def test_postgresql_refuses_overlaps_even_when_the_check_is_bypassed(frozen, mentor, mentee):
    first = book(mentor, mentee)

    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            mentor=mentor,
            mentee=UserFactory(),
            start=first.start + timedelta(minutes=15),
            end=first.end + timedelta(minutes=15),
            minutes=30,
            price_minor=0,
            currency="EUR",
            status=BookingStatus.CONFIRMED,
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            mentor=MentorProfileFactory(),
            mentee=mentee,
            start=first.start,
            end=first.end,
            minutes=30,
            price_minor=0,
            currency="EUR",
            status=BookingStatus.HELD,
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints")
def test_a_constraint_violation_reads_as_slot_taken(frozen, mentor, mentee, monkeypatch):
    book(mentor, mentee)
    monkeypatch.setattr(
        booking_services, "_check_slot", lambda **kw: kw["start"] + timedelta(minutes=kw["minutes"])
    )

    error = refused("slot_taken", book, mentor=mentor, mentee=UserFactory())

    assert error.status == 409 and Booking.objects.count() == 1


def test_leaving_the_platform_cancels_sessions_to_come_and_tells_the_other_side(
    frozen, mentor, mentee, monkeypatch, committed
):
    booking = book(mentor, mentee)
    told = []
    monkeypatch.setattr(
        notices,
        "booking_changed",
        lambda booking, change: told.append((booking.public_id, booking.status, change)),
    )

    with committed():
        account_delete(user=mentee)

    assert told == [(booking.public_id, BookingStatus.CANCELLED, "cancelled")]
    assert not Booking.objects.exists()
    assert mentor_next_free_slot(mentor=mentor, minutes=30, now=NOW) == TUESDAY_9


def test_the_data_export_holds_the_persons_sessions_and_availability(frozen, mentor, mentee):
    book(mentor, mentee)
    book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=2))

    mine = account_export(user=mentee)
    theirs = account_export(user=mentor.user)

    [session] = mine["sessions"]
    assert session["role"] == "mentee" and session["with"] == mentor.user.display_name
    assert session["objective"] == "Ask for 15% more" and mine["availability"] == []
    assert len(theirs["sessions"]) == 2
    assert theirs["availability"] == [{"weekday": 1, "start": "09:00", "end": "12:00"}]
