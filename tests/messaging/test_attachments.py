"""Files attached to messages are judged by their content: accepted kinds pass with a safe
name, programs, scripts, web pages, SVG, macro documents and misnamed files are refused."""

# ruff: noqa: F401, F811 (fixtures imported below are named as test arguments)

import contextlib
import io
import struct
import tracemalloc
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.db import DatabaseError, transaction
from django.test import Client
from PIL import Image

from headstrt.core.errors import DomainError
from headstrt.messaging import attachments, conversations
from headstrt.messaging.attachments import attachment_check, content_type_of, safe_name
from headstrt.messaging.conversations import conversation_open
from tests.api.conftest import BASE, assert_error, client_for
from tests.messaging.talking import (
    PNG,
    frozen,
    image,
    mentee,
    mentor,
    post,
    session,
    talk_state,
    upload,
)


def stored_files() -> list[Path]:
    return [path for path in (Path(settings.DATA_DIR) / "private").rglob("*") if path.is_file()]


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def office(main_part: str, *extra: str, content_types: str = "<Types/>") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr(main_part, "<document/>")
        for name in extra:
            archive.writestr(name, b"\x00binary")
    return buffer.getvalue()


def refused(code: str, name: str, content: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        attachment_check(upload(name, content))
    assert caught.value.code == code, caught.value.message
    return caught.value


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("offer.pdf", b"%PDF-1.7\n1 0 obj\n", "application/pdf"),
        ("photo.png", image("PNG"), "image/png"),
        ("photo.JPG", image("JPEG"), "image/jpeg"),
        ("wave.gif", image("GIF"), "image/gif"),
        ("pic.webp", image("WEBP"), "image/webp"),
        ("notes.md", b"# Plan\n- ask for 15 %\n", "text/plain"),
        ("figures.csv", b"year,salary\n2030,52000\n", "text/plain"),
        ("README", "Café notes".encode(), "text/plain"),
        ("cv.docx", office("word/document.xml", "word/media/image1.png"), DOCX),
        ("budget.xlsx", office("xl/workbook.xml"), XLSX),
    ],
)
def test_accepted_files_keep_their_name_and_get_their_type_from_the_content(
    name, content, content_type
):
    checked = attachment_check(upload(name, content, "application/x-made-up"))
    assert (checked.content_type, checked.name, checked.size) == (content_type, name, len(content))
    assert len(checked.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 64),
        ("report.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64),  # a Windows program called .pdf
        ("tool", b"\x7fELF\x02\x01\x01" + b"\x00" * 64),
        ("app.png", b"\xcf\xfa\xed\xfe" + b"\x00" * 64),
        ("run.txt", b"#!/bin/sh\nrm -rf ~\n"),
        ("install.sh", b"echo hello\n"),
        ("script.js", b"alert(1)\n"),
        ("macro.bat", b"del *.*\n"),
        ("page.txt", b"<!DOCTYPE html><html><script>alert(1)</script></html>"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'),
        ("data.txt", b'<?xml version="1.0"?><x/>'),
        ("cv.docx", office("word/document.xml", "word/vbaProject.bin")),
        (
            "cv.docx",
            office(
                "word/document.xml",
                content_types="application/vnd.ms-word.document.macroEnabled.main+xml",
            ),
        ),
        ("archive.docx", office("other/thing.xml")),
        ("photos.zip", office("word/document.xml")),
        ("blob.pdf", b"\x00\x01\x02\x03 not a pdf"),
        ("notes.txt", b"line\x00with a NUL"),
        ("empty.txt", b""),
        ("photo.pdf", image("PNG")),  # the name says PDF, the content is an image
    ],
)
def test_programs_pages_and_misnamed_files_are_refused(name, content):
    error = refused("attachment_type", name, content)
    assert error.status == 422 and error.field == "files"


def test_a_file_over_the_limit_is_refused_with_its_size(settings):
    settings.HEADSTRT_ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    error = refused("attachment_too_large", "big.txt", b"a" * (2 * 1024 * 1024 + 1))
    assert error.status == 413
    assert error.message == "“big.txt” is 2 MB; files can be at most 2 MB."


def test_names_are_cut_to_their_last_part_and_printable_characters():
    assert safe_name("C:\\Users\\me\\..\\cv.pdf", default="file") == "cv.pdf"
    assert safe_name("../../etc/passwd", default="file") == "passwd"
    assert safe_name("a\x00b\u202e.txt", default="file") == "ab.txt"
    assert safe_name("   ", default="file") == "file"
    assert safe_name("x" * 200 + ".pdf", default="file").endswith("x.pdf")
    assert len(safe_name("x" * 200 + ".pdf", default="file")) == 120


def test_content_sniffing_never_calls_a_broken_image_an_image():
    assert content_type_of(b"\x89PNG\r\n\x1a\n" + b"broken") is None
    assert content_type_of(b"GIF89a broken") is None


def zipped(*entries: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def document(*extra: tuple[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    return zipped(
        ("[Content_Types].xml", b"<Types/>"),
        ("word/document.xml", b"<document/>"),
        *extra,
        method=method,
    )


def flagged(content: bytes, *, flag: int = 0, method: int | None = None) -> bytes:
    """``content`` (a zip) with every entry's flags or compression method overwritten in
    both its local and its central header, as a crafted upload would have them."""
    data = bytearray(content)
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at != -1:
            data[at + flags_at] |= flag
            if method is not None:
                data[at + flags_at + 2 : at + flags_at + 4] = struct.pack("<H", method)
            at = data.find(signature, at + 4)
    return bytes(data)


def peak_megabytes(call) -> float:
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 1024 / 1024


def test_a_zip_bomb_is_refused_without_being_unpacked():
    bomb = zipped(
        ("[Content_Types].xml", b"<" + b" " * (64 * 1024 * 1024)), ("word/document.xml", b"<w/>")
    )
    assert len(bomb) < 100_000

    used = peak_megabytes(lambda: refused("attachment_type", "cv.docx", bomb))

    assert used < 8


def test_only_a_bounded_part_of_a_document_is_ever_unpacked(monkeypatch):
    # Even where the limits on what a document declares allow it, the check reads little.
    monkeypatch.setattr(attachments, "_OFFICE_MAX_UNPACKED", 1024**3)
    monkeypatch.setattr(attachments, "_OFFICE_MAX_RATIO", 10**6)
    big = zipped(
        ("[Content_Types].xml", b"<Types>" + b" " * (40 * 1024 * 1024)),
        ("word/document.xml", b"<w/>"),
    )
    found = []

    used = peak_megabytes(lambda: found.append(content_type_of(big)))

    assert found == [DOCX] and used < 8


@pytest.mark.parametrize(
    "content",
    [
        document(method=zipfile.ZIP_BZIP2),
        document(method=zipfile.ZIP_LZMA),
        document(("word/media/a.bin", b"x" * 100)),
        document(*[(f"word/part{number}.xml", b"<p/>") for number in range(1999)]),
        zipped(("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b" " * 200_000)),
    ],
    ids=["bzip2", "lzma", "embedded binary", "2001 parts", "packed 100 times smaller"],
)
def test_documents_packed_unusually_are_refused(content):
    refused("attachment_type", "cv.docx", content)


CRAFTED = {
    "encrypted.docx": flagged(document(), flag=0x1),
    "unknown-method.docx": flagged(document(), method=99),
    "wrong-checksum.docx": document(method=zipfile.ZIP_STORED).replace(b"<Types/>", b"<Typez/>"),
    "truncated.docx": zipped(
        ("[Content_Types].xml", b"<Types>" + bytes(range(256)) * 40), ("word/document.xml", b"<w/>")
    )[:-200],
    "short-header.png": b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 5) + b"IHDR" + bytes(9),
}
# A part whose packed data is damaged, so unpacking it fails.
_deflated = document(("word/styles.xml", bytes(range(256)) * 40))
_at = _deflated.find(b"word/styles.xml") + len("word/styles.xml")
CRAFTED["bad-deflate.docx"] = (
    _deflated[:_at]
    + bytes(byte ^ 0xFF for byte in _deflated[_at : _at + 40])
    + _deflated[_at + 40 :]
)


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_files_that_break_the_readers_are_refused_not_crashed_on(name):
    assert content_type_of(CRAFTED[name]) is None
    refused("attachment_type", name, CRAFTED[name])


@pytest.mark.parametrize(
    "name",
    ["run.bat.", "go.ps1.", "a.js.", "install.sh.", "x.vbs..", "y.cmd . .", "a.exe.txt", "b.JS.md"],
)
def test_program_endings_count_anywhere_in_the_name_and_before_trailing_dots(name):
    error = refused("attachment_type", name, b"echo hello\r\n")
    assert "is a program, a script or a web page" in error.message


def test_trailing_dots_and_spaces_leave_the_name():
    assert safe_name("notes.txt. . ", default="file") == "notes.txt"
    assert safe_name(" ... ", default="file") == "file"
    assert attachment_check(upload("notes.txt.", b"plain")).name == "notes.txt"


def test_markup_is_found_anywhere_in_a_text_file():
    refused("attachment_type", "late.txt", b"x" * 10_000 + b"<script>alert(1)</script>")


@pytest.mark.parametrize(
    "part",
    [
        ("word/media/image1.png", b"MZ\x90\x00 a Windows program"),
        ("word/media/photo.jpg", b"\x7fELF\x02\x01"),
        ("word/a.exe ", b"\x00"),
        ("word/run.lnk.", b"\x00"),
        ("word/activeX/activeX1.bin", b"\x00"),
        ("word/embeddings/oleObject1.bin", b"\x00"),
    ],
)
def test_documents_carrying_programs_are_refused_whatever_the_part_is_called(part):
    refused("attachment_type", "cv.docx", document(part))


def test_printer_settings_are_the_binary_part_a_document_may_hold():
    sheet = zipped(
        ("[Content_Types].xml", b"<Types/>"),
        ("xl/workbook.xml", b"<workbook/>"),
        ("xl/printerSettings/printerSettings1.bin", b"H\x00P\x00 LaserJet"),
    )
    assert attachment_check(upload("budget.xlsx", sheet)).content_type == XLSX


def test_an_image_too_large_to_open_safely_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 10)
    refused("attachment_type", "photo.png", image("PNG"))  # 16 pixels


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["encrypted.docx", "short-header.png"])
def test_crafted_files_get_a_clear_refusal_from_the_web_app_and_the_api(
    frozen, session, mentee, name
):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    before = talk_state()
    api = client_for(Client(raise_request_exception=False), mentee)
    answer = api.client.post(
        f"{BASE}/conversations/{conversation.public_id}/messages",
        {"body": "See attached", "files": [upload(name, CRAFTED[name])]},
        headers=api.headers,
    )
    assert_error(answer, 422, "attachment_type")
    web = Client(raise_request_exception=False)
    web.force_login(mentee)
    page = web.post(
        f"/conversations/{conversation.public_id}/",
        {"body": "See attached", "files": [upload(name, CRAFTED[name])]},
    )
    assert page.status_code == 422
    assert "is not a kind of file we accept" in page.content.decode()
    assert talk_state() == before and stored_files() == []


@pytest.mark.django_db
def test_a_post_that_fails_after_its_files_are_stored_keeps_no_file(
    frozen, session, mentee, monkeypatch
):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    before = talk_state()

    def failing(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(conversations, "_notify", failing)
    with pytest.raises(RuntimeError):
        post(mentee, conversation, "Two files", files=[upload("a.png", PNG), upload("b.txt", b"b")])

    assert talk_state() == before and stored_files() == []


@pytest.mark.django_db
def test_a_post_whose_commit_fails_keeps_no_file(frozen, session, mentee, monkeypatch):
    conversation = conversation_open(user=mentee, booking_id=session.public_id)
    atomic = transaction.atomic

    @contextlib.contextmanager
    def failing_commit():
        with atomic():
            yield
        raise DatabaseError("could not commit")

    # Only the service's own transaction fails to commit; Django's inner ones work as usual.
    failing = SimpleNamespace(**{**vars(transaction), "atomic": failing_commit})
    monkeypatch.setattr(conversations, "transaction", failing)
    with pytest.raises(DatabaseError):
        post(mentee, conversation, "A file", files=[upload("a.png", PNG)])

    assert stored_files() == []
