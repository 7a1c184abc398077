"""Panel pages: common times of several mentors across time zones, the nearest options when
there are none, holding, one card for every mentor's part, the panel page, cancelling, my
panels, and who may see and do what."""

import re
from datetime import UTC, datetime, time

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse

from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.test import CARD_DECLINED, CARD_SUCCEEDS
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, Panel
from headstrt.scheduling.services import panels as panel_services
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 8, 0, tzinfo=UTC)  # a Monday: Paris UTC+1, London UTC, Tokyo UTC+9
TUESDAY_8 = datetime(2030, 3, 5, 8, 0, tzinfo=UTC)  # 17:00 in Tokyo, 09:00 Paris, 08:00 London
OBJECTIVE = "Hear two views on asking for a raise."

frozen = frozen_at(NOW)


def mentor_in(zone: str, name: str, rules, offers=None):
    profile = MentorProfileFactory(
        offers=offers or {30: 4000, 60: 7000},
        user__time_zone=zone,
        user__display_name=name,
    )
    services.availability_set(user=profile.user, rules=rules)
    return profile


@pytest.fixture
def nia(db):
    """Paris, Tuesdays 09:00–12:00 on her clock (08:00–11:00 UTC)."""
    return mentor_in("Europe/Paris", "Nia Negotiator", [(1, time(9), time(12))])


@pytest.fixture
def lee(db):
    """London, Tuesdays 08:00–10:00 on his clock (08:00–10:00 UTC)."""
    return mentor_in(
        "Europe/London", "Lee Leader", [(1, time(8), time(10))], offers={30: 3000, 60: 5000}
    )


@pytest.fixture
def wes(db):
    """Paris, Wednesdays only: never free with Nia and Lee."""
    return mentor_in("Europe/Paris", "Wes Wednesday", [(2, time(9), time(12))])


@pytest.fixture
def mentee(client):
    user = UserFactory(display_name="Mia Mentee", time_zone="Asia/Tokyo")
    client.force_login(user)
    return user


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def new_url(*mentors, **query) -> str:
    ids = ",".join(mentor.user.public_id for mentor in mentors)
    extra = "".join(f"&{key}={value}" for key, value in query.items())
    return f"{reverse('web:panel_new')}?mentors={ids}{extra}"


def url(name: str, panel) -> str:
    return reverse(f"web:{name}", args=[panel.public_id])


def slot_buttons(html: str) -> list[str]:
    """Each common slot button's text, tags stripped, spaces squeezed."""
    buttons = re.findall(
        r'<button class="slot" type="submit" name="start"[^>]*>(.*?)</button>', html
    )
    return [" ".join(re.sub(r"<[^>]+>", " ", button).split()) for button in buttons]


def hold(mentee, *mentors, start=TUESDAY_8, minutes=30) -> Panel:
    return panel_services.panel_hold(
        mentee=mentee,
        mentor_ids=[mentor.user.public_id for mentor in mentors],
        start=start,
        minutes=minutes,
    )


def state() -> list[tuple]:
    """Everything a refused action must leave as it was."""
    bookings = Booking.objects.order_by("pk").values_list("public_id", "status", "panel_id")
    payments = Payment.objects.order_by("pk").values_list("status", "amount_minor")
    return [*bookings, *payments, Panel.objects.count()]


# --- choosing a common time ------------------------------------------------------------------


def test_common_times_are_on_the_mentees_clock_with_each_mentors(client, mentee, nia, lee):
    html = html_of(client.get(new_url(nia, lee)))

    assert "Book a panel" in html and "<strong>Asia/Tokyo</strong>" in html
    assert "Tuesday 5 March" in html
    assert slot_buttons(html) == [
        "17:00 to 17:30, Tuesday 5 March; Nia 09:00 Lee 08:00",
        "17:30 to 18:00, Tuesday 5 March; Nia 09:30 Lee 08:30",
        "18:00 to 18:30, Tuesday 5 March; Nia 10:00 Lee 09:00",
        "18:30 to 19:00, Tuesday 5 March; Nia 10:30 Lee 09:30",
    ]
    assert f'value="{TUESDAY_8.isoformat()}"' in html
    # Each mentor's price for the length, and the two together.
    assert "€40.00" in html and "€30.00" in html and "€70.00" in html


def test_mentors_may_also_come_one_parameter_each_and_a_length_is_chosen(client, mentee, nia, lee):
    query = f"?mentors={nia.user.public_id}&mentors={lee.user.public_id}&minutes=60"
    html = html_of(client.get(reverse("web:panel_new") + query))

    assert [button.split(" ")[0] for button in slot_buttons(html)] == ["17:00", "18:00"]
    assert re.search(r'value="60" checked', html)
    assert "€120.00" in html


def test_a_mentor_on_another_day_is_named_with_the_weekday(client, nia, lee):
    client.force_login(UserFactory(time_zone="Pacific/Honolulu"))  # ten hours behind UTC

    html = html_of(client.get(new_url(nia, lee)))

    assert slot_buttons(html)[0] == ("22:00 to 22:30, Monday 4 March; Nia Tue 09:00 Lee Tue 08:00")


def test_mentors_who_share_a_first_name_are_named_in_full(client, mentee, nia):
    other = mentor_in("Asia/Tokyo", "Nia Tokyo", [(1, time(17), time(19))])

    html = html_of(client.get(new_url(nia, other)))

    assert slot_buttons(html)[0] == (
        "17:00 to 17:30, Tuesday 5 March; Nia Negotiator 09:00 Nia Tokyo 17:00"
    )


def test_no_common_time_says_so_and_links_the_nearest_options(client, mentee, nia, lee, wes):
    html = html_of(client.get(new_url(nia, lee, wes)))

    assert slot_buttons(html) == []
    assert "share no free 30-minute time in the weeks they take bookings for" in html
    assert "The nearest options" in html
    assert "Without Wes Wednesday: Tuesday 5 March, 17:00." in html
    link = re.search(r'<a href="([^"]+)">Show the panel without Wes Wednesday</a>', html)
    assert link is not None
    html = html_of(client.get(link.group(1).replace("&amp;", "&")))
    assert slot_buttons(html)[0].startswith("17:00")


def test_two_mentors_with_nothing_in_common_link_each_mentors_own_booking(client, mentee, nia, wes):
    html = html_of(client.get(new_url(nia, wes)))

    assert slot_buttons(html) == []
    assert "Book Nia Negotiator alone" in html and "Book Wes Wednesday alone" in html
    assert reverse("web:book", args=[nia.user.public_id]) in html


def test_the_picker_goes_to_the_first_week_they_share(client, mentee, nia, lee, frozen):
    frozen.set(datetime(2030, 3, 6, 8, 0, tzinfo=UTC))  # Wednesday: this Tuesday is gone

    html = html_of(client.get(new_url(nia, lee)))

    assert "Tuesday 12 March" in html and slot_buttons(html)[0].startswith("17:00")


def test_a_week_asked_for_without_common_times_links_the_next_one(client, mentee, nia, lee, frozen):
    frozen.set(datetime(2030, 3, 6, 8, 0, tzinfo=UTC))

    html = html_of(client.get(new_url(nia, lee, week="2030-03-04")))

    assert slot_buttons(html) == [] and "No common 30-minute times this week" in html
    assert "all of them can do 30 minutes: Tuesday 12 March, 17:00." in html
    assert re.search(r'week=2030-03-11">Show that week</a>', html)


@pytest.mark.parametrize(
    ("count", "words"),
    [(1, "Pick 2 to 4 mentors"), (5, "at most 4 mentors; you picked 5")],
)
def test_a_panel_needs_two_to_four_mentors(client, mentee, nia, count, words):
    others = [MentorProfileFactory() for _ in range(count - 1)]

    html = html_of(client.get(new_url(nia, *others)))

    assert words in html and slot_buttons(html) == []


def test_an_unknown_mentor_is_a_404(client, mentee, nia):
    assert (
        client.get(f"{reverse('web:panel_new')}?mentors={nia.user.public_id},nobody").status_code
        == 404
    )


def test_picking_a_time_holds_every_mentor_then_checks_out(client, mentee, nia, lee):
    situation = SituationFactory(mentee=mentee)
    data = {
        "mentors": [nia.user.public_id, lee.user.public_id],
        "minutes": "30",
        "start": TUESDAY_8.isoformat(),
        "situation": situation.public_id,
    }

    response = client.post(reverse("web:panel_new"), data)

    panel = Panel.objects.get()
    assert response.status_code == 302 and response["Location"] == url("panel_checkout", panel)
    assert panel.situation == situation and panel.mentee == mentee
    parts = list(panel.bookings.order_by("price_minor"))
    assert [(b.mentor, b.status, b.price_minor) for b in parts] == [
        (lee, BookingStatus.HELD, 3000),
        (nia, BookingStatus.HELD, 4000),
    ]


def test_a_time_taken_meanwhile_is_said_on_the_picker_and_nothing_is_held(client, mentee, nia, lee):
    services.booking_hold(
        mentee=UserFactory(), mentor_id=lee.user.public_id, start=TUESDAY_8, minutes=30
    )
    before = state()

    response = client.post(
        reverse("web:panel_new"),
        {
            "mentors": [nia.user.public_id, lee.user.public_id],
            "minutes": "30",
            "start": TUESDAY_8.isoformat(),
        },
    )

    html = html_of(response)
    assert 'role="alert"' in html and "Lee Leader" in html.split('role="alert"')[1][:300]
    assert state() == before
    assert not slot_buttons(html)[0].startswith("17:00")  # the times shown are up to date


@pytest.mark.parametrize(
    "change",
    [
        {"start": "next tuesday"},
        {"start": "2030-03-05T08:00:00"},
        {"start": "2030-03-05T08:10:00+00:00"},
        {"minutes": "99999999999999999999"},
        {"minutes": "thirty"},
        {"mentors": [f"nobody{index}" for index in range(50)]},
    ],
)
def test_bad_posts_are_said_on_the_picker_and_nothing_is_held(client, mentee, nia, lee, change):
    data = {
        "mentors": [nia.user.public_id, lee.user.public_id],
        "minutes": "30",
        "start": TUESDAY_8.isoformat(),
        **change,
    }

    html = html_of(client.post(reverse("web:panel_new"), data))

    assert 'role="alert"' in html
    assert not Panel.objects.exists() and not Booking.objects.exists()


def test_posting_without_the_csrf_token_is_refused(mentee, nia, lee):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentee)
    data = {
        "mentors": [nia.user.public_id, lee.user.public_id],
        "minutes": "30",
        "start": TUESDAY_8.isoformat(),
    }

    assert strict.post(reverse("web:panel_new"), data).status_code == 403
    assert not Panel.objects.exists()


# --- checkout ------------------------------------------------------------------------------


def checkout(client, panel, card=CARD_SUCCEEDS, objective=OBJECTIVE):
    return client.post(
        url("panel_checkout", panel), {"objective": objective, "agenda": "", "source": card}
    )


def test_checkout_shows_each_mentors_part_and_one_card_pays_them_all(client, mentee, nia, lee):
    panel = hold(mentee, nia, lee)

    html = html_of(client.get(url("panel_checkout", panel)))

    assert "Confirm your panel" in html and "Pay €70.00 and confirm" in html
    assert "€40.00" in html and "€30.00" in html
    assert "09:00 on their clock (Europe/Paris)" in html
    assert "08:00 on their clock (Europe/London)" in html

    response = checkout(client, panel)

    assert response.status_code == 302 and response["Location"] == url("panel_detail", panel)
    assert set(panel.bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    payment = Payment.objects.get()
    assert (payment.panel, payment.amount_minor, payment.status) == (
        panel,
        7000,
        PaymentStatus.SUCCEEDED,
    )
    html = html_of(client.get(response["Location"]))
    assert "is confirmed. You paid €70.00" in html


def test_a_declined_card_confirms_nobody_and_another_card_may_follow(client, mentee, nia, lee):
    panel = hold(mentee, nia, lee)

    html = html_of(checkout(client, panel, card=CARD_DECLINED))

    assert "Your card was declined" in html
    assert BookingStatus.CONFIRMED not in set(panel.bookings.values_list("status", flat=True))
    response = checkout(client, panel)
    assert response.status_code == 302
    assert set(panel.bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}


def test_a_missing_objective_stays_on_the_form(client, mentee, nia, lee):
    panel = hold(mentee, nia, lee)
    before = state()

    html = html_of(checkout(client, panel, objective=""))

    assert "field--invalid" in html and state() == before


def test_a_free_panel_needs_no_card(client, mentee, lee):
    free = mentor_in("Europe/Paris", "Fay Free", [(1, time(9), time(12))], offers={30: 0})
    other = mentor_in("Europe/London", "Gil Gratis", [(1, time(8), time(10))], offers={30: 0})
    panel = hold(mentee, free, other)

    html = html_of(client.get(url("panel_checkout", panel)))
    assert "Confirm the panel" in html and "Card number" not in html

    response = client.post(url("panel_checkout", panel), {"objective": OBJECTIVE})
    assert response.status_code == 302
    assert set(panel.bookings.values_list("status", flat=True)) == {BookingStatus.CONFIRMED}
    assert not Payment.objects.exists()


def test_a_checked_out_panel_sends_checkout_to_the_panel_page(client, mentee, nia, lee):
    panel = hold(mentee, nia, lee)
    checkout(client, panel)

    response = client.get(url("panel_checkout", panel))

    assert response.status_code == 302 and response["Location"] == url("panel_detail", panel)


@pytest.mark.parametrize("name", ["panel_checkout", "panel_cancel"])
def test_checking_out_and_cancelling_need_the_csrf_token(mentee, nia, lee, name):
    panel = hold(mentee, nia, lee)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(mentee)
    before = state()

    data = {"objective": OBJECTIVE, "source": CARD_SUCCEEDS, "reason": ""}
    assert strict.post(url(name, panel), data).status_code == 403
    assert state() == before


# --- the panel page and cancelling ------------------------------------------------------------


@pytest.fixture
def booked(client, mentee, nia, lee):
    panel = hold(mentee, nia, lee)
    checkout(client, panel)
    return panel


def test_the_mentee_sees_every_part_and_each_session_page(client, booked, nia, lee):
    html = html_of(client.get(url("panel_detail", booked)))

    assert "Panel with Nia Negotiator and Lee Leader" in html
    for part in booked.bookings.all():
        assert reverse("web:session_detail", args=[part.public_id]) in html
    assert html.count("status--confirmed") == 2
    assert "Cancel the panel" in html and "€70.00" in html


def test_a_mentor_sees_the_panel_but_only_their_own_session(client, booked, nia, lee):
    client.force_login(nia.user)

    html = html_of(client.get(url("panel_detail", booked)))

    own = booked.bookings.get(mentor=nia)
    other = booked.bookings.get(mentor=lee)
    assert "Panel of Mia Mentee with Nia Negotiator and Lee Leader" in html
    assert reverse("web:session_detail", args=[own.public_id]) in html
    assert reverse("web:session_detail", args=[other.public_id]) not in html
    assert "€30.00" not in html and "Cancel the panel" not in html


def test_the_mentee_cancels_the_whole_panel(client, booked):
    html = html_of(client.get(url("panel_cancel", booked)))
    assert "Cancel the panel?" in html

    response = client.post(url("panel_cancel", booked), {"reason": "Plans changed"})

    assert response.status_code == 302 and response["Location"] == url("panel_detail", booked)
    assert set(booked.bookings.values_list("status", flat=True)) == {BookingStatus.CANCELLED}


def test_a_mentor_cannot_cancel_the_whole_panel(client, booked, nia):
    client.force_login(nia.user)
    before = state()

    response = client.post(url("panel_cancel", booked), {"reason": "No"})

    assert response.status_code == 302 and state() == before
    assert "cancel your own session from its page" in html_of(client.get(response["Location"]))


@pytest.mark.parametrize("name", ["panel_detail", "panel_checkout", "panel_cancel"])
def test_someone_else_gets_404_and_nothing_changes(client, mentee, nia, lee, name):
    panel = hold(mentee, nia, lee)
    before = state()
    client.force_login(UserFactory())

    assert client.get(url(name, panel)).status_code == 404
    assert (
        client.post(
            url(name, panel), {"objective": OBJECTIVE, "source": CARD_SUCCEEDS, "reason": "x"}
        ).status_code
        == 404
    )
    assert state() == before


def test_visitors_are_sent_to_log_in(nia, lee):
    visitor = Client()
    panel = hold(UserFactory(), nia, lee)
    for address in (new_url(nia, lee), url("panel_detail", panel), reverse("web:panel_list")):
        response = visitor.get(address)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- my panels and the matches page -------------------------------------------------------------


def test_my_panels_lists_them_as_mentee_and_as_mentor(client, mentee, booked, nia):
    html = html_of(client.get(reverse("web:panel_list")))
    assert url("panel_detail", booked) in html and "Lee Leader" in html

    client.force_login(nia.user)
    assert url("panel_detail", booked) in html_of(client.get(reverse("web:panel_list")))
    client.force_login(UserFactory())
    assert "No panels yet" in html_of(client.get(reverse("web:panel_list")))


@pytest.mark.parametrize("count", [1, 3])
def test_my_panels_costs_a_fixed_number_of_queries(
    client, mentee, nia, lee, count, django_assert_num_queries
):
    for week in range(count):
        start = TUESDAY_8.replace(day=5 + 7 * week)
        hold(mentee, nia, lee, start=start).bookings.update(status=BookingStatus.CONFIRMED)

    # session and user; count; panels with their mentee; their bookings with mentors;
    # the unread notifications of the menu
    with django_assert_num_queries(6):
        html = html_of(client.get(reverse("web:panel_list")))

    assert html.count("session-item__title") == count


def test_the_matches_control_picks_mentors_for_a_panel(mentee, nia, lee):
    situation = SituationFactory(mentee=mentee)

    class Match:
        def __init__(self, mentor):
            self.mentor = mentor

    class Result:
        matches = [Match(nia), Match(lee)]

    html = render_to_string(
        "web/panels/_panel_from_matches.html", {"situation": situation, "result": Result()}
    )

    assert f'action="{reverse("web:panel_new")}"' in html and 'method="get"' in html
    assert f'name="situation" value="{situation.public_id}"' in html
    assert f'name="mentors" value="{nia.user.public_id}"' in html
    assert f'name="mentors" value="{lee.user.public_id}"' in html
    Result.matches = [Match(nia)]  # one mentor is no panel: the control is left out
    html = render_to_string(
        "web/panels/_panel_from_matches.html", {"situation": situation, "result": Result()}
    )
    assert html.strip() == ""
