"""Profile photos: re-encoded to a square WebP without metadata; anything else is refused."""

import io
import struct
import zlib

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.accounts import selectors, services
from headstrt.accounts.models import User
from headstrt.accounts.validation import MAX_PHOTO_BYTES, PHOTO_SIDE
from headstrt.core.errors import DomainError, NotFound
from tests.factories import MentorProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

EXIF_MAKE, EXIF_ORIENTATION = 0x010F, 0x0112


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def image_bytes(fmt="PNG", size=(800, 600), colour=(30, 120, 200), exif=None):
    buffer = io.BytesIO()
    extra = {"exif": exif} if exif is not None else {}
    Image.new("RGB", size, colour).save(buffer, format=fmt, **extra)
    return buffer.getvalue()


def upload(data, name="photo.png", content_type="image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def png_claiming(width, height):
    """A tiny PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb)."""
    data = bytearray(image_bytes(size=(8, 8)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def stored_image(user):
    user.refresh_from_db()
    with user.photo.open("rb") as stored:
        return Image.open(io.BytesIO(stored.read()))


def test_a_png_becomes_a_square_webp(media):
    user = UserFactory()

    services.user_set_photo(user=user, upload=upload(image_bytes("PNG", (800, 600))))

    image = stored_image(user)
    assert image.format == "WEBP"
    assert image.size == (PHOTO_SIDE, PHOTO_SIDE)
    assert user.photo.name.startswith("photos/") and user.photo.name.endswith(".webp")
    assert (media / user.photo.name).is_file()


def test_a_jpeg_loses_its_exif_metadata():
    exif = Image.Exif()
    exif[EXIF_MAKE] = "Pocket Camera 3000"
    original = image_bytes("JPEG", (300, 500), exif=exif)
    assert Image.open(io.BytesIO(original)).getexif()[EXIF_MAKE] == "Pocket Camera 3000"
    user = UserFactory()

    services.user_set_photo(user=user, upload=upload(original, "me.jpg", "image/jpeg"))

    image = stored_image(user)
    assert (image.format, image.size) == ("WEBP", (PHOTO_SIDE, PHOTO_SIDE))
    assert not image.getexif()
    assert "exif" not in image.info


def test_the_exif_orientation_is_applied_before_it_is_dropped():
    # Left half red, right half blue; orientation 6 says "rotate 90° clockwise to view",
    # which puts red on top.
    picture = Image.new("RGB", (400, 200), (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, 200, 200))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", exif=exif)
    user = UserFactory()

    services.user_set_photo(user=user, upload=upload(buffer.getvalue(), "me.jpg", "image/jpeg"))

    image = stored_image(user).convert("RGB")
    top, bottom = image.getpixel((256, 40)), image.getpixel((256, 470))
    assert top[0] > 200 and top[2] < 60
    assert bottom[2] > 200 and bottom[0] < 60


@pytest.fixture
def user_with_photo():
    user = UserFactory()
    services.user_set_photo(user=user, upload=upload(image_bytes()))
    user.refresh_from_db()
    return user


def assert_photo_kept(user, media, name):
    assert User.objects.get(pk=user.pk).photo.name == name
    assert (media / name).is_file()
    assert len(list((media / "photos").iterdir())) == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"Just some notes, not a picture.\n" * 20, "invalid_photo"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "invalid_photo",
        ),
        (image_bytes("BMP", (40, 40)), "invalid_photo"),
        (image_bytes("TIFF", (40, 40)), "invalid_photo"),
        (image_bytes("PNG", (400, 400))[:300], "invalid_photo"),
        (b"\0" * (MAX_PHOTO_BYTES + 1), "photo_too_large"),
        (png_claiming(7_000, 7_000), "photo_too_large"),
        (png_claiming(10_000, 10_000), "photo_too_large"),
        (png_claiming(30_000, 30_000), "photo_too_large"),
    ],
    ids=[
        "text",
        "svg",
        "bmp",
        "tiff",
        "truncated-png",
        "over-5-MB",
        "49-megapixel-header",
        "100-megapixel-header",
        "900-megapixel-header",
    ],
)
def test_a_refused_upload_keeps_the_old_photo(user_with_photo, media, data, code):
    name = user_with_photo.photo.name

    with pytest.raises(DomainError) as caught:
        services.user_set_photo(user=user_with_photo, upload=upload(data))

    assert (caught.value.code, caught.value.field) == (code, "photo")
    assert_photo_kept(user_with_photo, media, name)


def test_a_new_photo_replaces_the_old_file_once_saved(
    user_with_photo, media, django_capture_on_commit_callbacks
):
    old = user_with_photo.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        services.user_set_photo(user=user_with_photo, upload=upload(image_bytes("GIF")))

    user_with_photo.refresh_from_db()
    assert user_with_photo.photo.name != old
    assert not (media / old).exists()
    assert [path.name for path in (media / "photos").iterdir()] == [
        user_with_photo.photo.name.removeprefix("photos/")
    ]


def test_removing_the_photo_deletes_the_file(
    user_with_photo, media, django_capture_on_commit_callbacks
):
    old = user_with_photo.photo.name

    with django_capture_on_commit_callbacks(execute=True):
        services.user_remove_photo(user=user_with_photo)

    assert not User.objects.get(pk=user_with_photo.pk).photo
    assert not (media / old).exists()


def test_a_photo_is_shown_to_its_owner_and_only_to_others_while_listed_as_a_mentor():
    profile = MentorProfileFactory()
    person = profile.user
    services.user_set_photo(user=person, upload=upload(image_bytes()))
    public_id = person.public_id
    stranger = UserFactory()

    for viewer in (None, AnonymousUser(), stranger, person):
        assert selectors.photo_for_viewer(public_id=public_id, viewer=viewer) == person.photo

    services.mentor_profile_set_active(user=person, is_active=False)
    for viewer in (None, AnonymousUser(), stranger):
        with pytest.raises(NotFound):
            selectors.photo_for_viewer(public_id=public_id, viewer=viewer)
    assert selectors.photo_for_viewer(public_id=public_id, viewer=person) == person.photo


def test_a_mentee_photo_is_private_and_missing_photos_are_not_found():
    mentee, stranger = UserFactory(), UserFactory()
    services.user_set_photo(user=mentee, upload=upload(image_bytes()))

    assert selectors.photo_for_viewer(public_id=mentee.public_id, viewer=mentee)
    with pytest.raises(NotFound):
        selectors.photo_for_viewer(public_id=mentee.public_id, viewer=stranger)
    with pytest.raises(NotFound):
        selectors.photo_for_viewer(public_id=stranger.public_id, viewer=stranger)
