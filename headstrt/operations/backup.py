"""Backups: the database and the uploaded files in one checked archive, and their restore.

An archive is a gzipped tar holding ``database/headstrt.sqlite3`` (an online copy made with
SQLite's backup API) or ``database/headstrt.pgdump`` (``pg_dump --format=custom``), the
uploaded files under ``files/media/`` and ``files/private/``, and ``manifest.json``: format
version, time, engine, applied migrations, the sha256 and size of every member and the number
of people, bookings, payments and ledger rows the database held.
"""

import errno
import hashlib
import io
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.management import call_command
from django.db import connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.core.private_files import PrivateFileStorage
from headstrt.payments.models import LedgerEntry, LedgerTransaction, Payment
from headstrt.scheduling.models import Booking

FORMAT = "headstrt-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBERS = {
    "sqlite": "database/headstrt.sqlite3",
    "postgresql": "database/headstrt.pgdump",
}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# What the manifest counts, and what a restore prints so the operator can compare.
COUNTED = {
    "people": User,
    "bookings": Booking,
    "payments": Payment,
    "ledger_transactions": LedgerTransaction,
    "ledger_entries": LedgerEntry,
}
# A target database holding any of these rows holds someone's data: a restore needs --force.
DATA_TABLES = ("people", "bookings", "ledger_transactions")
MANIFEST_MAX_BYTES = 10 * 1024 * 1024
# A restore works inside each file folder (so a folder that is a symbolic link or a mount
# point stays one): the new files wait in a hidden folder, the old ones are moved aside into
# another. A backup never archives either.
STAGING_PREFIXES = (".restoring-", ".replaced-")
# A restore waits this long for a table lock (a server left running), then gives up whole.
RESTORE_LOCK_TIMEOUT = "10s"


@dataclass(frozen=True)
class BackupSummary:
    """What ``backup_create`` wrote."""

    path: Path
    engine: str
    counts: dict[str, int]
    files: int
    size: int


@dataclass(frozen=True)
class RestoreSummary:
    """What ``backup_restore`` put back (``counts`` read from the restored database)."""

    engine: str
    created_at: str
    counts: dict[str, int]
    expected_counts: dict[str, int]
    files: int
    migrations_applied: int


def _file_folders() -> dict[str, Path]:
    """The folders of uploaded files, by their name in the archive."""
    return {
        "media": Path(settings.MEDIA_ROOT),
        "private": Path(PrivateFileStorage().location),
    }


def _engine(connection) -> str:
    if connection.vendor not in DATABASE_MEMBERS:
        raise DomainError(
            "backup_engine_unsupported",
            f"Backups support SQLite and PostgreSQL, not {connection.vendor}.",
        )
    return connection.vendor


def _tables() -> dict[str, str]:
    return {key: model._meta.db_table for key, model in COUNTED.items()}


def _counts(cursor) -> dict[str, int]:
    counts = {}
    for key, table in _tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[key] = cursor.fetchone()[0]
    return counts


def _applied_migrations(cursor) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


# Connection options of the DATABASES setting and the libpq variables that carry them.
LIBPQ_OPTION_VARIABLES = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
}


def _postgresql_environment(connection, *, server_options: str = "") -> dict[str, str]:
    """The libpq variables for the configured database (host, credentials, TLS files,
    timeouts and server options, as the app connects), plus ``server_options`` (``-c
    name=value`` settings): the password never goes on a command line, where other users of
    the machine could read it."""
    settings_dict = connection.settings_dict
    options = settings_dict.get("OPTIONS", {})
    environment = dict(os.environ)
    for variable, value in (
        ("PGDATABASE", settings_dict["NAME"]),
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        *((variable, options.get(option)) for option, variable in LIBPQ_OPTION_VARIABLES.items()),
    ):
        if value:
            environment[variable] = str(value)
    if server_options:
        environment["PGOPTIONS"] = f"{environment.get('PGOPTIONS', '')} {server_options}".strip()
    return environment


def _postgresql_client(connection, program: str) -> str:
    found = shutil.which(program)
    if found is None:
        connection.ensure_connection()
        raise DomainError(
            "postgresql_client_missing",
            f"{program} was not found: install the PostgreSQL client tools (version "
            f"{connection.pg_version // 10000} or newer, like the server) to back up or restore "
            "a PostgreSQL database.",
        )
    return found


def _run(connection, command: list[str], server_options: str = "", **options) -> None:
    finished = subprocess.run(
        command,
        env=_postgresql_environment(connection, server_options=server_options),
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        **options,
    )
    if finished.returncode != 0:
        raise DomainError(
            "postgresql_command_failed",
            f"{Path(command[0]).name} failed: {finished.stderr.strip()[-2000:]}",
        )


class _HashingReader:
    """Reads a file into the archive and hashes the very bytes written (one read, so a file
    changing meanwhile cannot get a checksum of other bytes than those stored)."""

    def __init__(self, file, digest):
        self.file = file
        self.digest = digest

    def read(self, size: int = -1) -> bytes:
        chunk = self.file.read(size)
        self.digest.update(chunk)
        return chunk


def _add(archive: tarfile.TarFile, path: Path, name: str) -> dict | None:
    """Add the file at ``path`` as ``name``; its checksum and size, or None when it was
    deleted since the folder was listed (the site runs on: a photo replaced meanwhile)."""
    try:
        file = path.open("rb")
    except FileNotFoundError:
        return None
    with file:
        # Described from the open file, which stays readable even if deleted now.
        info = archive.gettarinfo(arcname=name, fileobj=file)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        digest = hashlib.sha256()
        archive.addfile(info, _HashingReader(file, digest))
    return {"sha256": digest.hexdigest(), "size": info.size}


def _uploaded_files(folder: Path) -> Iterator[Path]:
    """The files under ``folder``, in order, without symbolic links and a restore's
    staging folders."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        top = path.relative_to(folder).parts[0]
        if top.startswith(STAGING_PREFIXES) or path.is_symlink() or not path.is_file():
            continue
        yield path


def _sqlite_copy(connection, copy_path: Path) -> tuple[dict[str, int], list[str]]:
    """Copy the live database with SQLite's backup API, in one step: a consistent snapshot
    even while app servers write (WAL lets them go on meanwhile)."""
    connection.ensure_connection()
    copy = sqlite3.connect(copy_path)
    try:
        connection.connection.backup(copy)
        # A file complete in itself: no -wal beside it to lose.
        copy.execute("PRAGMA journal_mode=DELETE")
        cursor = copy.cursor()
        return _counts(cursor), _applied_migrations(cursor)
    finally:
        copy.close()


def _postgresql_dump(connection, dump_path: Path) -> tuple[dict[str, int], list[str]]:
    """``pg_dump`` the database; the counts and migrations are read in the very snapshot the
    dump sees (exported from a repeatable-read transaction held open meanwhile)."""
    pg_dump = _postgresql_client(connection, "pg_dump")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, migrations = _counts(cursor), _applied_migrations(cursor)
        _run(
            connection,
            [pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={dump_path}"],
        )
    return counts, migrations


def _archive_path(destination: Path | str | None, created_at) -> Path:
    name = f"headstrt-{created_at:%Y%m%d-%H%M%S}.tar.gz"
    if destination is None:
        destination = Path(settings.DATA_DIR) / "backups"
        destination.mkdir(parents=True, exist_ok=True)
    elif str(destination).endswith(("/", os.sep)):
        # A folder meant (``/srv/backups/``), which Path would turn into a file name.
        destination = Path(destination)
        try:
            destination.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as error:
            raise DomainError(
                "backup_folder_missing",
                f"The folder {destination} could not be created ({error.strerror}).",
            ) from error
    destination = Path(destination)
    if destination.is_dir():
        destination = destination / name
    if destination.exists():
        raise DomainError("backup_exists", f"{destination} already exists: choose another path.")
    if not destination.parent.is_dir():
        raise DomainError(
            "backup_folder_missing", f"The folder {destination.parent} does not exist."
        )
    return destination


def _publish(partial: Path, target: Path) -> None:
    """Give the complete archive its name, unless a file took that name meanwhile (another
    backup in the same second): a hard link, unlike a rename, never replaces one."""
    try:
        os.link(partial, target)
    except FileExistsError as error:
        raise DomainError(
            "backup_exists", f"{target} already exists: choose another path."
        ) from error
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
            raise
        # A file system without hard links: a rename, after checking as closely as it allows.
        if target.exists():
            raise DomainError(
                "backup_exists", f"{target} already exists: choose another path."
            ) from error
        os.replace(partial, target)


def _version() -> str:
    try:
        return metadata.version("headstrt")
    except metadata.PackageNotFoundError:
        return "unknown"


def backup_create(
    *, destination: Path | str | None = None, using: str = "default"
) -> BackupSummary:
    """Write a backup archive of the database and the uploaded files to ``destination`` (a
    file, or a folder to put a dated file in — a path ending in ``/`` is a folder, made if
    missing; default ``DATA_DIR/backups/``). Safe while the servers run. The archive appears
    under its name only once complete, and never replaces a file already there."""
    connection = connections[using]
    engine = _engine(connection)
    created_at = clock.now()
    target = _archive_path(destination, created_at)
    # Named for this run alone: another backup started in the same second writes its own.
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    members: dict[str, dict] = {}
    created = False
    try:
        with tempfile.TemporaryDirectory(prefix=".backup-", dir=target.parent) as work:
            database = Path(work) / PurePosixPath(DATABASE_MEMBERS[engine]).name
            copy = _sqlite_copy if engine == "sqlite" else _postgresql_dump
            counts, migrations = copy(connection, database)
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            created = True
            with open(descriptor, "wb") as raw:
                with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as archive:
                    members[DATABASE_MEMBERS[engine]] = _add(
                        archive, database, DATABASE_MEMBERS[engine]
                    )
                    for folder_name, folder in _file_folders().items():
                        for path in _uploaded_files(folder):
                            name = f"files/{folder_name}/{path.relative_to(folder).as_posix()}"
                            if (member := _add(archive, path, name)) is not None:
                                members[name] = member
                    manifest = {
                        "format": FORMAT,
                        "version": FORMAT_VERSION,
                        "created_at": created_at.isoformat(),
                        "headstrt_version": _version(),
                        "engine": engine,
                        "migrations": migrations,
                        "counts": counts,
                        "members": members,
                    }
                    data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                    info = tarfile.TarInfo(MANIFEST)
                    info.size, info.mtime, info.mode = len(data), int(created_at.timestamp()), 0o600
                    archive.addfile(info, io.BytesIO(data))
                raw.flush()
                os.fsync(raw.fileno())
        _publish(partial, target)
    finally:
        if created:
            partial.unlink(missing_ok=True)
    return BackupSummary(
        path=target,
        engine=engine,
        counts=counts,
        files=len(members) - 1,
        size=target.stat().st_size,
    )


def _refused(code: str, message: str) -> DomainError:
    return DomainError(code, f"{message} Nothing was changed.")


def _member_name(name: str) -> str:
    """The member's path, refused unless it is one a backup writes (no absolute paths, no
    ``..``, only the database and the known file folders)."""
    path = PurePosixPath(name)
    parts = path.parts
    allowed = name in DATABASE_MEMBERS.values() or (
        len(parts) >= 3 and parts[0] == "files" and parts[1] in _file_folders()
    )
    if path.is_absolute() or ".." in parts or not allowed:
        raise _refused(
            "backup_unexpected_member", f"The archive holds an unexpected entry {name!r}."
        )
    return path.as_posix()


def _extract_checked(path: Path, work: Path) -> dict:
    """Unpack the archive into ``work`` and check it whole against its manifest; the manifest."""
    manifest = None
    found: dict[str, dict] = {}
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:
                if member.isdir():
                    continue
                if not member.isfile():
                    raise _refused(
                        "backup_unexpected_member",
                        f"The archive holds a link or device {member.name!r}.",
                    )
                source = archive.extractfile(member)
                if member.name == MANIFEST:
                    manifest = json.loads(source.read(MANIFEST_MAX_BYTES))
                    continue
                name = _member_name(member.name)
                target = work / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := source.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                found[name] = {"sha256": digest.hexdigest(), "size": member.size}
    except FileNotFoundError as error:
        raise _refused("backup_missing", f"There is no backup at {path}.") from error
    except tarfile.ReadError as error:
        raise _refused(
            "backup_unreadable", f"{path} is not a backup archive (not a readable tar file)."
        ) from error
    except (tarfile.TarError, EOFError, zlib.error, OSError, ValueError) as error:
        raise _refused("backup_unreadable", f"{path} is damaged ({error}).") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refused(
            "backup_not_headstrt",
            f"{path} is not a complete Headstrt backup: it has no manifest (damaged, cut short "
            "or not made by `headstrt backup`).",
        )
    if manifest.get("version") != FORMAT_VERSION:
        raise _refused(
            "backup_version",
            f"{path} is in backup format {manifest.get('version')}; this Headstrt reads format "
            f"{FORMAT_VERSION}.",
        )
    if not _manifest_complete(manifest):
        raise _refused("backup_damaged", f"{path} is damaged: its manifest is incomplete.")
    expected = manifest["members"]
    damaged = sorted(
        set(expected) ^ set(found)
        | {name for name in set(expected) & set(found) if expected[name] != found[name]}
    )
    if damaged or DATABASE_MEMBERS.get(manifest.get("engine")) not in found:
        raise _refused(
            "backup_damaged",
            f"{path} is damaged: {len(damaged)} of its files do not match its manifest "
            f"(first: {damaged[0] if damaged else 'the database'}).",
        )
    return manifest


def _manifest_complete(manifest: dict) -> bool:
    """Whether every field a restore reads is there, of its type (a manifest edited by hand
    is refused here, not met as a KeyError later)."""

    def count(value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    counts, members = manifest.get("counts"), manifest.get("members")
    migrations = manifest.get("migrations")
    return (
        isinstance(manifest.get("created_at"), str)
        and manifest.get("engine") in DATABASE_MEMBERS
        and isinstance(migrations, list)
        and all(isinstance(migration, str) for migration in migrations)
        and isinstance(counts, dict)
        and all(count(counts.get(key)) for key in COUNTED)
        and isinstance(members, dict)
        and all(
            isinstance(member, dict)
            and isinstance(member.get("sha256"), str)
            and count(member.get("size"))
            for member in members.values()
        )
    )


def _refuse_newer_schema(manifest: dict) -> None:
    known = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    unknown = sorted(set(manifest["migrations"]) - known)
    if unknown:
        raise _refused(
            "backup_newer",
            f"The backup comes from a newer Headstrt ({manifest.get('headstrt_version')}; its "
            f"database has {len(unknown)} migrations this version lacks, e.g. {unknown[0]}): "
            "upgrade Headstrt, then restore.",
        )


def _holds_files(folders: dict[str, Path]) -> bool:
    """Whether any file (or link) is under the file folders: uploads a restore would delete."""
    for folder in folders.values():
        if folder.is_dir():
            for path in folder.rglob("*"):
                if not path.is_dir() or path.is_symlink():
                    return True
    return False


def _holds_data(connection) -> bool:
    present = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for key in DATA_TABLES:
            table = _tables()[key]
            if table in present:
                cursor.execute(f'SELECT 1 FROM "{table}" LIMIT 1')
                if cursor.fetchone():
                    return True
    return False


def _sqlite_restore(connection, copy_path: Path) -> None:
    """Copy the backup into the configured database with SQLite's backup API: one write
    transaction, so the database is either wholly replaced or left as it was."""
    copy = sqlite3.connect(copy_path)
    try:
        try:
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        except sqlite3.DatabaseError as error:
            verdict = str(error)
        if verdict != "ok":
            raise _refused("backup_damaged", f"The backed-up database is damaged ({verdict}).")
        connection.close()
        connection.ensure_connection()
        try:
            copy.backup(connection.connection)
        except sqlite3.OperationalError as error:
            raise _refused(
                "database_busy",
                f"The database could not be replaced ({error}): stop the app servers and "
                "workers, then restore again.",
            ) from error
    finally:
        copy.close()


def _postgresql_restore(connection, dump_path: Path, work: Path) -> None:
    """Replace the database's tables with the dump's in one transaction (``psql
    --single-transaction``): on any error PostgreSQL rolls all of it back."""
    try:
        _postgresql_replace(connection, dump_path, work)
    except DomainError as error:
        raise _refused(error.code, f"The restore failed, rolled back: {error.message}") from error


def _visible_tables(connection) -> list[tuple[str, str]]:
    """The schema and name of each table the app sees (those on its search path, the
    system catalogs excepted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid) "
            "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
            "AND n.nspname NOT LIKE 'pg\\_%' "
            "ORDER BY 1, 2"
        )
        return cursor.fetchall()


def _postgresql_replace(connection, dump_path: Path, work: Path) -> None:
    pg_restore = _postgresql_client(connection, "pg_restore")
    psql = _postgresql_client(connection, "psql")
    script = work / "restore.sql"
    with script.open("w") as out:
        # Tables a newer schema added are not in the dump's clean-up: drop every table first.
        quote = connection.ops.quote_name
        for schema, table in _visible_tables(connection):
            out.write(f"DROP TABLE IF EXISTS {quote(schema)}.{quote(table)} CASCADE;\n")
        out.flush()
        _run(
            connection,
            [
                pg_restore,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--no-comments",
                "--file=-",
                str(dump_path),
            ],
            stdout=out,
        )
    connection.close()
    _run(
        connection,
        [
            psql,
            "--no-psqlrc",
            "--quiet",
            "--single-transaction",
            "--set=ON_ERROR_STOP=1",
            f"--file={script}",
        ],
        # A server left running holds locks: fail (rolled back) instead of waiting forever.
        server_options=f"-c lock_timeout={RESTORE_LOCK_TIMEOUT}",
        stdout=subprocess.DEVNULL,
    )


def _resolved_folders() -> dict[str, Path]:
    """The file folders, made if missing and resolved: a folder that is a symbolic link or a
    mount point is worked in, never replaced."""
    folders = {}
    for folder_name, folder in _file_folders().items():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700 if folder_name == "private" else 0o777)
        folders[folder_name] = folder.resolve(strict=True)
    return folders


def _private_modes(folder: Path) -> None:
    """Owner only, as the private file storage writes them: 0700 folders, 0600 files."""
    for path in folder.rglob("*"):
        if not path.is_symlink():
            path.chmod(0o700 if path.is_dir() else 0o600)


def _stage_files(work: Path, folders: dict[str, Path], staged: dict[Path, Path]) -> None:
    """Move the unpacked files into a hidden folder inside each folder they go to (so the
    swap after the database's is a rename on one file system), recording each in
    ``staged`` as it is made, for the caller to remove should anything fail."""
    for folder_name, folder in folders.items():
        stage = folder / f"{STAGING_PREFIXES[0]}{secrets.token_hex(4)}"
        stage.mkdir(mode=0o700)
        staged[folder] = stage
        unpacked = work / "files" / folder_name
        if unpacked.is_dir():
            for entry in unpacked.iterdir():
                shutil.move(str(entry), stage / entry.name)
        if folder_name == "private":
            _private_modes(stage)


def _swap_files(staged: dict[Path, Path]) -> None:
    """Put the staged files in place of each folder's contents (the folder itself stays);
    after the database was replaced, so a failure says which state it left."""
    for folder, stage in staged.items():
        replaced = folder / f"{STAGING_PREFIXES[1]}{secrets.token_hex(4)}"
        try:
            replaced.mkdir(mode=0o700)
            for entry in list(folder.iterdir()):
                if entry not in (stage, replaced):
                    os.rename(entry, replaced / entry.name)
            for entry in list(stage.iterdir()):
                os.rename(entry, folder / entry.name)
        except OSError as error:
            raise DomainError(
                "restore_files_incomplete",
                f"The database was restored, but the uploaded files in {folder} could not be "
                f"put in place ({error}). The backup's files are in {stage} and the previous "
                f"ones in {replaced}: move the backup's into {folder} by hand (or restore "
                "again with --force) before starting the servers.",
            ) from error
        stage.rmdir()
        shutil.rmtree(replaced)


def _forget_matching_index() -> None:
    """The saved matching index describes the old database: drop it so it is rebuilt."""
    from headstrt.matching.indexing import index_path, mentor_index_reset

    shutil.rmtree(index_path(), ignore_errors=True)
    mentor_index_reset()


def _migrate(connection) -> int:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    call_command("migrate", database=connection.alias, interactive=False, verbosity=0)
    return len(pending)


def backup_check(path: Path) -> dict:
    """Check an archive whole (readable, a Headstrt backup of a known format, every file's
    checksum); its manifest. Raises ``DomainError`` saying what is wrong."""
    with tempfile.TemporaryDirectory(prefix=".restore-check-", dir=settings.DATA_DIR) as work:
        return _extract_checked(Path(path), Path(work))


def backup_restore(*, path: Path, force: bool = False, using: str = "default") -> RestoreSummary:
    """Restore the archive at ``path`` into the configured database and file folders, then
    migrate forward. Refused, with nothing changed, when the archive is damaged or of another
    engine or a newer schema, or when the database holds data or the file folders hold files
    and ``force`` is not given."""
    connection = connections[using]
    engine = _engine(connection)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=settings.DATA_DIR) as work_dir:
        work = Path(work_dir)
        manifest = _extract_checked(Path(path), work)
        if manifest["engine"] != engine:
            raise _refused(
                "backup_engine_mismatch",
                f"The backup holds a {ENGINE_NAMES[manifest['engine']]} database; the configured "
                f"database is {ENGINE_NAMES[engine]}.",
            )
        _refuse_newer_schema(manifest)
        if not force and _holds_data(connection):
            raise _refused(
                "database_not_empty",
                "The database already holds people, bookings or ledger entries: restore with "
                "--force to replace them with the backup.",
            )
        if not force and _holds_files(_file_folders()):
            raise _refused(
                "files_not_empty",
                "The media or private folder already holds uploaded files: restore with "
                "--force to replace them with the backup's.",
            )
        staged: dict[Path, Path] = {}
        database = work / DATABASE_MEMBERS[engine]
        try:
            try:
                _stage_files(work, _resolved_folders(), staged)
            except OSError as error:
                raise _refused(
                    "restore_files_unwritable",
                    f"The backup's files could not be unpacked beside the uploaded files "
                    f"({error}).",
                ) from error
            if engine == "sqlite":
                _sqlite_restore(connection, database)
            else:
                _postgresql_restore(connection, database, work)
        except BaseException:
            for stage in staged.values():
                shutil.rmtree(stage, ignore_errors=True)
            raise
        _swap_files(staged)
    _forget_matching_index()
    applied = _migrate(connection)
    with connection.cursor() as cursor:
        counts = _counts(cursor)
    return RestoreSummary(
        engine=engine,
        created_at=manifest["created_at"],
        counts=counts,
        expected_counts=manifest["counts"],
        files=len(manifest["members"]) - 1,
        migrations_applied=applied,
    )
