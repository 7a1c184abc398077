"""The price of a written answer on the mentor profile form: saved in minor units, blank
for no written answers, zero for free ones, bad input shown on its field with nothing saved."""

import pytest
from django.urls import reverse

from headstrt.accounts.models import MentorProfile
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

FORM = {
    "headline": "Negotiation coach",
    "bio": "Ten years of hiring.",
    "currency": "EUR",
    "price_15": "",
    "price_30": "40",
    "price_45": "",
    "price_60": "",
    "answer_price": "",
    "weekly_capacity": "5",
}
URL = reverse("web:mentor_profile")


@pytest.fixture
def person(client):
    user = UserFactory(display_name="Sam Person")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("raw", "saved", "shown"),
    [
        ("15", 1500, 'value="15.00"'),
        ("12.5", 1250, 'value="12.50"'),
        ("0", 0, 'value="0"'),
        ("", None, ""),
    ],
)
def test_the_answer_price_is_saved_in_minor_units(client, person, raw, saved, shown):
    response = client.post(URL, {**FORM, "answer_price": raw})

    assert response.status_code == 302
    assert MentorProfile.objects.get(user=person).answer_price_minor == saved
    page = client.get(URL).content.decode()
    field = page[page.index('name="answer_price"') - 200 : page.index('name="answer_price"') + 60]
    assert "Price of a written answer" in page and shown in field


def test_clearing_the_answer_price_stops_written_answers(client, person):
    MentorProfileFactory(user=person, answer_price_minor=2000)
    client.post(URL, {**FORM, "answer_price": ""})
    assert MentorProfile.objects.get(user=person).answer_price_minor is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("-1", "cannot be negative"),
        ("ten", "is not an amount of money"),
        ("1.005", "at most 2 decimal places"),
        ("10001", "can cost at most €10,000.00"),
    ],
)
def test_a_bad_answer_price_is_shown_on_its_field_and_nothing_is_saved(
    client, person, raw, message
):
    MentorProfileFactory(user=person, answer_price_minor=2000, headline="Before")

    response = client.post(URL, {**FORM, "answer_price": raw})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_answer_price_error"' in page and message in page
    profile = MentorProfile.objects.get(user=person)
    assert (profile.answer_price_minor, profile.headline) == (2000, "Before")
