"""Files attached to messages: checked by what they contain, not what they are called (PDF,
images, plain text, Word/Excel/PowerPoint documents; never a program, a script, a web page or
SVG, whatever the name says), and served to members only as downloads (web app and API)."""

import hashlib
import io
import warnings
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse
from PIL import Image

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError, NotFound
from headstrt.messaging.conversation_reads import attachment_get_for_member
from headstrt.messaging.models import Attachment

MAX_ATTACHMENTS = 3
MAX_NAME = 120
ACCEPTED = (
    "PDF, PNG, JPEG, GIF, WebP, plain text, or Word, Excel or PowerPoint (.docx, .xlsx, .pptx)"
)
_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
# Content type and the file name endings that may carry it.
KINDS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "text/plain": (".txt", ".text", ".log", ".md", ".csv", ""),
    _DOCX: (".docx",),
    _XLSX: (".xlsx",),
    _PPTX: (".pptx",),
}
_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
_IMAGE_SIGNATURES = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
# The part each Office Open XML document must hold, and the content type it makes.
_OFFICE_MAIN_PART = {
    "word/document.xml": _DOCX,
    "xl/workbook.xml": _XLSX,
    "ppt/presentation.xml": _PPTX,
}
_OFFICE_TYPES = frozenset(_OFFICE_MAIN_PART.values())
# Limits on what a document may declare, so that checking it (or opening it later) never
# unpacks more than a real document holds: entries, their total unpacked size, how much
# smaller they are packed, and how much of [Content_Types].xml is read.
_OFFICE_MAX_MEMBERS = 2000
_OFFICE_MAX_UNPACKED = 50 * 1024 * 1024
_OFFICE_MAX_RATIO = 100
_OFFICE_CONTENT_TYPES_BYTES = 1_000_000
_OFFICE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
# Binary parts a macro-free document may hold: printer settings. Any other .bin part is
# macros (vbaProject.bin), an ActiveX control or an embedded object, which are refused.
_OFFICE_BINARY_FOLDER = "printersettings"
# Programs by their first bytes: Windows (MZ), Linux (ELF), macOS (Mach-O, both byte orders,
# 32 and 64 bits, and universal binaries, which share Java classes' CAFEBABE), and scripts.
_PROGRAM_MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)
_PROGRAM_MAGIC_BYTES = max(len(magic) for magic in _PROGRAM_MAGIC)
# Endings of programs, scripts, installers and pages a computer may run or a browser show.
_PROGRAM_ENDINGS = frozenset(
    (".exe", ".com", ".bat", ".cmd", ".msi", ".msp", ".scr", ".pif", ".cpl", ".dll", ".lnk")
    + (".reg", ".hta", ".ps1", ".psm1", ".vbs", ".vbe", ".wsf", ".wsh", ".js", ".jse", ".mjs")
    + (".sh", ".bash", ".zsh", ".py", ".pl", ".rb", ".php", ".so", ".dylib", ".app", ".dmg")
    + (".pkg", ".deb", ".rpm", ".apk", ".jar", ".class", ".bin", ".docm", ".xlsm", ".pptm")
    + (".html", ".htm", ".xhtml", ".svg", ".xml")
)
# Text a browser could take for a page or a script, whatever the file is called.
_MARKUP = ("<!doctype", "<html", "<script", "<svg", "<?xml", "<body", "<iframe")
_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}


@dataclass(frozen=True)
class CheckedFile:
    """An accepted file: its bytes, detected content type, a safe name to show, the ending
    to store it under, its size and SHA-256."""

    content: bytes
    content_type: str
    name: str
    extension: str
    size: int
    sha256: str


def image_type(content: bytes) -> str | None:
    """The content type of an image that Pillow recognises and that decodes, else ``None``
    (an image too large to open safely included)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content)) as probe:
                found = _IMAGE_TYPES.get(probe.format or "")
                if found is not None:
                    probe.verify()
                return found
    except Exception:  # a crafted file may break the decoder in any way: not an image
        return None


def is_plain_text(content: bytes) -> bool:
    """UTF-8 text without control characters (NUL included) and nothing a browser would
    take for markup."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    if any(ord(char) in _TEXT_CONTROLS for char in text):
        return False
    lowered = text.lower()
    return not lowered.lstrip().startswith("<") and not any(tag in lowered for tag in _MARKUP)


def _endings(name: str) -> list[str]:
    """Every ending of a file name, as the system that saves it sees them (trailing dots and
    spaces dropped, as Windows does): ``a.exe.txt.`` ends in ``.exe`` and ``.txt``."""
    printable = "".join(char for char in name if char.isprintable()).rstrip(". ")
    return [ending.strip().lower() for ending in PurePath(printable).suffixes]


def _is_program_name(name: str) -> bool:
    return any(ending in _PROGRAM_ENDINGS for ending in _endings(name))


def _office_member_allowed(member: zipfile.ZipInfo) -> bool:
    """Whether a document's part is packed plainly and not named or made as a program."""
    if member.flag_bits & 0x1 or member.compress_type not in _OFFICE_COMPRESSION:
        return False  # encrypted, or packed in a way Word, Excel and PowerPoint do not use
    path = PurePath(member.filename.rstrip(". "))
    if _endings(path.name)[-1:] == [".bin"]:
        return path.parent.name.lower() == _OFFICE_BINARY_FOLDER
    return not any(ending in _PROGRAM_ENDINGS - {".xml"} for ending in _endings(path.name))


def _office_type(content: bytes) -> str | None:
    """The content type of a Word, Excel or PowerPoint document (a zip holding
    ``[Content_Types].xml`` and its main part), or ``None``: any other zip, one with macros,
    one that carries a program, one that would unpack to far more than it is, or one that
    cannot be read. Only a few bytes of each part are ever unpacked."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
            unpacked = sum(member.file_size for member in members)
            packed = sum(member.compress_size for member in members)
            if (
                len(members) > _OFFICE_MAX_MEMBERS
                or unpacked > _OFFICE_MAX_UNPACKED
                or unpacked > _OFFICE_MAX_RATIO * max(packed, 1)
                or not all(_office_member_allowed(member) for member in members)
            ):
                return None
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names:
                return None
            for member in members:
                with archive.open(member) as part:
                    if is_program(part.read(_PROGRAM_MAGIC_BYTES)):
                        return None  # a program, whatever its part is called
            # Macro-enabled documents declare themselves here, whatever they are called.
            with archive.open("[Content_Types].xml") as part:
                declared = part.read(_OFFICE_CONTENT_TYPES_BYTES).lower()
    except Exception:  # a crafted zip may break the reader in any way: not a document
        return None
    if b"macroenabled" in declared or b"vbaproject" in declared:
        return None
    found = [kind for part, kind in _OFFICE_MAIN_PART.items() if part in names]
    return found[0] if len(found) == 1 else None


def is_program(content: bytes) -> bool:
    """Whether the content starts as a program or a script does."""
    return content.startswith(_PROGRAM_MAGIC)


def content_type_of(content: bytes, *, kinds: Collection[str] = KINDS) -> str | None:
    """What the bytes are, among the content types ``kinds`` (by default ``KINDS``), judged
    by their content alone; ``None`` for anything else (programs, web pages, SVG and XML
    included). Only the checks for ``kinds`` run: a zip is not opened unless documents are
    accepted."""
    if is_program(content):
        return None
    found: str | None = None
    if content.startswith(b"%PDF-"):
        found = "application/pdf"
    elif content.startswith(_IMAGE_SIGNATURES) or (
        content[:4] == b"RIFF" and content[8:12] == b"WEBP"
    ):
        # The signature only says which decoder to try; the image must also decode.
        if set(_IMAGE_TYPES.values()) & set(kinds):
            found = image_type(content)
    elif content.startswith(b"PK\x03\x04"):
        if _OFFICE_TYPES & set(kinds):
            found = _office_type(content)
    elif is_plain_text(content):
        found = "text/plain"
    return found if found in kinds else None


def safe_name(name: str, *, default: str, limit: int = MAX_NAME) -> str:
    """The last part of an uploaded file's name, printable characters only, without the
    trailing dots and spaces Windows drops when saving it (so ``run.bat.`` is ``run.bat``),
    at most ``limit`` long (its ending kept); ``default`` when nothing is left."""
    base = PurePath(name.replace("\\", "/")).name
    cleaned = "".join(char for char in base if char.isprintable()).strip().rstrip(". ")
    return cleaned[-limit:] or default


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def _too_large(name: str, size: int, limit: int) -> DomainError:
    return DomainError(
        "attachment_too_large",
        f"“{name}” is {_megabytes(size)} MB; files can be at most {_megabytes(limit)} MB.",
        field="files",
        status=413,
    )


def _wrong_type(detail: str) -> DomainError:
    return DomainError(
        "attachment_type", f"{detail} Files can be {ACCEPTED}.", field="files", status=422
    )


def attachment_check(upload: UploadedFile) -> CheckedFile:
    """The upload if it is an accepted kind of file within
    ``settings.HEADSTRT_ATTACHMENT_MAX_BYTES``, else a ``DomainError``:
    ``attachment_too_large`` (413) or ``attachment_type`` (422: empty, a program or script,
    a web page, SVG, or a name that does not end as the content says)."""
    limit = settings.HEADSTRT_ATTACHMENT_MAX_BYTES
    name = safe_name(getattr(upload, "name", "") or "", default="file")
    if (upload.size or 0) > limit:
        raise _too_large(name, upload.size, limit)
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise _too_large(name, len(content), limit)
    if not content:
        raise _wrong_type(f"“{name}” is empty.")
    extension = PurePath(name).suffix.lower()
    if is_program(content) or _is_program_name(name):
        raise _wrong_type(f"“{name}” is a program, a script or a web page, which cannot be sent.")
    content_type = content_type_of(content)
    if content_type is None:
        raise _wrong_type(f"“{name}” is not a kind of file we accept.")
    if extension not in KINDS[content_type]:
        raise _wrong_type(
            f"“{name}” does not contain what its name says (it looks like {content_type})."
        )
    return CheckedFile(
        content=content,
        content_type=content_type,
        name=name,
        extension=extension or ".txt",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def attachment_files_delete_on_commit(*, author: User) -> None:
    """Once the current transaction commits, delete the stored files of every attachment on
    ``author``'s messages (their messages go with their account; the files must too)."""
    names = list(
        Attachment.objects.filter(message__author=author)
        .exclude(file="")
        .values_list("file", flat=True)
    )
    if names:
        storage = Attachment._meta.get_field("file").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in names])


def attachment_download(*, user: User, attachment_id: object) -> FileResponse:
    """A message's file for a member of its conversation: always an attachment, never shown
    inline or sniffed as another type (so a file cannot run as a page of the site), never
    cached. ``NotFound`` for anyone else, or a file that is gone."""
    attachment = attachment_get_for_member(user=user, attachment_id=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise NotFound("No such file.") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.name or "attachment",
        content_type=attachment.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
