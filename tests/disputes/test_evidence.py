"""Evidence files are checked by content: PDF, PNG, JPEG, WebP or plain text up to 10 MB;
anything else is refused with a clear message and nothing is kept. Files are read only by
those who may see the case."""

import io
import struct
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from headstrt.core.errors import NotFound
from headstrt.disputes import selectors, services
from headstrt.disputes.models import MAX_EVIDENCE_BYTES, Evidence
from tests.disputes.cases import case_state, open_dispute
from tests.factories import UserFactory
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, format=kind)
    return out.getvalue()


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def stored_files() -> list[Path]:
    return [p for p in (Path(settings.DATA_DIR) / "private").rglob("*") if p.is_file()]


@pytest.fixture
def dispute(session, mentee):
    return open_dispute(session, mentee)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.pdf", PDF, "application/pdf"),
        ("screen.png", image("PNG"), "image/png"),
        ("photo.JPG", image("JPEG"), "image/jpeg"),
        ("chat.webp", image("WEBP"), "image/webp"),
        ("chat log.txt", "Mentor: à tout à l'heure\n".encode(), "text/plain"),
    ],
)
def test_accepted_files_are_kept_privately(dispute, mentee, name, content, content_type):
    evidence = services.evidence_add(
        user=mentee, dispute_id=dispute.public_id, text="What I saw", upload=upload(name, content)
    )
    evidence.refresh_from_db()
    assert (evidence.file_name, evidence.content_type) == (name, content_type)
    assert evidence.file.read() == content
    assert str(Path(settings.DATA_DIR) / "private") in evidence.file.path
    assert not evidence.file.name.endswith(name)  # stored under a name of its own
    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018 - private files have no public address


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(200), "file_type"),
        ("invoice.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "file_type"),
        ("page.txt", b"<html><body>hi</body></html>", "file_type"),
        ("photo.pdf", image("PNG"), "file_type"),
        ("broken.png", b"\x89PNG\r\n\x1a\n" + b"not really", "file_type"),
        ("image.svg", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "file_type"),
        ("empty.txt", b"", "file_type"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * MAX_EVIDENCE_BYTES, "file_too_large"),
    ],
)
def test_other_files_are_refused_and_nothing_is_kept(dispute, mentee, name, content, code):
    before = case_state()
    error = refused(
        code,
        services.evidence_add,
        user=mentee,
        dispute_id=dispute.public_id,
        text="See attached",
        upload=upload(name, content),
    )
    assert error.field == "file" and error.status in (413, 422)
    assert "PDF, PNG, JPEG, WebP or plain text" in error.message or "10 MB" in error.message
    assert case_state() == before
    assert stored_files() == []


def test_text_alone_is_evidence_but_nothing_is_not(dispute, mentor):
    services.evidence_add(user=mentor.user, dispute_id=dispute.public_id, text="I was there.")
    before = case_state()
    refused("invalid", services.evidence_add, user=mentor.user, dispute_id=dispute.public_id)
    refused(
        "invalid",
        services.evidence_add,
        user=mentor.user,
        dispute_id=dispute.public_id,
        text="x" * 4001,
    )
    assert case_state() == before


def test_files_are_read_only_by_those_on_the_case(dispute, mentee, mentor, staff, pool):
    evidence = services.evidence_add(
        user=mentee, dispute_id=dispute.public_id, upload=upload("notes.pdf", PDF)
    )
    for person in (mentee, mentor.user, staff):
        found = selectors.evidence_file_for_viewer(evidence_id=evidence.public_id, user=person)
        assert found == evidence
    for stranger in (UserFactory(), pool.neutral[0].user):
        with pytest.raises(NotFound):
            selectors.evidence_file_for_viewer(evidence_id=evidence.public_id, user=stranger)
    text_only = services.evidence_add(user=mentee, dispute_id=dispute.public_id, text="Only text")
    with pytest.raises(NotFound):
        selectors.evidence_file_for_viewer(evidence_id=text_only.public_id, user=mentee)
    assert Evidence.objects.count() == 2


def _zipped(content_types: bytes, *, method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("word/document.xml", b"<w/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("cv.docx", _zipped(b"<Types/>")),
        ("notes.txt", _zipped(b"<" + b" " * (64 * 1024 * 1024))),  # unpacks to 64 MB
        ("bomb.txt", _zipped(b" " * (8 * 1024 * 1024), method=zipfile.ZIP_BZIP2)),
        ("wave.gif", b"GIF89a" + image("GIF")[6:]),
        ("short.png", b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 5) + b"IHDR" + bytes(9)),
        ("run.bat.", b"@echo off\r\n"),
    ],
)
def test_documents_and_crafted_files_are_refused_without_being_unpacked(
    dispute, mentee, name, content
):
    before = case_state()
    tracemalloc.start()
    try:
        error = refused(
            "file_type",
            services.evidence_add,
            user=mentee,
            dispute_id=dispute.public_id,
            upload=upload(name, content),
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert error.status == 422
    assert peak < 8 * 1024 * 1024
    assert case_state() == before
    assert stored_files() == []
