"""Panel services: holding two to four mentors at one time across zones, all or none;
checking out, cancelling, the refusals (each leaving nothing changed) and who may see a panel."""

from datetime import time, timedelta

import pytest

from headstrt.core.errors import DomainError
from headstrt.messaging.models import Notification
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, ReliabilityEvent
from headstrt.scheduling.panel_reads import panel_get_for_participant, panels_for_person
from headstrt.scheduling.selectors import (
    booking_actions,
    busy_intervals,
)
from headstrt.scheduling.services import bookings as booking_services
from headstrt.scheduling.video import video_room_url
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.scheduling.gatherings import (
    ids,
    panel_book,
    panel_hold,
    panelists,
    state,
    zoned_mentor,
)
from tests.scheduling.sessions import NOW, TUESDAY_9, book, event_of, invites, refused

pytestmark = pytest.mark.django_db

HALF_HOUR = timedelta(minutes=30)


def parts_of(panel) -> list[Booking]:
    return list(Booking.objects.filter(panel=panel).select_related("mentor__user").order_by("pk"))


def test_a_panel_holds_every_mentor_at_one_time_across_four_zones(frozen, mentee):
    mentors = [
        zoned_mentor(zone, offers={30: price, 60: 2 * price})
        for zone, price in zip(
            ["Europe/Paris", "Asia/Kolkata", "Asia/Kathmandu", "America/New_York"],
            [4000, 2500, 3000, 0],
            strict=True,
        )
    ]
    situation = SituationFactory(mentee=mentee)

    panel = panel_hold(mentee, mentors, situation_id=situation.public_id)

    parts = parts_of(panel)
    assert [part.mentor for part in parts] == mentors
    assert [part.price_minor for part in parts] == [4000, 2500, 3000, 0]
    assert {
        (part.start, part.end, part.status, part.held_until, part.currency, part.situation_id)
        for part in parts
    } == {
        (
            TUESDAY_9,
            TUESDAY_9 + HALF_HOUR,
            BookingStatus.HELD,
            NOW + timedelta(minutes=10),
            "EUR",
            situation.pk,
        )
    }
    assert (panel.start, panel.end, panel.minutes, panel.currency, panel.mentee) == (
        TUESDAY_9,
        TUESDAY_9 + HALF_HOUR,
        30,
        "EUR",
        mentee,
    )
    # One room for everyone: they meet in one call, a room of the panel's own.
    rooms = {video_room_url(part) for part in parts}
    other = parts_of(panel_hold(UserFactory(), panelists(2)))
    assert len(rooms) == 1 and not rooms & {video_room_url(part) for part in other}
    assert not any(part.room in video_room_url(part) for part in parts)


def test_checking_out_a_free_panel_confirms_every_mentor_at_once(
    frozen, mentee, mailbox, committed
):
    mentors = panelists(3)
    panel = panel_hold(mentee, mentors)

    with committed():
        services.panel_checkout(
            mentee=mentee, panel_id=panel.public_id, objective="  Hear three views ", agenda="1."
        )

    parts = parts_of(panel)
    assert {(part.status, part.confirmed_at, part.held_until) for part in parts} == {
        (BookingStatus.CONFIRMED, NOW, None)
    }
    assert {(part.objective, part.agenda) for part in parts} == {("Hear three views", "1.")}
    [to_mentee] = mailbox.messages_to(mentee.email)
    assert to_mentee["Subject"] == (
        "[Headstrt] Your panel with Nia Negotiator, Omar Ortiz and Pia Planner is confirmed"
    )
    assert "Tuesday 5 March 2030, 17:00–17:30 (Asia/Tokyo)" in mailbox.body(to_mentee)
    # One calendar event per mentor, so one of them leaving removes just theirs.
    assert sorted(str(event_of(calendar)["UID"]) for _, _, calendar in invites(to_mentee)) == (
        sorted(f"{part.public_id}@headstrt" for part in parts)
    )
    [to_pia] = mailbox.messages_to(mentors[2].user.email)
    assert to_pia["Subject"] == "[Headstrt] New panel session with Mia Mentee"
    text = mailbox.body(to_pia)
    assert "Tuesday 5 March 2030, 13:45–14:15 (Asia/Kathmandu)" in text
    assert "with you and Nia Negotiator and Omar Ortiz" in text
    assert Notification.objects.filter(recipient=mentee).count() == 1


def test_a_refused_checkout_confirms_nobody(frozen, mentee):
    panel = panel_hold(mentee, panelists(2))
    before = state()

    refused(
        "required", services.panel_checkout, mentee=mentee, panel_id=panel.public_id, objective=""
    )

    assert state() == before


def test_a_panel_with_a_price_checks_out_with_a_payment(frozen, mentee):
    mentors = [zoned_mentor("Europe/Paris", offers={30: 4000}), zoned_mentor("Asia/Kolkata")]
    panel = panel_hold(mentee, mentors)
    before = state()

    error = refused(
        "payment_required",
        services.panel_checkout,
        mentee=mentee,
        panel_id=panel.public_id,
        objective="Views",
    )

    assert error.status == 402 and "€40.00" in error.message
    assert state() == before


def test_the_mentee_s_time_is_shared_by_the_panel_only(frozen, mentee):
    mentors = panelists(2)
    panel_book(mentee, mentors)

    busy = busy_intervals(user=mentee, start=NOW, end=NOW + timedelta(days=3), now=NOW)
    assert busy == [(TUESDAY_9, TUESDAY_9 + HALF_HOUR)] * 2
    other = zoned_mentor("Europe/Paris", name="Rae Other")
    refused("mentee_busy", book, mentor=other, mentee=mentee)
    refused("mentee_busy", panel_hold, mentee=mentee, mentors=[other, panelists(1)[0]])


@pytest.mark.parametrize(
    ("code", "status", "pick"),
    [
        ("too_few_mentors", 422, lambda mentors, mentee: ids(mentors[:1])),
        ("too_many_mentors", 422, lambda mentors, mentee: ids(mentors) + ids(panelists(1))),
        ("same_mentor_twice", 422, lambda mentors, mentee: ids(mentors[:2]) + ids(mentors[:1])),
        ("own_profile", 400, lambda mentors, mentee: [*ids(mentors[:2]), mentee.public_id]),
        ("not_found", 404, lambda mentors, mentee: [*ids(mentors[:2]), "nobody"]),
        ("not_found", 404, lambda mentors, mentee: [*ids(mentors[:2]), 7]),
        ("invalid_mentors", 400, lambda mentors, mentee: ids(mentors[0:1])[0]),
    ],
)
def test_the_panel_s_mentors_are_checked(frozen, mentee, code, status, pick):
    mentors = panelists()
    MentorProfileFactory(user=mentee)
    before = state()

    error = refused(
        code,
        services.panel_hold,
        mentee=mentee,
        mentor_ids=pick(mentors, mentee),
        start=TUESDAY_9,
        minutes=30,
    )

    assert error.status == status
    assert state() == before


def test_every_mentor_must_take_bookings_confirm_at_once_and_share_a_currency(frozen, mentee):
    nia, omar, pia = panelists(3)
    before = state()

    pia.user.paused_until = NOW + timedelta(days=1)
    pia.user.save()
    error = refused("mentor_paused", panel_hold, mentee=mentee, mentors=[nia, pia])
    assert "Pia Planner" in error.message and error.status == 409
    pia.user.paused_until = None
    pia.user.save()
    pia.is_active = False
    pia.save()
    refused("mentor_paused", panel_hold, mentee=mentee, mentors=[nia, pia])

    services.scheduling_policy_save(user=omar.user, confirmation="request")
    error = refused("confirms_by_request", panel_hold, mentee=mentee, mentors=[nia, omar])
    assert "Omar Ortiz confirms each session by hand" in error.message

    dollars = zoned_mentor("America/New_York", currency="USD")
    error = refused("currency_mismatch", panel_hold, mentee=mentee, mentors=[nia, dollars])
    assert "Nia Negotiator in EUR, Quinn Quarry in USD" in error.message
    assert state() == before


def test_a_paused_mentee_cannot_hold_a_panel(frozen, mentee):
    mentee.paused_until = NOW + timedelta(days=2)
    mentee.save()

    refused("booking_paused", panel_hold, mentee=mentee, mentors=panelists(2))
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    ("code", "start", "minutes"),
    [
        ("in_past", NOW - timedelta(hours=1), 30),
        ("invalid_start", TUESDAY_9.replace(tzinfo=None), 30),
        ("invalid_minutes", TUESDAY_9, "30"),
        ("no_common_slot", TUESDAY_9, 10**20),
    ],
)
def test_the_time_asked_for_is_checked(frozen, mentee, code, start, minutes):
    before = state()

    refused(code, panel_hold, mentee=mentee, mentors=panelists(2), start=start, minutes=minutes)

    assert state() == before


def test_mentors_with_no_common_slot_are_told_the_nearest_options(frozen, mentee):
    nia, omar = panelists(2)
    pia = zoned_mentor("Asia/Kathmandu", weekday=3, offers={15: 0, 30: 0})  # Thursdays only
    before = state()

    error = refused("no_common_slot", panel_hold, mentee=mentee, mentors=[nia, omar, pia])

    assert error.status == 409 and error.field == "start"
    assert error.message == (
        "Nia Negotiator, Omar Ortiz and Pia Planner have no free 30-minute slot in common at "
        "that time: it is not one of Pia Planner's slots. Nearest options: "
        "Without Pia Planner: Tuesday 5 March 2030, 17:00 (Asia/Tokyo)."
    )
    assert state() == before


def test_a_time_further_ahead_is_offered_when_the_mentors_share_one_later(frozen, mentee):
    nia = zoned_mentor("Europe/Paris")
    morning = (time(9), time(12))
    services.availability_set(user=nia.user, rules=[(1, *morning), (3, *morning)])
    omar = zoned_mentor("Asia/Kolkata", weekday=3)

    error = refused("no_common_slot", panel_hold, mentee=mentee, mentors=[nia, omar])

    assert error.message.endswith(
        "it is not one of Omar Ortiz's slots. Nearest options: "
        "The earliest time all of them can do 30 minutes: Thursday 7 March 2030, 17:00 "
        "(Asia/Tokyo). For 60 minutes: Thursday 7 March 2030, 17:00 (Asia/Tokyo). "
        "Without Nia Negotiator: Thursday 7 March 2030, 17:00 (Asia/Tokyo). "
        "Without Omar Ortiz: Tuesday 5 March 2030, 17:00 (Asia/Tokyo)."
    )


def test_a_length_one_mentor_does_not_offer_is_no_common_slot(frozen, mentee):
    nia = zoned_mentor("Europe/Paris", offers={30: 0, 60: 0})
    omar = zoned_mentor("Asia/Kolkata", offers={30: 0})

    error = refused("no_common_slot", panel_hold, mentee=mentee, mentors=[nia, omar], minutes=60)

    assert "Omar Ortiz does not offer 60-minute sessions." in error.message
    assert "For 30 minutes: Tuesday 5 March 2030, 17:00 (Asia/Tokyo)." in error.message


def test_a_taken_mentor_leaves_no_hold_of_the_others(frozen, mentee):
    nia, omar, pia = panelists(3)
    book(pia, UserFactory())
    before = state()

    error = refused("slot_taken", panel_hold, mentee=mentee, mentors=[nia, omar, pia])

    assert "Pia Planner is no longer free at this time" in error.message
    assert state() == before
    assert not Booking.objects.filter(mentee=mentee).exists()


def test_a_new_panel_hold_releases_the_mentee_s_earlier_holds(frozen, mentee):
    mentors = panelists(4)
    first = panel_hold(mentee, mentors[:2])
    single = services.booking_hold(
        mentee=mentee,
        mentor_id=mentors[3].user.public_id,
        start=TUESDAY_9 + timedelta(hours=1),
        minutes=30,
    )

    second = panel_hold(mentee, mentors[1:3])

    assert {part.status for part in parts_of(first)} == {BookingStatus.EXPIRED}
    assert Booking.objects.get(pk=single.pk).status == BookingStatus.EXPIRED
    assert {part.status for part in parts_of(second)} == {BookingStatus.HELD}


def test_releasing_one_mentor_s_hold_releases_the_whole_panel(frozen, mentee):
    panel = panel_hold(mentee, panelists(3))

    services.booking_cancel(user=mentee, booking_id=parts_of(panel)[1].public_id)

    assert {part.status for part in parts_of(panel)} == {BookingStatus.CANCELLED}
    error = refused(
        "not_held", services.panel_checkout, mentee=mentee, panel_id=panel.public_id, objective="x"
    )
    assert "released" in error.message


def test_a_lapsed_panel_hold_checks_out_while_every_mentor_is_still_free(frozen, mentee):
    panel = panel_hold(mentee, panelists(3))
    frozen.move(minutes=30)
    services.bookings_expire_lapsed()

    services.panel_checkout(mentee=mentee, panel_id=panel.public_id, objective="Views")

    assert {part.status for part in parts_of(panel)} == {BookingStatus.CONFIRMED}


def test_a_lapsed_panel_hold_one_of_whose_mentors_was_taken_confirms_nobody(frozen, mentee):
    nia, omar, pia = panelists(3)
    panel = panel_hold(mentee, [nia, omar, pia])
    frozen.move(minutes=30)
    book(omar, UserFactory())
    before = state()

    error = refused(
        "hold_expired",
        services.panel_checkout,
        mentee=mentee,
        panel_id=panel.public_id,
        objective="Views",
    )

    assert "Omar Ortiz is no longer free" in error.message
    assert state() == before


def test_a_panel_is_checked_out_and_moved_only_whole(frozen, mentee):
    mentors = panelists(2)
    panel = panel_hold(mentee, mentors)
    part = parts_of(panel)[0]
    assert booking_actions(booking=part, user=mentee, now=NOW) == frozenset()

    for checkout in (services.booking_checkout, booking_services.booking_checkout_start):
        refused("part_of_panel", checkout, mentee=mentee, booking_id=part.public_id, objective="x")
    services.panel_checkout(mentee=mentee, panel_id=panel.public_id, objective="Views")
    part.refresh_from_db()
    assert booking_actions(booking=part, user=mentee, now=NOW) == {"cancel"}
    error = refused(
        "not_movable",
        services.booking_reschedule,
        user=mentee,
        booking_id=part.public_id,
        start=TUESDAY_9 + timedelta(hours=1),
    )
    assert "part of a panel" in error.message
    refused(
        "not_held", services.panel_checkout, mentee=mentee, panel_id=panel.public_id, objective="x"
    )


def test_the_mentee_cancels_the_whole_panel_with_one_late_cancellation(frozen, mentee, committed):
    panel = panel_book(mentee, panelists(3))
    frozen.set(TUESDAY_9 - timedelta(hours=3))

    with committed():
        services.panel_cancel(user=mentee, panel_id=panel.public_id, reason="Sick")

    parts = parts_of(panel)
    assert {(part.status, part.ended_by_id, part.end_reason) for part in parts} == {
        (BookingStatus.CANCELLED, mentee.pk, "Sick")
    }
    assert ReliabilityEvent.objects.filter(person=mentee).count() == 1
    for part in parts:
        assert (
            Notification.objects.filter(
                recipient=part.mentor.user, kind="booking.cancelled"
            ).count()
            == 1
        )
    refused("not_changeable", services.panel_cancel, user=mentee, panel_id=panel.public_id)


def test_the_mentee_can_release_a_held_panel_by_cancelling_it(frozen, mentee):
    panel = panel_hold(mentee, panelists(2))

    services.panel_cancel(user=mentee, panel_id=panel.public_id)

    assert {part.status for part in parts_of(panel)} == {BookingStatus.CANCELLED}


def test_a_mentor_leaves_a_panel_and_the_rest_goes_ahead(frozen, mentee, committed):
    nia, omar, pia = panelists(3)
    panel = panel_book(mentee, [nia, omar, pia])
    before = state()

    refused("forbidden", services.panel_cancel, user=omar.user, panel_id=panel.public_id)
    refused("not_found", services.panel_cancel, user=UserFactory(), panel_id=panel.public_id)
    assert state() == before
    with committed():
        services.booking_cancel(user=omar.user, booking_id=parts_of(panel)[1].public_id)

    assert [part.status for part in parts_of(panel)] == [
        BookingStatus.CONFIRMED,
        BookingStatus.CANCELLED,
        BookingStatus.CONFIRMED,
    ]
    told = Notification.objects.get(recipient=mentee, kind="booking.cancelled")
    assert "The panel goes ahead with Nia Negotiator and Pia Planner." in told.body


def test_panel_create_holds_and_checks_out_in_one_call(frozen, mentee):
    mentors = panelists(2)

    panel = services.panel_create(
        mentee=mentee, mentor_ids=ids(mentors), start=TUESDAY_9, minutes=60, objective="Views"
    )

    assert {(part.status, part.minutes) for part in parts_of(panel)} == {
        (BookingStatus.CONFIRMED, 60)
    }


def test_panel_create_refused_leaves_no_hold(frozen, mentee):
    mentors = panelists(2)
    before = state()

    refused(
        "required",
        services.panel_create,
        mentee=mentee,
        mentor_ids=ids(mentors),
        start=TUESDAY_9,
        minutes=30,
        objective=" ",
    )
    assert state() == before
    with pytest.raises(DomainError):
        services.panel_create(
            mentee=mentee,
            mentor_ids=ids(mentors),
            start=TUESDAY_9,
            minutes=30,
            objective="x" * 1001,
        )
    assert state() == before


def test_a_panel_is_seen_by_its_mentee_and_mentors_only(frozen, mentee, django_assert_num_queries):
    nia, omar, pia = panelists(3)
    first = panel_book(mentee, [nia, omar])
    second = panel_book(mentee, [omar, pia], start=TUESDAY_9 + timedelta(hours=1))

    for person in (mentee, nia.user, omar.user):
        assert panel_get_for_participant(panel_id=first.public_id, user=person) == first
    for person, panel_id in (
        (pia.user, first.public_id),
        (UserFactory(), first.public_id),
        (mentee, 7),
    ):
        with pytest.raises(DomainError) as caught:
            panel_get_for_participant(panel_id=panel_id, user=person)
        assert caught.value.code == "not_found"

    with django_assert_num_queries(2):
        mine = [
            (panel, [part.mentor.user.display_name for part in panel.bookings.all()])
            for panel in panels_for_person(user=mentee)
        ]
    assert mine == [
        (second, ["Omar Ortiz", "Pia Planner"]),
        (first, ["Nia Negotiator", "Omar Ortiz"]),
    ]
    assert list(panels_for_person(user=omar.user)) == [second, first]
    assert list(panels_for_person(user=pia.user)) == [second]
