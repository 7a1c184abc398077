"""The signed-in person's account: read, update, photo, export and deletion."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.accounts.models import ApiToken, MentorProfile, User
from tests.api.conftest import assert_error, client_for
from tests.factories import (
    PASSWORD,
    ExpertiseEntryFactory,
    MenteeProfileFactory,
    MentorProfileFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def png(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 90)).save(out, format="PNG")
    return out.getvalue()


def upload(api, name: str, content: bytes, content_type: str = "image/png"):
    photo = SimpleUploadedFile(name, content, content_type=content_type)
    return api.client.post("/api/v1/me/photo", {"photo": photo}, headers=api.headers)


def test_get_me(api, person):
    body = api.get("/me").json()

    assert body == {
        "id": person.public_id,
        "email": person.email,
        "display_name": "Ada Example",
        "time_zone": "Europe/Paris",
        "languages": ["en"],
        "photo_url": None,
        "date_joined": body["date_joined"],
    }


def test_patch_me_changes_only_the_fields_given(api, person):
    response = api.patch("/me", {"time_zone": "America/Chicago", "languages": ["fr", "de"]})

    assert response.status_code == 200
    assert response.json()["time_zone"] == "America/Chicago"
    assert sorted(response.json()["languages"]) == ["de", "fr"]
    person.refresh_from_db()
    assert person.display_name == "Ada Example" and person.time_zone == "America/Chicago"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, 400, "unknown_time_zone"),
        ({"languages": ["en", "xx"]}, 400, "unknown_language"),
        ({"display_name": "A" * 81}, 400, "too_long"),
        ({"display_name": "   "}, 400, "required"),
        ({"display_name": 42}, 422, "invalid"),
        ({"languages": "en"}, 422, "invalid"),
        ({"nickname": "Ada"}, 422, "invalid"),
    ],
)
def test_bad_changes_are_refused_and_nothing_changes(api, person, change, status, code):
    # A valid change sent along with the bad one must not be saved either.
    body = assert_error(api.patch("/me", {"display_name": "Changed", **change}), status, code)

    assert body["message"]
    person.refresh_from_db()
    assert person.display_name == "Ada Example"
    assert person.time_zone == "Europe/Paris"
    assert [language.code for language in person.languages.all()] == ["en"]


def test_photo_upload_is_reencoded_to_a_square_webp(api, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    response = upload(api, "me.png", png())

    assert response.status_code == 200
    photo_url = response.json()["photo_url"]
    assert photo_url.startswith("http://testserver/api/v1/me/photo?v=")
    person.refresh_from_db()
    with Image.open(person.photo.path) as stored:
        assert stored.format == "WEBP" and stored.size == (512, 512)
    served = api.client.get(photo_url, headers=api.headers)
    assert served.status_code == 200 and served["Content-Type"] == "image/webp"
    with Image.open(io.BytesIO(b"".join(served.streaming_content))) as image:
        assert image.size == (512, 512)
    assert_error(api.client.get(photo_url), 401, "unauthenticated")


def test_a_listed_mentors_photo_is_public(api, person, anonymous, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(api, "me.png", png())
    MentorProfileFactory(user=person)

    photo_url = anonymous.get(f"/mentors/{person.public_id}").json()["photo_url"]

    assert photo_url.startswith(f"http://testserver/photos/{person.public_id}.webp?v=")
    assert anonymous.client.get(photo_url)["Content-Type"] == "image/webp"


def test_photo_that_is_not_an_image_is_refused(api, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    assert_error(upload(api, "photo.jpg", b"just some text", "image/jpeg"), 400, "invalid_photo")

    person.refresh_from_db()
    assert not person.photo


def test_photo_over_5_mb_is_refused(api, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    too_big = png() + b"\0" * (5 * 1024 * 1024)

    assert_error(upload(api, "big.png", too_big), 400, "photo_too_large")

    person.refresh_from_db()
    assert not person.photo


def test_photo_upload_without_a_file_is_invalid(api):
    response = api.client.post("/api/v1/me/photo", {}, headers=api.headers)

    assert "photo" in assert_error(response, 422, "invalid")["message"]


def test_photo_can_be_removed(api, person, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(api, "me.png", png())

    response = api.delete("/me/photo")

    assert response.status_code == 200 and response.json()["photo_url"] is None
    person.refresh_from_db()
    assert not person.photo
    assert_error(api.get("/me/photo"), 404, "not_found")


def test_export_holds_my_data_and_nothing_of_anyone_else(client, person):
    MentorProfileFactory(user=person, headline="My own headline")
    MenteeProfileFactory(user=person, goals="My own goals")
    other = UserFactory(display_name="Someone Else", email="else@example.org")
    ExpertiseEntryFactory(
        mentor=MentorProfileFactory(user=other, headline="Xyzzy headline"),
        description="Xyzzy expertise",
    )
    MenteeProfileFactory(user=other, goals="Xyzzy goals")
    client_for(client, other)  # the other person has a token too

    response = client_for(client, person).get("/me/export")

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    data = response.json()
    assert data["account"]["email"] == person.email
    assert data["mentor_profile"]["headline"] == "My own headline"
    assert data["mentee_profile"]["goals"] == "My own goals"
    assert len(data["api_tokens"]) == 1
    text = response.content.decode()
    # "Xyzzy" marks the other person's text: generated text of one's own never holds it.
    for theirs in ("Someone Else", "else@example.org", "Xyzzy", other.public_id):
        assert theirs not in text


def test_delete_account_with_the_wrong_password_deletes_nothing(api, person):
    MentorProfileFactory(user=person)

    assert_error(api.delete("/me", {"password": "not my password"}), 403, "wrong_password")
    assert_error(api.delete("/me"), 422, "invalid")

    assert User.objects.filter(pk=person.pk).exists()
    assert MentorProfile.objects.filter(user=person).exists()
    assert api.get("/me").status_code == 200


def test_delete_account_with_the_right_password(api, person):
    MentorProfileFactory(user=person)

    assert api.delete("/me", {"password": PASSWORD}).status_code == 204

    assert not User.objects.filter(pk=person.pk).exists()
    assert not MentorProfile.objects.exists() and not ApiToken.objects.exists()
    assert_error(api.get("/me"), 401, "unauthenticated")


def test_deleting_the_account_over_the_session_signs_out(client, person):
    client.force_login(person)

    response = client.delete("/api/v1/me", {"password": PASSWORD}, content_type="application/json")

    assert response.status_code == 204
    assert not User.objects.filter(pk=person.pk).exists()
    assert "sessionid" not in client.cookies or not client.cookies["sessionid"].value
    assert_error(client.get("/api/v1/me"), 401, "unauthenticated")


def test_mentee_profile(api, person):
    topic = TopicFactory(slug="negotiation", name="Negotiation")
    assert_error(api.get("/me/mentee-profile"), 404, "not_found")

    saved = api.put("/me/mentee-profile", {"interests": ["negotiation"], "goals": "Ask for more"})

    assert saved.status_code == 200
    assert saved.json() == {
        "interests": [{"slug": "negotiation", "name": "Negotiation", "path": topic.path}],
        "goals": "Ask for more",
    }
    assert api.get("/me/mentee-profile").json() == saved.json()


def test_mentee_profile_with_an_unknown_topic_changes_nothing(api, person):
    MenteeProfileFactory(user=person, goals="Before")

    assert_error(
        api.put("/me/mentee-profile", {"interests": ["no-such-topic"], "goals": "After"}),
        400,
        "unknown_topic",
    )

    assert api.get("/me/mentee-profile").json()["goals"] == "Before"


def test_working_style(api):
    assert_error(api.get("/me/working-style"), 404, "not_found")
    answers = {"communication": "write", "directness": 4, "pace": 2, "values": ["honesty"]}

    assert api.put("/me/working-style", answers).json() == answers
    assert api.get("/me/working-style").json() == answers


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"communication": "shout"}, 400, "invalid_choice"),
        ({"directness": 9}, 400, "out_of_range"),
        ({"values": ["honesty", "rigor", "growth", "balance"]}, 400, "too_many_values"),
        ({"pace": "fast"}, 422, "invalid"),
    ],
)
def test_bad_working_style_changes_nothing(api, change, status, code):
    answers = {"communication": "talk", "directness": 3, "pace": 3, "values": []}
    api.put("/me/working-style", answers)

    assert_error(api.put("/me/working-style", {**answers, **change}), status, code)

    assert api.get("/me/working-style").json() == answers
