"""The panels API: common slots across time zones and the nearest options, holding, paying
with one card (once per key), booking in one call, reading, cancelling, bad input, access."""

from datetime import UTC, datetime, time

import pytest

from headstrt.payments.models import Payment, PaymentStatus, TestProviderOperation
from headstrt.payments.providers.test import CARD_DECLINED
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, Panel
from tests.api.conftest import BASE, assert_error, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.scheduling.sessions import GOOD_CARD

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday: Paris UTC+1, London UTC
TUESDAY_8 = "2030-03-05T08:00:00Z"  # 09:00 in Paris, 08:00 in London, 17:00 in Tokyo
OBJECTIVE = "Hear two views on asking for a raise."

moment = frozen_at(NOW)


def mentor_in(zone: str, name: str, weekday: int, start: int, end: int, offers=None):
    profile = MentorProfileFactory(
        offers=offers or {30: 4000, 60: 7000}, user__time_zone=zone, user__display_name=name
    )
    services.availability_set(user=profile.user, rules=[(weekday, time(start), time(end))])
    return profile


@pytest.fixture
def nia(db):
    return mentor_in("Europe/Paris", "Nia Negotiator", 1, 9, 12)


@pytest.fixture
def lee(db):
    return mentor_in("Europe/London", "Lee Leader", 1, 8, 10, offers={30: 3000, 60: 5000})


@pytest.fixture
def wes(db):
    """Free on Wednesdays only: never with Nia and Lee."""
    return mentor_in("Europe/Paris", "Wes Wednesday", 2, 9, 12)


@pytest.fixture
def person(db):
    return UserFactory(display_name="Mia Mentee", time_zone="Asia/Tokyo")


def ids(*mentors) -> list[str]:
    return [mentor.user.public_id for mentor in mentors]


def panel_request(*mentors, **extra) -> dict:
    return {"mentors": ids(*mentors), "start": TUESDAY_8, "minutes": 30, **extra}


def hold(api, *mentors, **extra) -> dict:
    response = api.post("/panels", panel_request(*mentors, **extra))
    assert response.status_code == 201, response.content
    return response.json()


def pay(api, panel_id: str, card=GOOD_CARD, **headers):
    return api.client.post(
        f"{BASE}/panels/{panel_id}/pay",
        {"objective": OBJECTIVE, "source": card},
        content_type="application/json",
        headers={**api.headers, **headers},
    )


def state() -> list[tuple]:
    """Everything a refused call must leave as it was."""
    bookings = Booking.objects.order_by("pk").values_list("public_id", "status", "panel_id")
    payments = Payment.objects.order_by("pk").values_list("status", "amount_minor")
    return [*bookings, *payments, Panel.objects.count()]


# --- common slots ------------------------------------------------------------------------------


def test_common_slots_in_utc_on_your_clock_and_on_each_mentors(api, nia, lee):
    response = api.get("/panels/slots", {"mentors": ",".join(ids(nia, lee)), "minutes": 30})

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["time_zone"] == "Asia/Tokyo" and body["minutes"] == 30
    assert [m["display_name"] for m in body["mentors"]] == ["Nia Negotiator", "Lee Leader"]
    assert [slot["start"] for slot in body["slots"]] == [
        "2030-03-05T08:00:00Z",
        "2030-03-05T08:30:00Z",
        "2030-03-05T09:00:00Z",
        "2030-03-05T09:30:00Z",
    ]
    first = body["slots"][0]
    assert first["local_start"] == "2030-03-05T17:00:00+09:00"
    assert [(m["time_zone"], m["local_start"]) for m in first["mentors"]] == [
        ("Europe/Paris", "2030-03-05T09:00:00+01:00"),
        ("Europe/London", "2030-03-05T08:00:00Z"),
    ]
    assert body["options"] is None


def test_no_common_slot_answers_the_nearest_options(api, nia, lee, wes):
    response = api.get(
        "/panels/slots", {"mentors": ",".join(ids(nia, lee, wes)), "minutes": 30, "tz": "UTC"}
    )

    body = response.json()
    assert body["slots"] == [] and body["time_zone"] == "UTC"
    options = body["options"]
    assert options["earliest"] is None
    assert [option["without"]["display_name"] for option in options["without"]] == ["Wes Wednesday"]
    assert options["without"][0]["slot"]["start"] == "2030-03-05T08:00:00Z"
    assert [m["mentor"] for m in options["without"][0]["slot"]["mentors"]] == ids(nia, lee)
    assert "Without Wes Wednesday: Tuesday 5 March 2030, 08:00 (UTC)" in options["message"]


def test_a_later_window_finds_the_next_week(api, nia, lee):
    response = api.get(
        "/panels/slots",
        {
            "mentors": ",".join(ids(nia, lee)),
            "minutes": 60,
            "start": "2030-03-06T00:00:00Z",
            "end": "2030-03-13T00:00:00+00:00",
        },
    )

    body = response.json()
    assert [slot["start"] for slot in body["slots"]] == [
        "2030-03-12T08:00:00Z",
        "2030-03-12T09:00:00Z",
    ]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"mentors": "one"}, 400, "too_few_mentors"),
        ({"mentors": "a,b,c,d,e"}, 400, "too_many_mentors"),
        ({"minutes": "thirty"}, 422, "invalid"),
        ({"minutes": ""}, 422, "invalid"),
        ({"minutes": 10**20}, 422, "invalid"),
        ({"start": "2030-03-05T08:00:00"}, 400, "invalid_start"),
        ({"start": "tuesday"}, 400, "invalid_start"),
        ({"end": "2030-03-01T00:00:00Z"}, 400, "invalid_end"),
        ({"start": "2030-03-04T10:00:00Z", "end": "2030-03-04T09:00:00Z"}, 400, "invalid_range"),
        ({"start": "9999-12-28T00:00:00Z"}, 400, "invalid_start"),
        ({"start": "0001-01-02T00:00:00Z"}, 400, "invalid_start"),
        ({"start": "0001-01-01T00:00:00+05:00"}, 400, "invalid_start"),
        ({"end": "2030-06-01T00:00:00Z"}, 400, "invalid_range"),
        ({"tz": "Mars/Olympus"}, 400, "unknown_time_zone"),
        ({"start": "x" * 5000}, 422, "invalid"),
    ],
)
def test_bad_slot_queries_are_4xx(api, nia, lee, params, status, code):
    query = {"mentors": ",".join(ids(nia, lee)), "minutes": 30, **params}

    assert_error(api.get("/panels/slots", query), status, code)


def test_slots_of_an_unknown_mentor_are_a_404(api, nia):
    query = {"mentors": f"{nia.user.public_id},nosuchmentor", "minutes": 30}

    assert_error(api.get("/panels/slots", query), 404, "not_found")


# --- holding, paying, booking in one call -------------------------------------------------------


def test_hold_then_pay_once_per_key(api, person, nia, lee):
    situation = SituationFactory(mentee=person)
    held = hold(api, nia, lee, situation=situation.public_id)

    assert held["your_role"] == "mentee" and held["situation"] == situation.public_id
    assert (held["start"], held["end"], held["minutes"]) == (TUESDAY_8, "2030-03-05T08:30:00Z", 30)
    assert held["total"] == {"minor": 7000, "currency": "EUR", "display": "€70.00"}
    assert [(p["mentor"]["id"], p["status"], p["price"]["minor"]) for p in held["parts"]] == [
        (nia.user.public_id, "held", 4000),
        (lee.user.public_id, "held", 3000),
    ]
    assert all(part["actions"] == [] for part in held["parts"])  # checked out as one
    assert held["panel_url"] == f"http://testserver/panels/{held['id']}/"

    first = pay(api, held["id"], **{"Idempotency-Key": "panel-pay-1"})
    retry = pay(api, held["id"], **{"Idempotency-Key": "panel-pay-1"})

    assert first.status_code == retry.status_code == 200, first.content
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert {part["status"] for part in first.json()["parts"]} == {"confirmed"}
    payment = Payment.objects.get()
    assert (payment.amount_minor, payment.status) == (7000, PaymentStatus.SUCCEEDED)
    assert TestProviderOperation.objects.filter(kind="charge").count() == 1
    assert_error(pay(api, held["id"]), 409)


def test_a_declined_card_confirms_nobody(api, nia, lee):
    held = hold(api, nia, lee)

    assert_error(pay(api, held["id"], card=CARD_DECLINED), 402, "card_declined")

    statuses = set(Booking.objects.values_list("status", flat=True))
    assert BookingStatus.CONFIRMED not in statuses
    assert pay(api, held["id"]).status_code == 200


def test_booking_in_one_call_confirms_every_mentor(api, nia, lee):
    response = api.client.post(
        f"{BASE}/panels",
        panel_request(nia, lee, objective=OBJECTIVE, source=GOOD_CARD),
        content_type="application/json",
        headers={**api.headers, "Idempotency-Key": "one-call"},
    )

    assert response.status_code == 201, response.content
    assert {part["status"] for part in response.json()["parts"]} == {"confirmed"}
    assert Payment.objects.get().amount_minor == 7000


def test_a_taken_mentor_is_named_and_nobody_is_held(api, client, nia, lee):
    services.booking_hold(
        mentee=UserFactory(),
        mentor_id=lee.user.public_id,
        start=datetime.fromisoformat(TUESDAY_8),
        minutes=30,
    )
    before = state()

    error = assert_error(api.post("/panels", panel_request(nia, lee)), 409, "slot_taken")

    assert "Lee Leader" in error["message"] and state() == before


def test_no_common_slot_is_a_409_naming_the_nearest_options(api, nia, wes):
    error = assert_error(api.post("/panels", panel_request(nia, wes)), 409, "no_common_slot")

    assert "Nearest options" in error["message"] and not Panel.objects.exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"minutes": True}, 422, "invalid"),
        ({"minutes": "30"}, 422, "invalid"),
        ({"minutes": 45}, 409, "no_common_slot"),
        ({"minutes": 10**20}, 422, "invalid"),
        ({"minutes": 0}, 422, "invalid"),
        ({"start": "2030-03-05T08:00:00"}, 400, "invalid_start"),
        ({"start": "next tuesday"}, 422, "invalid"),
        ({"start": "2030-03-04T07:00:00Z"}, 400, "in_past"),
        ({"mentors": "a,b"}, 422, "invalid"),
        ({"mentors": [1, 2]}, 422, "invalid"),
        ({"mentors": ["x" * 20] * 21}, 422, "invalid"),
        ({"situation": "nosuchsituation"}, 404, "not_found"),
        ({"colour": "blue"}, 422, "invalid"),
        ({"objective": "x" * 1001, "source": GOOD_CARD}, 400, "too_long"),
        ({"objective": "", "source": GOOD_CARD}, 400, "required"),
        ({"objective": OBJECTIVE, "agenda": "x" * 100_000}, 400, "too_long"),
        ({"source": GOOD_CARD}, 400, "required"),
        ({"objective": OBJECTIVE, "source": "y" * 201}, 422, "invalid"),
    ],
)
def test_bad_panels_are_refused_and_nothing_is_saved(api, nia, lee, change, status, code):
    assert_error(api.post("/panels", {**panel_request(nia, lee), **change}), status, code)

    assert not Panel.objects.exists() and not Booking.objects.exists()


@pytest.mark.parametrize(
    ("mentors", "status", "code"),
    [
        (lambda nia, lee, me: [nia], 422, "too_few_mentors"),
        (lambda nia, lee, me: [nia, lee, nia], 422, "same_mentor_twice"),
        (
            lambda nia, lee, me: [nia, lee] + [MentorProfileFactory() for _ in range(3)],
            422,
            "too_many_mentors",
        ),
    ],
)
def test_the_panels_own_rules_are_4xx(api, person, nia, lee, mentors, status, code):
    chosen = mentors(nia, lee, person)

    assert_error(api.post("/panels", panel_request(*chosen)), status, code)
    assert not Panel.objects.exists()


def test_unknown_mentors_and_oneself_are_refused(api, client, person, nia):
    assert_error(
        api.post("/panels", {**panel_request(nia), "mentors": [nia.user.public_id, "nobody"]}),
        404,
        "not_found",
    )
    me = MentorProfileFactory(user=person)
    assert_error(api.post("/panels", panel_request(nia, me)), 400, "own_profile")
    assert not Panel.objects.exists()


def test_pay_is_rate_limited(api, nia, lee, monkeypatch):
    monkeypatch.setattr("headstrt.api.payments.MONEY_RATE_PER_USER", "1/m")
    held = hold(api, nia, lee)
    assert_error(pay(api, held["id"], card=CARD_DECLINED), 402)

    assert_error(pay(api, held["id"]), 429, "rate_limited")
    assert not Booking.objects.filter(status=BookingStatus.CONFIRMED).exists()


# --- reading, cancelling, access -------------------------------------------------------------


@pytest.fixture
def booked(api, nia, lee) -> dict:
    held = hold(api, nia, lee)
    return pay(api, held["id"]).json()


def test_a_mentor_reads_the_panel_without_the_others_prices(client, booked, nia, lee):
    as_nia = client_for(client, nia.user).get(f"/panels/{booked['id']}").json()

    assert as_nia["your_role"] == "mentor" and as_nia["total"] is None
    own, other = as_nia["parts"]
    assert own["price"]["minor"] == 4000 and own["session"] is not None
    assert own["session_url"].endswith(f"/sessions/{own['session']}/")
    assert other["mentor"]["display_name"] == "Lee Leader" and other["status"] == "confirmed"
    assert (other["price"], other["session"], other["session_url"]) == (None, None, None)
    assert other["actions"] == []


def test_the_mentee_cancels_every_part(api, booked):
    response = api.post(f"/panels/{booked['id']}/cancel", {"reason": "Plans changed"})

    assert response.status_code == 200, response.content
    assert {part["status"] for part in response.json()["parts"]} == {"cancelled"}
    assert_error(api.post(f"/panels/{booked['id']}/cancel"), 409)


def test_a_mentor_cannot_cancel_the_whole_panel(client, booked, nia):
    before = state()

    assert_error(client_for(client, nia.user).post(f"/panels/{booked['id']}/cancel"), 403)
    assert state() == before


def test_strangers_and_visitors_get_nothing(client, anonymous, booked):
    stranger = client_for(client, UserFactory())
    before = state()

    assert_error(stranger.get(f"/panels/{booked['id']}"), 404, "not_found")
    assert_error(stranger.post(f"/panels/{booked['id']}/cancel"), 404, "not_found")
    assert_error(
        stranger.post(f"/panels/{booked['id']}/pay", {"objective": OBJECTIVE}), 404, "not_found"
    )
    assert stranger.get("/panels").json()["total"] == 0
    assert_error(anonymous.get("/panels"), 401, "unauthenticated")
    assert_error(anonymous.get("/panels/slots", {"mentors": "a,b", "minutes": 30}), 401)
    assert_error(anonymous.post(f"/panels/{booked['id']}/cancel"), 401)
    assert_error(api_unknown := stranger.get("/panels/nosuchpanel"), 404, "not_found")
    assert api_unknown.json()["code"] == "not_found"
    assert state() == before


@pytest.mark.parametrize("count", [1, 4])
def test_the_list_costs_a_fixed_number_of_queries(
    api, person, nia, lee, count, django_assert_num_queries
):
    for week in range(count):
        panel = hold(api, nia, lee, start=f"2030-03-{5 + 7 * week:02d}T08:00:00Z")
        Booking.objects.filter(panel_id=Panel.objects.get(public_id=panel["id"]).pk).update(
            status=BookingStatus.CONFIRMED
        )

    # the token; count; panels with mentee and situation; their bookings with mentors
    with django_assert_num_queries(4):
        response = api.get("/panels", {"size": 50})

    body = response.json()
    assert body["total"] == count and len(body["items"]) == count
    starts = [item["start"] for item in body["items"]]
    assert starts == sorted(starts, reverse=True)  # latest first
