"""iCalendar: invites that calendars update in place, and each person's private feed."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from icalendar import Calendar

from headstrt.scheduling import services
from headstrt.scheduling.calendar import booking_invite, calendar_feed_url, person_feed
from headstrt.scheduling.models import CalendarFeed
from headstrt.scheduling.services.calendar_feeds import calendar_feed_token_hash
from headstrt.scheduling.video import video_room_url
from tests.api.conftest import assert_error, client_for
from tests.factories import UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, book, event_of, paris_mentor

pytestmark = pytest.mark.django_db


def parse(content: bytes) -> Calendar:
    return Calendar.from_ical(content)


def uid_and_status(calendar: Calendar) -> list[tuple[str, str]]:
    return [(str(event["UID"]), str(event["STATUS"])) for event in calendar.walk("VEVENT")]


def path_of(url: str) -> str:
    return url.removeprefix("http://127.0.0.1:8000")


# Invites


def test_an_invite_describes_the_session_in_utc_to_its_recipient(frozen, mentor, mentee):
    booking = book(mentor, mentee, agenda="1. Numbers\n2. Script")

    calendar = parse(booking_invite(booking, method="REQUEST", viewer=mentee))

    event = event_of(calendar)
    assert str(calendar["METHOD"]) == "REQUEST" and str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == f"{booking.public_id}@headstrt" and event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == TUESDAY_9
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert event.decoded("DTEND") == TUESDAY_9 + timedelta(minutes=30)
    assert b"DTSTART:20300305T080000Z" in calendar.to_ical()
    assert event.decoded("DTSTAMP") == NOW
    assert str(event["SUMMARY"]) == "Headstrt session with Nia Negotiator"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == video_room_url(booking)
    assert str(event["URL"]) == f"http://127.0.0.1:8000/sessions/{booking.public_id}/"
    description = str(event["DESCRIPTION"])
    for part in ("Objective: Ask for 15% more", "1. Numbers\n2. Script", str(event["URL"])):
        assert part in description
    assert video_room_url(booking) in description
    assert str(event["ORGANIZER"]) == "mailto:no-reply@headstrt.localhost"
    # The recipient is the one attendee: the other side's address is never shown.
    attendee = event["ATTENDEE"]
    assert (str(attendee), attendee.params["CN"]) == ("mailto:mia@example.org", "Mia Mentee")
    assert b"nia@example.org" not in calendar.to_ical()


def test_the_title_names_the_other_person_or_both(frozen, mentor, mentee):
    booking = book(mentor, mentee)

    def summary(**viewer):
        return str(event_of(parse(booking_invite(booking, method="REQUEST", **viewer)))["SUMMARY"])

    assert summary(viewer=mentor.user) == "Headstrt session with Mia Mentee"
    assert summary() == "Headstrt: Mia Mentee with Nia Negotiator"


def test_a_moved_session_keeps_its_uid_with_a_higher_sequence(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    first = event_of(parse(booking_invite(booking, method="REQUEST")))

    moved = services.booking_reschedule(
        user=mentor.user, booking_id=booking.public_id, start=TUESDAY_9 + timedelta(hours=2)
    )
    second = event_of(parse(booking_invite(moved, method="REQUEST")))

    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second.decoded("DTSTART") == TUESDAY_9 + timedelta(hours=2)


def test_a_cancellation_is_a_cancel_of_the_same_event(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    cancelled = services.booking_cancel(user=mentee, booking_id=booking.public_id)

    calendar = parse(booking_invite(cancelled, method="CANCEL"))

    event = event_of(calendar)
    assert str(calendar["METHOD"]) == "CANCEL" and str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{booking.public_id}@headstrt" and event["SEQUENCE"] == 1


def test_only_request_and_cancel_are_invites(frozen, mentor, mentee):
    with pytest.raises(ValueError, match="method"):
        booking_invite(book(mentor, mentee), method="PUBLISH")


# The feed


def test_the_feed_holds_the_persons_sessions_as_mentor_and_mentee_only(frozen, mentor, mentee):
    mine = book(mentor, mentee)
    as_mentor = book(
        paris_mentor("Ola Other", "ola@example.org"),
        mentor.user,
        start=TUESDAY_9 + timedelta(hours=2),
    )
    cancelled = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    services.booking_cancel(user=mentor.user, booking_id=cancelled.public_id)
    someone_elses = book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=1))
    services.scheduling_policy_save(user=mentor.user, confirmation="request")
    request = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=14))

    feed = parse(person_feed(mentor.user))

    assert "METHOD" not in feed and str(feed["X-WR-CALNAME"]) == "Headstrt"
    uids = {uid: status for uid, status in uid_and_status(feed)}
    assert uids == {
        f"{mine.public_id}@headstrt": "CONFIRMED",
        f"{as_mentor.public_id}@headstrt": "CONFIRMED",
        f"{cancelled.public_id}@headstrt": "CANCELLED",
        f"{someone_elses.public_id}@headstrt": "CONFIRMED",
    }
    mentee_feed = uid_and_status(parse(person_feed(mentee)))
    assert {uid for uid, _ in mentee_feed} == {
        f"{mine.public_id}@headstrt",
        f"{cancelled.public_id}@headstrt",
    }
    assert f"{request.public_id}@headstrt" not in {uid for uid, _ in mentee_feed}
    assert f"{someone_elses.public_id}@headstrt" not in {uid for uid, _ in mentee_feed}


def test_the_feed_leaves_out_everyones_email_addresses(frozen, mentor, mentee):
    book(mentor, mentee)

    content = person_feed(mentee)

    assert b"nia@example.org" not in content and b"mia@example.org" not in content
    assert b"Headstrt session with Nia Negotiator" in content


def test_the_feed_looks_back_thirty_days(frozen, mentor, mentee):
    old = book(mentor, mentee)
    recent = book(mentor, mentee, start=TUESDAY_9 + timedelta(days=21))
    frozen.set(recent.start + timedelta(minutes=40))
    services.booking_complete(user=mentee, booking_id=recent.public_id)
    frozen.set(TUESDAY_9 + timedelta(days=35))

    uids = dict(uid_and_status(parse(person_feed(mentee))))

    assert uids == {f"{recent.public_id}@headstrt": "CONFIRMED"}
    assert f"{old.public_id}@headstrt" not in uids


def test_the_feed_costs_two_queries_whatever_its_size(
    frozen, mentor, mentee, client, django_assert_num_queries
):
    for hours in range(3):
        book(mentor, UserFactory(), start=TUESDAY_9 + timedelta(hours=hours))
    token = services.calendar_feed_create(user=mentor.user)

    # the feed's owner; the sessions with both people
    with django_assert_num_queries(2):
        response = client.get(reverse("web:calendar_feed", args=[token]))

    assert len(parse(response.content).walk("VEVENT")) == 3


# The feed's address


def test_the_feed_address_serves_icalendar_privately(frozen, mentor, mentee, client):
    booking = book(mentor, mentee)
    token = services.calendar_feed_create(user=mentee)

    response = client.get(path_of(calendar_feed_url(token)))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "private" in response["Cache-Control"]
    assert uid_and_status(parse(response.content)) == [
        (f"{booking.public_id}@headstrt", "CONFIRMED")
    ]
    stored = CalendarFeed.objects.get(user=mentee)
    assert stored.token_hash == calendar_feed_token_hash(token) and token not in str(
        CalendarFeed.objects.values_list("token_hash", flat=True)
    )


def test_a_new_address_revokes_the_old_one_and_stopping_revokes_all(frozen, mentee, client):
    old = services.calendar_feed_create(user=mentee)
    new = services.calendar_feed_create(user=mentee)

    assert client.get(reverse("web:calendar_feed", args=[old])).status_code == 404
    assert client.get(reverse("web:calendar_feed", args=[new])).status_code == 200
    services.calendar_feed_revoke(user=mentee)
    assert client.get(reverse("web:calendar_feed", args=[new])).status_code == 404
    assert client.get(reverse("web:calendar_feed", args=["made-up-token"])).status_code == 404


def test_a_deactivated_persons_feed_is_gone(frozen, mentee, client):
    token = services.calendar_feed_create(user=mentee)
    mentee.is_active = False
    mentee.save(update_fields=["is_active"])

    assert client.get(reverse("web:calendar_feed", args=[token])).status_code == 404


def test_the_calendar_page_shows_a_new_address_once_and_can_stop_it(frozen, mentee, client):
    client.force_login(mentee)
    page = reverse("web:calendar_settings")

    assert "Create my calendar address" in client.get(page).content.decode()
    created = client.post(page).content.decode()
    [url] = [
        line.split('value="')[1].split('"')[0]
        for line in created.splitlines()
        if 'id="feed-url"' in line
    ]
    assert url.startswith("http://127.0.0.1:8000/calendar/") and url.endswith(".ics")
    assert f'href="webcal://{url.removeprefix("http://")}"' in created
    assert "no-cache" in client.get(page)["Cache-Control"]
    assert url not in client.get(page).content.decode()
    assert client.get(path_of(url)).status_code == 200

    response = client.post(reverse("web:calendar_feed_stop"), follow=True)

    assert "no longer works" in response.content.decode()
    assert client.get(path_of(url)).status_code == 404
    assert reverse("web:calendar_settings") in client.get(reverse("web:account")).content.decode()


def test_the_calendar_page_needs_a_sign_in(client):
    response = client.get(reverse("web:calendar_settings"))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_api_creates_and_stops_the_feed(frozen, mentor, mentee, client):
    api = client_for(client, mentee)
    book(mentor, mentee)

    created = api.post("/me/calendar-feed")

    assert created.status_code == 201
    url = created.json()["url"]
    assert len(parse(client.get(path_of(url)).content).walk("VEVENT")) == 1
    again = api.post("/me/calendar-feed").json()["url"]
    assert again != url and client.get(path_of(url)).status_code == 404
    assert api.delete("/me/calendar-feed").status_code == 204
    assert client.get(path_of(again)).status_code == 404
    assert api.delete("/me/calendar-feed").status_code == 204


def test_the_feed_api_needs_credentials(client):
    from tests.api.conftest import ApiClient

    assert_error(ApiClient(client).post("/me/calendar-feed"), 401, "unauthenticated")


def test_times_are_utc_even_when_the_change_came_with_another_offset(frozen, mentor, mentee):
    booking = book(mentor, mentee)
    paris_ten = (TUESDAY_9 + timedelta(hours=1)).astimezone(ZoneInfo("Europe/Paris"))

    moved = services.booking_reschedule(user=mentee, booking_id=booking.public_id, start=paris_ten)

    assert b"DTSTART:20300305T090000Z" in booking_invite(moved, method="REQUEST")
