"""Situation pages: describe, see explained matches, refine (htmx or not), share, block, access."""

import re
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching import services
from headstrt.matching.models import MentorBlock, Situation, SituationShare
from headstrt.matching.query import MAX_PERSPECTIVES
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    SituationFactory,
    TopicFactory,
    UserFactory,
)
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)
TEXT = "I have a salary negotiation on Friday and want to ask for fifteen percent more."
FORM = {
    "text": TEXT,
    "title": "Salary talk",
    "area": "",
    "topic": "",
    "budget": "",
    "currency": "EUR",
    "languages": ["en"],
    "session_minutes": "",
    "timing": "any",
    "window_start": "",
    "window_end": "",
    "perspectives": "1",
}
REFINE = {key: value for key, value in FORM.items() if key not in ("text", "title")}


@pytest.fixture(autouse=True)
def fake_engine(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOW)
    use_fake_ranking(monkeypatch)


@pytest.fixture
def person(client):
    user = UserFactory(display_name="Mia Mentee", time_zone="Asia/Tokyo", languages=["en", "fr"])
    client.force_login(user)
    return user


@pytest.fixture
def negotiator(db):
    mentor = MentorProfileFactory(
        user__display_name="Nia Negotiator",
        headline="Former recruiter",
        bio="I help people prepare.",
        offers={30: 4000},
        user__languages=["en", "de"],
    )
    ExpertiseEntryFactory(
        mentor=mentor,
        topic=TopicFactory(name="Salary", slug="test-salary"),
        description="Salary negotiation <coaching>",
    )
    return mentor


def html_of(response) -> str:
    return response.content.decode()


def only_situation() -> Situation:
    (situation,) = Situation.objects.all()
    return situation


# --- describing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["web:situation_list", "web:situation_create", "web:situations_shared"]
)
def test_pages_need_a_login(client, name):
    response = client.get(reverse(name))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_guides_and_starts_from_the_persons_languages(client, person):
    html = html_of(client.get(reverse("web:situation_create")))

    assert "<h1" in html and "Find mentors for my situation" in html
    assert 'placeholder="What is happening, and what would a good outcome be?' in html
    textarea = re.search(r"<textarea[^>]*>", html).group(0)
    assert 'maxlength="5000"' in textarea and " required" in textarea
    assert re.search(r'for="id_text">Your situation</label>', html)  # not "(optional)"
    assert re.search(r'<option value="en" selected>English</option>', html)
    assert re.search(r'<option value="fr" selected>French</option>', html)
    assert 'type="datetime-local"' in html and "On your clock (Asia/Tokyo)." in html
    assert 'value="asap"' in html and "As soon as possible" in html
    assert 'aria-current="page">My situations</a>' in html


def test_saving_shows_the_explained_matches(client, person, negotiator):
    response = client.post(reverse("web:situation_create"), FORM)

    situation = only_situation()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:situation_matches", args=[situation.public_id])

    html = html_of(client.get(response["Location"]))
    assert "Mentors for “Salary talk”" in html and "1 mentor for your situation" in html
    assert "Nia Negotiator" in html and "Former recruiter" in html
    assert re.search(r"\d+% fit", html) and "<meter" in html
    assert "<mark>Salary</mark> <mark>negotiation</mark> &lt;coaching&gt;" in html
    assert "4.6 out of 5 (3 reviews)" in html and "75% reached their objective" in html
    assert "€40.00" in html and "English, German" in html
    assert "Tue 5 Mar, 19:00" in html  # the next free slot on the mentee's clock
    assert f'href="/mentors/{negotiator.user.public_id}/"' in html
    assert '>Share my situation<span class="visually-hidden"> with Nia Negotiator</span>' in html
    assert ">Never show this mentor<" in html


def test_the_window_is_read_on_the_persons_clock(client, person):
    client.post(
        reverse("web:situation_create"),
        {
            **FORM,
            "timing": "window",
            "window_start": "2030-03-08T09:00",
            "window_end": "2030-03-08T18:30",
        },
    )

    situation = only_situation()
    assert situation.window_start == datetime(2030, 3, 8, 0, 0, tzinfo=UTC)
    assert situation.window_end == datetime(2030, 3, 8, 9, 30, tzinfo=UTC)
    edit = html_of(client.get(reverse("web:situation_edit", args=[situation.public_id])))
    assert 'value="2030-03-08T09:00"' in edit and 'value="2030-03-08T18:30"' in edit


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"text": "   "}, "text", "Describe your situation"),
        ({"text": "x" * 20000}, "text", "20000 characters, at most 5000"),
        ({"budget": "0"}, "budget", "A budget must be more than zero"),
        ({"budget": "-20"}, "budget", "A budget must be more than zero"),
        ({"budget": "abc"}, "budget", "is not an amount of money"),
        ({"languages": ["xx"]}, "languages", "Select a valid choice"),
        (
            {
                "timing": "window",
                "window_start": "2030-03-01T09:00",
                "window_end": "2030-03-01T10:00",
            },
            "window_start",
            "which is in the past",
        ),
        (
            {
                "timing": "window",
                "window_start": "2030-03-09T09:00",
                "window_end": "2030-03-08T10:00",
            },
            "window_end",
            "must end after it starts",
        ),
        (
            {"timing": "any", "window_start": "2030-03-09T09:00"},
            "window_start",
            "To use these dates",
        ),
        ({"perspectives": "0"}, "perspectives", "at least one perspective"),
        ({"session_minutes": "20"}, "session_minutes", "Select a valid choice"),
    ],
)
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_saved(
    client, person, changes, field, message
):
    response = client.post(reverse("web:situation_create"), {**FORM, **changes})

    html = html_of(response)
    assert response.status_code == 200
    assert f'id="id_{field}_error"' in html and message in html
    assert 'role="alert"' in html
    assert not Situation.objects.exists()


def test_50_perspectives_are_capped_and_the_matches_page_says_so(client, person, negotiator):
    client.post(reverse("web:situation_create"), {**FORM, "perspectives": "50"})

    situation = only_situation()
    html = html_of(client.get(reverse("web:situation_matches", args=[situation.public_id])))

    assert situation.perspectives == MAX_PERSPECTIVES
    assert "You asked for 50 perspectives" in html and f"at most {MAX_PERSPECTIVES}" in html


def test_text_in_another_script_is_kept(client, person):
    client.post(reverse("web:situation_create"), {**FORM, "text": "Переговоры о зарплате 给我建议"})

    assert only_situation().text == "Переговоры о зарплате 给我建议"


# --- refining ---------------------------------------------------------------------------------


@pytest.fixture
def situation(person, negotiator):
    return services.situation_create(
        mentee=person, text=TEXT, title="Salary talk", languages=["en"]
    )


def matches_url(situation) -> str:
    return reverse("web:situation_matches", args=[situation.public_id])


def test_refining_without_javascript_saves_and_redirects(client, situation):
    response = client.post(
        matches_url(situation), {**REFINE, "budget": "50", "session_minutes": "30"}
    )

    assert response.status_code == 302 and response["Location"] == matches_url(situation)
    situation.refresh_from_db()
    assert (situation.budget_minor, situation.currency, situation.session_minutes) == (
        5000,
        "EUR",
        30,
    )
    assert situation.text == TEXT  # the words stay as they are


def test_refining_with_htmx_answers_only_the_results(client, situation):
    response = client.post(
        matches_url(situation), {**REFINE, "budget": "20"}, headers={"HX-Request": "true"}
    )

    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="matches"') and "<html" not in html
    assert 'id="matches-status" hx-swap-oob="innerHTML"' in html
    # Nobody fits within €20; the advice says which filter to relax, with a button.
    assert "No mentor passes all your filters" in html
    assert "No mentor fits within €20.00: relax the budget to see 1 mentors." in html
    assert ">Remove the budget</button>" in html
    situation.refresh_from_db()
    assert situation.budget_minor == 2000


def test_a_refused_refinement_is_explained_and_saves_nothing(client, situation):
    response = client.post(
        matches_url(situation), {**REFINE, "budget": "0"}, headers={"HX-Request": "true"}
    )

    html = html_of(response)
    assert "Please check the filters" in html and "A budget must be more than zero" in html
    assert 'href="#id_budget"' in html
    situation.refresh_from_db()
    assert situation.budget_minor is None


def test_relaxing_a_filter_from_the_advice(client, situation):
    services.situation_update(
        user=situation.mentee, situation_id=situation.public_id, languages=["is"]
    )
    page = html_of(client.get(matches_url(situation)))
    assert "No mentor speaks Icelandic within your other filters" in page
    assert ">Allow any language</button>" in page

    response = client.post(
        reverse("web:situation_relax", args=[situation.public_id]),
        {"filter": "language"},
        headers={"HX-Request": "true"},
    )

    assert "Nia Negotiator" in html_of(response) and "Filter removed" in html_of(response)
    assert list(Situation.objects.get(pk=situation.pk).languages.all()) == []


# --- sharing and blocking -----------------------------------------------------------------------


def test_sharing_with_a_mentor_from_a_match_and_stopping(client, situation, negotiator):
    mentor_id = negotiator.user.public_id

    response = client.post(
        reverse("web:situation_share", args=[situation.public_id]), {"mentor": mentor_id}
    )

    assert response.status_code == 302
    assert response["Location"] == matches_url(situation) + f"#match-{mentor_id}"
    assert SituationShare.objects.filter(situation=situation, mentor=negotiator.user).exists()
    page = html_of(client.get(response["Location"]))
    assert "Nia Negotiator can now read this situation." in page and ">Stop sharing<" in page
    detail = html_of(client.get(reverse("web:situation_detail", args=[situation.public_id])))
    assert "Shared with" in detail and "Nia Negotiator" in detail

    client.post(
        reverse("web:situation_unshare", args=[situation.public_id]),
        {"mentor": mentor_id, "back": "detail"},
    )
    assert not SituationShare.objects.exists()


def test_never_show_this_mentor_and_undo(client, situation, negotiator):
    response = client.post(
        reverse("web:mentor_block"),
        {"mentor": negotiator.user.public_id, "situation": situation.public_id},
    )

    assert response["Location"] == matches_url(situation)
    page = html_of(client.get(matches_url(situation)))
    assert "You will not see Nia Negotiator in your matches again" in page
    assert "Former recruiter" not in page
    listing = html_of(client.get(reverse("web:situation_list")))
    assert "Mentors you blocked" in listing and "Nia Negotiator" in listing

    client.post(reverse("web:mentor_unblock"), {"mentor": negotiator.user.public_id})
    assert not MentorBlock.objects.exists()
    assert "Former recruiter" in html_of(client.get(matches_url(situation)))


# --- my situations --------------------------------------------------------------------------------


def test_my_situations_lists_them_with_their_actions(client, person):
    situation = SituationFactory(mentee=person, title="Teenager stopped talking")
    SituationFactory(title="Someone else's")

    html = html_of(client.get(reverse("web:situation_list")))

    assert "Teenager stopped talking" in html and "Someone else" not in html
    for name in ("situation_matches", "situation_edit", "situation_delete", "situation_detail"):
        assert reverse(f"web:{name}", args=[situation.public_id]) in html
    assert 'aria-label="Situations"' in html


@pytest.mark.parametrize("count", [1, 15])
def test_my_situations_page_queries_do_not_grow_with_situations(
    client, person, django_assert_num_queries, count
):
    mentor = MentorProfileFactory().user
    topic = TopicFactory(parent=TopicFactory())
    for _ in range(count):
        SituationFactory(mentee=person, topic=topic, languages=["en", "fr"], shared_with=[mentor])
    MentorBlock.objects.create(mentee=person, mentor=MentorProfileFactory().user)

    # session, user; count, page with topic paths and share counts, its languages and shares;
    # blocked mentors; unread notifications (the badge)
    with django_assert_num_queries(8):
        response = client.get(reverse("web:situation_list"))

    assert len(response.context["page"].items) == count


def test_edit_and_delete(client, situation):
    edit = reverse("web:situation_edit", args=[situation.public_id])
    assert "Salary talk" in html_of(client.get(edit))

    response = client.post(edit, {**FORM, "title": "Pay rise", "timing": "asap"})

    assert response["Location"] == matches_url(situation)
    situation.refresh_from_db()
    assert situation.title == "Pay rise" and situation.as_soon_as_possible

    delete = reverse("web:situation_delete", args=[situation.public_id])
    assert "Delete “Pay rise”?" in html_of(client.get(delete))
    assert client.post(delete)["Location"] == reverse("web:situation_list")
    assert not Situation.objects.exists()


# --- who may see what ---------------------------------------------------------------------------


def every_url(situation, mentor_id: str) -> list[tuple[str, str, dict]]:
    args = [situation.public_id]
    return [
        ("get", reverse("web:situation_detail", args=args), {}),
        ("get", reverse("web:situation_matches", args=args), {}),
        ("post", reverse("web:situation_matches", args=args), REFINE),
        ("get", reverse("web:situation_edit", args=args), {}),
        ("post", reverse("web:situation_edit", args=args), FORM),
        ("get", reverse("web:situation_delete", args=args), {}),
        ("post", reverse("web:situation_delete", args=args), {}),
        ("post", reverse("web:situation_relax", args=args), {"filter": "budget"}),
        ("post", reverse("web:situation_share", args=args), {"mentor": mentor_id}),
        ("post", reverse("web:situation_unshare", args=args), {"mentor": mentor_id}),
    ]


def snapshot(situation) -> tuple:
    fresh = Situation.objects.get(pk=situation.pk)
    return fresh.title, fresh.text, fresh.budget_minor, fresh.updated_at, fresh.shares.count()


def test_another_person_gets_404_everywhere_and_changes_nothing(client, situation, negotiator):
    services.situation_update(
        user=situation.mentee, situation_id=situation.public_id, budget=Money(9000, "EUR")
    )
    before = snapshot(situation)
    client.force_login(UserFactory())

    for method, url, data in every_url(situation, negotiator.user.public_id):
        response = getattr(client, method)(url, data)
        assert response.status_code == 404, (method, url)
        assert "Salary talk" not in html_of(response)
    assert snapshot(situation) == before
    assert "Salary talk" not in html_of(client.get(reverse("web:situations_shared")))


def test_a_mentor_it_is_shared_with_reads_it_but_cannot_change_it(client, situation, negotiator):
    services.situation_share(
        user=situation.mentee, situation_id=situation.public_id, mentor_id=negotiator.user.public_id
    )
    before = snapshot(situation)
    client.force_login(negotiator.user)

    shared = html_of(client.get(reverse("web:situations_shared")))
    detail = html_of(client.get(reverse("web:situation_detail", args=[situation.public_id])))

    assert "Salary talk" in shared and "From Mia Mentee" in shared
    assert TEXT in detail and "Mia Mentee shared this situation with you" in detail
    assert reverse("web:situation_edit", args=[situation.public_id]) not in detail
    assert "Stop sharing" not in detail  # who else may read it is the mentee's business
    for method, url, data in every_url(situation, negotiator.user.public_id)[1:]:
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)
        assert "Only the person who described this situation can" in html_of(response)
    assert snapshot(situation) == before


def test_pages_keep_the_content_security_policy(client, situation, negotiator):
    urls = [
        reverse("web:situation_list"),
        reverse("web:situation_create"),
        reverse("web:situations_shared"),
        matches_url(situation),
        reverse("web:situation_detail", args=[situation.public_id]),
        reverse("web:situation_edit", args=[situation.public_id]),
        reverse("web:situation_delete", args=[situation.public_id]),
    ]
    for url in urls:
        html = html_of(client.get(url))
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url
