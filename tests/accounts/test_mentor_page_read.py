"""The mentor page's read: the same profile, details and access rule as ``mentor_get_public``,
in two statements."""

import pytest

from headstrt.accounts import selectors, services
from headstrt.accounts.models import Language, SessionOffer
from headstrt.core.errors import NotFound
from tests.factories import ExpertiseEntryFactory, MentorProfileFactory, TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def shown(profile) -> tuple:
    """What the page shows of a profile, its details in their order."""
    return (
        profile.pk,
        profile.headline,
        profile.user.display_name,
        profile.user.time_zone,
        [(offer.minutes, offer.price_minor) for offer in profile.offers.all()],
        [language.name for language in profile.user.languages.all()],
        [
            (entry.topic.path, entry.area, entry.years, entry.description, entry.evidence)
            for entry in profile.expertise.all()
        ],
    )


def test_the_page_reads_what_mentor_get_public_reads_in_two_queries(django_assert_num_queries):
    profile = MentorProfileFactory(headline="Negotiation coach")
    profile.offers.all().delete()
    for minutes, price in ((60, 9000), (15, 0), (30, 4000)):
        SessionOffer.objects.create(mentor=profile, minutes=minutes, price_minor=price)
    for code, name in (("zu", "Zulu"), ("en", "English")):
        Language.objects.get_or_create(code=code, defaults={"name": name})
    profile.user.languages.set(Language.objects.filter(code__in=["zu", "en"]))
    career = TopicFactory(name="Career")
    for topic, years in ((TopicFactory(name="Salary", parent=career), 3), (career, 7)):
        ExpertiseEntryFactory(mentor=profile, topic=topic, years=years, evidence="Ten raises")
    public_id = profile.user.public_id

    with django_assert_num_queries(2):
        found = selectors.mentor_get_for_page(public_id=public_id, viewer=None)
        read = shown(found)

    assert read == shown(selectors.mentor_get_public(public_id=public_id, viewer=None))
    assert [entry[0] for entry in read[-1]] == ["Career", "Career › Salary"]
    assert read[4] == [(15, 0), (30, 4000), (60, 9000)]


def test_a_mentor_without_details_has_empty_lists():
    profile = MentorProfileFactory()
    profile.offers.all().delete()
    profile.user.languages.clear()

    found = selectors.mentor_get_for_page(public_id=profile.user.public_id, viewer=None)

    assert shown(found)[4:] == ([], [], [])


def test_the_page_hides_paused_and_deactivated_mentors_from_all_but_their_owner():
    paused = MentorProfileFactory()
    services.mentor_profile_set_active(user=paused.user, is_active=False)
    gone = MentorProfileFactory(user__is_active=False)

    for profile in (paused, gone):
        for viewer in (None, UserFactory()):
            with pytest.raises(NotFound):
                selectors.mentor_get_for_page(public_id=profile.user.public_id, viewer=viewer)
    owned = selectors.mentor_get_for_page(public_id=paused.user.public_id, viewer=paused.user)
    assert owned == paused and not owned.is_active
    for public_id in ("nosuchperson", UserFactory().public_id):
        with pytest.raises(NotFound):
            selectors.mentor_get_for_page(public_id=public_id, viewer=None)
