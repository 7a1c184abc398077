"""A ranking weighs exactly the mentors ``eligible_mentors`` lets through, with or without
hard filters; without them it starts from the index and leaves out the few it must not show,
and the index holds the listed mentors again once it is reconciled."""

from datetime import timedelta

import pytest
from django.utils import timezone

from headstrt.core import clock
from headstrt.matching.indexing import RECONCILE_EVERY, mentor_index
from headstrt.matching.models import MentorBlock
from headstrt.matching.query import SituationQuery
from headstrt.matching.ranking import eligible_mentors, rank_mentors
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db

TEXT = "Kite repair for beginners"


@pytest.fixture
def mentors():
    """Eight kite mentors, indexed; then each but two becomes one the ranking must leave out,
    in a way that does not stamp their profile (the index still holds them until it is next
    reconciled)."""
    people = {
        name: MentorProfileFactory(bio=f"Kite repair, {name}", user__languages=["en"])
        for name in (
            "shown",
            "pause over",
            "paused",
            "gone",
            "blocked",
            "me",
            "inactive",
            "deleted",
        )
    }
    mentor_index()
    people["deleted"].user.delete()
    for name, until in (("paused", timedelta(days=3)), ("pause over", -timedelta(days=1))):
        people[name].user.paused_until = clock.now() + until
        people[name].user.save(update_fields=["paused_until"])
    people["gone"].user.is_active = False
    people["gone"].user.save(update_fields=["is_active"])
    people["inactive"].is_active = False
    people["inactive"].save(update_fields=["is_active"])
    MentorBlock.objects.create(mentee=people["me"].user, mentor=people["blocked"].user)
    return people


@pytest.mark.parametrize("languages", [(), ("en",)], ids=["no hard filter", "a language"])
def test_a_ranking_weighs_only_the_eligible_mentors(mentors, languages):
    query = SituationQuery(text=TEXT, mentee_id=mentors["me"].user_id, languages=languages)

    shown = {match.mentor.pk for match in rank_mentors(query, limit=20).matches}

    assert shown == {mentors["shown"].pk, mentors["pause over"].pk}
    assert shown == set(eligible_mentors(query).values_list("pk", flat=True))


def test_with_every_mentor_left_out_the_ranking_advises_to_try_later(mentors):
    for name in ("shown", "pause over"):
        MentorBlock.objects.create(mentee=mentors["me"].user, mentor=mentors[name].user)

    result = rank_mentors(SituationQuery(text=TEXT, mentee_id=mentors["me"].user_id))

    assert mentors["deleted"].pk in mentor_index()  # what is left to rank is a deleted mentor
    assert result.matches == []
    assert [relaxation.filter for relaxation in result.relaxations] == ["all"]


def test_a_person_brought_back_is_ranked_again_after_the_next_reconciliation(monkeypatch):
    mentor = MentorProfileFactory(bio=f"{TEXT}, back")
    mentor_index()
    query = SituationQuery(text=TEXT)

    def reconciliation_passes():
        moment = timezone.now() + RECONCILE_EVERY
        monkeypatch.setattr(timezone, "now", lambda: moment)

    for active in (False, True):  # the flag alone changes: the profile keeps its stamp
        mentor.user.is_active = active
        mentor.user.save(update_fields=["is_active"])
        reconciliation_passes()
        assert (mentor.pk in mentor_index()) is active

    assert {match.mentor.pk for match in rank_mentors(query).matches} == {mentor.pk}
    assert set(eligible_mentors(query).values_list("pk", flat=True)) == {mentor.pk}
