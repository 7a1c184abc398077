"""The bookings API: hold, checkout, booking and paying in one call, requests, reschedule,
cancel, close, lists, access."""

from datetime import UTC, datetime, time, timedelta

import pytest

from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    Payment,
    PaymentStatus,
    TestProviderOperation,
)
from headstrt.payments.providers.test import CARD_DECLINED
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, ReliabilityEvent
from tests.api.conftest import BASE, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # a Monday; 11:00 in Paris
TUESDAY_10 = "2030-03-05T09:00:00Z"  # 10:00 in Paris, where the mentor lives
TUESDAY_11 = "2030-03-05T10:00:00Z"
OBJECTIVE = "Leave with a script for asking for a raise."

moment = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    profile = MentorProfileFactory(user__display_name="Mia Mentor", offers={30: 4000, 60: 7000})
    weekdays = [(weekday, time(9), time(17)) for weekday in range(5)]
    services.availability_set(user=profile.user, rules=weekdays)
    return profile


@pytest.fixture
def free_mentor(db):
    """A mentor whose sessions cost nothing, so a hold is checked out without paying."""
    profile = MentorProfileFactory(offers={30: 0})
    services.availability_set(user=profile.user, rules=[(1, time(9), time(17))])
    return profile


@pytest.fixture
def mentor_api(client, mentor):
    return client_for(client, mentor.user)


@pytest.fixture
def stranger_api(client):
    return client_for(client, UserFactory())


def booking_request(mentor, start=TUESDAY_10, **extra) -> dict:
    return {
        "mentor": mentor.user.public_id,
        "start": start,
        "minutes": 30,
        "objective": OBJECTIVE,
        "agenda": "",
        "source": GOOD_CARD,
        **extra,
    }


def book(api, mentor, **extra) -> dict:
    response = api.post("/bookings", booking_request(mentor, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def snapshot() -> list[tuple]:
    """Everything a refused call must leave as it was."""
    return list(
        Booking.objects.order_by("pk").values_list(
            "public_id", "status", "start", "end", "sequence", "objective", "end_reason"
        )
    ) + list(ReliabilityEvent.objects.values_list("pk"))


def test_booking_in_one_call_confirms_an_instant_mentor_at_once(api, person, mentor, mentor_api):
    body = book(api, mentor, agenda="1. my numbers\n2. their budget")

    assert body["status"] == "confirmed" and body["your_role"] == "mentee"
    assert body["mentor"] == {
        "id": mentor.user.public_id,
        "display_name": "Mia Mentor",
        "time_zone": "Europe/Paris",
    }
    assert body["mentee"] == {
        "id": person.public_id,
        "display_name": "Ada Example",
        "time_zone": "Europe/Paris",
    }
    assert (body["start"], body["end"], body["minutes"]) == (TUESDAY_10, "2030-03-05T09:30:00Z", 30)
    assert body["price"] == {"minor": 4000, "currency": "EUR", "display": "€40.00"}
    assert body["objective"] == OBJECTIVE and body["agenda"] == "1. my numbers\n2. their budget"
    assert body["held_until"] is None and body["respond_by"] is None
    assert body["sequence"] == 0 and body["situation"] is None
    booking = Booking.objects.get(public_id=body["id"])
    assert body["video_url"] == f"https://meet.jit.si/{booking.room}"
    assert body["actions"] == ["cancel", "reschedule"]
    assert body["session_url"] == f"http://testserver/sessions/{body['id']}/"
    as_mentor = mentor_api.get(f"/bookings/{body['id']}").json()
    assert as_mentor == {**body, "your_role": "mentor"}
    slots = api.get(f"/mentors/{mentor.user.public_id}/slots", {"minutes": 30, "days": 2})
    assert TUESDAY_10 not in [slot["start"] for slot in slots.json()["slots"]]


def test_booking_in_one_call_pays_with_the_card_once_per_key(api, mentor):
    headers = {**api.headers, "Idempotency-Key": "book-and-pay-1"}

    def send():
        return api.client.post(
            BASE + "/bookings",
            booking_request(mentor),
            content_type="application/json",
            headers=headers,
        )

    first, retry = send(), send()

    assert first.status_code == retry.status_code == 201, first.content
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    booking = Booking.objects.get()
    assert first.json()["id"] == booking.public_id and booking.status == BookingStatus.CONFIRMED
    payment = Payment.objects.get()
    assert (payment.booking, payment.status, payment.amount_minor) == (
        booking,
        PaymentStatus.SUCCEEDED,
        4000,
    )
    escrow = LedgerAccount.objects.get(kind=AccountKind.ESCROW, booking_ref=booking.public_id)
    assert escrow.balance_minor == 4000
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize("source", [None, ""])
def test_a_paid_session_without_a_card_is_refused_and_holds_nothing(api, mentor, source):
    error = assert_error(api.post("/bookings", booking_request(mentor, source=source)), 400)

    assert (error["code"], error["field"]) == ("required", "source")
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    assert not Payment.objects.exists()
    assert book(api, mentor)["status"] == "confirmed"


def test_a_declined_card_books_nothing_and_frees_the_slot(api, client, mentor):
    response = api.post("/bookings", booking_request(mentor, source=CARD_DECLINED))

    assert assert_error(response, 402, "card_declined")["field"] == "source"
    assert not Booking.objects.filter(status=BookingStatus.HELD).exists()
    assert Payment.objects.get().status == PaymentStatus.DECLINED
    assert not LedgerAccount.objects.filter(kind=AccountKind.ESCROW, balance_minor__gt=0).exists()
    assert book(client_for(client, UserFactory()), mentor)["status"] == "confirmed"


def test_an_offset_start_is_the_same_instant_and_answers_in_utc(api, mentor):
    body = book(api, mentor, start="2030-03-05T10:00:00+01:00", minutes=60)

    assert (body["start"], body["end"]) == (TUESDAY_10, TUESDAY_11)
    assert body["price"]["minor"] == 7000


def test_a_hold_answers_what_reading_it_again_would(api, person, mentor):
    situation = SituationFactory(mentee=person)
    response = api.post(
        "/bookings/holds",
        {
            "mentor": mentor.user.public_id,
            "start": "2030-03-05T10:00:00+01:00",  # TUESDAY_10, given with an offset
            "minutes": 60,
            "situation": situation.public_id,
        },
    )

    assert response.status_code == 201, response.content
    held = response.json()
    assert held == api.get(f"/bookings/{held['id']}").json()
    assert held["start"] == "2030-03-05T09:00:00Z" and held["price"]["minor"] == 7000
    assert held["situation"] == situation.public_id


def test_hold_then_checkout(api, person, free_mentor, moment):
    situation = SituationFactory(mentee=person)
    response = api.post(
        "/bookings/holds",
        {
            "mentor": free_mentor.user.public_id,
            "start": TUESDAY_10,
            "minutes": 30,
            "situation": situation.public_id,
        },
    )

    assert response.status_code == 201, response.content
    held = response.json()
    assert held["status"] == "held" and held["held_until"] == "2030-03-04T10:10:00Z"
    assert held["actions"] == ["checkout"] and held["video_url"] is None
    assert held["situation"] == situation.public_id and held["objective"] == ""

    moment.set(NOW + timedelta(minutes=5))
    response = api.post(f"/bookings/{held['id']}/checkout", {"objective": OBJECTIVE})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == held["id"] and body["status"] == "confirmed"
    assert body["held_until"] is None and body["objective"] == OBJECTIVE
    assert body["video_url"].startswith("https://meet.jit.si/headstrt-")
    assert_error(
        api.post(f"/bookings/{held['id']}/checkout", {"objective": "Again"}), 409, "not_held"
    )


def test_a_lapsed_hold_taken_by_someone_else_cannot_be_checked_out(
    api, client, free_mentor, moment
):
    held = api.post(
        "/bookings/holds",
        {"mentor": free_mentor.user.public_id, "start": TUESDAY_10, "minutes": 30},
    ).json()
    moment.set(NOW + timedelta(minutes=11))
    book(client_for(client, UserFactory()), free_mentor)

    error = assert_error(
        api.post(f"/bookings/{held['id']}/checkout", {"objective": OBJECTIVE}), 409, "hold_expired"
    )

    assert "someone else" in error["message"]
    assert Booking.objects.get(public_id=held["id"]).objective == ""


def test_a_request_waits_for_the_mentor_who_accepts_it(api, mentor, mentor_api):
    assert mentor_api.put("/me/scheduling-policy", {"confirmation": "request"}).status_code == 200

    body = book(api, mentor)

    assert body["status"] == "requested" and body["video_url"] is None
    assert body["respond_by"] == "2030-03-05T09:00:00Z"  # 48 hours, capped at the start
    assert body["actions"] == ["cancel", "reschedule"]
    requests = mentor_api.get("/bookings", {"list": "requests"}).json()
    assert [item["id"] for item in requests["items"]] == [body["id"]]
    assert requests["items"][0]["actions"] == ["accept", "cancel", "decline", "reschedule"]
    assert api.get("/bookings", {"list": "requests"}).json()["total"] == 0
    assert_error(api.post(f"/bookings/{body['id']}/accept"), 403, "forbidden")

    accepted = mentor_api.post(f"/bookings/{body['id']}/accept")

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["status"] == "confirmed" and accepted.json()["your_role"] == "mentor"
    assert accepted.json()["video_url"] is not None
    assert_error(mentor_api.post(f"/bookings/{body['id']}/accept"), 409, "not_a_request")


def test_a_declined_request_frees_the_slot(api, client, mentor, mentor_api):
    mentor_api.put("/me/scheduling-policy", {"confirmation": "request"})
    body = book(api, mentor)

    response = mentor_api.post(f"/bookings/{body['id']}/decline", {"reason": "I am travelling."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "declined" and response.json()["actions"] == []
    assert Booking.objects.get(public_id=body["id"]).end_reason == "I am travelling."
    assert book(client_for(client, UserFactory()), mentor)["status"] == "requested"


def test_reschedule_moves_the_session_and_bumps_its_sequence(api, mentor, mentor_api, moment):
    body = book(api, mentor)

    response = mentor_api.post(f"/bookings/{body['id']}/reschedule", {"start": TUESDAY_11})

    assert response.status_code == 200, response.content
    moved = response.json()
    assert (moved["start"], moved["end"]) == (TUESDAY_11, "2030-03-05T10:30:00Z")
    assert moved["sequence"] == 1 and moved["status"] == "confirmed"
    assert_error(
        api.post(f"/bookings/{body['id']}/reschedule", {"start": TUESDAY_11}), 400, "same_time"
    )
    assert_error(
        api.post(f"/bookings/{body['id']}/reschedule", {"start": "2030-03-05T10:10:00Z"}),
        400,
        "not_a_slot",
    )
    moment.set(datetime(2030, 3, 5, 10, 5, tzinfo=UTC))
    before = snapshot()
    error = assert_error(
        api.post(f"/bookings/{body['id']}/reschedule", {"start": "2030-03-06T09:00:00Z"}),
        409,
        "already_started",
    )
    assert "already started" in error["message"]
    assert snapshot() == before


def test_cancel_within_a_day_counts_as_late(api, person, mentor, mentor_api):
    body = book(api, mentor)

    response = api.post(f"/bookings/{body['id']}/cancel", {"reason": "Something came up."})

    assert response.status_code == 200, response.content
    cancelled = response.json()
    assert cancelled["status"] == "cancelled" and cancelled["sequence"] == 1
    assert cancelled["video_url"] is None and cancelled["actions"] == []
    [lapse] = ReliabilityEvent.objects.all()
    assert (lapse.person, lapse.kind) == (person, "late_cancellation")
    assert_error(mentor_api.post(f"/bookings/{body['id']}/cancel"), 409, "not_changeable")


def test_a_held_slot_is_released_by_cancelling(api, mentor):
    held = api.post(
        "/bookings/holds", {"mentor": mentor.user.public_id, "start": TUESDAY_10, "minutes": 30}
    ).json()

    response = api.post(f"/bookings/{held['id']}/cancel")

    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert not ReliabilityEvent.objects.exists()


def test_complete_after_the_start(api, mentor, mentor_api, moment):
    body = book(api, mentor)
    assert_error(api.post(f"/bookings/{body['id']}/complete"), 409, "not_started")

    moment.set(datetime(2030, 3, 5, 9, 5, tzinfo=UTC))
    assert api.get(f"/bookings/{body['id']}").json()["actions"] == [
        "complete",
        "join",
        "report_no_show",
    ]
    response = mentor_api.post(f"/bookings/{body['id']}/complete")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "completed" and response.json()["video_url"] is not None
    assert api.get("/bookings", {"list": "past"}).json()["items"][0]["id"] == body["id"]
    moment.set(datetime(2030, 3, 9, tzinfo=UTC))
    assert_error(api.post(f"/bookings/{body['id']}/no-show"), 409, "not_confirmed")


def test_a_no_show_is_recorded_against_the_absent_side(api, person, mentor, mentor_api, moment):
    body = book(api, mentor)
    moment.set(datetime(2030, 3, 5, 9, 20, tzinfo=UTC))

    response = mentor_api.post(f"/bookings/{body['id']}/no-show")

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "no_show" and response.json()["video_url"] is None
    [lapse] = ReliabilityEvent.objects.all()
    assert (lapse.person, lapse.kind, lapse.party) == (person, "no_show", "mentee")


def test_closing_too_late_is_refused(api, mentor, moment):
    body = book(api, mentor)
    moment.set(datetime(2030, 3, 9, 10, tzinfo=UTC))

    assert_error(api.post(f"/bookings/{body['id']}/complete"), 409, "too_late")


def test_a_taken_slot_is_a_409_and_the_loser_gets_nothing(api, client, mentor):
    book(client_for(client, UserFactory()), mentor)
    before = snapshot()

    error = assert_error(api.post("/bookings", booking_request(mentor)), 409, "slot_taken")

    assert error["field"] == "start" and "no longer free" in error["message"]
    assert snapshot() == before


def test_a_mentee_cannot_be_in_two_sessions_at_once(api, mentor):
    other = MentorProfileFactory()
    services.availability_set(user=other.user, rules=[(1, time(9), time(12))])
    book(api, other)
    before = snapshot()

    assert_error(api.post("/bookings", booking_request(mentor)), 409, "mentee_busy")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"start": "2030-03-04T08:00:00Z"}, 400, "in_past"),
        ({"start": "2030-03-04T11:00:00Z"}, 400, "too_soon"),
        ({"start": "2030-05-06T09:00:00Z"}, 400, "beyond_horizon"),
        ({"start": "2030-03-05T09:10:00Z"}, 400, "not_a_slot"),
        ({"start": "2030-03-09T09:00:00Z"}, 400, "not_a_slot"),  # a Saturday
        ({"start": "2030-03-05T10:00:00"}, 400, "invalid_start"),
        ({"start": "next tuesday"}, 422, "invalid"),
        ({"minutes": 45}, 400, "length_not_offered"),
        ({"minutes": "thirty"}, 422, "invalid"),
        ({"objective": ""}, 400, "required"),
        ({"objective": "   "}, 400, "required"),
        ({"objective": "x" * 1001}, 400, "too_long"),
        ({"agenda": "x" * 4001}, 400, "too_long"),
        ({"mentor": "nosuchmentor"}, 404, "not_found"),
        ({"situation": "nosuchsituation"}, 404, "not_found"),
        ({"colour": "blue"}, 422, "invalid"),
    ],
)
def test_bad_bookings_are_refused_and_nothing_is_saved(api, mentor, change, status, code):
    response = api.post("/bookings", {**booking_request(mentor), **change})

    assert_error(response, status, code)
    assert not Booking.objects.exists()


def test_a_missing_objective_is_invalid(api, mentor):
    body = booking_request(mentor)
    del body["objective"]

    error = assert_error(api.post("/bookings", body), 422, "invalid")

    assert error["errors"][0]["field"] == "objective"
    assert not Booking.objects.exists()


def test_nobody_books_themselves_or_a_paused_mentor(api, client, mentor, mentor_api):
    assert_error(mentor_api.post("/bookings", booking_request(mentor)), 400, "own_profile")
    mentor.is_active = False
    mentor.save()

    assert_error(api.post("/bookings", booking_request(mentor)), 409, "mentor_paused")
    assert not Booking.objects.exists()


ACTIONS = [
    ("checkout", {"objective": OBJECTIVE}),
    ("accept", None),
    ("decline", {"reason": "No"}),
    ("reschedule", {"start": TUESDAY_11}),
    ("cancel", {"reason": "No"}),
    ("complete", None),
    ("no-show", None),
]


@pytest.mark.parametrize("status", ["held", "requested", "confirmed"])
def test_someone_else_gets_404_for_every_call_and_nothing_changes(
    api, mentor, mentor_api, stranger_api, moment, status
):
    if status == "requested":
        mentor_api.put("/me/scheduling-policy", {"confirmation": "request"})
    if status == "held":
        body = api.post(
            "/bookings/holds",
            {"mentor": mentor.user.public_id, "start": TUESDAY_10, "minutes": 30},
        ).json()
    else:
        body = book(api, mentor)
    assert body["status"] == status
    before = snapshot()

    assert_error(stranger_api.get(f"/bookings/{body['id']}"), 404, "not_found")
    for action, payload in ACTIONS:
        assert_error(stranger_api.post(f"/bookings/{body['id']}/{action}", payload), 404)
    moment.set(datetime(2030, 3, 5, 9, 10, tzinfo=UTC))  # started: complete, no-show
    for action in ("complete", "no-show"):
        assert_error(stranger_api.post(f"/bookings/{body['id']}/{action}"), 404, "not_found")

    assert snapshot() == before
    assert stranger_api.get("/bookings").json()["total"] == 0


def test_anonymous_callers_are_asked_to_sign_in(anonymous, api, mentor):
    body = book(api, mentor)
    before = snapshot()

    assert_error(anonymous.get("/bookings"), 401, "unauthenticated")
    assert_error(anonymous.get(f"/bookings/{body['id']}"), 401, "unauthenticated")
    assert_error(anonymous.post("/bookings", booking_request(mentor)), 401, "unauthenticated")
    assert_error(anonymous.post("/bookings/holds", booking_request(mentor)), 401)
    for action, payload in ACTIONS:
        assert_error(anonymous.post(f"/bookings/{body['id']}/{action}", payload), 401)
    assert snapshot() == before


def test_an_unknown_booking_is_a_404(api):
    assert_error(api.get("/bookings/nosuchbooking"), 404, "not_found")
    assert_error(api.post("/bookings/nosuchbooking/cancel"), 404, "not_found")


def test_lists_by_kind_and_role(api, client, person, mentor, mentor_api, moment):
    mine = book(api, mentor)
    # The person is a mentor too, booked by someone else.
    own_profile = MentorProfileFactory(user=person)
    services.availability_set(user=person, rules=[(2, time(9), time(12))])
    theirs = book(client_for(client, UserFactory()), own_profile, start="2030-03-06T08:00:00Z")

    def ids(**params):
        return [item["id"] for item in api.get("/bookings", params).json()["items"]]

    assert ids() == [mine["id"], theirs["id"]]
    assert ids(role="mentee") == [mine["id"]]
    assert ids(role="mentor") == [theirs["id"]]
    assert ids(list="past") == []
    moment.set(datetime(2030, 3, 7, tzinfo=UTC))
    assert ids(list="past") == [theirs["id"], mine["id"]]  # newest first
    assert ids(list="upcoming") == []
    assert_error(api.get("/bookings", {"list": "soon"}), 400, "invalid_list")
    assert_error(api.get("/bookings", {"role": "boss"}), 400, "invalid_role")
    assert_error(api.get("/bookings", {"size": 500}), 400, "invalid_page_size")


@pytest.mark.parametrize("count", [1, 12])
def test_the_list_costs_a_fixed_number_of_queries(
    api, person, mentor, django_assert_num_queries, count
):
    situation = SituationFactory(mentee=person)
    for index in range(count):
        start = datetime(2030, 3, 5, 8, tzinfo=UTC) + timedelta(
            days=index // 4 * 7, hours=index % 4 * 2
        )
        Booking.objects.create(
            mentor=mentor,
            mentee=person,
            situation=situation,
            start=start,
            end=start + timedelta(minutes=30),
            minutes=30,
            price_minor=4000,
            currency="EUR",
            objective=OBJECTIVE,
            status=BookingStatus.CONFIRMED,
        )

    # token and its last use; count; the page with people and situations
    with django_assert_num_queries(4):
        response = api.get("/bookings", {"size": 50})

    body = response.json()
    assert body["total"] == count and len(body["items"]) == count
    assert all(item["situation"] == situation.public_id for item in body["items"])
