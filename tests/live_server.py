"""A real Headstrt server process on a fresh database, for booking races over HTTP.

The booking race test and benchmark share it. ``LiveServer`` runs ``python -m headstrt
serve`` (the development server, which migrates first), or gunicorn as docs/configuration.md
deploys it, with a temporary data folder and, when ``DATABASE_URL`` names a PostgreSQL
server, a database created for the run and dropped afterwards. Seeding and the
final overlap check run in a child process with the server's environment
(``python -m tests.live_server seed|check '<json options>'``), so they use the same settings
and go through the same services as the server.
"""

import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
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
STARTUP_SECONDS = 60


def _free_port() -> int:
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


class LiveServer:
    """``with LiveServer() as server:`` a migrated server on a free port, stopped afterwards.

    ``kind`` is ``dev`` (``headstrt serve``: one process, a thread per request) or
    ``gunicorn`` (``workers`` synchronous processes, as in production). The database is
    SQLite in a temporary folder, or a fresh PostgreSQL database when ``DATABASE_URL`` is set
    in the environment.
    """

    def __init__(self, *, kind: str = "dev", workers: int = 4):
        if kind not in ("dev", "gunicorn"):
            raise ValueError(f"unknown server kind {kind!r}")
        self.kind, self.workers = kind, workers
        self.port = _free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="headstrt-live-"))
        self.postgres = None
        self.env = {
            **os.environ,
            "HEADSTRT_DATA_DIR": str(self.folder),
            "HEADSTRT_DEBUG": "0",  # no query log kept in memory: the speed of production
            "DJANGO_SETTINGS_MODULE": "headstrt.settings",
            "PYTHONUNBUFFERED": "1",
        }
        self.env.pop("EMAIL_HOST", None)
        if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
            self.postgres = FreshPostgres(os.environ["DATABASE_URL"])
            self.env["DATABASE_URL"] = self.postgres.url
        else:
            self.env.pop("DATABASE_URL", None)
        self.process: subprocess.Popen | None = None
        self.log = self.folder / "server.log"

    @property
    def description(self) -> str:
        server = "development server" if self.kind == "dev" else f"gunicorn, {self.workers} workers"
        database = f"PostgreSQL ({self.postgres.name})" if self.postgres else "SQLite (WAL)"
        return f"{server} on port {self.port}, {database}"

    def __enter__(self) -> "LiveServer":
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        if self.postgres:
            self.postgres.create()
        if self.kind == "dev":
            command = [sys.executable, "-m", "headstrt", "serve", "--port", str(self.port)]
        else:
            subprocess.run(
                [sys.executable, "-m", "headstrt", "migrate", "--verbosity", "0"],
                cwd=ROOT,
                env=self.env,
                check=True,
            )
            command = [
                *(sys.executable, "-m", "gunicorn", "headstrt.wsgi"),
                *("--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers)),
            ]
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
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

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.postgres:
            self.postgres.drop()
        shutil.rmtree(self.folder, ignore_errors=True)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def run(self, command: str, **options) -> dict:
        """Run ``seed`` or ``check`` (below) against this server's database."""
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
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
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


def _main() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "headstrt.settings")
    django.setup()
    command, options = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = {"seed": _seed, "check": _check}[command](**options)
    print(json.dumps(result))


if __name__ == "__main__":
    _main()
