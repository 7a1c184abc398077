"""The availability editor: weekly hours, dates that differ and the booking policy."""

import re
from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse

from headstrt.scheduling import services
from headstrt.scheduling.models import (
    AvailabilityException,
    AvailabilityRule,
    Confirmation,
    SchedulingPolicy,
)
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 23, 30, tzinfo=UTC)  # already Tuesday 5 March in Paris
URL = "/me/availability/"

frozen = frozen_at(NOW)


@pytest.fixture
def mentor(client):
    profile = MentorProfileFactory(user__time_zone="Europe/Paris", weekly_capacity=7)
    client.force_login(profile.user)
    return profile


def html_of(response) -> str:
    return response.content.decode()


def rules_of(mentor) -> list[tuple[int, time, time]]:
    return [
        (rule.weekday, rule.start, rule.end)
        for rule in AvailabilityRule.objects.filter(mentor=mentor)
    ]


def week(**days) -> dict[str, list[str]]:
    """POST data for the weekly form: ``day_1=[("09:00", "12:00")]`` and so on."""
    data: dict[str, list[str]] = {}
    for name, ranges in days.items():
        data[f"{name}_start"] = [start for start, _ in ranges]
        data[f"{name}_end"] = [end for _, end in ranges]
    return data


POLICY = {
    "buffer_minutes": "15",
    "minimum_notice_minutes": "1440",
    "horizon_days": "60",
    "max_sessions_per_day": "3",
    "max_sessions_per_week": "",
    "confirmation": "request",
    "response_window_hours": "24",
}


def test_the_url_and_the_profile_navigation(client, mentor):
    assert reverse("web:availability") == URL
    html = html_of(client.get(reverse("web:account")))
    assert f'href="{URL}">Availability<' in html
    assert re.search(rf'href="{URL}" aria-current="page">Availability<', html_of(client.get(URL)))


def test_people_without_a_mentor_profile_are_told_to_open_one(client):
    client.force_login(UserFactory())

    html = html_of(client.get(URL))

    assert "Open your mentor profile first" in html
    assert f'href="{reverse("web:mentor_profile")}"' in html and "Weekly hours" not in html
    response = client.post(reverse("web:scheduling_policy"), POLICY)
    assert response["Location"] == URL and not SchedulingPolicy.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (URL, reverse("web:scheduling_policy"), reverse("web:availability_exception_add")):
        response = client.post(url) if url != URL else client.get(url)
        assert response["Location"].startswith("/accounts/login/")


def test_the_editor_shows_the_saved_hours_in_the_mentors_own_zone(client, mentor):
    services.availability_set(
        user=mentor.user, rules=[(1, time(9), time(12)), (1, time(14), time(17, 30))]
    )

    html = html_of(client.get(URL))

    assert "in <strong>Europe/Paris</strong>" in html
    tuesday = html.split('id="id_day_1"')[1].split("</fieldset>")[0]
    assert "<legend" in tuesday and "Tuesday" in tuesday
    assert re.findall(r'name="day_1_start" value="([^"]*)"', tuesday) == ["09:00", "14:00", ""]
    assert re.findall(r'name="day_1_end" value="([^"]*)"', tuesday) == ["12:00", "17:30", ""]
    assert 'id="range-row-template"' in html


def test_saving_several_ranges_a_day_replaces_the_week(client, mentor):
    services.availability_set(user=mentor.user, rules=[(0, time(8), time(9))])

    response = client.post(
        URL,
        week(
            day_1=[("14:00", "17:00"), ("09:00", "12:00"), ("", "")],
            day_4=[("18:00", "00:00")],
        ),
    )

    assert response["Location"] == URL + "#weekly"
    assert rules_of(mentor) == [
        (1, time(9), time(12)),
        (1, time(14), time(17)),
        (4, time(18), time(0)),
    ]
    assert "Your weekly hours are saved." in html_of(client.get(URL))


def test_a_refused_week_shows_the_error_by_its_day_and_saves_nothing(client, mentor):
    services.availability_set(user=mentor.user, rules=[(0, time(8), time(9))])

    response = client.post(URL, week(day_1=[("09:00", "12:00"), ("11:00", "13:00")]))

    html = html_of(response)
    assert response.status_code == 200
    wednesday_on = html.split('id="id_day_1"')[1].split("</fieldset>")[0]
    assert re.search(r'id="id_day_1_error">Tuesday: 09:00–12:00 overlaps 11:00–13:00', wednesday_on)
    assert 'value="11:00"' in wednesday_on  # what was typed is kept
    assert rules_of(mentor) == [(0, time(8), time(9))]


@pytest.mark.parametrize(
    ("ranges", "message"),
    [
        ([("09:00", "")], "Give each range a start and an end."),
        ([("9 o'clock", "10:00")], "Enter times such as 09:00"),
        ([("12:00", "09:00")], "ends before it starts"),
    ],
)
def test_bad_ranges_are_refused(client, mentor, ranges, message):
    html = html_of(client.post(URL, week(day_2=ranges)))

    assert re.search(r'id="id_day_2_error">[^<]*' + re.escape(message), html)
    assert rules_of(mentor) == []


def test_dates_that_differ_are_added_listed_and_removed(client, mentor):
    add = reverse("web:availability_exception_add")
    AvailabilityException.objects.create(mentor=mentor, date=date(2030, 3, 4))  # yesterday

    response = client.post(add, {"day": "2030-03-08", "kind": "off"})
    assert response["Location"] == URL + "#exceptions"
    client.post(
        add,
        {
            "day": "2030-03-10",
            "kind": "hours",
            "ranges_start": ["14:00", "09:00"],
            "ranges_end": ["16:00", "11:00"],
        },
    )

    html = html_of(client.get(URL))
    section = html.split('id="exceptions"')[1].split("</section>")[0]
    assert "Friday 8 March 2030" in section and "Day off" in section
    assert "Sunday 10 March 2030" in section and "09:00–11:00, 14:00–16:00" in section
    assert "Monday 4 March" not in section  # past dates, on the mentor's clock, are left out
    assert 'type="date" name="day" min="2030-03-05"' in section
    assert "Sunday 10 March 2030 is saved with its hours." in html

    client.post(reverse("web:availability_exception_remove", args=["2030-03-08"]))

    assert list(
        AvailabilityException.objects.filter(mentor=mentor).values_list("date", flat=True)
    ) == [date(2030, 3, 4), date(2030, 3, 10), date(2030, 3, 10)]
    assert (
        client.post(reverse("web:availability_exception_remove", args=["not-a-date"])).status_code
        == 404
    )


def test_a_day_off_ignores_typed_hours_and_different_hours_need_a_range(client, mentor):
    add = reverse("web:availability_exception_add")

    client.post(
        add,
        {"day": "2030-03-08", "kind": "off", "ranges_start": ["09:00"], "ranges_end": ["10:00"]},
    )
    assert AvailabilityException.objects.get().is_time_off

    html = html_of(
        client.post(
            add, {"day": "2030-03-09", "kind": "hours", "ranges_start": [""], "ranges_end": [""]}
        )
    )
    assert re.search(r'id="id_ranges_error">Add at least one range', html)

    html = html_of(
        client.post(
            add,
            {
                "day": "2030-03-09",
                "kind": "hours",
                "ranges_start": ["10:00"],
                "ranges_end": ["09:00"],
            },
        )
    )
    assert re.search(r'id="id_ranges_error">2030-03-09: 10:00–09:00 ends before it starts', html)
    assert 'id="id_day_error"' in html_of(client.post(add, {"day": "", "kind": "off"}))
    assert AvailabilityException.objects.count() == 1


def test_the_policy_form_starts_with_the_defaults_and_saves(client, mentor):
    html = html_of(client.get(URL))
    assert 'name="horizon_days" value="30"' in html
    assert re.search(r'value="instant"[^>]*checked', html)
    assert "your profile’s weekly capacity (7)" in html

    response = client.post(reverse("web:scheduling_policy"), POLICY)

    assert response["Location"] == URL + "#policy"
    policy = SchedulingPolicy.objects.get(mentor=mentor)
    assert (policy.buffer_minutes, policy.minimum_notice_minutes, policy.horizon_days) == (
        15,
        1440,
        60,
    )
    assert policy.max_sessions_per_week is None and policy.confirmation == Confirmation.REQUEST
    assert re.search(r'value="request"[^>]*checked', html_of(client.get(URL)))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("horizon_days", "400", "Booking horizon (days) must be between 1 and 365."),
        ("max_sessions_per_week", "0", "Sessions per week must be between 1 and 100."),
        ("buffer_minutes", "121", "between 0 and 120"),
        ("confirmation", "sometimes", "Select a valid choice"),
    ],
)
def test_a_refused_policy_shows_the_error_by_its_field_and_saves_nothing(
    client, mentor, field, value, message
):
    services.scheduling_policy_save(user=mentor.user, horizon_days=90)

    html = html_of(client.post(reverse("web:scheduling_policy"), {**POLICY, field: value}))

    assert re.search(rf'id="id_{field}_error">[^<]*{re.escape(message)}', html)
    policy = SchedulingPolicy.objects.get(mentor=mentor)
    assert (policy.horizon_days, policy.buffer_minutes) == (90, 10)


def test_the_editor_has_no_inline_styles_or_scripts(client, mentor):
    html = html_of(client.get(URL))

    assert " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
