"""Group session pages: the listing with seats left, a group's page and taking a seat through
the usual checkout, a mentor offering and cancelling one, and who may see and do what."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from headstrt.accounts.models import Area
from headstrt.payments.models import Payment
from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling.models import Booking, BookingStatus, GroupSession, GroupSessionStatus
from headstrt.scheduling.services import groups as group_services
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday; Paris is UTC+1, Tokyo UTC+9
WEDNESDAY_9 = datetime(2030, 3, 6, 9, 0, tzinfo=UTC)  # 10:00 in Paris, 18:00 in Tokyo

frozen = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    return MentorProfileFactory(
        user__display_name="Gia Group", user__time_zone="Europe/Paris", offers={30: 4000}
    )


def offer(mentor, *, start=WEDNESDAY_9, capacity=3, price_minor=1500, **extra) -> GroupSession:
    return group_services.group_session_offer(
        mentor=mentor.user,
        title=extra.pop("title", "Negotiating your first raise"),
        description=extra.pop("description", "Bring your numbers."),
        start=start,
        minutes=extra.pop("minutes", 60),
        capacity=capacity,
        price_minor=price_minor,
        **extra,
    )


def seat(group, mentee=None, *, status=BookingStatus.CONFIRMED) -> Booking:
    held = group_services.group_seat_hold(mentee=mentee or UserFactory(), group_id=group.public_id)
    held.status = status
    held.save(update_fields=["status"])
    return held


@pytest.fixture
def group(mentor):
    return offer(mentor)


@pytest.fixture
def mentee(client):
    user = UserFactory(display_name="Mia Mentee", time_zone="Asia/Tokyo")
    client.force_login(user)
    return user


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def url(name: str, group=None) -> str:
    return reverse(f"web:{name}", args=[group.public_id] if group is not None else [])


def state() -> list[tuple]:
    """Everything a refused action must leave as it was."""
    groups = GroupSession.objects.order_by("pk").values_list("public_id", "status", "capacity")
    seats = Booking.objects.order_by("pk").values_list("public_id", "status", "group_id")
    return [*groups, *seats, Payment.objects.count()]


# --- the listing -------------------------------------------------------------------------------


def test_visitors_see_upcoming_groups_with_the_seats_left(client, mentor, group):
    seat(group)
    full = offer(mentor, start=WEDNESDAY_9 + timedelta(hours=2), capacity=2, title="Full one")
    seat(full), seat(full)
    cancelled = offer(mentor, start=WEDNESDAY_9 + timedelta(days=1), title="Called off")
    group_services.group_session_cancel(mentor=mentor.user, group_id=cancelled.public_id)

    html = html_of(client.get(url("group_list")))

    assert "Negotiating your first raise" in html and "With Gia Group" in html
    assert "2 seats left" in html and "Full" in html
    assert "Called off" not in html
    # A visitor reads the time on the mentor's clock, and is told which.
    assert "Wed 6 Mar 2030, 10:00" in html and "(Europe/Paris)" in html


def test_signed_in_people_read_times_on_their_clock(client, mentee, group):
    html = html_of(client.get(url("group_list")))

    assert "Wed 6 Mar 2030, 18:00" in html and "Asia/Tokyo" in html


def test_the_listing_narrows_to_a_topic_and_its_category(client, mentor):
    career = TopicFactory(name="Career", slug="career-t", area=Area.PROFESSIONAL)
    salary = TopicFactory(name="Salary", slug="salary-t", parent=career)
    offer(mentor, title="About salaries", topic_slug=salary.slug)
    offer(mentor, title="About anything", start=WEDNESDAY_9 + timedelta(hours=2))

    assert "About anything" not in html_of(client.get(url("group_list") + "?topic=salary-t"))
    html = html_of(client.get(url("group_list") + "?topic=career-t"))
    assert "About salaries" in html and "About anything" not in html
    assert "No group sessions to come on this topic" in html_of(
        client.get(url("group_list") + "?topic=nosuchtopic")
    )


@pytest.mark.parametrize("count", [1, 4])
def test_the_listing_costs_a_fixed_number_of_queries(
    client, mentor, count, django_assert_num_queries
):
    for index in range(count):
        group = offer(mentor, start=WEDNESDAY_9 + timedelta(hours=2 * index))
        seat(group)

    # count; the page of groups with mentors, topics and seats taken; the topics of the filter
    with django_assert_num_queries(3):
        html = html_of(client.get(url("group_list")))

    assert html.count("2 seats left") == count


# --- a group’s page and taking a seat ---------------------------------------------------------


def test_taking_a_seat_goes_to_the_usual_checkout_and_pays_it(client, mentee, group):
    html = html_of(client.get(url("group_detail", group)))
    assert "3 of 3 left" in html and "Take a seat for €15.00" in html

    response = client.post(url("group_seat", group))

    held = Booking.objects.get(group=group)
    assert held.status == BookingStatus.HELD and held.mentee == mentee
    checkout = reverse("web:session_checkout", args=[held.public_id])
    assert response.status_code == 302 and response["Location"] == checkout
    response = client.post(
        checkout, {"objective": "Leave with a number to ask for", "source": CARD_SUCCEEDS}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == BookingStatus.CONFIRMED and held.price_minor == 1500
    html = html_of(client.get(url("group_detail", group)))
    assert "You have a seat" in html and "2 of 3 left" in html
    assert reverse("web:session_detail", args=[held.public_id]) in html


def test_a_held_seat_links_back_to_its_checkout(client, mentee, group):
    client.post(url("group_seat", group))
    held = Booking.objects.get(group=group)

    html = html_of(client.get(url("group_detail", group)))

    assert "A seat is held for you" in html
    assert reverse("web:session_checkout", args=[held.public_id]) in html


def test_a_full_group_takes_nobody_else(client, mentee, mentor):
    full = offer(mentor, capacity=2)
    seat(full), seat(full)
    before = state()

    assert "Every seat is taken" in html_of(client.get(url("group_detail", full)))
    response = client.post(url("group_seat", full))

    assert response.status_code == 302 and response["Location"] == url("group_detail", full)
    assert state() == before
    assert "All 2 seats of this group session are taken" in html_of(
        client.get(response["Location"])
    )


def test_visitors_are_asked_to_log_in_to_take_a_seat(group):
    visitor = Client()
    html = html_of(visitor.get(url("group_detail", group)))
    assert "Log in to take a seat" in html

    response = visitor.post(url("group_seat", group))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not Booking.objects.exists()


def test_taking_a_seat_needs_the_csrf_token(mentee, group):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentee)

    assert strict.post(url("group_seat", group)).status_code == 403
    assert not Booking.objects.exists()


def test_an_unknown_or_cancelled_group_is_a_404_for_others(client, mentee, mentor, group):
    assert client.get(reverse("web:group_detail", args=["nosuchgroup"])).status_code == 404
    assert client.post(reverse("web:group_seat", args=["nosuchgroup"])).status_code == 404
    group_services.group_session_cancel(mentor=mentor.user, group_id=group.public_id)

    assert client.get(url("group_detail", group)).status_code == 404
    client.force_login(mentor.user)
    assert "Cancelled" in html_of(client.get(url("group_detail", group)))


def test_the_mentor_sees_who_took_a_seat_and_cannot_take_one(client, mentor, group):
    taken = seat(group, UserFactory(display_name="Sol Seated"))
    client.force_login(mentor.user)

    html = html_of(client.get(url("group_detail", group)))

    assert "Who took a seat" in html and "Sol Seated" in html
    assert reverse("web:session_detail", args=[taken.public_id]) in html
    assert "Take a seat" not in html and url("my_group_cancel", group) in html
    before = state()
    client.post(url("group_seat", group))
    assert state() == before


# --- a mentor's own group sessions ------------------------------------------------------------


def offer_form(**changes) -> dict:
    return {
        "title": "Salary talks, together",
        "description": "For people asking for a raise this month.",
        "topic": "",
        "start": "2030-03-07T10:00",  # on the mentor's clock: 09:00 UTC
        "minutes": "45",
        "capacity": "6",
        "price": "12.50",
        **changes,
    }


def test_a_mentor_offers_a_group_session_on_their_own_clock(client, mentor):
    client.force_login(mentor.user)
    assert "Offer a group session" in html_of(client.get(url("my_groups")))

    response = client.post(url("my_groups"), offer_form())

    assert response.status_code == 302 and response["Location"] == url("my_groups")
    group = GroupSession.objects.get()
    assert group.start == datetime(2030, 3, 7, 9, 0, tzinfo=UTC)
    assert (group.minutes, group.capacity, group.price_minor, group.currency) == (
        45,
        6,
        1250,
        "EUR",
    )
    html = html_of(client.get(response["Location"]))
    assert "is offered" in html and "0 of 6 seats taken" in html
    assert url("my_group_cancel", group) in html


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"capacity": "30"}, "capacity", "2 to 20 seats"),
        ({"price": "a lot"}, "price", ""),
        ({"title": ""}, "title", ""),
        ({"start": "2030-03-04T08:30"}, "start", ""),  # sooner than the minimum notice
        ({"start": "soon"}, "start", "Enter a date and a time"),
        ({"minutes": "90"}, "minutes", ""),
        ({"price": "1e999"}, "price", ""),
        ({"price": "-5"}, "price", ""),
        ({"capacity": "99999999999999999999"}, "capacity", ""),
        ({"title": "x" * 5000}, "title", ""),
    ],
)
def test_a_refused_offer_stays_on_the_form_and_saves_nothing(client, mentor, changes, field, words):
    client.force_login(mentor.user)

    html = html_of(client.post(url("my_groups"), offer_form(**changes)))

    assert f'href="#id_{field}' in html and words in html
    assert not GroupSession.objects.exists()


def test_an_offer_when_the_mentor_is_busy_names_the_start(client, mentor, group):
    client.force_login(mentor.user)

    html = html_of(client.post(url("my_groups"), offer_form(start="2030-03-06T10:30")))

    assert 'href="#id_start' in html and GroupSession.objects.count() == 1


def test_people_without_a_mentor_profile_are_sent_to_open_one(client, mentee):
    html = html_of(client.get(url("my_groups")))
    assert reverse("web:mentor_profile") in html and "Offer a group session" not in html

    response = client.post(url("my_groups"), offer_form())
    assert response.status_code == 200 and not GroupSession.objects.exists()


def test_the_mentor_cancels_a_group_and_every_seat(client, mentor, group):
    taken = seat(group)
    client.force_login(mentor.user)
    assert "Cancel “Negotiating your first raise”?" in html_of(
        client.get(url("my_group_cancel", group))
    )

    response = client.post(url("my_group_cancel", group), {"reason": "Ill"})

    assert response.status_code == 302 and response["Location"] == url("my_groups")
    group.refresh_from_db()
    taken.refresh_from_db()
    assert group.status == GroupSessionStatus.CANCELLED
    assert taken.status == BookingStatus.CANCELLED
    assert "Cancel<" not in html_of(client.get(url("my_groups")))


def test_nobody_else_cancels_a_group(client, mentee, group):
    seat(group)
    before = state()

    assert client.get(url("my_group_cancel", group)).status_code == 404
    assert client.post(url("my_group_cancel", group), {"reason": "x"}).status_code == 404
    assert state() == before


def test_offering_and_cancelling_need_the_csrf_token(mentor, group):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentor.user)
    before = state()

    assert strict.post(url("my_groups"), offer_form()).status_code == 403
    assert strict.post(url("my_group_cancel", group), {"reason": ""}).status_code == 403
    assert state() == before


@pytest.mark.parametrize("count", [1, 4])
def test_my_groups_costs_a_fixed_number_of_queries(
    client, mentor, count, django_assert_num_queries
):
    for index in range(count):
        seat(offer(mentor, start=WEDNESDAY_9 + timedelta(hours=2 * index)))
    client.force_login(mentor.user)

    # session, user; mentor profile and its prefetches; topics; count; the page; notifications
    with django_assert_num_queries(10):
        html = html_of(client.get(url("my_groups")))

    assert len(re.findall(r"1 of 3 seats taken", html)) == count
