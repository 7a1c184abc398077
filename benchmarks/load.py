"""Load test: a realistic mix at rising concurrency against the local production topology.

Usage: python benchmarks/load.py [--levels 10,25,50,100] [--seconds 30] [--mentors 400]
                                 [--mentees 600] [--think 1.0] [--rounds 4]
                                 [--round-seconds 5] [--connections 16] [--keep]
                                 [--database headstrt_load] [--data-dir var/load]
                                 [--redis-db 3]

Starts ``tools/topology.py`` (2 app servers, 1 worker, PostgreSQL database
``headstrt_load``, Redis db 3, production settings), seeds it in a child process with the
servers' settings (the demo marketplace generator: mentors with offers, availability,
expertise, reviews and past sessions; the matching index built once and saved, as
``headstrt demo`` does; then one mentee per virtual user with an API token and a situation
of their own), then runs two phases.

Mix: at each level, that many virtual users for ``--seconds`` each. A user visits the home
page, searches the mentor directory, opens a mentor's page, then either describes a new
situation (one visit in three: ``POST /api/v1/situations``, then its matches, a first
ranking: ``situation_new`` and ``matches_first``) or reopens their latest situation's
matches (``matches_reopen``: the ranking is kept two minutes, so this is mostly a stored
one; a user's first visit reopens the seeded situation, ranked only if the warm-up did).
Then they view the free slots of one of the matched mentors, and one visit in three books
one of those slots for that situation (a hold, then payment with the test provider's
card), opens the session's conversation and posts a message. Between two requests a user
thinks for 0.5-1.5 × ``--think`` seconds. Requests go round-robin over the app servers on
keep-alive connections, as a load balancer spreads them; a request is sent again only when
the kept-alive connection turned out closed before the server could have acted on it
(never a POST the server may have received, never after a timeout). Reported per endpoint:
requests per second, p50/p95/p99 latency, refusals a person would see (``slot_taken`` when
someone was faster, ``rate_limited``, ``hold_expired``...; counted by code too) and errors
(5xx, broken connections, timeouts, any other unexpected status).

Saturation: ``--connections`` clients with no think time, on one endpoint at a time, in
``--rounds`` interleaved rounds of ``--round-seconds`` (the order rotates each round), so a
drift of the machine affects each endpoint alike: ``GET /api/v1/me`` (the trivial endpoint:
token check and one row, through the whole middleware stack), ``/healthz`` (answered before
the middleware stack, shown for reference), the matches of the mentees' situations (a
mentee reopening their matches: each situation is asked once, untimed, before each round,
so its ranking is kept however long the levels took; it is kept two minutes), the first
rankings of situations never ranked (``--cold-situations`` of them, each asked once) and the
7-day slots of the mentors. The ratios are each endpoint's throughput over
``/api/v1/me``'s. The first rankings of each worker process are measured apart, in a
warm-up before the levels.

Last line: ``RESULT p99_ms_50users=... errors=... refusals=... rate_limited=...
hold_expired=... match_ratio=... slots_ratio=... match_cold_ratio=...``.
"""

import argparse
import itertools
import json
import os
import random
import resource
import select
import socket
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.topology import Topology, TopologyError  # noqa: E402

GOOD_CARD = "4242424242424242"
TIMEOUT = 30.0
SEARCHES = ("negotiation", "career", "python", "leadership", "startup", "design", "health")
SITUATION_OPENINGS = (
    "I'd like help with {topic}.",
    "Right now my main worry is {topic}; I'd love an outside view.",
    "I want a practical plan for {topic} over the next few months.",
    "Looking for honest advice on {topic} from someone who has done it.",
)
SITUATION_CONTEXT = (
    "I have a big decision coming up next month.",
    "A lot changed this year and I'm still catching up.",
    "I've read plenty about it but need to talk to a real person.",
    "I have a deadline on Friday.",
    "I keep putting it off and want to finally move.",
)


# --- seeding, run in a child process with the servers' settings ---------------------------


def _seed(*, mentors: int, mentees: int, users: int, seed: int, fresh: int = 0) -> dict:
    """The demo marketplace, its saved matching index, and ``users`` mentees with a token
    and a situation each, plus ``fresh`` more situations of theirs never ranked (for cold
    rankings); answers what the virtual users need to know."""
    import django

    django.setup()
    from headstrt.accounts import services as accounts
    from headstrt.accounts.models import MentorProfile, Topic, User
    from headstrt.demo.population import mentee_email
    from headstrt.demo.services import population_generate
    from headstrt.matching import services as matching
    from headstrt.matching.indexing import mentor_index_rebuild, mentor_index_save

    rng = random.Random(seed)
    population_generate(mentors=mentors, mentees=max(mentees, users), seed=seed, progress=False)
    mentor_index_rebuild()
    mentor_index_save()
    topics = list(Topic.objects.filter(parent__isnull=False).values_list("name", flat=True))

    def situation_of(user: User) -> str:
        topic = rng.choice(topics).lower()
        return matching.situation_create(
            mentee=user,
            text=f"{rng.choice(SITUATION_OPENINGS).format(topic=topic)} "
            f"{rng.choice(SITUATION_CONTEXT)}",
            languages=[],
        ).public_id

    people = []
    for index in range(1, users + 1):
        user = User.objects.get(email=mentee_email(index))
        _, token = accounts.api_token_create(user=user, name="load test")
        people.append({"token": token, "situation": situation_of(user), "user": user})
    unranked = [
        {"token": person["token"], "situation": situation_of(person["user"])}
        for _, person in zip(range(fresh), itertools.cycle(people))
    ]
    for person in people:
        del person["user"]
    listed = MentorProfile.objects.filter(is_active=True, user__is_active=True)
    offers = {
        profile.user.public_id: sorted(offer.minutes for offer in profile.offers.all())
        for profile in listed.select_related("user").prefetch_related("offers")
    }
    return {
        "mentees": people,
        "unranked": unranked,
        "topics": topics,
        "mentors": {key: value for key, value in offers.items() if value},
    }


# --- a light HTTP/1.1 client: keep-alive sockets, pre-encoded requests --------------------


class HttpError(Exception):
    """The connection broke or timed out."""


IDEMPOTENT = (b"GET ", b"HEAD ")


class Connection:
    """One keep-alive connection to one server; reconnects when the server closed it.

    A request is sent again, once, on a fresh connection only when the kept-alive one turns
    out to be closed: when nothing of the request could be sent, or, for GET and HEAD, when
    the server closed it before any byte of an answer. Never after a timeout, and never a
    POST the server may have received: it could otherwise hold, pay or post twice."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.sock: socket.socket | None = None
        self.buffer = b""
        self.sent = 0  # bytes of the current request sent
        self.answered = False  # a byte of the current answer arrived

    def _connect(self) -> None:
        try:
            self.sock = socket.create_connection((self.host, self.port), timeout=TIMEOUT)
        except OSError as error:
            raise HttpError(f"connect: {error}") from None
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def _dropped(self) -> bool:
        """Whether the server has closed this idle connection (or sent something unasked)."""
        # Readable while idle: closed (a read would give b"") or bytes nobody asked for;
        # either way, start afresh. (A zero-timeout select: recv would wait the timeout.)
        readable, _, _ = select.select([self.sock], [], [], 0)
        return bool(readable)

    def request(self, raw: bytes) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.sock is not None and self._dropped():
                self.close()
            reused = self.sock is not None
            if not reused:
                self._connect()
            self.sent, self.answered = 0, False
            try:
                while self.sent < len(raw):
                    self.sent += self.sock.send(raw[self.sent :])
                return self._response()
            except TimeoutError:
                self.close()
                raise HttpError(f"no answer in {TIMEOUT:g} s") from None
            except (OSError, HttpError) as error:
                self.close()
                closed_unused = self.sent == 0 or (not self.answered and raw.startswith(IDEMPOTENT))
                if not (reused and closed_unused) or attempt == 2:
                    raise HttpError(str(error) or type(error).__name__) from None
        raise AssertionError("unreachable")

    def _read_more(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise HttpError("connection closed by the server")
        self.answered = True
        self.buffer += chunk

    def _response(self) -> tuple[int, bytes]:
        while b"\r\n\r\n" not in self.buffer:
            self._read_more()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = self._chunked()
        else:
            length = int(headers.get(b"content-length", b"0"))
            while len(self.buffer) < length:
                self._read_more()
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def _chunked(self) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._read_more()
            size_line, self.buffer = self.buffer.split(b"\r\n", 1)
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._read_more()
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return body


def encode(method: str, path: str, *, token: str = "", body: dict | None = None) -> bytes:
    """A complete HTTP/1.1 request."""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Accept: */*"]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        lines.append("Content-Type: application/json")
    if payload or method != "GET":
        lines.append(f"Content-Length: {len(payload)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Tally:
    """Latencies and outcomes of one endpoint."""

    seconds: list[float] = field(default_factory=list)
    refused: int = 0
    errors: int = 0
    examples: list[str] = field(default_factory=list)


class Recorder:
    """Every request's outcome, by endpoint; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.tallies: dict[str, Tally] = defaultdict(Tally)
        self.refusals: dict[str, int] = defaultdict(int)  # by code, e.g. rate_limited

    def add(self, name: str, seconds: float, outcome: str, detail: str = "") -> None:
        with self.lock:
            tally = self.tallies[name]
            tally.seconds.append(seconds)
            if outcome == "refused":
                tally.refused += 1
                self.refusals[detail] += 1
            elif outcome == "error":
                tally.errors += 1
                if len(tally.examples) < 3:
                    tally.examples.append(detail)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class User:
    """A virtual user: one mentee, their token, their latest situation, and their own
    connections."""

    def __init__(self, number: int, person: dict, world: dict, servers: list[str], think: float):
        self.number, self.token, self.situation = number, person["token"], person["situation"]
        self.world, self.think = world, think
        self.connections = [Connection(base) for base in servers]
        self.turn = number  # users start on different servers
        self.rng = random.Random(number)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()

    def call(
        self, recorder: Recorder, name: str, raw: bytes, expected: set[int], refusals=()
    ) -> tuple[int, bytes] | None:
        """Send ``raw`` to the next server; record it; the answer, or None on failure."""
        self.turn += 1
        connection = self.connections[self.turn % len(self.connections)]
        started = time.perf_counter()
        try:
            status, body = connection.request(raw)
        except HttpError as error:
            recorder.add(name, time.perf_counter() - started, "error", f"connection: {error}")
            return None
        elapsed = time.perf_counter() - started
        if status in expected:
            recorder.add(name, elapsed, "ok")
            return status, body
        code = _code(body)
        if status < 500 and code in refusals:
            recorder.add(name, elapsed, "refused", code)
        else:
            recorder.add(name, elapsed, "error", f"{status} {code or body[:120]!r}")
        return None

    def pause(self, stop: threading.Event) -> bool:
        """Think; false once the level is over."""
        return not stop.wait(self.think * self.rng.uniform(0.5, 1.5))

    def _situation_text(self) -> str:
        topic = self.rng.choice(self.world["topics"]).lower()
        return (
            f"{self.rng.choice(SITUATION_OPENINGS).format(topic=topic)} "
            f"{self.rng.choice(SITUATION_CONTEXT)}"
        )

    def visit(self, recorder: Recorder, stop: threading.Event) -> None:
        """One visit: browse; describe a new situation (one time in three) or reopen the
        latest; its matches; slots and, one time in three, book, pay and message."""
        rng, token = self.rng, self.token
        mentor_ids = self.world["mentor_ids"]
        steps = [
            ("home", encode("GET", "/"), None),
            (
                "directory",
                encode("GET", f"/mentors/?q={quote(rng.choice(SEARCHES))}"),
                None,
            ),
            ("mentor_page", encode("GET", f"/mentors/{rng.choice(mentor_ids)}/"), None),
        ]
        for name, raw, _ in steps:
            self.call(recorder, name, raw, {200})
            if not self.pause(stop):
                return
        matches = "matches_reopen"
        if rng.random() < 1 / 3:
            answer = self.call(
                recorder,
                "situation_new",
                encode(
                    "POST", "/api/v1/situations", token=token, body={"text": self._situation_text()}
                ),
                {201},
                refusals={"rate_limited"},
            )
            if not self.pause(stop) or answer is None:
                return
            self.situation, matches = json.loads(answer[1])["id"], "matches_first"
        answer = self.call(
            recorder,
            matches,
            encode("GET", f"/api/v1/situations/{self.situation}/matches", token=token),
            {200},
        )
        if not self.pause(stop) or answer is None:
            return
        matched = [item["mentor"]["id"] for item in json.loads(answer[1])["matches"]]
        mentor = rng.choice(matched or mentor_ids)
        minutes = rng.choice(self.world["offers"].get(mentor) or [60])
        answer = self.call(
            recorder,
            "slots",
            encode("GET", f"/api/v1/mentors/{mentor}/slots?minutes={minutes}&days=7", token=token),
            {200},
        )
        if not self.pause(stop) or answer is None or rng.random() >= 1 / 3:
            return
        slots = json.loads(answer[1])["slots"]
        if not slots:
            return
        start = rng.choice(slots[: max(1, len(slots) // 2)])["start"]
        hold = {"mentor": mentor, "start": start, "minutes": minutes, "situation": self.situation}
        answer = self.call(
            recorder,
            "book_hold",
            encode("POST", "/api/v1/bookings/holds", token=token, body=hold),
            {201},
            refusals={"slot_taken", "mentee_busy", "outside_availability", "daily_limit"},
        )
        if not self.pause(stop) or answer is None:
            return
        booking = json.loads(answer[1])["id"]
        pay = {"objective": "Leave with a plan I can act on this week.", "source": GOOD_CARD}
        answer = self.call(
            recorder,
            "pay",
            encode("POST", f"/api/v1/bookings/{booking}/pay", token=token, body=pay),
            {200},
            refusals={"hold_expired", "rate_limited"},
        )
        if not self.pause(stop) or answer is None:
            return
        answer = self.call(
            recorder,
            "conversation_open",
            encode("POST", "/api/v1/conversations", token=token, body={"booking": booking}),
            {200},
        )
        if not self.pause(stop) or answer is None:
            return
        conversation = json.loads(answer[1])["id"]
        self.call(
            recorder,
            "message",
            encode(
                "POST",
                f"/api/v1/conversations/{conversation}/messages",
                token=token,
                body={"body": "Hello! Looking forward to our session; my notes follow."},
            ),
            {201},
            refusals={"rate_limited"},
        )
        self.pause(stop)


def _code(body: bytes) -> str:
    try:
        decoded = json.loads(body)
    except ValueError:
        return ""
    return decoded.get("code", "") if isinstance(decoded, dict) else ""


def run_level(users: list[User], seconds: float) -> tuple[Recorder, float]:
    """Every user visits again and again for ``seconds``; the recorder and the client's CPU
    share of one core."""
    recorder, stop = Recorder(), threading.Event()

    def life(user: User) -> None:
        time.sleep(user.rng.uniform(0, user.think))  # do not arrive all at once
        while not stop.is_set():
            user.visit(recorder, stop)

    threads = [threading.Thread(target=life, args=(user,), daemon=True) for user in users]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(TIMEOUT + 5)
    elapsed = time.perf_counter() - started
    return recorder, (time.process_time() - cpu) / elapsed


def print_level(level: int, recorder: Recorder, seconds: float, client_cpu: float) -> dict:
    every = [s for tally in recorder.tallies.values() for s in tally.seconds]
    errors = sum(tally.errors for tally in recorder.tallies.values())
    refused = sum(tally.refused for tally in recorder.tallies.values())
    p99 = percentile(every, 0.99) * 1e3 if every else float("nan")
    print(
        f"\n{level} users: {len(every) / seconds:6.1f} req/s, p99 {p99:.0f} ms, "
        f"{errors} errors, {refused} refusals (client CPU {client_cpu:.0%} of a core)"
    )
    print(
        f"  {'endpoint':<18} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}  refused errors"
    )
    for name, tally in recorder.tallies.items():
        ms = [s * 1e3 for s in tally.seconds]
        print(
            f"  {name:<18} {len(ms) / seconds:7.2f} {percentile(ms, 0.5):8.1f} "
            f"{percentile(ms, 0.95):8.1f} {percentile(ms, 0.99):8.1f}  "
            f"{tally.refused:7} {tally.errors:6}"
        )
        for example in tally.examples:
            print(f"    error: {example}")
    if recorder.refusals:
        print(
            "  refusals by code: "
            + ", ".join(f"{code} {count}" for code, count in sorted(recorder.refusals.items()))
        )
    return {
        "p99_ms": p99,
        "errors": errors,
        "requests": len(every),
        "refusals": dict(recorder.refusals),
    }


# --- saturation ---------------------------------------------------------------------------


def saturate(
    servers: list[str],
    requests: list[bytes],
    *,
    connections: int,
    seconds: float,
    once: bool = False,
):
    """``connections`` clients sending ``requests`` in turn, without pause, for ``seconds``;
    with ``once``, each request is sent once only (taken from the list, which may run out
    before the time is up). Answers (completed requests, errors, elapsed seconds, client
    CPU seconds)."""
    stop = threading.Event()
    done, failed = [0] * connections, [0] * connections
    lock = threading.Lock()

    def next_request(position: int) -> bytes | None:
        if not once:
            return requests[position % len(requests)]
        with lock:
            return requests.pop() if requests else None

    def client(number: int) -> None:
        connection = Connection(servers[number % len(servers)])
        position = number * 7919
        while not stop.is_set():
            position += 1
            raw = next_request(position)
            if raw is None:
                stop.set()
                break
            try:
                status, _ = connection.request(raw)
                if status == 200:
                    done[number] += 1
                else:
                    failed[number] += 1
            except HttpError:
                failed[number] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(connections)]
    cpu, started = time.process_time(), time.perf_counter()
    for thread in threads:
        thread.start()
    stop.wait(seconds)
    stop.set()
    for thread in threads:
        thread.join(TIMEOUT + 5)
    return sum(done), sum(failed), time.perf_counter() - started, time.process_time() - cpu


def matches_once(servers: list[str], people: list[dict], connections: int) -> tuple[float, list]:
    """Every situation's matches asked once: throughput and latencies."""
    queue = list(people)
    lock, latencies = threading.Lock(), []

    def client(number: int) -> None:
        connection = Connection(servers[number % len(servers)])
        while True:
            with lock:
                if not queue:
                    break
                person = queue.pop()
            raw = encode(
                "GET", f"/api/v1/situations/{person['situation']}/matches", token=person["token"]
            )
            started = time.perf_counter()
            connection.request(raw)
            with lock:
                latencies.append(time.perf_counter() - started)
        connection.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def saturation(topology: Topology, world: dict, options) -> dict:
    people = world["mentees"]
    mentors = list(world["offers"].items())
    endpoints = {
        "healthz": [encode("GET", "/healthz")],
        "me": [encode("GET", "/api/v1/me", token=person["token"]) for person in people],
        "matches": [
            encode("GET", f"/api/v1/situations/{p['situation']}/matches", token=p["token"])
            for p in people
        ],
        # first rankings: situations nobody asked about yet, each asked once
        "matches_cold": [
            encode("GET", f"/api/v1/situations/{p['situation']}/matches", token=p["token"])
            for p in world["unranked"]
        ],
        "slots": [
            encode(
                "GET",
                f"/api/v1/mentors/{mentor}/slots?minutes={minutes[0]}&days=7",
                token=people[index % len(people)]["token"],
            )
            for index, (mentor, minutes) in enumerate(mentors)
        ],
    }
    connections = options.connections
    print(f"\nSaturation: {connections} connections, no think time.")
    print(
        "  matches: the mix's situations, each asked once before each round so their "
        "ranking is kept (a mentee reopening their matches); matches_cold asks situations "
        "never ranked, each once (a first ranking)."
    )
    totals = {name: [0, 0, 0.0, 0.0] for name in endpoints}
    names = list(endpoints)
    for round_number in range(options.rounds):
        order = names[round_number % len(names) :] + names[: round_number % len(names)]
        for name in order:
            if name == "matches":  # kept rankings, whenever they were last asked for
                matches_once(topology.urls, people, connections)
            done, failed, elapsed, cpu = saturate(
                topology.urls,
                endpoints[name],
                connections=connections,
                seconds=options.round_seconds,
                once=name == "matches_cold",
            )
            total = totals[name]
            total[0] += done
            total[1] += failed
            total[2] += elapsed
            total[3] += cpu
    rates = {name: total[0] / total[2] for name, total in totals.items()}
    print(
        f"  {options.rounds} interleaved rounds of {options.round_seconds:g} s per endpoint "
        "(the ratios are to /api/v1/me, the trivial endpoint: token check, one row; "
        "/healthz is answered before the middleware stack, shown for reference):"
    )
    for name, total in totals.items():
        print(
            f"  {name:<12} {rates[name]:8.1f} req/s  ratio to /api/v1/me "
            f"{rates[name] / rates['me']:.3f}  to /healthz "
            f"{rates[name] / rates['healthz']:.3f}  requests {total[0]}  errors {total[1]}  "
            f"(client CPU {total[3] / total[2]:.0%} of a core)"
        )
    if not endpoints["matches_cold"]:
        print(
            "  matches_cold ran out of unranked situations before its time was up: raise "
            "--cold-situations for longer rounds."
        )
    return {
        "rates": rates,
        "errors": sum(total[1] for total in totals.values()),
    }


# --- the run --------------------------------------------------------------------------------


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="10,25,50,100", help="virtual users per level")
    parser.add_argument("--seconds", type=float, default=30, help="seconds per level")
    parser.add_argument("--mentors", type=int, default=400)
    parser.add_argument("--mentees", type=int, default=600)
    parser.add_argument("--think", type=float, default=1.0, help="mean think time, seconds")
    parser.add_argument("--rounds", type=int, default=4, help="saturation rounds")
    parser.add_argument("--round-seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16, help="saturation clients")
    parser.add_argument(
        "--cold-situations",
        type=int,
        default=1500,
        help="situations never ranked, for the first rankings of the saturation phase",
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes per server")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--port", type=int, default=8111)
    parser.add_argument("--database", default="headstrt_load", help="PostgreSQL database")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "load")
    parser.add_argument("--redis-db", type=int, default=3, help="Redis database (emptied)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args()


def main() -> None:
    options = _arguments()
    levels = [int(level) for level in options.levels.split(",")]
    topology = Topology(
        workers=options.workers,
        threads=options.threads,
        port=options.port,
        database=options.database,
        redis_db=options.redis_db,
        fresh=True,
        data_dir=options.data_dir,
    )
    print(
        f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start.",
        flush=True,
    )
    with topology:
        print(
            f"Topology: {len(topology.urls)} app servers ({options.workers} workers × "
            f"{options.threads} threads each) at {', '.join(topology.urls)}, 1 worker, "
            f"PostgreSQL {topology.database}, Redis {topology.redis_url}.",
            flush=True,
        )
        started = time.perf_counter()
        seeded = subprocess.run(
            [
                sys.executable,
                __file__,
                "--seed-child",
                json.dumps(
                    {
                        "mentors": options.mentors,
                        "mentees": options.mentees,
                        "users": max(levels),
                        "seed": options.seed,
                        "fresh": options.cold_situations,
                    }
                ),
            ],
            cwd=ROOT,
            env=topology.env,
            capture_output=True,
            text=True,
        )
        if seeded.returncode:
            sys.exit(f"seeding failed:\n{seeded.stderr[-4000:]}")
        world = json.loads(seeded.stdout.strip().splitlines()[-1])
        world["mentor_ids"] = list(world["mentors"])
        world["offers"] = world.pop("mentors")
        print(
            f"Seeded {options.mentors} mentors ({len(world['offers'])} listed), "
            f"{max(options.mentees, max(levels))} mentees, {max(levels)} with a token and a "
            f"situation, in {time.perf_counter() - started:.0f} s.",
            flush=True,
        )
        # Each worker process loads the matching index and model on its first ranking:
        # shown apart, so the levels measure a running site.
        rate, latencies = matches_once(topology.urls, world["mentees"][:32], 16)
        print(
            "Warm-up: 32 matches on fresh workers (each loads the index and model once): "
            f"slowest {max(latencies) * 1e3:.0f} ms, "
            f"median {percentile(latencies, 0.5) * 1e3:.0f} ms.",
            flush=True,
        )
        results = {}
        for level in levels:
            users = [
                User(n, world["mentees"][n], world, topology.urls, options.think)
                for n in range(level)
            ]
            recorder, client_cpu = run_level(users, options.seconds)
            for user in users:
                user.close()
            results[level] = print_level(level, recorder, options.seconds, client_cpu)
            gone = topology.exited()
            if gone:
                sys.exit(f"stopped during the run: {', '.join(gone)}")
        summary = saturation(topology, world, options)
        print(f"\nMail accepted by the local SMTP server: {topology.mail.messages}.")
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(
            f"Load client CPU: {usage.ru_utime + usage.ru_stime:.0f} s in all; machine load "
            f"average {os.getloadavg()[0]:.2f} at the end."
        )
    if not options.keep:
        topology.drop_database()
    reference = results.get(50) or results[max(levels)]
    errors = sum(result["errors"] for result in results.values()) + summary["errors"]
    rates = summary["rates"]
    refusals = defaultdict(int)
    for result in results.values():
        for code, count in result["refusals"].items():
            refusals[code] += count
    print(
        f"RESULT p99_ms_50users={reference['p99_ms']:.0f} errors={errors} "
        f"refusals={sum(refusals.values())} rate_limited={refusals['rate_limited']} "
        f"hold_expired={refusals['hold_expired']} "
        f"match_ratio={rates['matches'] / rates['me']:.3f} "
        f"slots_ratio={rates['slots'] / rates['me']:.3f} "
        f"match_cold_ratio={rates['matches_cold'] / rates['me']:.3f} "
        f"me_rps={rates['me']:.0f} healthz_rps={rates['healthz']:.0f}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--seed-child":
        print(json.dumps(_seed(**json.loads(sys.argv[2]))))
    else:
        try:
            main()
        except TopologyError as error:
            sys.exit(f"load: {error}")
