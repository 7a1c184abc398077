"""Situation services and selectors: saving, every bad input (nothing saved), the query, matches."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.matching import selectors, services
from headstrt.matching.models import Situation, SituationShare
from headstrt.matching.query import MAX_PERSPECTIVES, MatchResult
from tests.clock import frozen_at
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    SituationFactory,
    TopicFactory,
    UserFactory,
)
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # a Monday
TEXT = "I have a salary negotiation on Friday and want to ask for fifteen percent more."

frozen = frozen_at(NOW)


@pytest.fixture
def mentee(db):
    return UserFactory(display_name="Mia Mentee", time_zone="Asia/Tokyo", languages=["en", "fr"])


def refused(code: str, field: str | None, **kwargs) -> DomainError:
    """Creating a situation with ``kwargs`` must fail with ``code`` on ``field``, saving nothing."""
    before = Situation.objects.count()
    with pytest.raises(DomainError) as caught:
        services.situation_create(**kwargs)
    assert (caught.value.code, caught.value.field) == (code, field), caught.value.message
    assert Situation.objects.count() == before
    return caught.value


def stored(situation: Situation) -> dict:
    fresh = Situation.objects.get(pk=situation.pk)
    return {
        "title": fresh.title,
        "text": fresh.text,
        "area": fresh.area,
        "topic": fresh.topic_id,
        "budget": (fresh.budget_minor, fresh.currency),
        "languages": sorted(fresh.languages.values_list("code", flat=True)),
        "session_minutes": fresh.session_minutes,
        "timing": (fresh.as_soon_as_possible, fresh.window_start, fresh.window_end),
        "perspectives": (fresh.perspectives, fresh.perspectives_requested),
    }


# --- creating -------------------------------------------------------------------------------


def test_create_saves_every_field(mentee):
    topic = TopicFactory(slug="test-salary", name="Salary")

    situation = services.situation_create(
        mentee=mentee,
        text=f"  {TEXT}\r\nThanks.  ",
        title=" Salary talk ",
        area="professional",
        topic="test-salary",
        budget=Money(5000, "eur"),
        languages=["FR"],
        session_minutes=30,
        window_start=NOW + timedelta(days=1),
        window_end=NOW + timedelta(days=3),
        perspectives=3,
    )

    assert stored(situation) == {
        "title": "Salary talk",
        "text": f"{TEXT}\nThanks.",
        "area": "professional",
        "topic": topic.pk,
        "budget": (5000, "EUR"),
        "languages": ["fr"],
        "session_minutes": 30,
        "timing": (False, NOW + timedelta(days=1), NOW + timedelta(days=3)),
        "perspectives": (3, 3),
    }
    assert len(situation.public_id) == 12


def test_languages_default_to_the_persons_own_and_an_empty_list_means_any(mentee):
    default = services.situation_create(mentee=mentee, text=TEXT)
    any_language = services.situation_create(mentee=mentee, text=TEXT, languages=[])

    assert stored(default)["languages"] == ["en", "fr"]
    assert stored(any_language)["languages"] == []
    assert stored(default)["budget"] == (None, "")  # any price


def test_a_window_without_a_zone_is_read_on_the_persons_clock(mentee):
    situation = services.situation_create(
        mentee=mentee,
        text=TEXT,
        window_start=datetime(2030, 3, 8, 9, 0),  # 09:00 in Tokyo
        window_end=datetime(2030, 3, 8, 18, 30),
    )

    timing = stored(situation)["timing"]
    assert timing[1] == datetime(2030, 3, 8, 0, 0, tzinfo=UTC)
    assert timing[2] == datetime(2030, 3, 8, 9, 30, tzinfo=UTC)


def test_text_in_any_script_is_kept_as_written(mentee):
    text = "Мне нужно подготовиться к переговорам о зарплате. 我需要帮助 🙂 مرحبا"

    situation = services.situation_create(mentee=mentee, text=text)

    assert stored(situation)["text"] == text


def test_as_soon_as_possible(mentee):
    situation = services.situation_create(mentee=mentee, text=TEXT, as_soon_as_possible=True)

    assert stored(situation)["timing"] == (True, None, None)


# --- refusing bad input ----------------------------------------------------------------------


def test_empty_text_is_refused_with_a_request_to_describe_it(mentee):
    for text in ("", "   \n\t ", None):
        error = refused("required", "text", mentee=mentee, text=text)
        assert error.message.startswith("Describe your situation")


def test_a_20000_character_text_is_refused_with_the_counts(mentee):
    error = refused("too_long", "text", mentee=mentee, text="word " * 4000)

    assert "19999" in error.message and "5000" in error.message


def test_a_5000_character_text_is_accepted(mentee):
    situation = services.situation_create(mentee=mentee, text="x" * 5000)

    assert len(stored(situation)["text"]) == 5000


FUTURE = NOW + timedelta(days=2)


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"title": "t" * 121}, "too_long", "title"),
        ({"text": "nul\x00byte"}, "invalid_text", "text"),
        ({"text": "lone \ud800 surrogate"}, "invalid_text", "text"),
        ({"title": "\udfff"}, "invalid_text", "title"),
        ({"topic": "\ud800"}, "unknown_topic", "topic"),
        ({"languages": ["\ud800"]}, "unknown_language", "languages"),
        ({"languages": ["xx"]}, "unknown_language", "languages"),
        ({"languages": ["en", "klingon"]}, "unknown_language", "languages"),
        (
            {"languages": ["en", "fr", "de", "es", "it", "pt", "nl", "sv", "pl", "hi", "ja"]},
            "too_many_languages",
            "languages",
        ),
        ({"budget": Money(0, "EUR")}, "invalid_budget", "budget"),
        ({"budget": Money(-2000, "EUR")}, "invalid_budget", "budget"),
        ({"budget": Money(10**9, "EUR")}, "invalid_budget", "budget"),
        ({"budget": Money(2000, "XYZ")}, "unknown_currency", "currency"),
        ({"session_minutes": 20}, "invalid_session_length", "session_minutes"),
        ({"session_minutes": True}, "invalid_session_length", "session_minutes"),
        (
            {"window_start": NOW - timedelta(days=3), "window_end": NOW - timedelta(days=2)},
            "window_in_past",
            "window_start",
        ),
        ({"window_start": FUTURE, "window_end": FUTURE}, "invalid_window", "window_end"),
        (
            {"window_start": FUTURE, "window_end": FUTURE - timedelta(hours=1)},
            "invalid_window",
            "window_end",
        ),
        ({"window_start": FUTURE}, "incomplete_window", "window_end"),
        ({"window_end": FUTURE}, "incomplete_window", "window_start"),
        (
            {
                "as_soon_as_possible": True,
                "window_start": FUTURE,
                "window_end": FUTURE + timedelta(hours=2),
            },
            "conflicting_timing",
            "window_start",
        ),
        (
            {"window_start": FUTURE, "window_end": NOW + timedelta(days=400)},
            "window_too_far",
            "window_end",
        ),
        ({"perspectives": 0}, "out_of_range", "perspectives"),
        ({"perspectives": -3}, "out_of_range", "perspectives"),
        ({"perspectives": "5"}, "invalid_number", "perspectives"),
        ({"topic": "no-such-topic"}, "unknown_topic", "topic"),
        ({"area": "spiritual"}, "unknown_area", "area"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(mentee, changes, code, field):
    refused(code, field, **{"mentee": mentee, "text": TEXT, **changes})


def test_a_window_in_the_past_says_when_it_ended_on_the_persons_clock(mentee):
    error = refused(
        "window_in_past",
        "window_start",
        mentee=mentee,
        text=TEXT,
        window_start=datetime(2030, 3, 1, 9, 0),
        window_end=datetime(2030, 3, 1, 11, 0),
    )

    assert "1 Mar 2030, 11:00 (Asia/Tokyo)" in error.message
    assert "As soon as possible" in error.message


def test_a_request_for_50_perspectives_is_capped_and_the_matches_say_so(mentee, monkeypatch):
    use_fake_ranking(monkeypatch)
    MentorProfileFactory()

    situation = services.situation_create(mentee=mentee, text=TEXT, perspectives=50)
    result = selectors.situation_matches(
        situation=selectors.situation_get_for_viewer(
            situation_id=situation.public_id, viewer=mentee
        ),
        viewer=mentee,
    )

    assert stored(situation)["perspectives"] == (MAX_PERSPECTIVES, 50)
    assert selectors.situation_query(situation).perspectives == MAX_PERSPECTIVES
    [notice] = result.notices
    assert "50 perspectives" in notice and f"at most {MAX_PERSPECTIVES}" in notice


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(requested=st.integers(min_value=-5, max_value=10**12))
def test_perspectives_are_refused_below_one_and_capped_above_the_maximum(mentee, requested):
    before = Situation.objects.count()
    try:
        situation = services.situation_create(mentee=mentee, text=TEXT, perspectives=requested)
    except DomainError as error:
        assert requested < 1 and error.field == "perspectives"
        assert Situation.objects.count() == before
        return
    assert requested >= 1
    assert situation.perspectives == min(requested, MAX_PERSPECTIVES)
    assert bool(selectors.situation_notices(situation)) == (requested > MAX_PERSPECTIVES)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(alphabet=st.characters(), max_size=5200))
def test_any_text_is_saved_as_written_or_refused_whole(mentee, text):
    before = Situation.objects.count()
    expected = text.replace("\r\n", "\n").strip()
    # JSON can carry NUL characters and lone surrogates, but no database can store them.
    storable = "\x00" not in text and not any("\ud800" <= c <= "\udfff" for c in text)
    try:
        situation = services.situation_create(mentee=mentee, text=text)
    except DomainError as error:
        assert error.field == "text"
        assert not storable or not expected or len(expected) > 5000
        assert Situation.objects.count() == before
        return
    assert Situation.objects.get(pk=situation.pk).text == expected
    assert storable and 1 <= len(expected) <= 5000


# --- updating and deleting ----------------------------------------------------------------------


def test_update_changes_only_what_is_given(mentee):
    situation = services.situation_create(
        mentee=mentee, text=TEXT, title="Kept", budget=Money(3000, "EUR"), session_minutes=30
    )

    services.situation_update(
        user=mentee, situation_id=situation.public_id, budget=None, perspectives=2
    )

    after = stored(situation)
    assert after["title"] == "Kept" and after["session_minutes"] == 30
    assert after["budget"] == (None, "") and after["perspectives"] == (2, 2)


def test_a_refused_update_changes_nothing(mentee):
    situation = services.situation_create(mentee=mentee, text=TEXT, budget=Money(3000, "EUR"))
    before = stored(situation)

    with pytest.raises(DomainError) as caught:
        services.situation_update(
            user=mentee,
            situation_id=situation.public_id,
            title="Changed",
            languages=["de"],
            budget=Money(-1, "EUR"),
        )

    assert caught.value.code == "invalid_budget"
    assert stored(situation) == before


def test_a_kept_window_may_have_passed_but_a_new_one_may_not(mentee, frozen):
    situation = services.situation_create(
        mentee=mentee, text=TEXT, window_start=FUTURE, window_end=FUTURE + timedelta(hours=2)
    )
    frozen.set(FUTURE + timedelta(days=1))

    services.situation_update(
        user=mentee,
        situation_id=situation.public_id,
        title="Retitled",
        as_soon_as_possible=False,
        window_start=FUTURE,
        window_end=FUTURE + timedelta(hours=2),
    )
    with pytest.raises(DomainError) as caught:
        services.situation_update(
            user=mentee, situation_id=situation.public_id, window_end=FUTURE + timedelta(hours=3)
        )

    assert caught.value.code == "window_in_past"
    assert stored(situation)["title"] == "Retitled"


def test_choosing_as_soon_as_possible_replaces_the_window_and_back(mentee):
    situation = services.situation_create(
        mentee=mentee, text=TEXT, window_start=FUTURE, window_end=FUTURE + timedelta(hours=2)
    )

    services.situation_update(
        user=mentee, situation_id=situation.public_id, as_soon_as_possible=True
    )
    assert stored(situation)["timing"] == (True, None, None)

    services.situation_update(
        user=mentee,
        situation_id=situation.public_id,
        window_start=FUTURE,
        window_end=FUTURE + timedelta(hours=1),
    )
    assert stored(situation)["timing"] == (False, FUTURE, FUTURE + timedelta(hours=1))


def test_relaxing_a_filter_drops_it(mentee):
    situation = services.situation_create(
        mentee=mentee, text=TEXT, budget=Money(2000, "EUR"), languages=["fr"]
    )

    services.situation_relax(user=mentee, situation_id=situation.public_id, filter="budget")
    services.situation_relax(user=mentee, situation_id=situation.public_id, filter="language")

    assert stored(situation)["budget"] == (None, "") and stored(situation)["languages"] == []
    with pytest.raises(DomainError) as caught:
        services.situation_relax(user=mentee, situation_id=situation.public_id, filter="text")
    assert caught.value.code == "unknown_filter"


def test_delete_removes_the_situation_and_its_shares(mentee):
    mentor = MentorProfileFactory().user
    situation = SituationFactory(mentee=mentee, shared_with=[mentor])

    services.situation_delete(user=mentee, situation_id=situation.public_id)

    assert not Situation.objects.exists() and not SituationShare.objects.exists()


# --- the query and the matches ----------------------------------------------------------------


def test_the_query_carries_the_situation_and_the_persons_zone(mentee):
    TopicFactory(slug="test-salary", name="Salary")
    situation = services.situation_create(
        mentee=mentee,
        text=TEXT,
        title="Friday",
        topic="test-salary",
        area="professional",
        budget=Money(4000, "EUR"),
        languages=["fr", "en"],
        session_minutes=45,
        as_soon_as_possible=True,
    )

    query = selectors.situation_query(
        selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=mentee)
    )

    assert query.text == f"Friday\n\n{TEXT}"
    assert query.mentee_id == mentee.pk and query.time_zone == "Asia/Tokyo"
    assert (query.topic, query.area) == ("test-salary", "professional")
    assert query.budget == Money(4000, "EUR") and query.languages == ("en", "fr")
    assert query.session_minutes == 45 and query.as_soon_as_possible
    assert query.window_start is None and query.perspectives == 1


def test_matches_are_explained_and_never_show_blocked_mentors_or_oneself(mentee, monkeypatch):
    use_fake_ranking(monkeypatch)
    negotiator = MentorProfileFactory(user__display_name="Nia Negotiator", bio="Recruiter.")
    ExpertiseEntryFactory(
        mentor=negotiator, topic__name="Salary", description="Salary negotiation coaching"
    )
    blocked = MentorProfileFactory(user__display_name="Blocked Person")
    MentorProfileFactory(user=mentee)  # the mentee is a mentor too
    situation = services.situation_create(mentee=mentee, text=TEXT, languages=[])
    services.mentor_block(mentee=mentee, mentor_id=blocked.user.public_id)

    result = selectors.situation_matches(situation=situation, viewer=mentee)

    assert isinstance(result, MatchResult)
    names = [match.mentor.user.display_name for match in result.matches]
    assert names == ["Nia Negotiator"]
    [reason] = result.matches[0].reasons
    assert reason.kind == "expertise" and set(reason.matched_terms) == {"negotiation", "salary"}


def test_no_mentor_passing_the_filters_gives_advice_on_which_to_relax(mentee, monkeypatch):
    use_fake_ranking(monkeypatch)
    MentorProfileFactory(offers={30: 4000}, user__languages=["en"])
    MentorProfileFactory(offers={30: 1000}, user__languages=["en"])
    situation = services.situation_create(
        mentee=mentee, text=TEXT, languages=["is"], budget=Money(2000, "EUR")
    )

    result = selectors.situation_matches(situation=situation, viewer=mentee)

    assert result.matches == []
    assert {item.filter: item.mentors for item in result.relaxations} == {"language": 1}
    assert "Icelandic" in result.relaxations[0].message


def test_matches_limit_is_checked(mentee, monkeypatch):
    use_fake_ranking(monkeypatch)
    situation = services.situation_create(mentee=mentee, text=TEXT)

    for limit in (0, 51):
        with pytest.raises(DomainError) as caught:
            selectors.situation_matches(situation=situation, viewer=mentee, limit=limit)
        assert caught.value.field == "limit"


def test_the_ranking_engine_answers_a_situations_query(mentee):
    MentorProfileFactory()
    situation = services.situation_create(
        mentee=mentee, text="Мне нужен совет 🙂", perspectives=50, as_soon_as_possible=True
    )

    result = selectors.situation_matches(situation=situation, viewer=mentee)

    assert isinstance(result, MatchResult)
    assert "50 perspectives" in result.notices[0]
