"""Ranking a situation: relevance, hard filters and relaxations, blocks, diversity, freshness."""

from datetime import time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from headstrt.accounts import services as accounts
from headstrt.accounts.models import Area
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching.indexing import mentor_index
from headstrt.matching.models import MentorBlock
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import _bounded_newcomers, rank_mentors
from headstrt.scheduling import services as scheduling
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory

pytestmark = pytest.mark.django_db

SALARY = "I have a salary negotiation on Friday and want to ask for a raise"


@pytest.fixture
def topics():
    return {
        "salary": TopicFactory(slug="t-salary", name="Salary negotiation", area=Area.PROFESSIONAL),
        "teens": TopicFactory(slug="t-teens", name="Parenting teenagers", area=Area.PERSONAL),
        "sleep": TopicFactory(slug="t-sleep", name="Sleep", area=Area.PERSONAL),
    }


def mentor(name, topic, description, **profile):
    profile.setdefault("bio", "I coach people.")  # fixed, so only the expertise differs
    entry = ExpertiseEntryFactory(
        mentor=MentorProfileFactory(user__display_name=name, headline=f"{name} helps", **profile),
        topic=topic,
        description=description,
    )
    return entry.mentor


def names(result):
    return [match.mentor.user.display_name for match in result.matches]


def test_the_mentor_whose_expertise_fits_ranks_first_with_reasons(topics):
    mentor("Sleep Coach", topics["sleep"], "Insomnia and rest routines")
    mentor("Pay Expert", topics["salary"], "Negotiating offers and raises as a recruiter")
    mentor("Family Guide", topics["teens"], "When a teenager stops talking")

    result = rank_mentors(SituationQuery(text=SALARY), limit=3)

    assert names(result)[0] == "Pay Expert"
    best = result.matches[0]
    assert best.score > result.matches[-1].score
    assert any("salary" in reason.matched_terms for reason in best.reasons)
    assert any("Salary negotiation" in reason.text for reason in best.reasons)
    assert best.price == Money(4000, "EUR")


def test_meaning_matches_without_shared_words(topics):
    mentor("Pay Expert", topics["salary"], "Negotiating offers and raises as a recruiter")
    mentor("Family Guide", topics["teens"], "Parents and adolescents who stopped communicating")

    result = rank_mentors(
        SituationQuery(text="my teenage son barely speaks to us anymore"), limit=2
    )

    assert names(result)[0] == "Family Guide"


def test_hard_filters_drop_mentors_and_explain_which_filter_to_relax(topics):
    mentor("French Speaker", topics["salary"], "Raises", user__languages=["fr"])
    mentor("Expensive", topics["salary"], "Raises", offers={30: 90_000})

    only_icelandic = rank_mentors(SituationQuery(text=SALARY, languages=("is",)))
    cheap = rank_mentors(SituationQuery(text=SALARY, budget=Money(5000, "EUR")))

    assert only_icelandic.matches == []
    [relax] = only_icelandic.relaxations
    assert relax.filter == "language" and relax.mentors == 2 and "Icelandic" in relax.message
    assert names(cheap) == ["French Speaker"]


def test_a_free_offer_fits_any_budget_and_any_currency(topics):
    mentor("Free Mentor", topics["salary"], "Raises", offers={30: 0}, currency="USD")

    result = rank_mentors(SituationQuery(text=SALARY, budget=Money(100, "EUR")))

    assert names(result) == ["Free Mentor"]


def test_blocked_mentors_and_the_mentee_themself_are_never_shown(topics):
    blocked = mentor("Blocked", topics["salary"], "Raises")
    me = mentor("Me Myself", topics["salary"], "Raises")
    mentor("Allowed", topics["salary"], "Raises")
    MentorBlock.objects.create(mentee=me.user, mentor=blocked.user)

    result = rank_mentors(SituationQuery(text=SALARY, mentee_id=me.user_id))

    assert names(result) == ["Allowed"]


def test_several_perspectives_bring_different_backgrounds(topics):
    for n in range(3):
        mentor(f"Recruiter {n}", topics["salary"], "Salary negotiation for engineers")
    mentor("Union Rep", topics["teens"], "Salary negotiation from the union side, raises")

    one = rank_mentors(SituationQuery(text="salary negotiation raise"), limit=2)
    diverse = rank_mentors(SituationQuery(text="salary negotiation raise", perspectives=2), limit=2)

    assert "Union Rep" not in names(one)
    assert "Union Rep" in names(diverse)


def test_a_profile_change_reaches_the_index_without_a_rebuild(topics):
    changing = mentor("Changing", topics["sleep"], "Rest")
    index = mentor_index()

    def visa_reasons():
        [match] = rank_mentors(SituationQuery(text="visa for my relocation")).matches
        return [reason for reason in match.reasons if "visa" in reason.matched_terms]

    assert visa_reasons() == []
    accounts.mentor_expertise_add(
        user=changing.user, topic="t-salary", years=3, description="Work visa and relocation"
    )

    assert visa_reasons()
    assert mentor_index() is index


def test_paused_mentors_leave_the_index(topics):
    paused = mentor("Paused", topics["salary"], "Raises")
    mentor_index()
    accounts.mentor_profile_set_active(user=paused.user, is_active=False)

    assert paused.pk not in mentor_index()


def test_empty_or_foreign_text_still_answers(topics):
    mentor("Pay Expert", topics["salary"], "Raises")

    empty = rank_mentors(SituationQuery(text=""))
    foreign = rank_mentors(SituationQuery(text="Ég þarf hjálp með launaviðræður 給料交渉"))

    assert names(empty) == ["Pay Expert"] and empty.notices
    assert len(foreign.matches) == 1


def test_newcomers_get_only_bounded_exposure():
    now = clock.now()
    established = {pk: SimpleNamespace(created_at=now - timedelta(days=400)) for pk in range(10)}
    newcomers = {pk: SimpleNamespace(created_at=now) for pk in range(10, 15)}
    # Newcomers score just below the established mentors: the bonus alone would lift them all.
    ranked = [(SimpleNamespace(mentor_id=pk, relevance=0.5), 0.60) for pk in established]
    ranked += [(SimpleNamespace(mentor_id=pk, relevance=0.5), 0.58) for pk in newcomers]

    kept = _bounded_newcomers(ranked, {**established, **newcomers}, limit=10)

    top = [candidate.mentor_id for candidate, _ in kept[:10]]
    assert len([pk for pk in top if pk in newcomers]) == 2  # a fifth of the list
    assert sorted(c.mentor_id for c, _ in kept) == list(range(15))  # nobody is dropped


def test_the_index_survives_a_save_and_load(topics, settings, tmp_path):
    from headstrt.matching.indexing import mentor_index_reset, mentor_index_save

    # A folder of its own: later tests would load this index instead of building theirs.
    settings.DATA_DIR = tmp_path
    mentor("Pay Expert", topics["salary"], "Negotiating offers and raises")
    before = names(rank_mentors(SituationQuery(text=SALARY)))
    mentor_index_save()
    mentor_index_reset()

    assert names(rank_mentors(SituationQuery(text=SALARY))) == before


def test_as_soon_as_possible_prefers_the_mentor_free_sooner(topics):
    soon = mentor("Free Every Day", topics["salary"], "Salary negotiation")
    later = mentor("Free Next Week", topics["salary"], "Salary negotiation and a raise")
    mentor("Never Free", topics["salary"], "Negotiation")
    every_day = [(weekday, time(0, 0), time(0, 0)) for weekday in range(7)]
    scheduling.availability_set(user=soon.user, rules=every_day)
    in_six_days = (clock.now() + timedelta(days=6)).astimezone(ZoneInfo("Europe/Paris"))
    scheduling.availability_set(
        user=later.user, rules=[(in_six_days.weekday(), time(9, 0), time(17, 0))]
    )
    any_time = rank_mentors(SituationQuery(text="salary negotiation raise"), limit=3)

    result = rank_mentors(
        SituationQuery(text="salary negotiation raise", as_soon_as_possible=True), limit=3
    )

    assert names(any_time)[0] == "Free Next Week"
    assert names(result)[0] == "Free Every Day"
    by_name = {m.mentor.user.display_name: m.next_free_slot for m in result.matches}
    assert by_name["Free Every Day"] < by_name["Free Next Week"]
    assert by_name["Never Free"] is None
