"""Public pages, account pages from allauth, the mentor profile page, photos and the manifest."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from headstrt.accounts import services
from headstrt.accounts.models import User
from tests.factories import (
    PASSWORD,
    ExpertiseEntryFactory,
    MentorProfileFactory,
    TopicFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def png_upload(name="me.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 60, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_home_shows_featured_mentors_to_anonymous_visitors(client):
    MentorProfileFactory(user__display_name="Ada Mentor", headline="Salary talks, calmly")
    MentorProfileFactory(user__display_name="Hidden Person", is_active=False)

    response = client.get(reverse("web:home"))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Mentor" in html and "Salary talks, calmly" in html
    assert "Hidden Person" not in html
    assert 'href="/accounts/signup/"' in html and "Log in" in html
    assert 'rel="manifest"' in html and 'name="theme-color"' in html
    assert "apple-touch-icon" in html
    assert 'class="skip-link" href="#main"' in html and '<main id="main"' in html


def test_home_for_a_logged_in_person_offers_profile_and_a_log_out_button(client):
    client.force_login(UserFactory())

    html = client.get(reverse("web:home")).content.decode()

    assert "My profile" in html
    assert re.search(r'<form[^>]*method="post"[^>]*action="/accounts/logout/"', html)
    assert ">Log out</button>" in html


def test_pages_send_a_strict_content_security_policy_and_no_inline_styles(client):
    mentor = MentorProfileFactory()
    for url in (
        reverse("web:home"),
        reverse("web:mentor_directory"),
        reverse("web:mentor_detail", args=[mentor.user.public_id]),
        reverse("account_signup"),
        reverse("account_login"),
    ):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy
        html = response.content.decode()
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
        assert not re.search(r"\son[a-z]+=", html), url


def test_mentor_page_shows_the_profile_with_formatted_prices(client):
    topic = TopicFactory(name="Salary negotiation", parent=TopicFactory(name="Career"))
    mentor = MentorProfileFactory(
        user__display_name="Grace Mentor", offers={30: 4000, 60: 0}, currency="EUR"
    )
    ExpertiseEntryFactory(mentor=mentor, topic=topic, years=12, evidence="Hired 300 people")

    response = client.get(reverse("web:mentor_detail", args=[mentor.user.public_id]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1" in html and "Grace Mentor" in html
    assert "Career › Salary negotiation" in html and "12 years" in html
    assert "Hired 300 people" in html
    assert "€40.00" in html and "Free" in html
    assert "Europe/Paris" in html
    assert ">GM</span>" in html  # initials avatar without a photo


def test_bio_markup_is_shown_escaped_never_run(client):
    mentor = MentorProfileFactory(
        bio="<script>alert(1)</script> and <b>bold</b>", headline="<img src=x onerror=alert(2)>"
    )

    html = client.get(reverse("web:mentor_detail", args=[mentor.user.public_id])).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "<b>bold</b>" not in html
    assert "<img src=x" not in html


def test_a_paused_profile_is_hidden_from_others_and_shown_to_its_owner(client):
    mentor = MentorProfileFactory(is_active=False)
    url = reverse("web:mentor_detail", args=[mentor.user.public_id])

    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404

    client.force_login(mentor.user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Your profile is paused" in response.content.decode()


def test_unknown_mentor_is_404(client):
    assert client.get(reverse("web:mentor_detail", args=["nosuchperson"])).status_code == 404


def test_photo_is_served_for_listed_mentors_and_to_its_owner_only(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    listed = MentorProfileFactory()
    services.user_set_photo(user=listed.user, upload=png_upload())
    private = UserFactory()
    services.user_set_photo(user=private, upload=png_upload())

    response = client.get(reverse("web:photo", args=[listed.user.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"

    assert client.get(reverse("web:photo", args=[private.public_id])).status_code == 404
    client.force_login(private)
    assert client.get(reverse("web:photo", args=[private.public_id])).status_code == 200

    page = client.get(reverse("web:mentor_detail", args=[listed.user.public_id]))
    assert f"/photos/{listed.user.public_id}.webp?v=" in page.content.decode()


def test_manifest_is_served_with_its_content_type_and_icons(client, settings):
    response = client.get(reverse("web:manifest"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["short_name"] == "Headstrt"
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        path = finders.find(icon["src"].removeprefix(settings.STATIC_URL))
        with Image.open(path) as image:
            assert image.format == "PNG"
            assert f"{image.width}x{image.height}" == icon["sizes"]


@pytest.mark.parametrize(
    "name",
    ["account_signup", "account_login", "account_reset_password", "account_reset_password_done"],
)
def test_account_pages_use_the_site_layout(client, name):
    html = client.get(reverse(name)).content.decode()

    assert '<main id="main"' in html and "web/app.css" in html
    assert "<h1" in html


def test_signup_page_has_the_extra_fields_with_visible_labels(client):
    html = client.get(reverse("account_signup")).content.decode()

    for label in ("Display name", "Email", "Password", "Time zone"):
        assert re.search(rf'<label[^>]*for="id_[a-z0-9_]+"[^>]*>{label}\b', html), label
    assert '<datalist id="id_time_zone_options">' in html
    assert ">Sign up</button>" in html


def test_signup_records_display_name_and_time_zone_and_mails_a_link(client, mailbox):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Noor",
            "email": "noor@example.org",
            "password1": "a long and unusual secret 81",
            "time_zone": "Asia/Kolkata",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(email="noor@example.org")
    assert (user.display_name, user.time_zone) == ("Noor", "Asia/Kolkata")
    assert mailbox.messages_to("noor@example.org")


def test_signup_refuses_an_unknown_time_zone_with_a_clear_message(client):
    response = client.post(
        reverse("account_signup"),
        {
            "display_name": "Noor",
            "email": "noor@example.org",
            "password1": "a long and unusual secret 81",
            "time_zone": "Mars/Olympus",
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "is not a time zone we know" in html
    assert 'aria-describedby="id_time_zone_helptext id_time_zone_error"' in html
    assert 'id="id_time_zone_error"' in html
    assert not User.objects.filter(email="noor@example.org").exists()


def test_log_in_page_logs_a_verified_person_in(client):
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("web:account")).status_code == 200


def test_wrong_password_is_reported_on_the_log_in_page(client):
    user = UserFactory()

    response = client.post(reverse("account_login"), {"login": user.email, "password": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'role="alert"' in html


def test_log_out_is_a_post(client):
    client.force_login(UserFactory())

    response = client.post(reverse("account_logout"))

    assert response.status_code == 302
    assert client.get(reverse("web:account")).status_code == 302


def test_password_change_page_shows_the_profile_navigation(client):
    client.force_login(UserFactory())

    html = client.get(reverse("account_change_password")).content.decode()

    assert 'aria-label="My profile"' in html
    assert 'aria-current="page">Change password' in html


def test_unknown_page_uses_the_site_404(client, settings):
    settings.DEBUG = False

    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert "We could not find that page" in response.content.decode()
