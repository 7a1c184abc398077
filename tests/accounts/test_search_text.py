"""The directory's search text follows every change to what a mentor is found by."""

import pytest
from django.urls import reverse

from headstrt.accounts import services
from headstrt.accounts.models import Area, MentorProfile, Topic, User
from headstrt.accounts.search_text import mentor_search_text_refresh
from headstrt.accounts.selectors import DirectoryFilters, mentor_directory
from headstrt.demo.services import population_generate
from tests.factories import TopicFactory, UserFactory

pytestmark = pytest.mark.django_db


def found(query):
    mentors = mentor_directory(filters=DirectoryFilters(query=query))
    return sorted(profile.user.display_name for profile in mentors)


@pytest.fixture
def topic():
    return TopicFactory(slug="test-negotiation", name="Salary negotiation", area=Area.PROFESSIONAL)


def open_profile(user, *, headline="Here to help", bio="Ask me anything."):
    return services.mentor_profile_save(
        user=user, headline=headline, bio=bio, currency="EUR", offers={30: 4000}, weekly_capacity=5
    )


def test_a_new_profile_is_found_by_its_name_headline_and_bio():
    open_profile(UserFactory(display_name="Ana Quill"), headline="Career coach", bio="Ex-banker.")

    assert [found(word) for word in ("quill", "CAREER", "banker", "ana coach")] == [
        ["Ana Quill"]
    ] * 4


def test_an_edited_headline_is_found_and_the_old_one_no_longer():
    user = UserFactory(display_name="Ana")
    open_profile(user, headline="Career coach")

    open_profile(user, headline="Parenting guide")

    assert (found("parenting"), found("career")) == (["Ana"], [])


def test_an_added_area_of_expertise_is_found_and_a_removed_one_no_longer(topic):
    user = UserFactory(display_name="Ana")
    open_profile(user)

    entry = services.mentor_expertise_add(
        user=user, topic=topic.slug, years=3, description="Offers from startups"
    )
    assert (found("startups"), found("salary")) == (["Ana"], ["Ana"])

    services.mentor_expertise_remove(user=user, entry_id=entry.public_id)
    assert (found("startups"), found("salary")) == ([], [])


def test_a_renamed_person_is_found_by_the_new_name_only():
    user = UserFactory(display_name="Ana Quill")
    open_profile(user)

    services.user_update(user=user, display_name="Ana Ink")

    assert (found("ink"), found("quill")) == (["Ana Ink"], [])


def test_a_person_renamed_before_opening_a_profile_is_found_once_they_do():
    user = UserFactory(display_name="Ana Quill")
    services.user_update(user=user, display_name="Ana Ink")

    open_profile(user)

    assert found("ink") == ["Ana Ink"]


def test_a_word_is_never_found_across_two_parts_of_the_text():
    open_profile(UserFactory(display_name="Ana"), headline="Career", bio="Change")

    assert (found("career"), found("careerchange"), found("reerch")) == (["Ana"], [], [])


def test_a_topic_renamed_by_staff_finds_its_mentors_by_the_new_name(client, topic):
    user = UserFactory(display_name="Ana")
    open_profile(user)
    services.mentor_expertise_add(user=user, topic=topic.slug, years=3)
    client.force_login(User.objects.create_superuser("staff@example.org", "x" * 12))

    response = client.post(
        reverse("admin:accounts_topic_change", args=[topic.pk]),
        {"name": "Pay talks", "slug": topic.slug, "area": topic.area, "description": ""},
    )

    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).name == "Pay talks"
    assert (found("pay talks"), found("salary")) == (["Ana"], [])


def test_a_refresh_rewrites_a_text_written_outside_the_services():
    profile = open_profile(UserFactory(display_name="Ana"), headline="Career coach")
    User.objects.filter(pk=profile.user_id).update(display_name="Ana Ink")
    assert found("ink") == []

    mentor_search_text_refresh(MentorProfile.objects.filter(pk=profile.pk))

    assert found("ink") == ["Ana Ink"]


def test_generated_demo_mentors_are_found_by_their_names():
    population_generate(mentors=2, mentees=0, progress=False)

    names = list(MentorProfile.objects.values_list("user__display_name", flat=True))
    assert len(names) == 2
    assert all(name in found(name) for name in names)
