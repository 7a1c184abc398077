"""The mentor directory: filters, pagination, the htmx results fragment and its SQL budget."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Value
from django.db.models.functions import Upper
from django.urls import reverse

from headstrt.accounts import selectors
from headstrt.accounts.models import Language, MentorProfile, SessionOffer, Topic, User
from headstrt.core import clock
from tests.factories import (
    DIRECTORY_FILTER_CASES,
    ExpertiseEntryFactory,
    MentorProfileFactory,
    TopicFactory,
    directory_sample,
)
from tests.matching.track_record import reviews_of

pytestmark = pytest.mark.django_db

URL = "/mentors/"


def names(response) -> list[str]:
    return [mentor.user.display_name for mentor in response.context["page"].items]


def test_directory_lists_active_mentors_for_anyone(client):
    MentorProfileFactory(user__display_name="Listed One")
    MentorProfileFactory(user__display_name="Paused One", is_active=False)

    response = client.get(reverse("web:mentor_directory"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Listed One" in html and "Paused One" not in html
    assert 'role="search"' in html and ">Search</button>" in html
    assert "<h1" in html and "1 mentor</h2>" in html


@pytest.mark.parametrize(("params", "expected"), DIRECTORY_FILTER_CASES)
def test_filters_narrow_the_results(client, params, expected):
    directory_sample()

    assert names(client.get(URL, params)) == expected


def test_a_bad_filter_is_explained(client):
    response = client.get(URL, {"max_price": "-3", "currency": "EUR"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["page"] is None
    assert "A price cannot be negative." in html and 'id="id_max_price_error"' in html


def test_pagination_links_keep_the_filters(client):
    for index in range(23):
        MentorProfileFactory(user__display_name=f"Mentor {index:02}", headline="Coach")

    first = client.get(URL, {"q": "Coach"})
    second = client.get(URL, {"q": "Coach", "page": "2"})

    assert len(first.context["page"].items) == 20
    assert len(second.context["page"].items) == 3
    html, html_2 = first.content.decode(), second.content.decode()
    assert 'href="?q=Coach&amp;page=2" aria-label="Page 2"' in html and "Page 1 of 2" in html
    assert 'href="?q=Coach&amp;page=2" aria-current="page" aria-label="Page 2"' in html_2
    assert ">Next</a>" in html and ">Previous</a>" in html_2


def test_htmx_request_gets_only_the_results_fragment(client):
    MentorProfileFactory(user__display_name="Fragment Person")

    response = client.get(URL, {"q": "Fragment"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="results"')
    assert "<html" not in html and "<form" not in html
    assert "Fragment Person" in html
    assert 'id="results-status" hx-swap-oob="innerHTML"' in html
    assert "HX-Request" in response["Vary"]


def test_the_full_page_carries_the_htmx_wiring(client):
    html = client.get(URL).content.decode()

    assert 'hx-get="/mentors/"' in html and 'hx-target="#results"' in html
    assert 'hx-push-url="true"' in html
    assert "django_htmx/htmx-2.min.js" in html
    assert '"includeIndicatorStyles": false' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html


def test_history_restore_gets_the_whole_page(client):
    response = client.get(URL, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert "<html" in response.content.decode()


@pytest.mark.parametrize("mentors", [1, 20])
def test_directory_page_queries_do_not_grow_with_mentors(
    client, django_assert_num_queries, mentors
):
    topic = TopicFactory()
    for _ in range(mentors):
        mentor = MentorProfileFactory(offers={30: 4000, 60: 7000})
        ExpertiseEntryFactory(mentor=mentor, topic=topic)
        ExpertiseEntryFactory(mentor=mentor)
        reviews_of(mentor, [5, 4])

    # topics + languages for the filter choices, count, page, then the expertise (with topic
    # paths) and the languages of the whole page, and the page's ratings
    with django_assert_num_queries(7):
        response = client.get(URL)

    assert len(response.context["page"].items) == mentors


def test_cards_show_the_rating_with_its_review_count(client):
    rated = MentorProfileFactory(user__display_name="Rated Mentor")
    MentorProfileFactory(user__display_name="New Mentor")
    reviews_of(rated, [5] * 9 + [4])

    html = client.get(URL).content.decode()

    assert '<span aria-hidden="true">★</span> 4.6 out of 5 (10 reviews)' in html
    assert html.count("out of 5") == 1  # nothing made up for the mentor without reviews


@pytest.mark.parametrize("url", ["/", URL])
def test_cards_show_the_expertise_in_the_profile_order_and_the_languages_spoken(client, url):
    career = TopicFactory(name="Career")
    salary = TopicFactory(name="Salary talks", parent=career)
    mentor = MentorProfileFactory(user__languages=["fr", "en"])
    for years, topic in [(3, TopicFactory(name="Moving")), (9, salary), (1, career)]:
        ExpertiseEntryFactory(mentor=mentor, topic=topic, years=years)
    ExpertiseEntryFactory(mentor=mentor, topic=TopicFactory(name="Teens"), years=2)
    MentorProfileFactory(user__display_name="Quiet Mentor", user__languages=["de"])

    html = client.get(url).content.decode()

    assert (
        '<li class="tag">Career › Salary talks</li><li class="tag">Moving</li>'
        '<li class="tag">Teens</li>\n    <li class="tag tag--more">+1 more</li>'
    ) in html
    assert "<dt>Speaks</dt><dd>English, French</dd>" in html
    assert "<dt>Speaks</dt><dd>German</dd>" in html
    assert html.count('aria-label="Expertise"') == 1  # no list for the mentor without any


@pytest.mark.parametrize("url", ["/", URL])
def test_a_card_shows_a_change_of_its_mentor_at_once(client, url):
    mentor = MentorProfileFactory(
        user__display_name="Ada Mentor", headline="Salary talks", offers={30: 4000}
    )
    ExpertiseEntryFactory(mentor=mentor, topic=TopicFactory(name="Career"))
    html = client.get(url).content.decode()
    assert "Ada Mentor" in html and "Salary talks" in html and "From €40.00" in html

    User.objects.filter(pk=mentor.user_id).update(display_name="Ada Lovelace")
    MentorProfile.objects.filter(pk=mentor.pk).update(headline="Pay rises")
    SessionOffer.objects.filter(mentor=mentor).update(price_minor=0)
    ExpertiseEntryFactory(mentor=mentor, topic=TopicFactory(name="Moving"), years=40)
    mentor.user.languages.add("de")
    reviews_of(mentor, [4])

    html = client.get(url).content.decode()
    assert "Ada Lovelace" in html and "Pay rises" in html and "Free sessions" in html
    assert '<li class="tag">Moving</li><li class="tag">Career</li>' in html
    assert "<dd>English, German</dd>" in html and "out of 5 (1 review)" in html
    assert "Ada Mentor" not in html and "Salary talks" not in html


def test_the_filters_offer_a_new_or_renamed_topic_or_language_at_once(client):
    topic = TopicFactory(name="Salary talks", slug="salary-talks")
    assert '<option value="salary-talks">Salary talks</option>' in client.get(URL).content.decode()

    Topic.objects.filter(pk=topic.pk).update(name="Pay rises")
    TopicFactory(name="Moving abroad", slug="moving-abroad")
    Language.objects.create(code="zz", name="Zedish")

    html = client.get(URL + "?topic=moving-abroad").content.decode()
    assert '<option value="salary-talks">Pay rises</option>' in html
    assert '<option value="moving-abroad" selected>Moving abroad</option>' in html
    assert '<option value="zz">Zedish</option>' in html


def test_a_mentor_paused_for_lapses_is_not_listed(client):
    paused = MentorProfileFactory(user__display_name="Paused For Lapses")
    MentorProfileFactory(user__display_name="Listed One")
    User.objects.filter(pk=paused.user_id).update(paused_until=clock.now() + timedelta(days=3))

    assert names(client.get(URL)) == ["Listed One"]
    assert "Paused For Lapses" not in client.get("/").content.decode()


def test_a_search_finds_by_headline_bio_name_topic_and_description_in_any_case(client):
    by_headline = MentorProfileFactory(user__display_name="Ann", headline="Zorbing blorfcoach")
    MentorProfileFactory(user__display_name="Ben", bio="I help with ZORBINGS.")
    MentorProfileFactory(user__display_name="Cat Zorbinger")
    ExpertiseEntryFactory(
        mentor__user__display_name="Dan", topic=TopicFactory(name="Salary zorbing")
    )
    ExpertiseEntryFactory(mentor__user__display_name="Eve", description="Years of zorbing.")
    ExpertiseEntryFactory(mentor__user__display_name="Fay", description="Years of teaching.")
    # found by its headline and by an area of expertise, listed once
    ExpertiseEntryFactory(mentor=by_headline, description="Zorbing for engineers.")

    found = names(client.get(URL, {"q": "zorbin"}))

    assert sorted(found) == ["Ann", "Ben", "Cat Zorbinger", "Dan", "Eve"]
    # words generated text never holds: a random bio cannot match by chance
    assert names(client.get(URL, {"q": "ZORBING blorf"})) == [by_headline.user.display_name]


def test_every_word_of_a_search_must_match_somewhere(client):
    ExpertiseEntryFactory(
        mentor__user__display_name="Both",
        mentor__headline="Career coach",
        description="Years of parenting.",
    )
    MentorProfileFactory(user__display_name="Only One", headline="Career coach")

    assert names(client.get(URL, {"q": "parenting career"})) == ["Both"]


def test_past_the_counted_mentors_the_page_says_more_than(client, monkeypatch):
    monkeypatch.setattr(selectors, "COUNTED_MENTORS", 20)
    for index in range(45):
        MentorProfileFactory(user__display_name=f"Mentor {index:02}")

    first = client.get(URL)
    second = client.get(URL, {"page": "2"}).context["page"]
    third = client.get(URL, {"page": "3"}).context["page"]

    html = first.content.decode()
    assert first.context["page"].is_total_exact is False
    assert "More than 20 mentors</h2>" in html and "Page 1</p>" in html
    assert 'aria-label="Page 2"' in html and ">Next</a>" in html
    # a page further on is counted at least to itself, so it knows there is a next one
    assert (second.is_total_exact, second.has_next, len(second.items)) == (False, True, 20)
    assert (third.is_total_exact, third.total, len(third.items)) == (True, 45, 5)


def test_a_count_within_the_bound_is_exact(client):
    for index in range(3):
        MentorProfileFactory(user__display_name=f"Mentor {index}")

    response = client.get(URL, headers={"HX-Request": "true"})

    assert response.context["page"].is_total_exact
    assert "3 mentors</h2>" in response.content.decode()
    assert "3 mentors found." in response.content.decode()


def test_a_huge_page_number_is_a_page_with_nothing_on_it(client):
    MentorProfileFactory(user__display_name="Only Mentor")

    response = client.get(URL, {"page": str(10**20)})

    assert response.status_code == 200
    assert "There is no page" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL's")
def test_on_postgresql_a_search_word_can_be_looked_up_in_the_search_text_index():
    # The index must be on the very expression the search compares, or it is never used.
    found = MentorProfile.objects.filter(search_text__contains=Upper(Value("negotiation")))
    sql, params = found.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "Bitmap Index Scan on accounts_mentor_search_text_trgm" in plan
