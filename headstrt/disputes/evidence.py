"""Checking an evidence file by what it contains, not what it is called: PDF, PNG, JPEG, WebP
or plain text, at most ``MAX_EVIDENCE_BYTES``."""

import io
from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile
from PIL import Image, UnidentifiedImageError

from headstrt.core.errors import DomainError
from headstrt.disputes.models import MAX_EVIDENCE_BYTES

ACCEPTED = "PDF, PNG, JPEG, WebP or plain text"
# Content type and the file name endings that may carry it.
_KINDS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".text", ".log", ".md", ".csv", ""),
}
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# Text a browser could take for a page or a script, whatever the file is called.
_MARKUP = ("<!doctype", "<html", "<script", "<svg", "<?xml", "<body", "<iframe")
_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}
MAX_NAME = 200


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: its bytes, its detected content type and a safe name to show."""

    content: bytes
    content_type: str
    name: str
    extension: str


def _wrong_type(detail: str) -> DomainError:
    return DomainError(
        "file_type",
        f"{detail} Evidence files can be {ACCEPTED}, at most "
        f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MB.",
        field="file",
        status=422,
    )


def _too_large(size: int) -> DomainError:
    return DomainError(
        "file_too_large",
        f"The file is {size / 1024 / 1024:.1f} MB; evidence files can be at most "
        f"{MAX_EVIDENCE_BYTES // 1024 // 1024} MB.",
        field="file",
        status=413,
    )


def _image_type(content: bytes) -> str | None:
    try:
        with Image.open(io.BytesIO(content)) as probe:
            found = _IMAGE_TYPES.get(probe.format or "")
            if found is not None:
                probe.verify()
            return found
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        return None


def _is_plain_text(content: bytes) -> bool:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if any(ord(char) in _TEXT_CONTROLS for char in text):
        return False
    head = text[:4096].lower()
    return not head.lstrip().startswith("<") and not any(tag in head for tag in _MARKUP)


def _detected_type(content: bytes) -> str | None:
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    is_webp = content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    if content.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")) or is_webp:
        # The signature only says which decoder to try; the image must also decode.
        return _image_type(content)
    if _is_plain_text(content):
        return "text/plain"
    return None


def _safe_name(name: str) -> str:
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(char for char in base if char.isprintable()).strip()
    return cleaned[-MAX_NAME:] or "evidence"


def evidence_file_check(upload: UploadedFile) -> CheckedFile:
    """The upload's content if it is an accepted kind of file within the size limit, else a
    ``DomainError`` saying what is wrong (``file_too_large``, 413; ``file_type``, 422). The
    name must end as its content says (an HTML page called ``.pdf`` is refused)."""
    size = upload.size or 0
    if size > MAX_EVIDENCE_BYTES:
        raise _too_large(size)
    upload.seek(0)
    content = upload.read(MAX_EVIDENCE_BYTES + 1)
    if len(content) > MAX_EVIDENCE_BYTES:
        raise _too_large(len(content))
    if not content:
        raise _wrong_type("The file is empty.")
    name = _safe_name(upload.name or "")
    extension = PurePath(name).suffix.lower()
    content_type = _detected_type(content)
    if content_type is None:
        raise _wrong_type(f"“{name}” is not a file type we accept.")
    if extension not in _KINDS[content_type]:
        raise _wrong_type(
            f"“{name}” does not contain what its name says (it looks like {content_type})."
        )
    stored_extension = extension or ".txt"
    return CheckedFile(content, content_type, name, stored_extension)
