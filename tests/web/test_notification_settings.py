"""The email preferences page: a checkbox per category of notification."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from headstrt.messaging.models import EmailPreference
from tests.clock import frozen_at
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)

frozen = frozen_at(NOW)

PAGE = "/me/notifications/"
ALL_BUT_DISPUTES = ["booking", "panel", "group", "message", "perspectives", "review", "outcome"]


@pytest.fixture
def person(db):
    return UserFactory()


@pytest.fixture
def signed_in(client, person):
    client.force_login(person)
    return client


def stored(person) -> dict[str, bool]:
    return dict(EmailPreference.objects.filter(person=person).values_list("category", "email"))


def test_the_page_has_a_checkbox_per_category_ticked_by_default(signed_in, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    response = signed_in.get(reverse("web:notification_settings"))

    html = response.content.decode()
    assert reverse("web:notification_settings") == PAGE and response.status_code == 200
    assert html.count('type="checkbox" name="email"') == 9
    assert (
        'value="booking" id="email-booking" aria-describedby="email-booking-about" checked' in html
    )
    assert 'value="review" id="email-review" aria-describedby="email-review-about">' in html
    assert (
        'value="dispute" id="email-dispute" aria-describedby="email-dispute-about" checked disabled'
        in html
    )
    assert "Always emailed: a missed deadline decides where the payment goes." in html
    assert 'aria-current="page">Email notifications</a>' in html


def test_saving_turns_unticked_categories_off_and_ticked_ones_back_on(signed_in, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    response = signed_in.post(PAGE, {"email": ["booking", "review", "panel"]}, follow=True)

    assert "Your email preferences are saved." in response.content.decode()
    assert stored(person) == {
        "group": False,
        "message": False,
        "perspectives": False,
        "outcome": False,
        "reliability": False,
    }


def test_saving_everything_ticked_stores_nothing(signed_in, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    signed_in.post(PAGE, {"email": [*ALL_BUT_DISPUTES, "reliability"]})

    assert stored(person) == {}


def test_a_forged_category_is_refused_by_name_and_nothing_changes(signed_in, person):
    EmailPreference.objects.create(person=person, category="review", email=False, updated_at=NOW)

    response = signed_in.post(PAGE, {"email": ["booking", "<b>gossip</b>"]})

    html = response.content.decode()
    assert response.status_code == 400
    assert "There is no notification category “&lt;b&gt;gossip&lt;/b&gt;”" in html
    assert stored(person) == {"review": False}


def test_disputes_cannot_be_turned_off_by_leaving_them_out(signed_in, person):
    signed_in.post(PAGE, {"email": ["booking"]})

    assert "dispute" not in stored(person)


def test_the_page_costs_a_fixed_number_of_queries(signed_in, person, django_assert_num_queries):
    for category in ("review", "message", "panel"):
        EmailPreference.objects.create(
            person=person, category=category, email=False, updated_at=NOW
        )

    # session, user; the choices; the unread notification badge
    with django_assert_num_queries(4):
        signed_in.get(PAGE)


def test_saving_touches_only_my_choices(signed_in, person):
    other = UserFactory()
    EmailPreference.objects.create(person=other, category="booking", email=False, updated_at=NOW)

    signed_in.post(PAGE, {"email": ALL_BUT_DISPUTES})

    assert stored(other) == {"booking": False}
    assert stored(person) == {"reliability": False}


def test_the_page_needs_a_sign_in_and_a_csrf_token(client, person):
    for response in (client.get(PAGE), client.post(PAGE, {"email": []})):
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    client.handler.enforce_csrf_checks = True
    client.force_login(person)
    assert client.post(PAGE, {"email": []}).status_code == 403
    assert stored(person) == {}


def test_the_notifications_page_links_to_the_preferences(signed_in):
    html = signed_in.get(reverse("web:notifications")).content.decode()

    assert f'href="{PAGE}"' in html
