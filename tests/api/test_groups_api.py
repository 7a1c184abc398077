"""The group sessions API: the public listing and detail with seats left, a mentor offering
and cancelling, holding a seat then paying it through the bookings API, taking one in one
call, bad input, access."""

from datetime import UTC, datetime, timedelta

import pytest

from headstrt.payments.models import Payment, PaymentStatus, TestProviderOperation
from headstrt.scheduling.models import Booking, BookingStatus, GroupSession, GroupSessionStatus
from headstrt.scheduling.services import groups as group_services
from tests.api.conftest import BASE, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, TopicFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday
WEDNESDAY_9 = "2030-03-06T09:00:00Z"
OBJECTIVE = "Leave with a number to ask for."

moment = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    return MentorProfileFactory(user__display_name="Gia Group", user__time_zone="Europe/Paris")


@pytest.fixture
def mentor_api(client, mentor):
    return client_for(client, mentor.user)


def group_request(**extra) -> dict:
    return {
        "title": "Negotiating your first raise",
        "description": "Bring your numbers.",
        "start": WEDNESDAY_9,
        "minutes": 60,
        "capacity": 3,
        "price_minor": 1500,
        **extra,
    }


def offer(mentor_api, **extra) -> dict:
    response = mentor_api.post("/groups", group_request(**extra))
    assert response.status_code == 201, response.content
    return response.json()


def seat_for(group_id: str, mentee=None) -> Booking:
    """A confirmed seat of someone else's, through the services."""
    return group_services.group_seat_create(
        mentee=mentee or UserFactory(), group_id=group_id, objective=OBJECTIVE, source=GOOD_CARD
    )


def state() -> list[tuple]:
    """Everything a refused call must leave as it was."""
    groups = GroupSession.objects.order_by("pk").values_list("public_id", "status", "capacity")
    seats = Booking.objects.order_by("pk").values_list("public_id", "status")
    return [*groups, *seats, *Payment.objects.values_list("status", "refunded_minor")]


# --- offering --------------------------------------------------------------------------------


def test_a_mentor_offers_a_group_session(mentor_api, mentor):
    career = TopicFactory(name="Career", slug="career-g")

    body = offer(mentor_api, topic=career.slug, start="2030-03-06T10:00:00+01:00")

    assert body["mentor"] == {
        "id": mentor.user.public_id,
        "display_name": "Gia Group",
        "time_zone": "Europe/Paris",
    }
    assert (body["start"], body["end"], body["minutes"]) == (
        WEDNESDAY_9,
        "2030-03-06T10:00:00Z",
        60,
    )
    assert (body["capacity"], body["seats_taken"], body["seats_left"]) == (3, 0, 3)
    assert body["price"] == {"minor": 1500, "currency": "EUR", "display": "€15.00"}
    assert body["topic"] == {"slug": "career-g", "name": "Career", "path": "Career"}
    assert (body["status"], body["cancelled_at"], body["your_seat"]) == ("open", None, None)
    assert body["seats"] == []
    assert body["group_url"] == f"http://testserver/groups/{body['id']}/"


def test_offering_once_per_key(mentor_api):
    headers = {**mentor_api.headers, "Idempotency-Key": "offer-1"}

    def send():
        return mentor_api.client.post(
            BASE + "/groups", group_request(), content_type="application/json", headers=headers
        )

    first, retry = send(), send()

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json() and GroupSession.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"capacity": True}, 422, "invalid"),
        ({"capacity": 1}, 400, "invalid_capacity"),
        ({"capacity": 21}, 400, "invalid_capacity"),
        ({"minutes": 90}, 400, "invalid_minutes"),
        ({"minutes": 60.5}, 422, "invalid"),
        ({"minutes": 10**20}, 422, "invalid"),
        ({"capacity": 10**20}, 400, "invalid_capacity"),
        ({"price_minor": False}, 422, "invalid"),
        ({"price_minor": -1}, 400, None),
        ({"price_minor": 10**15}, 400, None),
        ({"title": ""}, 400, "required"),
        ({"title": "x" * 100_000}, 400, "too_long"),
        ({"description": "x" * 2001}, 400, "too_long"),
        ({"start": "2030-03-06T09:00:00"}, 400, "invalid_start"),
        ({"start": "wednesday"}, 422, "invalid"),
        ({"start": "2030-03-04T07:00:00Z"}, 400, "in_past"),
        ({"start": "2030-03-04T08:30:00Z"}, 400, "too_soon"),
        ({"start": "2031-03-04T08:30:00Z"}, 400, "beyond_horizon"),
        ({"topic": "nosuchtopic"}, 400, "unknown_topic"),
        ({"seats": 4}, 422, "invalid"),
    ],
)
def test_bad_offers_are_refused_and_nothing_is_saved(mentor_api, change, status, code):
    assert_error(mentor_api.post("/groups", group_request(**change)), status, code)

    assert not GroupSession.objects.exists()


def test_only_a_free_mentor_offers(api, mentor_api):
    assert_error(api.post("/groups", group_request()), 409, "no_mentor_profile")
    offer(mentor_api)

    error = assert_error(mentor_api.post("/groups", group_request()), 409, "mentor_busy")

    assert error["field"] == "start" and GroupSession.objects.count() == 1


# --- reading ---------------------------------------------------------------------------------


def test_anyone_lists_and_reads_open_groups_with_the_seats_left(anonymous, mentor_api):
    group = offer(mentor_api)
    later = offer(mentor_api, start="2030-03-06T12:00:00Z", title="Later")
    seat_for(group["id"])

    listed = anonymous.get("/groups").json()

    assert [item["id"] for item in listed["items"]] == [group["id"], later["id"]]
    assert listed["items"][0]["seats_left"] == 2 and listed["total"] == 2
    detail = anonymous.get(f"/groups/{group['id']}").json()
    assert (detail["seats_taken"], detail["your_seat"], detail["seats"]) == (1, None, None)


def test_the_listing_narrows_to_a_topic(anonymous, mentor_api):
    career = TopicFactory(name="Career", slug="career-g")
    salary = TopicFactory(name="Salary", slug="salary-g", parent=career)
    about = offer(mentor_api, topic=salary.slug)
    offer(mentor_api, start="2030-03-06T12:00:00Z")

    def listed(topic):
        return [item["id"] for item in anonymous.get("/groups", {"topic": topic}).json()["items"]]

    assert listed("career-g") == listed("salary-g") == [about["id"]]
    assert listed("nosuchtopic") == []
    assert_error(anonymous.get("/groups", {"size": 500}), 400, "invalid_page_size")


def test_a_cancelled_group_is_seen_only_by_its_people(client, anonymous, mentor_api):
    group = offer(mentor_api)
    mentee = UserFactory()
    seat_for(group["id"], mentee)
    mentor_api.post(f"/groups/{group['id']}/cancel")

    assert_error(anonymous.get(f"/groups/{group['id']}"), 404, "not_found")
    assert_error(client_for(client, UserFactory()).get(f"/groups/{group['id']}"), 404)
    assert client_for(client, mentee).get(f"/groups/{group['id']}").json()["status"] == "cancelled"
    assert anonymous.get("/groups").json()["total"] == 0
    assert_error(anonymous.get("/groups/nosuchgroup"), 404, "not_found")


@pytest.mark.parametrize("count", [1, 5])
def test_the_listing_costs_a_fixed_number_of_queries(
    anonymous, mentor, count, django_assert_num_queries
):
    start = datetime.fromisoformat(WEDNESDAY_9)
    for index in range(count):
        group = group_services.group_session_offer(
            mentor=mentor.user,
            title=f"Group {index}",
            start=start + timedelta(hours=2 * index),
            minutes=60,
            capacity=3,
            price_minor=0,
            topic_slug=TopicFactory().slug,
        )
        seat_for(group.public_id)

    # count; the page with mentors, topics and seats taken
    with django_assert_num_queries(2):
        body = anonymous.get("/groups", {"size": 50}).json()

    assert body["total"] == count and {item["seats_left"] for item in body["items"]} == {2}


# --- seats -------------------------------------------------------------------------------------


def test_hold_a_seat_then_pay_it_through_the_bookings_api(api, person, mentor_api):
    group = offer(mentor_api)

    response = api.post(f"/groups/{group['id']}/seats")

    assert response.status_code == 201, response.content
    held = response.json()
    assert (held["status"], held["your_role"], held["start"]) == ("held", "mentee", WEDNESDAY_9)
    assert held["price"]["minor"] == 1500
    assert api.get(f"/groups/{group['id']}").json()["your_seat"] == held["id"]

    paid = api.post(f"/bookings/{held['id']}/pay", {"objective": OBJECTIVE, "source": GOOD_CARD})

    assert paid.status_code == 200 and paid.json()["status"] == "confirmed"
    detail = mentor_api.get(f"/groups/{group['id']}").json()
    assert detail["seats_left"] == 2
    assert detail["seats"] == [
        {
            "session": held["id"],
            "mentee": {
                "id": person.public_id,
                "display_name": person.display_name,
                "time_zone": person.time_zone,
            },
            "status": "confirmed",
        }
    ]


def test_a_seat_in_one_call_once_per_key(api, mentor_api):
    group = offer(mentor_api)
    headers = {**api.headers, "Idempotency-Key": "seat-1"}

    def send():
        return api.client.post(
            f"{BASE}/groups/{group['id']}/seats",
            {"objective": OBJECTIVE, "source": GOOD_CARD},
            content_type="application/json",
            headers=headers,
        )

    first, retry = send(), send()

    assert first.status_code == retry.status_code == 201, first.content
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == "confirmed"
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1


def test_seats_never_oversell_and_refusals_change_nothing(api, client, mentor_api):
    group = offer(mentor_api, capacity=2)
    seat_for(group["id"]), seat_for(group["id"])
    before = state()

    assert_error(api.post(f"/groups/{group['id']}/seats"), 409, "group_full")
    assert_error(
        api.post(f"/groups/{group['id']}/seats", {"objective": OBJECTIVE, "source": GOOD_CARD}),
        409,
        "group_full",
    )
    assert_error(mentor_api.post(f"/groups/{group['id']}/seats"), 400, "own_group")
    assert state() == before


def test_one_seat_each(api, mentor_api):
    group = offer(mentor_api)
    seat = api.post(f"/groups/{group['id']}/seats", {"objective": OBJECTIVE, "source": GOOD_CARD})
    assert seat.status_code == 201
    before = state()

    assert_error(api.post(f"/groups/{group['id']}/seats"), 409, "already_seated")
    assert state() == before


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"objective": OBJECTIVE, "colour": "blue"}, 422, "invalid"),
        ({"objective": 5}, 422, "invalid"),
        ({"objective": ""}, 400, "required"),
        ({"objective": "x" * 1001}, 400, "too_long"),
        ({"source": GOOD_CARD}, 400, "required"),
        ({"objective": OBJECTIVE}, 400, "required"),  # a paid seat needs a card
        ({"objective": OBJECTIVE, "source": "4000 0000 0000 0002"}, 402, "card_declined"),
    ],
)
def test_bad_seats_are_refused_and_nothing_is_kept(api, mentor_api, body, status, code):
    group = offer(mentor_api)

    assert_error(api.post(f"/groups/{group['id']}/seats", body), status, code)

    assert not Booking.objects.filter(status__in=["held", "confirmed"]).exists()
    assert api.get(f"/groups/{group['id']}").json()["seats_left"] == 3


# --- cancelling --------------------------------------------------------------------------------


def test_the_mentor_cancels_and_every_seat_is_refunded(mentor_api, api):
    group = offer(mentor_api)
    paid = api.post(f"/groups/{group['id']}/seats", {"objective": OBJECTIVE, "source": GOOD_CARD})

    response = mentor_api.post(f"/groups/{group['id']}/cancel", {"reason": "Ill"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "cancelled" and response.json()["cancelled_at"]
    seat = Booking.objects.get(public_id=paid.json()["id"])
    assert seat.status == BookingStatus.CANCELLED
    assert Payment.objects.get().refunded_minor == 1500
    assert_error(mentor_api.post(f"/groups/{group['id']}/cancel"), 409, "group_cancelled")
    assert_error(api.post(f"/groups/{group['id']}/seats"), 409, "group_cancelled")


def test_nobody_else_cancels_and_visitors_must_sign_in(client, anonymous, api, mentor_api):
    group = offer(mentor_api)
    seat_for(group["id"])
    before = state()

    assert_error(api.post(f"/groups/{group['id']}/cancel"), 404, "not_found")
    assert_error(anonymous.post(f"/groups/{group['id']}/cancel"), 401, "unauthenticated")
    assert_error(anonymous.post(f"/groups/{group['id']}/seats"), 401, "unauthenticated")
    assert_error(anonymous.post("/groups", group_request()), 401, "unauthenticated")
    assert_error(api.post("/groups/nosuchgroup/seats"), 404, "not_found")
    assert state() == before
    assert GroupSession.objects.get().status == GroupSessionStatus.OPEN
