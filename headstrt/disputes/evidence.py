"""Checking an evidence file by what it contains, not what it is called: PDF, PNG, JPEG, WebP
or plain text, at most ``MAX_EVIDENCE_BYTES``."""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.files.uploadedfile import UploadedFile

from headstrt.core.errors import DomainError
from headstrt.disputes.models import MAX_EVIDENCE_BYTES
from headstrt.messaging.attachments import content_type_of, safe_name

ACCEPTED = "PDF, PNG, JPEG, WebP or plain text"
# Content type and the file name endings that may carry it.
_KINDS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".text", ".log", ".md", ".csv", ""),
}
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
    name = safe_name(upload.name or "", default="evidence", limit=MAX_NAME)
    extension = PurePath(name).suffix.lower()
    # Only the checks for the kinds evidence accepts run (no zip is ever opened).
    content_type = content_type_of(content, kinds=_KINDS)
    if content_type is None:
        raise _wrong_type(f"“{name}” is not a file type we accept.")
    if extension not in _KINDS[content_type]:
        raise _wrong_type(
            f"“{name}” does not contain what its name says (it looks like {content_type})."
        )
    stored_extension = extension or ".txt"
    return CheckedFile(content, content_type, name, stored_extension)
