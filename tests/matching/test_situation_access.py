"""Who may see and change a situation; sharing with mentors; blocking mentors."""

import pytest

from headstrt.core.errors import DomainError, NotFound, PermissionDenied
from headstrt.matching import selectors, services
from headstrt.matching.models import MentorBlock, Situation, SituationShare
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory
from tests.matching.fake_ranking import use_fake_ranking

pytestmark = pytest.mark.django_db


@pytest.fixture
def mentee(db):
    return UserFactory(display_name="Mia Mentee")


@pytest.fixture
def situation(mentee):
    return SituationFactory(mentee=mentee, title="Private matter", text="Deeply personal.")


@pytest.fixture
def mentor(db):
    return MentorProfileFactory(user__display_name="Max Mentor").user


def snapshot(situation: Situation) -> tuple:
    fresh = Situation.objects.get(pk=situation.pk)
    return fresh.title, fresh.text, fresh.updated_at, list(fresh.shares.values_list("mentor"))


# --- seeing ---------------------------------------------------------------------------------


def test_the_mentee_sees_their_situation(mentee, situation):
    found = selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=mentee)

    assert found == situation
    assert list(selectors.situations_for_mentee(mentee=mentee)) == [situation]


@pytest.mark.parametrize("who", ["stranger", "mentor", "anonymous", "nobody"])
def test_anyone_else_is_told_it_does_not_exist(situation, mentor, who):
    viewer = {
        "stranger": UserFactory(),
        "mentor": mentor,  # a mentor it is not shared with
        "anonymous": None,
        "nobody": None,
    }[who]
    if who == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        viewer = AnonymousUser()

    with pytest.raises(NotFound):
        selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=viewer)
    with pytest.raises(NotFound):
        selectors.situation_matches(situation=situation, viewer=viewer)
    assert selectors.situations_shared_with(mentor=mentor).count() == 0


def test_a_mentor_it_is_shared_with_reads_it_but_cannot_change_it_or_see_its_matches(
    mentee, situation, mentor, monkeypatch
):
    use_fake_ranking(monkeypatch)
    services.situation_share(
        user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
    )
    before = snapshot(situation)

    found = selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=mentor)

    assert found == situation
    assert list(selectors.situations_shared_with(mentor=mentor)) == [situation]
    with pytest.raises(PermissionDenied):
        selectors.situation_get_for_owner(situation_id=situation.public_id, user=mentor)
    with pytest.raises(PermissionDenied):
        selectors.situation_matches(situation=found, viewer=mentor)
    for change in (
        lambda: services.situation_update(
            user=mentor, situation_id=situation.public_id, title="Hijacked"
        ),
        lambda: services.situation_delete(user=mentor, situation_id=situation.public_id),
        lambda: services.situation_share(
            user=mentor, situation_id=situation.public_id, mentor_id=mentor.public_id
        ),
        lambda: services.situation_unshare(
            user=mentor, situation_id=situation.public_id, mentor_id=mentor.public_id
        ),
        lambda: services.situation_relax(
            user=mentor, situation_id=situation.public_id, filter="budget"
        ),
    ):
        with pytest.raises(PermissionDenied):
            change()
    assert snapshot(situation) == before


def test_a_stranger_cannot_change_share_or_delete_it(situation, mentor):
    stranger = UserFactory()
    before = snapshot(situation)

    for change in (
        lambda: services.situation_update(
            user=stranger, situation_id=situation.public_id, title="Hijacked"
        ),
        lambda: services.situation_delete(user=stranger, situation_id=situation.public_id),
        lambda: services.situation_share(
            user=stranger, situation_id=situation.public_id, mentor_id=mentor.public_id
        ),
        lambda: services.situation_relax(
            user=stranger, situation_id=situation.public_id, filter="budget"
        ),
    ):
        with pytest.raises(NotFound):
            change()
    assert snapshot(situation) == before


# --- sharing --------------------------------------------------------------------------------


def test_sharing_is_idempotent_and_unsharing_hides_it_again(mentee, situation, mentor):
    for _ in range(2):
        services.situation_share(
            user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
        )
    assert SituationShare.objects.filter(situation=situation, mentor=mentor).count() == 1

    for _ in range(2):
        services.situation_unshare(
            user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
        )

    with pytest.raises(NotFound):
        selectors.situation_get_for_viewer(situation_id=situation.public_id, viewer=mentor)


def test_only_active_mentors_can_be_shared_with(mentee, situation):
    paused = MentorProfileFactory(is_active=False).user
    not_a_mentor = UserFactory()
    MentorProfileFactory(user=mentee)

    for mentor_id in (paused.public_id, not_a_mentor.public_id, "nosuchperson"):
        with pytest.raises(NotFound):
            services.situation_share(
                user=mentee, situation_id=situation.public_id, mentor_id=mentor_id
            )
    with pytest.raises(DomainError) as caught:
        services.situation_share(
            user=mentee, situation_id=situation.public_id, mentor_id=mentee.public_id
        )
    assert caught.value.code == "share_with_self"
    assert not SituationShare.objects.exists()


# --- blocking -------------------------------------------------------------------------------


def test_blocking_withdraws_shares_and_refuses_new_ones_until_unblocked(mentee, situation, mentor):
    services.situation_share(
        user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
    )

    services.mentor_block(mentee=mentee, mentor_id=mentor.public_id)
    services.mentor_block(mentee=mentee, mentor_id=mentor.public_id)

    assert MentorBlock.objects.filter(mentee=mentee, mentor=mentor).count() == 1
    assert not SituationShare.objects.exists()
    with pytest.raises(DomainError) as caught:
        services.situation_share(
            user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
        )
    assert (caught.value.code, caught.value.status) == ("mentor_blocked", 409)
    assert [block.mentor for block in selectors.mentor_blocks_for_mentee(mentee=mentee)] == [mentor]

    services.mentor_unblock(mentee=mentee, mentor_id=mentor.public_id)
    services.mentor_unblock(mentee=mentee, mentor_id=mentor.public_id)
    services.situation_share(
        user=mentee, situation_id=situation.public_id, mentor_id=mentor.public_id
    )
    assert not MentorBlock.objects.exists() and SituationShare.objects.count() == 1


def test_blocking_needs_a_mentor_who_is_not_oneself(mentee):
    MentorProfileFactory(user=mentee)

    with pytest.raises(NotFound):
        services.mentor_block(mentee=mentee, mentor_id=UserFactory().public_id)
    with pytest.raises(DomainError) as caught:
        services.mentor_block(mentee=mentee, mentor_id=mentee.public_id)
    assert caught.value.code == "block_self"
    assert not MentorBlock.objects.exists()


def test_a_paused_mentor_can_still_be_blocked(mentee):
    paused = MentorProfileFactory(is_active=False).user

    services.mentor_block(mentee=mentee, mentor_id=paused.public_id)

    assert MentorBlock.objects.filter(mentee=mentee, mentor=paused).exists()
