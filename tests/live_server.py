"""Real Headstrt processes on a fresh database: servers for booking races over HTTP, workers.

The booking race test and benchmark, and the operations tests, share it. ``Deployment`` is a
temporary data folder and, when ``DATABASE_URL`` names a PostgreSQL server, a database
created for the run and dropped afterwards, with the environment every process of the run
gets. ``LiveServer`` is a deployment serving on a free port: ``python -m headstrt serve``
(the production server, which migrates first) or Django's development server. Seeding and
the checks run in a child process with the same environment (``python -m tests.live_server
seed|check|... '<json options>'``), so they use the same settings and go through the same
services as the server.
"""

import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
OBJECTIVE = "Rehearse my salary negotiation"
# The built-in test provider's card that always pays: the seeded sessions have prices.
GOOD_CARD = "4242424242424242"
# Mentors of the seeded marketplace, in zones with whole, half and three-quarter hour offsets.
ZONES = ("Europe/Paris", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu")
BUFFER_MINUTES = 10
# A server that migrates first may take a while on a busy machine (CI runs tests in parallel).
STARTUP_SECONDS = 180


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class FreshPostgres:
    """A PostgreSQL database with a unique name on the server ``url`` points at."""

    def __init__(self, url: str):
        self.parts = urlsplit(url)
        self.name = f"headstrt_live_{uuid.uuid4().hex[:12]}"
        self.url = urlunsplit(self.parts._replace(path=f"/{self.name}"))

    def _execute(self, statement: str) -> None:
        import psycopg

        admin = urlunsplit(self.parts._replace(path="/postgres"))
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(statement)

    def create(self) -> None:
        self._execute(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: status, the decoded JSON body (``None`` if not JSON) and latency."""

    status: int
    body: dict | list | None
    seconds: float

    @property
    def code(self) -> str | None:
        return self.body.get("code") if isinstance(self.body, dict) else None

    @property
    def message(self) -> str:
        return self.body.get("message", "") if isinstance(self.body, dict) else ""


def stop_process(process: subprocess.Popen | None, *, seconds: float = 40) -> int | None:
    """SIGTERM ``process`` and wait for it (killed after ``seconds``); its exit code."""
    if process is None:
        return None
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


class Deployment:
    """``with Deployment() as deployment:`` a fresh database, removed afterwards.

    The database is SQLite in a temporary folder, or a fresh PostgreSQL database when
    ``DATABASE_URL`` is set in the environment. ``env`` adds to (or, with ``None`` values,
    removes from) the environment of every process started; settings are development ones
    with DEBUG off, unless ``env`` says otherwise.
    """

    def __init__(self, *, env: dict[str, str | None] | None = None):
        self.folder = Path(tempfile.mkdtemp(prefix="headstrt-live-"))
        self.postgres = None
        self.env = {
            **os.environ,
            "HEADSTRT_DATA_DIR": str(self.folder),
            "HEADSTRT_DEBUG": "0",  # no query log kept in memory: the speed of production
            "DJANGO_SETTINGS_MODULE": "headstrt.settings",
            "PYTHONUNBUFFERED": "1",
        }
        for name in ("EMAIL_HOST", "REDIS_URL", "HEADSTRT_TASK_QUEUE"):
            self.env.pop(name, None)
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            self.postgres = FreshPostgres(os.environ["DATABASE_URL"])
            self.env["DATABASE_URL"] = self.postgres.url
        else:
            self.env.pop("DATABASE_URL", None)
        for name, value in (env or {}).items():
            if value is None:
                self.env.pop(name, None)
            else:
                self.env[name] = value
        self.processes: list[subprocess.Popen] = []

    @property
    def database(self) -> str:
        return f"PostgreSQL ({self.postgres.name})" if self.postgres else "SQLite (WAL)"

    def __enter__(self):
        try:
            if self.postgres:
                self.postgres.create()
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Migrate the fresh database."""
        self.headstrt("migrate", "--verbosity", "0")

    def stop(self) -> None:
        for process in self.processes:
            stop_process(process)
        if self.postgres:
            self.postgres.drop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def headstrt(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run ``headstrt ARGS`` to its end; raises with its output if it fails."""
        finished = subprocess.run(
            [sys.executable, "-m", "headstrt", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if finished.returncode:
            raise RuntimeError(f"headstrt {' '.join(args)} failed:\n{finished.stderr[-4000:]}")
        return finished

    def spawn(self, *args: str, log: str) -> subprocess.Popen:
        """Start ``headstrt ARGS`` in the background, its output in the folder's ``log``
        file; stopped (SIGTERM) with the deployment unless stopped before."""
        with (self.folder / log).open("wb") as output:
            process = subprocess.Popen(
                [sys.executable, "-m", "headstrt", *args],
                cwd=ROOT,
                env=self.env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def output(self, log: str, lines: int = 40) -> str:
        """The last ``lines`` lines a process spawned with ``log`` wrote."""
        path = self.folder / log
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def query(self, sql: str, *params) -> list[tuple]:
        """The rows of a read-only ``sql`` query (``%s`` placeholders) on this database, made
        from this process: faster than a child process when a test polls."""
        if self.postgres:
            import psycopg

            with psycopg.connect(self.postgres.url) as connection:
                return connection.execute(sql, params).fetchall()
        with closing(sqlite3.connect(self.folder / "headstrt.sqlite3")) as connection:
            return connection.execute(sql.replace("%s", "?"), params).fetchall()

    def run(self, command: str, **options) -> dict:
        """Run ``seed``, ``check`` or another command below against this database."""
        finished = subprocess.run(
            [sys.executable, "-m", "tests.live_server", command, json.dumps(options)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        if finished.returncode:
            raise RuntimeError(f"{command} failed:\n{finished.stderr[-4000:]}")
        return json.loads(finished.stdout.strip().splitlines()[-1])


class LiveServer(Deployment):
    """``with LiveServer() as server:`` a migrated server on a free port, stopped afterwards.

    ``kind`` is ``serve`` (``headstrt serve``, the production server: ``workers`` processes
    of ``threads`` threads) or ``dev`` (Django's development server: one process, a thread
    per request).
    """

    KINDS = ("serve", "dev")
    LOG = "server.log"

    def __init__(self, *, kind: str = "serve", workers: int = 2, threads: int = 4, env=None):
        if kind not in self.KINDS:
            raise ValueError(f"unknown server kind {kind!r}, expected one of {self.KINDS}")
        super().__init__(env=env)
        self.kind, self.workers, self.threads = kind, workers, threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def description(self) -> str:
        server = (
            f"headstrt serve, {self.workers} workers of {self.threads} threads"
            if self.kind == "serve"
            else "development server"
        )
        return f"{server} on port {self.port}, {self.database}"

    @property
    def log(self) -> Path:
        return self.folder / self.LOG

    def start(self) -> None:
        if self.kind == "serve":
            args = ["serve", "--port", str(self.port), "--workers", str(self.workers)]
            args += ["--threads", str(self.threads)]
        else:
            super().start()
            args = ["runserver", "--noreload", f"127.0.0.1:{self.port}"]
        self.process = self.spawn(*args, log=self.LOG)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited on start:\n{self.log_tail()}")
            try:
                self.request("GET", "/api/v1/me", timeout=2)
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not answer in {STARTUP_SECONDS} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        return self.output(self.LOG, lines)

    def connection(self, timeout: float = 60) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: dict | None = None,
        timeout: float = 60,
    ) -> Answer:
        """One HTTP request on a new connection, as an independent client makes it."""
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        connection = self.connection(timeout)
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        seconds = time.perf_counter() - started
        try:
            decoded = json.loads(raw) if raw else None
        except ValueError:
            decoded = None
        return Answer(response.status, decoded, seconds)


# --- racing for bookings ------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One mentee asking for one mentor's slot."""

    mentee: str
    token: str
    mentor: str
    start: datetime
    minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def mentor_clash(self, other: "Attempt", buffer: timedelta) -> bool:
        """Whether both cannot be the same mentor's sessions (overlap or too close)."""
        return (
            self.mentor == other.mentor
            and self.start < other.end + buffer
            and other.start < self.end + buffer
        )

    def mentee_clash(self, other: "Attempt") -> bool:
        return self.mentee == other.mentee and self.start < other.end and other.start < self.end


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    answer: Answer


def race(server: LiveServer, attempts: list[Attempt]) -> list[Outcome]:
    """Send every attempt at once, each from its own thread and connection."""
    barrier = threading.Barrier(len(attempts))
    outcomes: list[Outcome | None] = [None] * len(attempts)

    def client(index: int, attempt: Attempt) -> None:
        barrier.wait()
        started = time.perf_counter()
        try:
            answer = server.request(
                "POST",
                "/api/v1/bookings",
                token=attempt.token,
                body={
                    "mentor": attempt.mentor,
                    "start": attempt.start.isoformat(),
                    "minutes": attempt.minutes,
                    "objective": OBJECTIVE,
                    "source": GOOD_CARD,
                },
            )
        except OSError as error:  # a refused or reset connection counts as a server failure
            message = {"code": "connection", "message": str(error)}
            answer = Answer(599, message, time.perf_counter() - started)
        outcomes[index] = Outcome(attempt, answer)

    threads = [
        threading.Thread(target=client, args=(index, attempt))
        for index, attempt in enumerate(attempts)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@dataclass
class Verdict:
    """What a set of race outcomes shows, judged against every booking accepted so far."""

    accepted: list[Outcome]
    refused: list[Outcome]
    server_errors: list[Outcome]
    unexpected: list[Outcome]  # any other status, or a 409 whose code does not fit
    clashing_accepted: list[tuple[Outcome, Outcome]]
    wrongly_refused: list[Outcome]  # refused although nothing accepted clashes with it


def judge(outcomes: list[Outcome], earlier: list[Outcome], buffer: timedelta) -> Verdict:
    """Check outcomes: accepted bookings never clash, and each refusal is explained by an
    accepted booking (this round's or ``earlier``) that clashes the way its code says."""
    accepted = [o for o in outcomes if o.answer.status == 201]
    refused = [o for o in outcomes if o.answer.status == 409]
    server_errors = [o for o in outcomes if o.answer.status >= 500]
    unexpected = [
        o for o in outcomes if o.answer.status not in (201, 409) and o.answer.status < 500
    ]
    winners = earlier + accepted
    clashing = [
        (first, second)
        for index, first in enumerate(winners)
        for second in winners[index + 1 :]
        if first.attempt.mentor_clash(second.attempt, buffer)
        or first.attempt.mentee_clash(second.attempt)
    ]
    wrongly_refused = []
    for outcome in refused:
        codes = set()
        for winner in winners:
            if outcome.attempt.mentor_clash(winner.attempt, buffer):
                codes.add("slot_taken")
            if outcome.attempt.mentee_clash(winner.attempt):
                codes.add("mentee_busy")
        if not codes:
            wrongly_refused.append(outcome)
        elif outcome.answer.code not in codes or not outcome.answer.message:
            unexpected.append(outcome)
    return Verdict(accepted, refused, server_errors, unexpected, clashing, wrongly_refused)


def contested_groups(mentor: dict, count: int, spacing=timedelta(hours=3)) -> list[list[tuple]]:
    """``count`` groups of mutually clashing (start, minutes) on one mentor: a 60-minute slot,
    the two 30-minute slots inside it and the 30-minute slot right after it (clear of the
    60-minute one only by less than the buffer). Groups are ``spacing`` apart."""
    thirty = set(mentor["slots"]["30"])
    groups, last = [], None
    for start_text in mentor["slots"]["60"]:
        start = datetime.fromisoformat(start_text)
        halves = [start + timedelta(minutes=m) for m in (0, 30, 60)]
        if last is not None and start < last + spacing:
            continue
        if all(half.isoformat() in thirty for half in halves):
            groups.append([(start, 60), *((half, 30) for half in halves)])
            last = start
            if len(groups) == count:
                break
    if len(groups) < count:
        raise RuntimeError(f"mentor {mentor['id']} has only {len(groups)} free groups")
    return groups


# --- commands run inside the server's environment ---------------------------------------


def _seed(*, mentors: int, mentees: int, days: int = 7) -> dict:
    """Mentors free every day 08:00–20:00 in their zone (30 and 60 minutes, 10-minute buffer,
    no daily or weekly limit that a race could reach) and mentees with API tokens."""
    from datetime import time as clock_time

    from headstrt.accounts import services as accounts
    from headstrt.accounts.models import User
    from headstrt.core import clock
    from headstrt.scheduling import services as scheduling
    from headstrt.scheduling.selectors import mentor_free_slots

    now = clock.now()
    window = {"start": now + timedelta(days=1), "end": now + timedelta(days=1 + days), "now": now}
    seeded = {"mentors": [], "mentees": [], "buffer_minutes": BUFFER_MINUTES}
    for index in range(mentors):
        user = User.objects.create_user(
            f"mentor{index}@race.example",
            display_name=f"Race Mentor {index}",
            time_zone=ZONES[index % len(ZONES)],
        )
        profile = accounts.mentor_profile_save(
            user=user,
            headline="Negotiation and career moves",
            bio="Twenty years of hiring and being hired.",
            currency="EUR",
            offers={30: 3000, 60: 5500},
            weekly_capacity=40,
        )
        scheduling.availability_set(
            user=user, rules=[(day, clock_time(8), clock_time(20)) for day in range(7)]
        )
        scheduling.scheduling_policy_save(
            user=user,
            buffer_minutes=BUFFER_MINUTES,
            minimum_notice_minutes=120,
            horizon_days=30,
            max_sessions_per_day=24,
            max_sessions_per_week=100,
        )
        slots = {
            str(minutes): [
                slot.start.isoformat()
                for slot in mentor_free_slots(mentor=profile, minutes=minutes, **window)
            ]
            for minutes in (30, 60)
        }
        seeded["mentors"].append({"id": user.public_id, "slots": slots})
    for index in range(mentees):
        user = User.objects.create_user(
            f"mentee{index}@race.example", display_name=f"Race Mentee {index}"
        )
        _, key = accounts.api_token_create(user=user, name="race")
        seeded["mentees"].append({"id": user.public_id, "token": key})
    return seeded


def _check() -> dict:
    """The occupying bookings in the database, and every pair of them of one mentor that
    overlap or sit closer than the mentor's buffer, or of one mentee that overlap."""
    from headstrt.scheduling.models import OCCUPYING, Booking
    from headstrt.scheduling.slots import mentor_availability

    rows = list(
        Booking.objects.filter(status__in=OCCUPYING)
        .select_related("mentor__user", "mentee")
        .order_by("start")
    )
    buffers = {}
    by_mentor, by_mentee = {}, {}
    for booking in rows:
        if booking.mentor_id not in buffers:
            buffers[booking.mentor_id] = mentor_availability(booking.mentor).buffer_minutes
        by_mentor.setdefault(booking.mentor_id, []).append(booking)
        by_mentee.setdefault(booking.mentee_id, []).append(booking)

    def pairs(groups, buffer_of):
        found = []
        for key, bookings in groups.items():
            gap = timedelta(minutes=buffer_of(key))
            for index, first in enumerate(bookings):
                for second in bookings[index + 1 :]:
                    if second.start >= first.end + gap:
                        break
                    found.append([first.public_id, second.public_id])
        return found

    statuses = {}
    for status in Booking.objects.values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "occupying": len(rows),
        "bookings": [
            [b.mentor.user.public_id, b.mentee.public_id, b.start.isoformat(), b.minutes]
            for b in rows
        ],
        "statuses": statuses,
        "mentor_overlaps": pairs(by_mentor, lambda key: 0),
        "mentor_buffer_violations": pairs(by_mentor, buffers.__getitem__),
        "mentee_overlaps": pairs(by_mentee, lambda key: 0),
    }


def _reminder_enqueue(*, booking: str, kind: str, delay_seconds: float | None = None) -> dict:
    """Enqueue the ``kind`` reminder of session ``booking``, due now or in ``delay_seconds``."""
    from headstrt.core import clock
    from headstrt.scheduling.models import Booking
    from headstrt.scheduling.tasks import booking_reminder_send

    session = Booking.objects.get(public_id=booking)
    task = booking_reminder_send
    if delay_seconds is not None:
        task = task.using(run_after=clock.now() + timedelta(seconds=delay_seconds))
    result = task.enqueue(session.public_id, kind, session.start.isoformat())
    run_after = result.task.run_after
    return {"id": result.id, "run_after": run_after.isoformat() if run_after else None}


def _reminders() -> dict:
    """Every reminder sent: session, kind and when."""
    from headstrt.scheduling.models import BookingReminder

    rows = BookingReminder.objects.select_related("booking").order_by("sent_at")
    return {
        "reminders": [[row.booking.public_id, row.kind, row.sent_at.isoformat()] for row in rows]
    }


def _stream_login(*, booking: str) -> dict:
    """A logged-in session of the mentee of session ``booking``, and its conversation."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from headstrt.messaging.conversations import conversation_open
    from headstrt.scheduling.models import Booking

    mentee = Booking.objects.select_related("mentee").get(public_id=booking).mentee
    conversation = conversation_open(user=mentee, booking_id=booking)
    session = SessionStore()
    session[SESSION_KEY] = str(mentee.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = mentee.get_session_auth_hash()
    session.create()
    return {"session": session.session_key, "conversation": conversation.public_id}


COMMANDS = {
    "seed": _seed,
    "check": _check,
    "reminder_enqueue": _reminder_enqueue,
    "reminders": _reminders,
    "stream_login": _stream_login,
}


def _main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
    django.setup()
    command, options = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = COMMANDS[command](**options)
    print(json.dumps(result))


if __name__ == "__main__":
    _main()
