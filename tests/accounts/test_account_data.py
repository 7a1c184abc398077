"""Deleting an account removes everything that is only the person's; the export is theirs only."""

import io
import json

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.accounts import selectors, services
from headstrt.accounts.models import (
    ApiToken,
    ExpertiseEntry,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    Topic,
    User,
    WorkingStyle,
)
from headstrt.matching.models import MentorBlock, SituationShare
from tests.factories import (
    ExpertiseEntryFactory,
    MentorProfileFactory,
    SituationFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 90)).save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def full_account(email, headline):
    """A person with every kind of data: mentor and mentee profiles, style, tokens."""
    profile = MentorProfileFactory(user__email=email, headline=headline, offers={15: 0, 45: 3500})
    user = profile.user
    topic = TopicFactory(slug=f"test-{email.split('@')[0]}-topic")
    ExpertiseEntryFactory(mentor=profile, topic=topic, description=f"{headline} details")
    services.mentee_profile_save(user=user, interests=[topic.slug], goals=f"{headline} goals")
    services.working_style_save(
        user=user, communication="mixed", directness=2, pace=4, values=["growth"]
    )
    token, raw_key = services.api_token_create(user=user, name=f"{headline} token")
    return user, token, raw_key


def test_deleting_an_account_removes_the_person_and_all_they_own(
    settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    user, token, raw_key = full_account("gone@example.org", "Leaving")
    services.user_set_photo(user=user, upload=png())
    user.refresh_from_db()
    photo = tmp_path / user.photo.name
    assert photo.is_file()
    other, other_token, other_key = full_account("stays@example.org", "Staying")

    with django_capture_on_commit_callbacks(execute=True):
        services.account_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    for model, lookup in [
        (MentorProfile, "user"),
        (MenteeProfile, "user"),
        (WorkingStyle, "user"),
        (ApiToken, "user"),
        (EmailAddress, "user"),
        (SessionOffer, "mentor__user"),
        (ExpertiseEntry, "mentor__user"),
    ]:
        assert not model.objects.filter(**{f"{lookup}_id": user.pk}).exists(), model
    assert not photo.exists()
    assert services.api_token_authenticate(raw_key=raw_key) is None
    # Shared things and other people are untouched.
    assert Topic.objects.filter(slug="test-gone-topic").exists()
    assert MentorProfile.objects.filter(user=other).exists()
    assert services.api_token_authenticate(raw_key=other_key) == other


def test_the_export_holds_the_persons_own_data():
    user, token, _ = full_account("me@example.org", "Mine")
    services.user_update(user=user, languages=["en", "fr"])

    export = selectors.account_export(user=user)

    assert export["account"]["email"] == "me@example.org"
    assert export["account"]["id"] == user.public_id
    assert sorted(export["account"]["languages"]) == ["en", "fr"]
    assert export["mentor_profile"]["headline"] == "Mine"
    assert export["mentor_profile"]["offers"] == [
        {"minutes": 15, "price_minor": 0},
        {"minutes": 45, "price_minor": 3500},
    ]
    assert export["mentor_profile"]["expertise"][0]["topic"] == "test-me-topic"
    assert export["mentee_profile"] == {"interests": ["test-me-topic"], "goals": "Mine goals"}
    assert export["working_style"]["values"] == ["growth"]
    assert [t["name"] for t in export["api_tokens"]] == ["Mine token"]


def test_the_export_holds_nobody_elses_data_and_no_secrets():
    user, token, raw_key = full_account("me@example.org", "Mine")
    full_account("other@example.org", "Theirs")

    text = json.dumps(selectors.account_export(user=user))

    assert "other@example.org" not in text
    assert "Theirs" not in text
    assert "key_hash" not in text and token.key_hash not in text
    assert raw_key not in text
    assert "password" not in text and user.password not in text
    assert "argon2" not in text


def test_the_export_of_a_new_person_has_empty_sections():
    export = selectors.account_export(user=UserFactory(email="new@example.org"))

    assert export["account"]["email"] == "new@example.org"
    assert export["mentor_profile"] is None
    assert export["mentee_profile"] is None
    assert export["working_style"] is None
    assert export["api_tokens"] == []


def test_the_export_holds_the_persons_situations_shares_and_blocks_only():
    person, other = UserFactory(), UserFactory()
    mentor = MentorProfileFactory()
    mine = SituationFactory(mentee=person, text="My teenager stopped talking to me")
    SituationShare.objects.create(situation=mine, mentor=mentor.user)
    MentorBlock.objects.create(mentee=person, mentor=MentorProfileFactory().user)
    SituationFactory(mentee=other, text="Someone else's secret")

    data = selectors.account_export(user=person)

    assert [s["text"] for s in data["situations"]] == ["My teenager stopped talking to me"]
    assert data["situations"][0]["shared_with"] == [mentor.user.public_id]
    assert len(data["blocked_mentors"]) == 1
    assert "secret" not in str(data)
