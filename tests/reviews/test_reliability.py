"""Reliability: scores from lapses, late joins and response time; warnings and automatic
pauses at the thresholds; what a pause blocks; contesting it and staff lifting it."""

from datetime import timedelta

import pytest

from headstrt.core.errors import DomainError
from headstrt.messaging.models import Notification
from headstrt.reviews import reliability
from headstrt.reviews.models import ReliabilityNotice
from headstrt.scheduling import selectors
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Attendance, Booking, ReliabilityKind
from tests.factories import MentorProfileFactory, UserFactory
from tests.reviews.outcome_fixtures import done_booking, lapse
from tests.scheduling.sessions import TUESDAY_9, book, hold, paris_mentor, refused

pytestmark = pytest.mark.django_db

WEEK = timedelta(days=7)


def notices_of(person) -> list[tuple[str, str]]:
    return list(
        ReliabilityNotice.objects.filter(person=person)
        .order_by("created_at", "id")
        .values_list("kind", "lapse")
    )


def snapshot() -> list:
    return [
        list(Booking.objects.order_by("pk").values()),
        list(ReliabilityNotice.objects.order_by("pk").values()),
        [(user.pk, user.paused_until) for user in UserFactory._meta.model.objects.order_by("pk")],
    ]


def no_shows_of_the_mentee(mentor, mentee, frozen, count=3):
    """``count`` weekly sessions, all booked first, each reported by the mentor as a no-show
    of the mentee 31 minutes after its start."""
    sessions = [book(mentor, mentee, start=TUESDAY_9 + n * WEEK) for n in range(count)]
    for booking in sessions:
        frozen.set(booking.start + timedelta(minutes=31))
        scheduling.booking_report_no_show(user=mentor.user, booking_id=booking.public_id)
    return sessions


def lapses(person, kind, count):
    """``count`` lapses of ``kind`` by ``person``, each in a done session with a new mentor."""
    for _ in range(count):
        mentor = MentorProfileFactory()
        lapse(person, done_booking(mentor, person), kind)


def next_free_start(mentor, frozen):
    return selectors.mentor_next_free_slot(mentor=mentor, minutes=30, now=frozen.now)


# --- thresholds ----------------------------------------------------------------------------------


def test_two_no_shows_in_30_days_warn_and_three_pause(frozen, mentor, mentee, committed):
    with committed():
        sessions = no_shows_of_the_mentee(mentor, mentee, frozen, count=2)
    assert notices_of(mentee) == [("warning", "no_show")]
    warning = Notification.objects.get(recipient=mentee, kind="reliability.warning")
    assert "2 no-shows" in warning.body and warning.url == "/me/reliability/"

    third = book(mentor, mentee, start=sessions[-1].start + WEEK)
    frozen.set(third.start + timedelta(minutes=31))
    with committed():
        scheduling.booking_report_no_show(user=mentor.user, booking_id=third.public_id)

    assert notices_of(mentee) == [("warning", "no_show"), ("pause", "no_show")]
    pause = ReliabilityNotice.objects.get(kind="pause")
    assert pause.ends_at == frozen.now + timedelta(days=14)
    mentee.refresh_from_db()
    assert mentee.paused_until == pause.ends_at
    told = Notification.objects.get(recipient=mentee, kind="reliability.pause")
    assert "contest" in told.body and told.title == "Your account is paused for 14 days"


def test_no_shows_more_than_30_days_apart_do_not_add_up(frozen, mentee):
    mentor = paris_mentor(name="Other", email="other@example.org")
    lapse(mentee, done_booking(mentor, mentee), ReliabilityKind.NO_SHOW, ago=timedelta(days=31))
    lapse(mentee, done_booking(mentor, mentee), ReliabilityKind.NO_SHOW)

    assert reliability.reliability_review(person=mentee) is None
    assert notices_of(mentee) == []


def test_a_warning_goes_once_per_30_days_for_each_kind(frozen, mentee):
    lapses(mentee, ReliabilityKind.NO_SHOW, 2)
    assert reliability.reliability_review(person=mentee).lapse == "no_show"
    assert reliability.reliability_review(person=mentee) is None

    lapses(mentee, ReliabilityKind.LATE_CANCELLATION, 2)
    lapses(mentee, ReliabilityKind.LATE_RESCHEDULE, 1)
    reliability.reliability_review(person=mentee)
    frozen.move(days=29)
    reliability.reliability_review(person=mentee)

    assert notices_of(mentee) == [("warning", "no_show"), ("warning", "late_change")]


def test_five_late_changes_pause(frozen, mentee):
    lapses(mentee, ReliabilityKind.LATE_CANCELLATION, 3)
    assert reliability.reliability_review(person=mentee).kind == "warning"
    lapses(mentee, ReliabilityKind.LATE_RESCHEDULE, 2)

    notice = reliability.reliability_review(person=mentee)

    assert (notice.kind, notice.lapse) == ("pause", "late_change")


def test_reviewing_a_paused_person_again_changes_nothing(frozen, mentee):
    lapses(mentee, ReliabilityKind.NO_SHOW, 3)
    reliability.reliability_review(person=mentee)
    before = snapshot()

    assert reliability.reliability_review(person=mentee) is None
    assert snapshot() == before


def test_lapses_before_a_pause_ended_do_not_count_again(frozen, mentee):
    lapses(mentee, ReliabilityKind.NO_SHOW, 3)
    pause = reliability.reliability_review(person=mentee)
    frozen.set(pause.ends_at + timedelta(minutes=1))
    lapses(mentee, ReliabilityKind.NO_SHOW, 1)

    assert reliability.reliability_review(person=mentee) is None
    assert notices_of(mentee) == [("pause", "no_show")]


# --- what a pause blocks -------------------------------------------------------------------------


def test_a_paused_mentee_cannot_hold_a_slot_and_nothing_changes(frozen, mentor, mentee):
    sessions = no_shows_of_the_mentee(mentor, mentee, frozen)
    mentee.refresh_from_db()
    start = next_free_start(mentor, frozen)
    before = snapshot()

    error = refused("booking_paused", hold, mentor=mentor, mentee=mentee, start=start)

    assert error.status == 403
    assert "paused until" in error.message and "contest" in error.message
    assert snapshot() == before
    assert len(sessions) == 3


def test_a_paused_mentor_cannot_be_booked_and_shows_no_free_slots(frozen, mentor, mentee):
    sessions = [book(mentor, mentee, start=TUESDAY_9 + n * WEEK) for n in range(3)]
    for booking in sessions:
        frozen.set(booking.start + timedelta(minutes=31))
        scheduling.booking_report_no_show(user=mentee, booking_id=booking.public_id)
    mentor.user.refresh_from_db()
    assert mentor.user.paused_until is not None
    someone = UserFactory()
    start = frozen.now + timedelta(days=7)
    before = snapshot()

    refused("mentor_paused", hold, mentor=mentor, mentee=someone, start=start)

    assert snapshot() == before
    assert next_free_start(mentor, frozen) is None
    assert (
        selectors.mentor_free_slots(
            mentor=mentor, minutes=30, start=frozen.now, end=frozen.now + WEEK * 3, now=frozen.now
        )
        == []
    )


def test_the_pause_ends_by_itself_at_its_end(frozen, mentor, mentee):
    no_shows_of_the_mentee(mentor, mentee, frozen)
    mentee.refresh_from_db()
    frozen.set(mentee.paused_until)

    booking = hold(mentor, mentee, start=next_free_start(mentor, frozen))

    assert booking.status == "held"


def test_sessions_booked_before_the_pause_go_ahead(frozen, mentor, mentee):
    later = book(mentor, mentee, start=TUESDAY_9 + 3 * WEEK)
    no_shows_of_the_mentee(mentor, mentee, frozen)

    frozen.set(later.start)
    url = scheduling.booking_join(user=mentee, booking_id=later.public_id)

    assert later.room in url


# --- contest and lift ----------------------------------------------------------------------------


@pytest.fixture
def paused(frozen, mentee):
    lapses(mentee, ReliabilityKind.NO_SHOW, 3)
    notice = reliability.reliability_review(person=mentee)
    mentee.refresh_from_db()
    return notice


def test_the_person_contests_their_pause_once(paused, mentee, frozen):
    contested = reliability.reliability_contest(
        person=mentee, notice_id=paused.public_id, text="I was there; the mentor never came."
    )
    assert contested.contested_at == frozen.now
    before = snapshot()

    refused(
        "already_contested",
        reliability.reliability_contest,
        person=mentee,
        notice_id=paused.public_id,
        text="Again",
    )

    assert snapshot() == before


def test_nobody_contests_someone_elses_pause(paused, outsider):
    before = snapshot()

    error = refused(
        "not_found",
        reliability.reliability_contest,
        person=outsider,
        notice_id=paused.public_id,
        text="Not mine",
    )

    assert error.status == 404 and snapshot() == before


def test_a_warning_or_an_ended_pause_cannot_be_contested(frozen, mentee):
    lapses(mentee, ReliabilityKind.NO_SHOW, 2)
    warning = reliability.reliability_review(person=mentee)
    refused(
        "not_a_pause",
        reliability.reliability_contest,
        person=mentee,
        notice_id=warning.public_id,
        text="Why",
    )
    lapses(mentee, ReliabilityKind.NO_SHOW, 1)
    pause = reliability.reliability_review(person=mentee)
    frozen.set(pause.ends_at)

    refused(
        "pause_over",
        reliability.reliability_contest,
        person=mentee,
        notice_id=pause.public_id,
        text="Why",
    )


def test_an_empty_contest_is_refused(paused, mentee):
    refused(
        "required",
        reliability.reliability_contest,
        person=mentee,
        notice_id=paused.public_id,
        text="  ",
    )


def test_staff_lift_a_pause_with_a_reason(paused, mentee, mentor, staff, frozen, committed):
    reliability.reliability_contest(person=mentee, notice_id=paused.public_id, text="I came.")
    assert list(reliability.reliability_contested_pauses(staff=staff)) == [paused]

    with committed():
        reliability.reliability_pause_lift(
            staff=staff, notice_id=paused.public_id, reason="The video log shows you joined."
        )

    mentee.refresh_from_db()
    paused.refresh_from_db()
    assert mentee.paused_until is None
    assert (paused.lifted_at, paused.lifted_by, paused.lift_reason) == (
        frozen.now,
        staff,
        "The video log shows you joined.",
    )
    assert list(reliability.reliability_contested_pauses(staff=staff)) == []
    told = Notification.objects.get(
        recipient=mentee, kind="reliability.pause", title__contains="lifted"
    )
    assert "video log" in told.body
    assert hold(mentor, mentee, start=next_free_start(mentor, frozen)).status == "held"
    refused(
        "pause_lifted",
        reliability.reliability_pause_lift,
        staff=staff,
        notice_id=paused.public_id,
        reason="Again",
    )


def test_staff_keep_a_contested_pause_once_and_it_stays(paused, mentee, staff, outsider):
    before = snapshot()
    for who, code in ((staff, "not_awaiting_decision"), (outsider, "forbidden")):
        refused(
            code,
            reliability.reliability_pause_keep,
            staff=who,
            notice_id=paused.public_id,
            reason="No contest yet",
        )
    assert snapshot() == before
    reliability.reliability_contest(person=mentee, notice_id=paused.public_id, text="I came.")

    reliability.reliability_pause_keep(
        staff=staff, notice_id=paused.public_id, reason="Nobody joined the room."
    )

    mentee.refresh_from_db()
    paused.refresh_from_db()
    assert mentee.paused_until == paused.ends_at
    assert (paused.kept_by, paused.keep_reason) == (staff, "Nobody joined the room.")
    assert list(reliability.reliability_contested_pauses(staff=staff)) == []
    refused(
        "not_awaiting_decision",
        reliability.reliability_pause_keep,
        staff=staff,
        notice_id=paused.public_id,
        reason="Again",
    )


def test_only_staff_lift_a_pause_or_see_the_contests(paused, mentee, outsider):
    before = snapshot()

    refused(
        "forbidden",
        reliability.reliability_pause_lift,
        staff=outsider,
        notice_id=paused.public_id,
        reason="Because",
    )
    with pytest.raises(DomainError):
        reliability.reliability_contested_pauses(staff=mentee)
    assert snapshot() == before


# --- scores --------------------------------------------------------------------------------------


def test_a_person_without_history_scores_one(frozen, mentee):
    found = reliability.reliability_of([mentee.pk])[mentee.pk]

    assert found == reliability.Reliability(1.0, 0, 0, 0, 0, None)
    assert reliability.reliability_of_person(mentee.pk) == found


def test_the_score_weighs_lapses_against_sessions(frozen, mentee):
    mentor = paris_mentor(name="Other", email="other@example.org")
    sessions = [
        done_booking(mentor, mentee, start=frozen.now - timedelta(days=n + 1)) for n in range(6)
    ]
    lapse(mentee, sessions[0], ReliabilityKind.NO_SHOW)
    lapse(mentee, sessions[1], ReliabilityKind.LATE_CANCELLATION)
    lapse(mentee, sessions[2], ReliabilityKind.LATE_RESCHEDULE)
    lapse(mentee, sessions[3], ReliabilityKind.NO_SHOW, ago=timedelta(days=91))  # too old
    done_booking(mentor, mentee, start=frozen.now - timedelta(days=95))  # too old

    found = reliability.reliability_of([mentee.pk])[mentee.pk]

    assert (found.sessions, found.no_shows, found.late_changes) == (6, 1, 2)
    assert found.score == pytest.approx(1 - (1 + 0.5 + 0.25) / (6 + 2))
    assert reliability.reliability_of_person(mentee.pk) == found
    # The mentor's side counts for the mentor.
    assert reliability.reliability_of([mentor.user_id])[mentor.user_id].sessions == 6


def test_joining_more_than_5_minutes_late_counts(frozen, mentee):
    mentor = paris_mentor(name="Other", email="other@example.org")
    on_time, late = (
        done_booking(mentor, mentee, start=frozen.now - timedelta(days=n + 1)) for n in range(2)
    )
    Attendance.objects.create(
        booking=on_time,
        person=mentee,
        party="mentee",
        joined_at=on_time.start + timedelta(minutes=5),
    )
    Attendance.objects.create(
        booking=late, person=mentee, party="mentee", joined_at=late.start + timedelta(minutes=6)
    )

    found = reliability.reliability_of([mentee.pk])[mentee.pk]

    assert found.late_joins == 1
    assert found.score == pytest.approx(1 - 0.25 / 4)
    assert reliability.reliability_of_person(mentee.pk) == found


def test_response_time_is_the_median_with_expired_requests_counting_the_window(
    frozen, mentor, mentee
):
    scheduling.scheduling_policy_save(user=mentor.user, confirmation="request")
    accepted = book(mentor, mentee)
    expired = book(mentor, UserFactory(), start=TUESDAY_9 + WEEK)
    Booking.objects.filter(pk__in=[accepted.pk, expired.pk]).update(created_at=frozen.now)
    frozen.move(hours=3)
    scheduling.booking_accept(mentor=mentor.user, booking_id=accepted.public_id)
    frozen.move(hours=46)
    scheduling.bookings_expire_lapsed()

    found = reliability.reliability_of([mentor.user_id])[mentor.user_id]

    assert found.response_hours == pytest.approx((3 + 48) / 2)
    assert reliability.reliability_of_person(mentor.user_id) == found


def test_reliability_of_many_people_takes_a_bounded_number_of_queries(
    frozen, mentee, django_assert_max_num_queries
):
    mentor = paris_mentor(name="Other", email="other@example.org")
    people = [UserFactory() for _ in range(10)]
    for person in people:
        lapse(person, done_booking(mentor, person), ReliabilityKind.NO_SHOW)

    with django_assert_max_num_queries(5):
        found = reliability.reliability_of([person.pk for person in people])

    assert len(found) == 10 and all(item.no_shows == 1 for item in found.values())


def test_one_persons_reliability_is_the_bulk_reads_in_one_query(
    frozen, mentor, mentee, django_assert_num_queries
):
    scheduling.scheduling_policy_save(user=mentor.user, confirmation="request")
    answered, declined = book(mentor, mentee), book(mentor, UserFactory(), start=TUESDAY_9 + WEEK)
    Booking.objects.filter(pk__in=[answered.pk, declined.pk]).update(created_at=frozen.now)
    frozen.move(hours=2)
    scheduling.booking_accept(mentor=mentor.user, booking_id=answered.public_id)
    scheduling.booking_decline(mentor=mentor.user, booking_id=declined.public_id)
    sessions = [done_booking(mentor, mentee, start=frozen.now - timedelta(days=n)) for n in (1, 2)]
    old = done_booking(mentor, mentee, start=frozen.now - timedelta(days=95))
    for kind in ReliabilityKind.values:
        lapse(mentor.user, sessions[0], kind)
    lapse(mentee, old, ReliabilityKind.NO_SHOW, ago=timedelta(days=95))
    for booking, late in ((sessions[0], 6), (sessions[1], 4), (old, 30)):
        for person in (mentor.user, mentee):
            Attendance.objects.create(
                booking=booking,
                person=person,
                party=booking.party_of(person),
                joined_at=booking.start + timedelta(minutes=late),
            )

    for person in (mentor.user, mentee):
        with django_assert_num_queries(1):
            found = reliability.reliability_of_person(person.pk)
        assert found == reliability.reliability_of([person.pk])[person.pk]
    assert (found.sessions, found.no_shows, found.late_joins) == (2, 0, 1)
    mentors = reliability.reliability_of_person(mentor.user_id)
    assert (mentors.no_shows, mentors.late_changes, mentors.late_joins) == (1, 2, 1)
    assert mentors.response_hours == pytest.approx(2)


def test_a_hold_taken_before_the_pause_cannot_be_checked_out_during_it(frozen, mentor, mentee):
    other = paris_mentor(name="Other Mentor", email="other@example.org", offers={30: 0})
    early = hold(other, mentee, start=TUESDAY_9 + WEEK * 4)
    no_shows_of_the_mentee(mentor, mentee, frozen)
    mentee.refresh_from_db()
    assert mentee.paused_until is not None
    before = snapshot()

    refused(
        "booking_paused",
        scheduling.booking_checkout,
        mentee=mentee,
        booking_id=early.public_id,
        objective="Still want it",
    )

    assert snapshot() == before


def test_sessions_booked_before_a_mentors_pause_can_still_move(frozen, mentor, mentee):
    later = book(mentor, mentee, start=TUESDAY_9 + WEEK * 4)
    sessions = [book(mentor, mentee, start=TUESDAY_9 + n * WEEK) for n in range(3)]
    for booking in sessions:
        frozen.set(booking.start + timedelta(minutes=31))
        scheduling.booking_report_no_show(user=mentee, booking_id=booking.public_id)
    mentor.user.refresh_from_db()
    assert mentor.user.paused_until is not None

    moved = scheduling.booking_reschedule(
        user=mentee, booking_id=later.public_id, start=later.start + timedelta(hours=1)
    )

    assert moved.start == later.start + timedelta(hours=1)
