"""The "My profile" area: forms save through services; bad input shows a message, saves nothing."""

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from headstrt.accounts import services
from headstrt.accounts.models import ApiToken, ExpertiseEntry, MentorProfile, User, WorkingStyle
from tests.factories import (
    PASSWORD,
    ExpertiseEntryFactory,
    MentorProfileFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MENTOR_FORM = {
    "headline": "Negotiation coach",
    "bio": "Ten years of hiring.",
    "currency": "EUR",
    "price_15": "",
    "price_30": "40",
    "price_45": "",
    "price_60": "0",
    "weekly_capacity": "5",
}


@pytest.fixture
def person(client):
    user = UserFactory(display_name="Sam Person")
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    "name",
    [
        "web:account",
        "web:mentor_profile",
        "web:mentee_profile",
        "web:working_style",
        "web:api_tokens",
        "web:privacy",
    ],
)
def test_profile_pages_need_a_login_and_render_for_the_owner(client, name):
    assert client.get(reverse(name)).status_code == 302
    client.force_login(UserFactory())

    response = client.get(reverse(name))

    assert response.status_code == 200
    assert 'aria-label="My profile"' in response.content.decode()


def test_account_settings_save(client, person):
    response = client.post(
        reverse("web:account"),
        {"display_name": "Samira", "time_zone": "America/New_York", "languages": ["fr", "hi"]},
    )

    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.display_name, person.time_zone) == ("Samira", "America/New_York")
    assert sorted(person.languages.values_list("code", flat=True)) == ["fr", "hi"]


def test_unknown_time_zone_is_shown_next_to_the_field_and_nothing_saves(client, person):
    response = client.post(
        reverse("web:account"),
        {"display_name": "Changed", "time_zone": "Europe/Atlantis", "languages": ["fr"]},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "“Europe/Atlantis” is not a time zone we know" in html
    assert 'id="id_time_zone_error"' in html
    person.refresh_from_db()
    assert (person.display_name, person.time_zone) == ("Sam Person", "Europe/Paris")
    assert list(person.languages.values_list("code", flat=True)) == ["en"]


def test_photo_upload_and_removal(client, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="JPEG")
    upload = SimpleUploadedFile("me.jpg", buffer.getvalue(), content_type="image/jpeg")

    assert client.post(reverse("web:photo_upload"), {"photo": upload}).status_code == 302
    person.refresh_from_db()
    assert person.photo.name.endswith(".webp")

    assert client.post(reverse("web:photo_remove")).status_code == 302
    person.refresh_from_db()
    assert not person.photo


def test_a_text_file_is_refused_as_a_photo(client, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("notes.png", b"just some text", content_type="image/png")

    response = client.post(reverse("web:photo_upload"), {"photo": upload})

    assert response.status_code == 200
    assert "That file is not a JPEG, PNG, WebP or GIF image." in response.content.decode()
    person.refresh_from_db()
    assert not person.photo


def test_a_50_mb_photo_is_refused_with_the_limit_and_nothing_is_kept(
    client, person, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buffer, format="PNG")
    huge = buffer.getvalue() + b"\0" * (50 * 1024 * 1024)
    upload = SimpleUploadedFile("huge.png", huge, content_type="image/png")

    response = client.post(reverse("web:photo_upload"), {"photo": upload})

    assert response.status_code == 200
    assert "5 MB" in response.content.decode()
    person.refresh_from_db()
    assert not person.photo
    assert not any(tmp_path.rglob("*"))


def test_opening_a_mentor_profile_converts_major_units(client, person):
    response = client.post(reverse("web:mentor_profile"), {**MENTOR_FORM, "price_30": "12.50"})

    assert response.status_code == 302
    profile = MentorProfile.objects.get(user=person)
    assert profile.is_active
    assert dict(profile.offers.values_list("minutes", "price_minor")) == {30: 1250, 60: 0}


def test_editing_keeps_a_paused_profile_paused(client, person):
    MentorProfileFactory(user=person, is_active=False)

    client.post(reverse("web:mentor_profile"), MENTOR_FORM)

    profile = MentorProfile.objects.get(user=person)
    assert profile.headline == "Negotiation coach" and not profile.is_active


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"price_30": "-5"}, "price_30", "A price cannot be negative."),
        ({"price_45": "99999999"}, "price_45", "A session can cost at most €10,000.00."),
        ({"price_30": "twelve"}, "price_30", "is not an amount of money"),
        ({"currency": "XYZ"}, "currency", "“XYZ” is not a currency we know"),
        ({"headline": "x" * 121}, "headline", "Headline is too long: 121 characters, at most 120."),
        ({"price_30": "", "price_60": ""}, "price_15", "Offer at least one session length."),
        ({"weekly_capacity": "99"}, "weekly_capacity", "between 1 and 40"),
    ],
)
def test_bad_mentor_profile_input_shows_the_message_and_saves_nothing(
    client, person, change, field, message
):
    response = client.post(reverse("web:mentor_profile"), {**MENTOR_FORM, **change})

    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert f'id="id_{field}_error"' in html
    assert (
        f'aria-describedby="id_{field}_error"' in html
        or f"id_{field}_helptext id_{field}_error" in html
    )
    assert not MentorProfile.objects.filter(user=person).exists()


def test_bad_input_leaves_an_existing_profile_unchanged(client, person):
    MentorProfileFactory(user=person, headline="Before", offers={30: 4000})

    client.post(reverse("web:mentor_profile"), {**MENTOR_FORM, "price_30": "-5"})

    profile = MentorProfile.objects.get(user=person)
    assert profile.headline == "Before"
    assert dict(profile.offers.values_list("minutes", "price_minor")) == {30: 4000}


def test_pause_and_resume(client, person):
    MentorProfileFactory(user=person)

    client.post(reverse("web:mentor_status"), {"active": "0"})
    assert not MentorProfile.objects.get(user=person).is_active
    client.post(reverse("web:mentor_status"), {"active": "1"})
    assert MentorProfile.objects.get(user=person).is_active


def test_expertise_add_and_remove_without_javascript(client, person):
    MentorProfileFactory(user=person)
    topic = TopicFactory(name="Salary negotiation", parent=TopicFactory(name="Career"))

    response = client.post(
        reverse("web:expertise_add"),
        {"topic": topic.slug, "area": "", "years": "8", "description": "", "evidence": "Recruiter"},
    )

    assert response.status_code == 302 and response["Location"].endswith("#expertise")
    entry = ExpertiseEntry.objects.get(mentor__user=person)
    assert (entry.years, entry.area, entry.evidence) == (8, topic.area, "Recruiter")
    page = client.get(reverse("web:mentor_profile")).content.decode()
    assert "Career › Salary negotiation" in page
    assert '<optgroup label="Career">' in page

    response = client.post(reverse("web:expertise_remove", args=[entry.public_id]))
    assert response.status_code == 302
    assert not ExpertiseEntry.objects.filter(pk=entry.pk).exists()


def test_expertise_add_and_remove_with_htmx_return_only_the_section(client, person):
    MentorProfileFactory(user=person)
    topic = TopicFactory(name="Public speaking")

    response = client.post(
        reverse("web:expertise_add"),
        {"topic": topic.slug, "years": "3"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="expertise"')
    assert "<html" not in html and "Public speaking" in html
    assert 'hx-swap-oob="innerHTML"' in html

    entry = ExpertiseEntry.objects.get(mentor__user=person)
    response = client.post(
        reverse("web:expertise_remove", args=[entry.public_id]), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "<html" not in response.content.decode()
    assert not ExpertiseEntry.objects.exists()


def test_duplicate_expertise_is_refused_next_to_the_topic(client, person):
    entry = ExpertiseEntryFactory(mentor=MentorProfileFactory(user=person))

    response = client.post(
        reverse("web:expertise_add"),
        {"topic": entry.topic.slug, "years": "3"},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "You already list" in html and 'id="id_topic_error"' in html
    assert ExpertiseEntry.objects.count() == 1


def test_someone_else_s_expertise_entry_cannot_be_removed(client, person):
    MentorProfileFactory(user=person)
    other = ExpertiseEntryFactory()

    response = client.post(reverse("web:expertise_remove", args=[other.public_id]))

    assert response.status_code == 404
    assert ExpertiseEntry.objects.filter(pk=other.pk).exists()


def test_mentee_profile_saves_interests_and_goals(client, person):
    topics = [TopicFactory(), TopicFactory()]

    client.post(
        reverse("web:mentee_profile"),
        {"interests": [t.slug for t in topics], "goals": "Find my first job"},
    )

    profile = person.mentee_profile
    assert profile.goals == "Find my first job"
    assert set(profile.interests.all()) == set(topics)


def test_working_style_saves_and_refuses_four_values(client, person):
    answers = {"communication": "write", "directness": "4", "pace": "2"}

    response = client.post(
        reverse("web:working_style"),
        {**answers, "values": ["honesty", "rigor", "growth", "balance"]},
    )
    assert "Pick at most 3 values." in response.content.decode()
    assert not WorkingStyle.objects.filter(user=person).exists()

    client.post(reverse("web:working_style"), {**answers, "values": ["honesty", "rigor"]})
    style = WorkingStyle.objects.get(user=person)
    assert (style.communication, style.directness, style.pace) == ("write", 4, 2)
    assert style.values == ["honesty", "rigor"]


def test_api_token_key_is_shown_once(client, person):
    response = client.post(reverse("web:api_tokens"), {"name": "Phone"})

    html = response.content.decode()
    token = ApiToken.objects.get(user=person)
    assert "hst_" in html and token.prefix in html
    raw_key = html.split('id="new-key" type="text" value="')[1].split('"')[0]
    assert services.api_token_authenticate(raw_key=raw_key) == person
    assert raw_key not in client.get(reverse("web:api_tokens")).content.decode()


def test_a_person_cannot_revoke_someone_else_s_token(client):
    owner = UserFactory()
    token, _ = services.api_token_create(user=owner, name="Laptop")
    client.force_login(UserFactory())

    response = client.post(reverse("web:api_token_revoke", args=[token.public_id]))

    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_revoking_one_s_own_token(client, person):
    token, _ = services.api_token_create(user=person, name="Laptop")

    assert client.post(reverse("web:api_token_revoke", args=[token.public_id])).status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_data_export_is_a_json_attachment_of_one_s_own_data_only(client):
    someone = UserFactory(email="someone@example.org", display_name="Someone Else")
    MentorProfileFactory(user=someone, headline="Secret headline")
    client.force_login(UserFactory(email="me@example.org"))

    response = client.get(reverse("web:account_export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["email"] == "me@example.org"
    text = response.content.decode()
    assert "someone@example.org" not in text and "Secret headline" not in text


def test_account_deletion_refuses_a_wrong_password(client, person):
    response = client.post(reverse("web:account_delete"), {"password": "not my password"})

    assert response.status_code == 200
    assert "That is not your current password." in response.content.decode()
    assert User.objects.filter(pk=person.pk).exists()


def test_account_deletion_logs_out_and_goes_home(client, person):
    response = client.post(reverse("web:account_delete"), {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert not User.objects.filter(pk=person.pk).exists()
    assert client.get(reverse("web:account")).status_code == 302


def test_saved_answers_are_shown_again(client, person):
    topic = TopicFactory(name="Budgeting")
    services.mentee_profile_save(user=person, interests=[topic.slug], goals="Save for a flat")
    services.working_style_save(
        user=person, communication="visual", directness=5, pace=1, values=["empathy"]
    )

    mentee = client.get(reverse("web:mentee_profile")).content.decode()
    style = client.get(reverse("web:working_style")).content.decode()

    assert f'<option value="{topic.slug}" selected>Budgeting</option>' in mentee
    assert "Save for a flat</textarea>" in mentee
    assert re.search(
        r'<input type="radio" name="communication" value="visual"[^>]* checked>', style
    )
    assert re.search(r'<input type="checkbox" name="values" value="empathy"[^>]* checked>', style)
