"""Backups: a backup restored into a fresh data folder (SQLite) or a fresh database
(PostgreSQL, when DATABASE_URL points at one) holds every booking, ledger entry and uploaded
file; damaged archives, newer schemas and databases holding data are refused, nothing
changed."""

import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from headstrt.core.private_files import PrivateFileStorage
from headstrt.operations import backup as backup_module
from headstrt.scheduling import services as scheduling
from tests.payments.flows import paid_booking
from tests.scheduling.conftest import frozen, mentee, mentor  # noqa: F401
from tests.scheduling.sessions import TUESDAY_9

BOOKINGS = "SELECT public_id, status, start, price_minor, currency FROM scheduling_booking"
LEDGER_ENTRIES = (
    "SELECT e.id, t.public_id, t.kind, a.key, e.amount_minor, e.currency "
    "FROM payments_ledgerentry e "
    "JOIN payments_ledgertransaction t ON t.id = e.transaction_id "
    "JOIN payments_ledgeraccount a ON a.id = e.account_id"
)


def rows(cursor, query: str) -> list[tuple]:
    """The rows of ``query``, with times as text so SQLite and PostgreSQL rows compare."""
    cursor.execute(query)
    return sorted(tuple(str(value) for value in row) for row in cursor.fetchall())


def current_state() -> tuple:
    with connection.cursor() as cursor:
        return rows(cursor, BOOKINGS), rows(cursor, LEDGER_ENTRIES)


@pytest.fixture
def uploads(settings, tmp_path):
    """A public photo and a private attachment, in this test's own folders."""
    settings.MEDIA_ROOT = tmp_path / "media"
    photo = settings.MEDIA_ROOT / "photos" / "nia.jpg"
    attachment = Path(PrivateFileStorage().location) / "attachments" / "2030" / "03" / "plan.pdf"
    for path, content in ((photo, b"\xff\xd8 a photo"), (attachment, b"%PDF a plan")):
        path.parent.mkdir(parents=True)
        path.write_bytes(content)
    return {"media/photos/nia.jpg": photo, "private/attachments/2030/03/plan.pdf": attachment}


@pytest.fixture
def marketplace(transactional_db, frozen, mentor, mentee, uploads):  # noqa: F811
    """Three paid sessions (one 60 minutes long), one of them cancelled and refunded, made
    through the services and committed; the rows a restore must bring back."""
    paid_booking(mentor, mentee)
    paid_booking(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))
    cancelled = paid_booking(mentor, mentee, start=TUESDAY_9 + timedelta(hours=2), minutes=60)
    scheduling.booking_cancel(user=mentee, booking_id=cancelled.public_id)
    bookings, entries = current_state()
    assert len(bookings) == 3
    assert "refund" in {kind for _, _, kind, *_ in entries}
    return mentor, mentee


def backup(path: Path | str) -> str:
    out = io.StringIO()
    call_command("backup", str(path), stdout=out)
    return out.getvalue()


class FreshTarget:
    """A fresh data folder, and on PostgreSQL a fresh database, for ``headstrt restore`` run
    as its own process, as an operator would."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.environment = {**os.environ, "HEADSTRT_DATA_DIR": str(folder)}
        self.environment.pop("DATABASE_URL", None)
        self.database = None
        if connection.vendor == "postgresql":
            settings_dict = connection.settings_dict
            self.database = f"{settings_dict['NAME']}_restore"
            self._drop()
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.database}"')
            credentials = quote(settings_dict["USER"] or "")
            if settings_dict["PASSWORD"]:
                credentials += f":{quote(settings_dict['PASSWORD'])}"
            self.environment["DATABASE_URL"] = (
                f"postgresql://{credentials}@{settings_dict['HOST'] or 'localhost'}:"
                f"{settings_dict['PORT'] or 5432}/{self.database}"
            )

    def _drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')

    def close(self) -> None:
        if self.database:
            self._drop()

    def restore(self, archive: Path, *options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "headstrt", "restore", str(archive), *options],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def state(self) -> tuple:
        if self.database is None:
            database = sqlite3.connect(self.folder / "headstrt.sqlite3")
        else:
            import psycopg

            database = psycopg.connect(self.environment["DATABASE_URL"])
        try:
            cursor = database.cursor()
            return rows(cursor, BOOKINGS), rows(cursor, LEDGER_ENTRIES)
        finally:
            database.close()

    def file(self, name: str) -> Path:
        return self.folder / name


@pytest.fixture
def target(tmp_path):
    fresh = FreshTarget(tmp_path / "restored")
    yield fresh
    fresh.close()


def test_a_restored_backup_holds_every_booking_ledger_entry_and_file(
    marketplace, uploads, target, tmp_path
):
    archive = tmp_path / "first.tar.gz"
    printed = backup(archive)
    assert "3 bookings" in printed and str(archive) in printed
    assert archive.stat().st_mode & 0o077 == 0  # it holds private files: owner only
    state = current_state()

    restored = target.restore(archive)

    assert restored.returncode == 0, restored.stderr
    assert "3 bookings" in restored.stdout and "match the backup's manifest" in restored.stdout
    assert target.state() == state
    for name, original in uploads.items():
        assert target.file(name).read_bytes() == original.read_bytes()

    # A later backup replaces it whole (the restored database holds data: --force).
    paid_booking(*marketplace, start=TUESDAY_9 + timedelta(days=7))
    newer = tmp_path / "second.tar.gz"
    backup(newer)
    stray = target.file("media/photos/stray.jpg")
    stray.write_bytes(b"not in the backup")

    forced = target.restore(newer, "--force")

    assert forced.returncode == 0, forced.stderr
    assert target.state() == current_state() != state
    assert not stray.exists()

    with pytest.raises(CommandError, match="already exists"):
        backup(newer)
    assert "headstrt-2030" in backup(tmp_path)  # a folder given: a dated name inside it


def rewrite(archive: Path, damaged: Path, change) -> None:
    """Copy ``archive`` to ``damaged`` with its members (name → bytes) passed through
    ``change``."""
    with tarfile.open(archive) as source:
        members = {member.name: source.extractfile(member).read() for member in source}
    with tarfile.open(damaged, "w:gz") as out:
        for name, data in change(members).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


def manifest_with(archived: dict, **fields) -> dict:
    """``archived`` (name → bytes) with the manifest's ``fields`` set (a callable is given
    the manifest)."""
    manifest = json.loads(archived["manifest.json"])
    fields = {key: value(manifest) if callable(value) else value for key, value in fields.items()}
    return {**archived, "manifest.json": json.dumps({**manifest, **fields}).encode()}


def each(members: dict, prefix: str, change) -> dict:
    """``members`` with ``change`` applied to the data of those under ``prefix`` (dropped
    when it returns None)."""
    changed = {
        name: change(data) if name.startswith(prefix) else data for name, data in members.items()
    }
    return {name: data for name, data in changed.items() if data is not None}


def unreadable_database(members: dict) -> dict:
    """The database replaced by bytes no engine reads, the manifest's checksum made to fit."""
    name = next(name for name in members if name.startswith("database/"))
    data = b"not a database " * 100
    entry = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
    changed = manifest_with(members, members=lambda manifest: {**manifest["members"], name: entry})
    return {**changed, name: data}


DAMAGES = {
    "a changed file": (lambda members: each(members, "files/", lambda d: d + b"!"), "damaged"),
    "a missing file": (lambda members: each(members, "files/", lambda d: None), "damaged"),
    "a changed database": (
        lambda members: each(members, "database/", lambda d: d[:-1] + bytes([d[-1] ^ 1])),
        "damaged",
    ),
    "no manifest": (lambda members: each(members, "manifest", lambda d: None), "no manifest"),
    "an unknown format": (lambda members: manifest_with(members, version=99), "format 99"),
    "a newer schema": (
        lambda members: manifest_with(
            members, migrations=lambda manifest: [*manifest["migrations"], "payments.9999_next"]
        ),
        "newer Headstrt",
    ),
    "an unreadable database": (unreadable_database, "damaged|restore failed"),
    "a manifest without a count": (
        lambda members: manifest_with(members, counts={"people": 1}),
        "manifest is incomplete",
    ),
    "a manifest with odd migrations": (
        lambda members: manifest_with(members, migrations=[["payments", "0001_initial"]]),
        "manifest is incomplete",
    ),
    "an entry outside its folders": (
        lambda members: {**members, "../../escaped.txt": b"out"},
        "unexpected entry",
    ),
}


def leftovers() -> list[str]:
    """Staging folders a restore left behind (none, whatever happened)."""
    folders = (
        Path(settings.MEDIA_ROOT).parent,
        Path(settings.DATA_DIR),
        Path(settings.MEDIA_ROOT),
        Path(PrivateFileStorage().location),
    )
    return [
        entry.name
        for folder in folders
        for entry in folder.iterdir()
        if ".restor" in entry.name or ".replaced" in entry.name
    ]


def test_damaged_foreign_or_newer_archives_are_refused_and_nothing_changes(
    marketplace, uploads, tmp_path, subtests, monkeypatch
):
    # One database for every case: each transactional test pays for emptying it afterwards.
    archive = tmp_path / "good.tar.gz"
    backup(archive)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a backup")
    cases = {"cut short": (cut, "damaged|no manifest"), "a text file": (foreign, "not a backup")}
    cases["a missing file"] = (tmp_path / "missing.tar.gz", "no backup at")
    for damage, (change, message) in DAMAGES.items():
        cases[damage] = (tmp_path / f"{len(cases)}.tar.gz", message)
        rewrite(archive, cases[damage][0], change)
    state = current_state()

    for case, (path, message) in cases.items():
        with subtests.test(case):
            with pytest.raises(CommandError, match=message) as refused:
                call_command("restore", str(path), "--force")
            assert "Nothing was changed" in str(refused.value)
            assert current_state() == state
            assert all(path.exists() for path in uploads.values())
            assert not (tmp_path.parent / "escaped.txt").exists()
            assert leftovers() == []

    with pytest.raises(CommandError, match="already holds people, bookings or ledger entries"):
        call_command("restore", str(archive))
    assert current_state() == state
    checked = io.StringIO()
    call_command("restore", str(archive), "--check", stdout=checked)
    assert "complete Headstrt backup" in checked.getvalue() and "3 bookings" in checked.getvalue()

    # A file system error while the files are swapped, after the database was replaced:
    # the message says so and where each set of files is.
    rename = os.rename

    def busy_aside(source, destination):
        if Path(destination).parent.name.startswith(".replaced-"):
            raise OSError(16, "Device or resource busy")
        rename(source, destination)

    monkeypatch.setattr(os, "rename", busy_aside)
    with pytest.raises(CommandError, match="The database was restored, but the uploaded") as half:
        call_command("restore", str(archive), "--force")
    assert ".restoring-" in str(half.value) and ".replaced-" in str(half.value)
    assert current_state() == state


def test_uploaded_files_in_the_target_need_force_and_links_and_modes_are_kept(
    marketplace, uploads, target, tmp_path
):
    archive = tmp_path / "site.tar.gz"
    backup(archive)
    # The target's media folder is a link to another disk; a photo is already there.
    elsewhere = tmp_path / "other-disk" / "media"
    (elsewhere / "photos").mkdir(parents=True)
    kept = elsewhere / "photos" / "kept.jpg"
    kept.write_bytes(b"someone's photo")
    target.folder.mkdir()
    (target.folder / "media").symlink_to(elsewhere, target_is_directory=True)

    refused = target.restore(archive)

    assert refused.returncode != 0
    assert "already holds uploaded files" in refused.stderr
    assert "Nothing was changed" in refused.stderr
    assert kept.read_bytes() == b"someone's photo"

    forced = target.restore(archive, "--force")

    assert forced.returncode == 0, forced.stderr
    assert (target.folder / "media").is_symlink()
    assert (elsewhere / "photos" / "nia.jpg").read_bytes() == b"\xff\xd8 a photo"
    assert not kept.exists()
    assert sorted(entry.name for entry in elsewhere.iterdir()) == ["photos"]
    private = target.folder / "private"
    attachment = private / "attachments" / "2030" / "03" / "plan.pdf"
    assert attachment.read_bytes() == b"%PDF a plan"
    for path in [attachment.parent, *private.rglob("*")]:
        assert path.stat().st_mode & 0o777 == (0o700 if path.is_dir() else 0o600), path


def test_a_backup_skips_files_deleted_meanwhile_and_never_replaces_another_archive(
    marketplace, uploads, tmp_path, monkeypatch
):
    listed = backup_module._uploaded_files

    def listing_with_a_deleted_photo(folder):
        yield from listed(folder)
        yield folder / "photos" / "deleted-meanwhile.jpg"

    monkeypatch.setattr(backup_module, "_uploaded_files", listing_with_a_deleted_photo)
    folder = tmp_path / "not-yet" / "backups"
    printed = backup(f"{folder}/")  # a folder meant, though missing: made, a dated file in it

    (archive,) = folder.iterdir()
    assert str(archive) in printed and archive.name.startswith("headstrt-2030")
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert "files/media/photos/nia.jpg" in names
    assert not any("deleted-meanwhile" in name for name in names)

    # Another backup took the name while this one was writing: it is kept, not replaced.
    taken = tmp_path / "taken.tar.gz"
    monkeypatch.setattr(
        backup_module, "_archive_path", lambda destination, created_at: Path(destination)
    )
    taken.write_bytes(b"the other backup")
    with pytest.raises(CommandError, match="already exists"):
        backup(taken)
    assert taken.read_bytes() == b"the other backup"
    assert [entry.name for entry in tmp_path.iterdir() if "partial" in entry.name] == []
