"""The dashboard pages: a mentor's own charts and figures, the staff's platform health, who
may open them, the period choice, escaped names and the number of queries."""

import re

import pytest
from django.urls import reverse

from headstrt.reviews.models import OutcomeResult
from headstrt.scheduling.models import BookingStatus
from tests.clock import frozen_at
from tests.dashboards.seed import NOW, dispute, earning, outcome, review, session, weeks_ago
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)
MENTOR_PAGE = reverse("web:mentor_dashboard")
HEALTH_PAGE = reverse("web:platform_health")


@pytest.fixture
def mentor(client):
    profile = MentorProfileFactory(currency="EUR")
    client.force_login(profile.user)
    return profile


def seeded(mentor):
    mentee = UserFactory()
    for week, count in ((3, 2), (1, 4), (0, 1)):
        for index in range(count):
            booking = session(mentor, mentee, weeks_ago(week, hours=8 + 2 * index))
            outcome(booking, OutcomeResult.REACHED if index % 2 else OutcomeResult.PARTLY)
            review(booking, stars=4 + index % 2, revealed=weeks_ago(week, hours=9 + 2 * index))
    earning(mentor.user, 7200, weeks_ago(1))
    earning(mentor.user, 5000, weeks_ago(1), currency="USD")


def bars(html: str, key: str) -> list[str]:
    """The tooltips of the bars of one chart, in order."""
    figure = html.split(f'id="chart-{key}"', 1)[1].split("</figure>", 1)[0]
    return re.findall(r'<rect class="chart__bar"[^>]*><title>([^<]*)</title>', figure)


def test_a_mentor_sees_charts_and_figures(client, mentor):
    seeded(mentor)
    response = client.get(MENTOR_PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Your dashboard" in html
    for key in ("sessions", "earnings", "rating", "outcomes"):
        assert f'aria-labelledby="chart-{key}-title chart-{key}-desc"' in html
    assert bars(html, "sessions") == [
        "Week of 11 Feb 2030: 2",
        "Week of 25 Feb 2030: 4",
        "Week of 4 Mar 2030: 1",
    ]
    assert bars(html, "earnings") == ["Week of 25 Feb 2030: €72.00"]
    assert "Highest: 4 (Week of 25 Feb 2030)" in html
    assert "you also earned in USD" in html
    assert "€72.00" in html and "<dt>Sessions held</dt><dd>7</dd>" in html
    # The table fallback lists every week, empty ones as zero.
    assert html.count('<th scope="row">Week of') == 2 * 26


def test_the_period_can_be_chosen_and_a_mangled_one_falls_back(client, mentor):
    html = client.get(MENTOR_PAGE, {"weeks": "13"}).content.decode()
    assert "last 13 weeks" in html
    assert html.count('<th scope="row">Week of') == 2 * 13
    for mangled in ("0", "1000", "lots", "13.5"):
        html = client.get(MENTOR_PAGE, {"weeks": mangled}).content.decode()
        assert "last 26 weeks" in html


def test_someone_without_a_mentor_profile_is_sent_to_open_one(client):
    client.force_login(UserFactory())
    response = client.get(MENTOR_PAGE)
    assert response.status_code == 302 and response.url == reverse("web:mentor_profile")


def test_signed_out_people_are_sent_to_log_in(client):
    for page in (MENTOR_PAGE, HEALTH_PAGE):
        response = client.get(page)
        assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_dashboard_pins_its_queries(client, mentor, django_assert_num_queries):
    seeded(mentor)
    client.get(MENTOR_PAGE)
    # Session and user (2), the dashboard (5), unread notifications in the nav (1).
    with django_assert_num_queries(8):
        assert client.get(MENTOR_PAGE).status_code == 200


def test_staff_see_the_platform_health(client):
    mentor = MentorProfileFactory()
    mentee = UserFactory()
    dispute(session(mentor, mentee, weeks_ago(1)))
    session(mentor, mentee, weeks_ago(1, hours=12), status=BookingStatus.NO_SHOW)
    client.force_login(UserFactory(is_staff=True))
    response = client.get(HEALTH_PAGE, {"weeks": "13"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Platform health" in html
    for key in ("sessions", "no_show_rate", "dispute_rate", "outcome_rate", "accept_hours"):
        assert f'id="chart-{key}"' in html
    assert 'Week of 25 Feb 2030</th><td class="statement-table__amount">50%' in html


def test_people_other_than_staff_get_403(client, mentor):
    assert client.get(HEALTH_PAGE).status_code == 403


def test_health_pins_its_queries(client, django_assert_num_queries):
    mentor = MentorProfileFactory()
    for week in range(5):
        session(mentor, UserFactory(), weeks_ago(week))
    client.force_login(UserFactory(is_staff=True))
    client.get(HEALTH_PAGE)
    with django_assert_num_queries(2 + 4 + 1):
        assert client.get(HEALTH_PAGE).status_code == 200
