"""Booking pages: the slot picker, checkout, the session page and its actions, my sessions."""

import re
from datetime import date, time, timedelta

import pytest
from django.urls import reverse

from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, Confirmation, ReliabilityEvent
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking
from tests.scheduling.sessions import NOW, TUESDAY_9, book, hold, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW, autouse=False)


@pytest.fixture
def mentor(db):
    return paris_mentor()


@pytest.fixture
def mentee(client, frozen):
    """The Tokyo mentee, signed in."""
    user = tokyo_mentee()
    client.force_login(user)
    return user


def html_of(response) -> str:
    return response.content.decode()


def book_url(mentor, **query) -> str:
    url = reverse("web:book", args=[mentor.user.public_id])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def session_url(booking, name="session_detail") -> str:
    return reverse(f"web:{name}", args=[booking.public_id])


def slot_times(html: str) -> list[str]:
    """The slot buttons' visible start times, in page order."""
    return re.findall(
        r'<button class="slot" type="submit" name="start" value="[^"]+"[^>]*>(\d\d:\d\d)', html
    )


# --- entry points ------------------------------------------------------------------------------


def test_the_mentor_page_offers_booking_and_the_owner_their_availability(client, mentor):
    html = html_of(client.get(reverse("web:mentor_detail", args=[mentor.user.public_id])))
    assert f'href="{book_url(mentor)}">Book a session<' in html

    client.force_login(mentor.user)
    html = html_of(client.get(reverse("web:mentor_detail", args=[mentor.user.public_id])))
    assert "Book a session" not in html and reverse("web:availability") in html


def test_anonymous_visitors_are_sent_to_log_in(client, mentor, frozen):
    booking = book(mentor, UserFactory())
    for url in (
        book_url(mentor),
        reverse("web:session_list"),
        session_url(booking),
        session_url(booking, "session_checkout"),
        session_url(booking, "session_cancel"),
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = client.post(book_url(mentor), {"start": TUESDAY_9.isoformat(), "minutes": "30"})
    assert response.status_code == 302 and Booking.objects.count() == 1


def test_the_nav_links_to_sessions_for_people_who_are_signed_in(client, mentee):
    html = html_of(client.get(reverse("web:session_list")))
    assert re.search(r'href="/sessions/" aria-current="page">Sessions<', html)


def test_situation_matches_link_to_booking_with_the_situation(client, mentee, mentor, monkeypatch):
    use_fake_ranking(monkeypatch)
    situation = SituationFactory(mentee=mentee, text="Salary negotiation help please")
    mentor.headline = "Salary negotiation coach"
    mentor.save()

    html = html_of(client.get(reverse("web:situation_matches", args=[situation.public_id])))

    assert f'href="{book_url(mentor, situation=situation.public_id)}"' in html


# --- the slot picker ---------------------------------------------------------------------------


def test_slots_are_grouped_by_day_on_the_viewers_clock(client, mentee, mentor):
    html = html_of(client.get(book_url(mentor)))

    assert "Book a session with Nia Negotiator" in html
    assert "on your clock, in <strong>Asia/Tokyo</strong>" in html
    assert "30 minutes" in html and "€40.00" in html and "60 minutes" in html and "€70.00" in html
    tuesday = html.split('id="day-20300305"')[1].split("</section>")[0]
    assert "Tuesday 5 March" in tuesday
    assert slot_times(tuesday) == ["17:00", "17:30", "18:00", "18:30", "19:00", "19:30"]
    assert f'value="{TUESDAY_9.isoformat()}"' in tuesday
    assert slot_times(html) == slot_times(tuesday)  # nothing on the other days


def test_choosing_a_length_shows_its_slots(client, mentee, mentor):
    html = html_of(client.get(book_url(mentor, minutes=60)))

    assert slot_times(html) == ["17:00", "18:00", "19:00"]
    assert re.search(r'value="60" checked', html)
    assert slot_times(html_of(client.get(book_url(mentor, minutes=45)))) == slot_times(
        html_of(client.get(book_url(mentor)))
    )  # a length not offered falls back to the shortest


def test_week_navigation_stays_within_the_horizon(client, mentee, mentor):
    first = html_of(client.get(book_url(mentor)))
    assert "Previous week" not in first
    assert "?week=2030-03-11" in first

    following = html_of(client.get(book_url(mentor, week="2030-03-13")))  # any day of it
    assert "Tuesday 12 March" in following and "?week=2030-03-04" in following
    assert len(slot_times(following)) == 6

    # The default horizon is 30 days: 3 April is the last bookable date.
    last = html_of(client.get(book_url(mentor, week="2031-01-01")))
    assert "Monday 1 April" in last and "Next week" not in last
    assert "Monday 4 March" in html_of(client.get(book_url(mentor, week="2020-01-06")))
    assert "Monday 4 March" in html_of(client.get(book_url(mentor, week="garbage")))


def test_the_picker_opens_on_the_week_of_the_next_free_slot(client, mentee, mentor):
    services.availability_exception_set(user=mentor.user, day=date(2030, 3, 5))

    html = html_of(client.get(book_url(mentor)))

    assert "Tuesday 12 March" in html and "Tuesday 5 March" not in html
    assert len(slot_times(html)) == 6


def test_htmx_gets_only_the_week(client, mentee, mentor):
    response = client.get(book_url(mentor, week="2030-03-11"), headers={"HX-Request": "true"})

    html = html_of(response)
    assert html.lstrip().startswith('<section id="picker"')
    assert "<html" not in html and "Tuesday 12 March" in html and "17:00" in html
    assert response["Vary"] and "HX-Request" in response["Vary"]


def test_people_cannot_book_themselves_a_paused_mentor_or_one_without_offers(client, mentor):
    client.force_login(mentor.user)
    html = html_of(client.get(book_url(mentor)))
    assert "This is your own profile" in html and not slot_times(html)

    paused = MentorProfileFactory(is_active=False)
    client.force_login(UserFactory())
    assert client.get(book_url(paused)).status_code == 404
    assert client.get(reverse("web:book", args=["nobody"])).status_code == 404


def test_picking_a_slot_holds_it_and_goes_to_checkout(client, mentee, mentor):
    situation = SituationFactory(mentee=mentee)
    url = book_url(mentor, minutes=60, situation=situation.public_id)

    response = client.post(url, {"start": TUESDAY_9.isoformat(), "minutes": "60"})

    (booking,) = Booking.objects.all()
    assert response.status_code == 302
    assert response["Location"] == session_url(booking, "session_checkout")
    assert booking.status == BookingStatus.HELD and booking.mentee == mentee
    assert (booking.start, booking.minutes, booking.price_minor) == (TUESDAY_9, 60, 7000)
    assert booking.situation == situation


def test_someone_elses_situation_is_ignored(client, mentee, mentor):
    theirs = SituationFactory()
    url = book_url(mentor, situation=theirs.public_id)

    assert theirs.heading not in html_of(client.get(url))
    client.post(url, {"start": TUESDAY_9.isoformat(), "minutes": "30"})
    assert Booking.objects.get().situation is None


def test_a_slot_taken_meanwhile_shows_the_message_and_fresh_slots(client, mentee, mentor):
    book(mentor, UserFactory(), start=TUESDAY_9)

    response = client.post(book_url(mentor), {"start": TUESDAY_9.isoformat(), "minutes": "30"})

    html = html_of(response)
    assert response.status_code == 200
    assert "This time is no longer free. Please pick another slot." in html
    assert "17:00" not in slot_times(html) and "18:00" in slot_times(html)
    assert not Booking.objects.filter(mentee=mentee).exists()


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("not a time", "Give the start as a date and time"),
        ("2030-03-05T08:10:00+00:00", "is not one of the mentor"),
        ("2030-03-04T08:30:00+00:00", "notice. Pick a later slot."),
    ],
)
def test_bad_starts_are_refused_with_a_message(client, mentee, mentor, start, message):
    html = html_of(client.post(book_url(mentor), {"start": start, "minutes": "30"}))

    assert message in html and not Booking.objects.exists()


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_shows_the_session_the_hold_and_instant_confirmation(client, mentee, mentor):
    held = hold(mentor, mentee)

    html = html_of(client.get(session_url(held, "session_checkout")))

    assert "Confirm your session" in html and "Nia Negotiator" in html
    assert "Tuesday 5 March 2030, 17:00</time>–17:30" in html and "(Asia/Tokyo)" in html
    assert "€40.00" in html and "30 minutes" in html
    assert 'data-countdown-to="2030-03-04T17:10:00+09:00"' in html and 'role="timer"' in html
    assert "10\xa0minutes left" in html
    assert "confirms bookings instantly" in html and ">Pay €40.00 and confirm<" in html


def test_checkout_needs_an_objective_and_keeps_the_hold_until_then(client, mentee, mentor):
    held = hold(mentor, mentee)
    url = session_url(held, "session_checkout")

    response = client.post(url, {"objective": "  ", "agenda": "Points"})

    assert response.status_code == 200
    assert re.search(r'id="id_objective_error">[^<]*required', html_of(response))
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD and held.objective == ""

    response = client.post(
        url, {"objective": "Ask for 15% more", "agenda": "1. Anchor", "source": CARD_SUCCEEDS}
    )

    assert response["Location"] == session_url(held)
    held.refresh_from_db()
    assert held.status == BookingStatus.CONFIRMED
    assert (held.objective, held.agenda) == ("Ask for 15% more", "1. Anchor")
    followed = html_of(client.get(response["Location"]))
    assert "Your session with Nia Negotiator is confirmed." in followed


def test_checkout_with_a_mentor_who_accepts_each_request(client, mentee, mentor):
    services.scheduling_policy_save(
        user=mentor.user, confirmation=Confirmation.REQUEST, response_window_hours=12
    )
    held = hold(mentor, mentee)
    url = session_url(held, "session_checkout")

    html = html_of(client.get(url))
    assert "accepts each booking personally" in html and "up to 12 hours" in html
    assert ">Pay €40.00 and send the request<" in html

    response = client.post(url, {"objective": "Plan it", "source": CARD_SUCCEEDS}, follow=True)

    held.refresh_from_db()
    assert held.status == BookingStatus.REQUESTED
    assert "who has until Tuesday 5 March, 05:00 to answer" in html_of(response)


def test_a_lapsed_hold_someone_took_asks_to_pick_again(client, mentee, mentor, frozen):
    held = hold(mentor, mentee)
    frozen.move(minutes=11)
    book(mentor, UserFactory())
    url = session_url(held, "session_checkout")
    assert "Your hold on this time ran out" in html_of(client.get(url))

    html = html_of(client.post(url, {"objective": "Too late", "source": CARD_SUCCEEDS}))

    assert "someone else took it" in html
    assert f'href="{book_url(mentor, minutes=30)}">Pick another time<' in html
    held.refresh_from_db()
    assert held.status == BookingStatus.EXPIRED


def test_checkout_is_for_the_mentee_with_a_hold_only(client, mentee, mentor):
    held = hold(mentor, mentee)
    url = session_url(held, "session_checkout")

    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    assert client.post(url, {"objective": "Mine now"}).status_code == 404

    client.force_login(mentor.user)
    assert client.get(url)["Location"] == session_url(held)
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD and held.objective == ""

    client.force_login(mentee)
    client.post(url, {"objective": "Go", "source": CARD_SUCCEEDS})
    assert client.get(url)["Location"] == session_url(held)  # already checked out


# --- the session page --------------------------------------------------------------------------


def test_the_session_page_for_the_mentee(client, mentee, mentor):
    booking = book(mentor, mentee, agenda="1. Anchor high")

    html = html_of(client.get(session_url(booking)))

    assert "Session with Nia Negotiator" in html and "Confirmed" in html
    assert "Tuesday 5 March 2030, 17:00</time>–17:30" in html and "(Asia/Tokyo)" in html
    assert "Ask for 15% more" in html and "1. Anchor high" in html
    assert 'data-countdown-to="2030-03-05T17:00:00+09:00"' in html and "Starts in 1\xa0day" in html
    assert f"https://meet.jit.si/{booking.room}" in html
    assert re.search(r"<button [^>]*disabled data-join-at=\"2030-03-05T16:50:00\+09:00\"", html)
    assert "opens 10 minutes before the start" in html
    assert ">Reschedule<" in html and "Cancel the session" in html
    assert "free until 24 hours before the start" in html
    for absent in ("Accept the request", "Mark as done", "did not come", "invite.ics"):
        assert absent not in html


def test_the_video_room_opens_ten_minutes_before_the_start(client, mentee, mentor, frozen):
    booking = book(mentor, mentee)
    frozen.now = booking.start - timedelta(minutes=10)

    html = html_of(client.get(session_url(booking)))

    assert f'action="/sessions/{booking.public_id}/join/"' in html
    assert "data-join-at" not in html


def test_the_room_opening_time_is_on_the_viewers_clock(client, mentee, mentor):
    book(mentor, mentee)  # 08:00 UTC: the room opens 07:50 UTC, 16:50 in Tokyo

    html = html_of(client.get(session_url(Booking.objects.get())))

    assert "The room opens 10 minutes before the start, at 16:50." in html


def test_others_get_404_on_the_session_page_and_every_action(client, mentor, frozen):
    booking = book(mentor, UserFactory())
    client.force_login(UserFactory())

    assert client.get(session_url(booking)).status_code == 404
    assert client.get(session_url(booking, "session_cancel")).status_code == 404
    for name in (
        "session_accept",
        "session_decline",
        "session_cancel",
        "session_complete",
        "session_no_show",
    ):
        assert client.post(session_url(booking, name)).status_code == 404, name
    reschedule = book_url(mentor, reschedule=booking.public_id)
    assert client.get(reschedule).status_code == 404
    assert client.post(reschedule, {"start": "2030-03-05T09:00:00+00:00"}).status_code == 404
    booking.refresh_from_db()
    assert (booking.status, booking.start, booking.sequence) == (
        BookingStatus.CONFIRMED,
        TUESDAY_9,
        0,
    )


def test_the_mentor_accepts_a_request(client, mentor, frozen):
    services.scheduling_policy_save(user=mentor.user, confirmation=Confirmation.REQUEST)
    mentee = UserFactory(display_name="Mia Mentee")
    booking = book(mentor, mentee)
    client.force_login(mentee)
    html = html_of(client.get(session_url(booking)))
    assert "Waiting for Nia Negotiator to accept" in html and "Accept the request" not in html
    assert client.post(session_url(booking, "session_accept")).status_code == 403

    client.force_login(mentor.user)
    html = html_of(client.get(session_url(booking)))
    assert "Mia Mentee asks for this session" in html
    assert "Accept the request" in html and "Decline the request" in html

    response = client.post(session_url(booking, "session_accept"), follow=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "the session is confirmed" in html_of(response)
    again = client.post(session_url(booking, "session_accept"), follow=True)
    assert "there is nothing to answer" in html_of(again)


def test_the_mentor_declines_with_a_reason(client, mentor, frozen):
    services.scheduling_policy_save(user=mentor.user, confirmation=Confirmation.REQUEST)
    booking = book(mentor, UserFactory())
    client.force_login(mentor.user)
    url = session_url(booking, "session_decline")

    html = html_of(client.post(url, {"reason": "x" * 1001}))

    assert re.search(r'id="id_reason_error">[^<]*too long', html)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED

    response = client.post(url, {"reason": "Travelling that week"})

    assert response["Location"] == session_url(booking)
    booking.refresh_from_db()
    assert (booking.status, booking.end_reason) == (BookingStatus.DECLINED, "Travelling that week")
    assert "Travelling that week" in html_of(client.get(session_url(booking)))


def test_cancelling_asks_first_and_states_the_policy(client, mentee, mentor):
    booking = book(mentor, mentee)
    url = session_url(booking, "session_cancel")

    html = html_of(client.get(url))
    assert "Cancel this session?" in html and "free until 24 hours before the start" in html
    assert "late cancellation" not in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    assert "too long" in html_of(client.post(url, {"reason": "x" * 1001}))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    response = client.post(url, {"reason": "Solved it myself"}, follow=True)

    booking.refresh_from_db()
    assert (booking.status, booking.end_reason) == (BookingStatus.CANCELLED, "Solved it myself")
    assert "The session is cancelled." in html_of(response)
    assert not ReliabilityEvent.objects.exists()
    assert client.get(url)["Location"] == session_url(booking)


def test_a_late_cancellation_is_announced_and_recorded(client, mentee, mentor, frozen):
    booking = book(mentor, mentee)
    frozen.now = booking.start - timedelta(hours=3)
    url = session_url(booking, "session_cancel")

    assert "recorded as a late cancellation" in html_of(client.get(url))
    client.post(url)

    assert ReliabilityEvent.objects.get().person == mentee


def test_reschedule_picks_another_slot_of_the_same_length(client, mentee, mentor):
    booking = book(mentor, mentee, minutes=60)
    url = book_url(mentor, reschedule=booking.public_id)

    html = html_of(client.get(url))
    assert "Reschedule your session" in html and "Session length" not in html
    assert slot_times(html) == ["17:00", "18:00", "19:00"]
    assert re.search(r'value="2030-03-05T08:00:00\+00:00" disabled>17:00', html)

    new_start = TUESDAY_9 + timedelta(hours=2)
    response = client.post(url, {"start": new_start.isoformat()})

    assert response["Location"] == session_url(booking)
    booking.refresh_from_db()
    assert (booking.start, booking.minutes, booking.sequence) == (new_start, 60, 1)
    assert "moved to Tuesday 5 March, 19:00" in html_of(client.get(response["Location"]))


def test_the_mentor_can_reschedule_too_and_a_taken_slot_is_explained(client, mentor, frozen):
    booking = book(mentor, UserFactory())
    book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=1))
    client.force_login(mentor.user)
    url = book_url(mentor, reschedule=booking.public_id)

    html = html_of(client.post(url, {"start": (TUESDAY_9 + timedelta(hours=1)).isoformat()}))

    assert "no longer free" in html
    booking.refresh_from_db()
    assert (booking.start, booking.sequence) == (TUESDAY_9, 0)
    wrong_mentor = reverse("web:book", args=[MentorProfileFactory().user.public_id])
    assert client.get(f"{wrong_mentor}?reschedule={booking.public_id}").status_code == 404


def test_a_session_that_started_cannot_be_rescheduled_but_can_be_closed(
    client, mentee, mentor, frozen
):
    booking = book(mentor, mentee)
    frozen.now = booking.start + timedelta(minutes=5)

    response = client.get(book_url(mentor, reschedule=booking.public_id))
    assert response["Location"] == session_url(booking)
    html = html_of(client.get(session_url(booking)))
    assert "Mark as done" in html and "Report that Nia Negotiator did not come" in html
    assert ">Reschedule<" not in html and "Cancel the session" not in html

    response = client.post(session_url(booking, "session_complete"), follow=True)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert "The session is marked as done." in html_of(response)


def test_reporting_a_no_show(client, mentor, frozen):
    mentee = UserFactory()
    booking = book(mentor, mentee)
    frozen.now = booking.end
    client.force_login(mentor.user)

    client.post(session_url(booking, "session_no_show"))

    booking.refresh_from_db()
    assert (booking.status, booking.no_show_party) == (BookingStatus.NO_SHOW, "mentee")
    assert ReliabilityEvent.objects.get().person == mentee


def test_an_early_close_shows_the_services_message(client, mentee, mentor):
    booking = book(mentor, mentee)

    response = client.post(session_url(booking, "session_complete"), follow=True)

    assert "has not started yet" in html_of(response)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


# --- my sessions -------------------------------------------------------------------------------


def test_my_sessions_has_upcoming_requests_and_past(client, mentor, frozen):
    services.scheduling_policy_save(user=mentor.user, confirmation=Confirmation.REQUEST)
    mentee = UserFactory(display_name="Mia Mentee")
    request = book(mentor, mentee)
    done = book(
        mentor, UserFactory(display_name="Old Friend"), start=TUESDAY_9 + timedelta(hours=1)
    )
    services.booking_accept(mentor=mentor.user, booking_id=done.public_id)
    frozen.now = done.end + timedelta(minutes=1)
    services.booking_complete(user=mentor.user, booking_id=done.public_id)
    frozen.now = NOW
    client.force_login(mentor.user)
    url = reverse("web:session_list")

    upcoming = html_of(client.get(url))
    # The mentor is in Paris: the request reads 09:00 on their clock.
    assert "Tue 5 Mar 2030, 09:00</time>–09:30" in upcoming
    assert "You mentor Mia Mentee" in upcoming and "Waiting for the mentor" in upcoming
    assert "Old Friend" not in upcoming  # done already
    assert re.search(r"Requests to answer <span class=\"badge\">1<", upcoming)

    requests = html_of(client.get(url + "?tab=requests"))
    assert "Mia Mentee" in requests and "Old Friend" not in requests
    assert "answer by" in requests

    frozen.now = TUESDAY_9 + timedelta(hours=3)
    past = html_of(client.get(url + "?tab=past"))
    assert "Old Friend" in past and "Completed" in past
    assert session_url(request) in past  # the request expired unanswered, ...
    row = past.split(session_url(request))[1].split("</li>")[0]
    assert "Expired" in row  # ... which the page says before the expiry task has run

    client.force_login(mentee)
    mine = html_of(client.get(url + "?tab=past"))
    assert "With Nia Negotiator, your mentor" in mine and "Old Friend" not in mine
    assert "The request expired before it was answered." in html_of(
        client.get(session_url(request))
    )


def open_all_day(mentor):
    """Every hour of every day bookable, without daily or weekly caps that matter."""
    services.availability_set(user=mentor.user, rules=[(day, time(0), time(0)) for day in range(7)])
    services.scheduling_policy_save(
        user=mentor.user, max_sessions_per_day=24, max_sessions_per_week=100
    )


def test_my_sessions_paginates(client, mentee, mentor):
    open_all_day(mentor)
    for hour in range(22):
        book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=hour))

    first = client.get(reverse("web:session_list") + "?tab=upcoming")
    second = client.get(reverse("web:session_list") + "?tab=upcoming&page=2")

    assert len(first.context["rows"]) == 20 and len(second.context["rows"]) == 2
    assert 'aria-label="Pages of sessions"' in html_of(first)
    assert "?tab=upcoming&amp;page=2" in html_of(first)


@pytest.mark.parametrize("count", [1, 12])
def test_my_sessions_costs_a_fixed_number_of_queries(
    client, mentee, mentor, django_assert_num_queries, count
):
    open_all_day(mentor)
    for hour in range(count):
        book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=hour))

    # session, user, unread notifications (nav badge); requests waiting; count, page of
    # bookings with both people
    with django_assert_num_queries(6):
        response = client.get(reverse("web:session_list"))

    assert len(response.context["rows"]) == count


def test_booking_pages_have_no_inline_styles_or_scripts(client, mentee, mentor):
    held = hold(mentor, UserFactory())
    booking = book(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))
    for url in (
        book_url(mentor),
        session_url(booking),
        session_url(booking, "session_cancel"),
        reverse("web:session_list"),
    ):
        html = html_of(client.get(url))
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
    client.force_login(held.mentee)
    html = html_of(client.get(session_url(held, "session_checkout")))
    assert " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
