"""Boundary checks for people's input: text lengths, time zones, languages and photos."""

import io
import re
import zoneinfo
from collections.abc import Iterable
from functools import cache

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

from headstrt.accounts.models import Language
from headstrt.core.errors import DomainError

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
PHOTO_SIDE = 512
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_LANGUAGES = 10
_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


def clean_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = False
) -> str:
    """Strip ``value`` and enforce its length; markup is kept as text and escaped on output."""
    text = (value or "").strip()
    if "\x00" in text:
        raise DomainError("invalid_text", f"{label} contains a NUL character.", field=field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: JSON can carry them, no database stores them
        raise DomainError(
            "invalid_text", f"{label} contains characters that are not valid Unicode.", field=field
        ) from None
    if required and not text:
        raise DomainError("required", f"{label} is required.", field=field)
    if len(text) > max_length:
        raise DomainError(
            "too_long",
            f"{label} is too long: {len(text)} characters, at most {max_length}.",
            field=field,
        )
    return text


def clean_int(value: int, *, field: str, label: str, minimum: int, maximum: int) -> int:
    """Check that ``value`` is an integer within ``[minimum, maximum]``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("invalid_number", f"{label} must be a whole number.", field=field)
    if not minimum <= value <= maximum:
        raise DomainError(
            "out_of_range", f"{label} must be between {minimum} and {maximum}.", field=field
        )
    return value


@cache
def _time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_time_zone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise ``DomainError``."""
    name = (name or "").strip()
    if name not in _time_zones():
        raise DomainError(
            "unknown_time_zone",
            f"“{name}” is not a time zone we know. Use an IANA name such as Europe/Paris.",
            field="time_zone",
        )
    return name


def reencode_photo(upload: UploadedFile) -> bytes:
    """Validate an uploaded photo and re-encode it as a square WebP without metadata."""
    if upload.size > MAX_PHOTO_BYTES:
        raise DomainError(
            "photo_too_large",
            f"The photo is {upload.size / 1024 / 1024:.1f} MB; the limit is "
            f"{MAX_PHOTO_BYTES // 1024 // 1024} MB.",
            field="photo",
        )
    not_an_image = DomainError(
        "invalid_photo", "That file is not a JPEG, PNG, WebP or GIF image.", field="photo"
    )
    too_many_pixels = DomainError(
        "photo_too_large", "The photo has too many pixels.", field="photo"
    )
    data = upload.read()
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in PHOTO_FORMATS:
                raise not_an_image
            if probe.width * probe.height > MAX_PHOTO_PIXELS:
                raise too_many_pixels
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image).convert("RGB")
            square = ImageOps.fit(image, (PHOTO_SIDE, PHOTO_SIDE), Image.Resampling.LANCZOS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow refuses (or, where warnings are errors, warns about) huge headers before
        # our own pixel check runs; they are too large, not "not an image".
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise not_an_image from None
    out = io.BytesIO()
    square.save(out, format="WEBP", quality=85)
    return out.getvalue()


def clean_languages(codes: Iterable[str] | str) -> list[Language]:
    """The languages named by ISO 639-1 ``codes``, or a ``DomainError`` naming the unknown."""
    if isinstance(codes, str):
        codes = [codes]
    wanted = {str(code).strip().lower() for code in codes if code and str(code).strip()}
    if len(wanted) > MAX_LANGUAGES:
        raise DomainError(
            "too_many_languages", f"Choose at most {MAX_LANGUAGES} languages.", field="languages"
        )
    found = list(
        Language.objects.filter(code__in={c for c in wanted if _LANGUAGE_CODE.fullmatch(c)})
    )
    unknown = wanted - {language.code for language in found}
    if unknown:
        raise DomainError(
            "unknown_language",
            f"Unknown language code: {', '.join(sorted(unknown))}. Use ISO 639-1 codes "
            "such as en, fr or hi.",
            field="languages",
        )
    return found
