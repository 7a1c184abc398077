"""Concurrent bookings against a real server process: never two bookings in one time.

The server runs on a fresh database (SQLite, or PostgreSQL when ``DATABASE_URL`` is set)
and clients race over HTTP, each on its own connection: many mentees for one slot, slots of
different lengths that overlap or sit within the mentor's buffer, and one mentee asking two
mentors for the same time. Exactly one request of each clashing set wins, every other one
is a 409 that says why, and the database then holds exactly the winners' sessions, no two
of them in one person's time.
"""

from datetime import datetime, timedelta

import pytest

from headstrt.scheduling.services.bookings import SLOT_TAKEN
from tests.live_server import Attempt, LiveServer, contested_groups, judge, race

MENTORS, MENTEES = 6, 40


@pytest.fixture(scope="module")
def market():
    with LiveServer() as server:
        seeded = server.run("seed", mentors=MENTORS, mentees=MENTEES, days=3)
        yield server, seeded


def attempt(seeded, mentee: int, mentor: int, start: datetime, minutes: int) -> Attempt:
    person = seeded["mentees"][mentee]
    return Attempt(
        mentee=person["id"],
        token=person["token"],
        mentor=seeded["mentors"][mentor]["id"],
        start=start,
        minutes=minutes,
    )


def check_race(server, seeded, attempts, *, winners_per_group: list[list[Attempt]]):
    """Fire ``attempts`` at once; exactly one of each group of clashing attempts wins."""
    outcomes = race(server, attempts)
    verdict = judge(outcomes, [], timedelta(minutes=seeded["buffer_minutes"]))
    assert not verdict.server_errors, [o.answer for o in verdict.server_errors]
    assert not verdict.unexpected, [(o.attempt, o.answer) for o in verdict.unexpected]
    assert not verdict.clashing_accepted
    assert not verdict.wrongly_refused
    accepted = [outcome.attempt for outcome in verdict.accepted]
    for group in winners_per_group:
        assert sum(candidate in group for candidate in accepted) == 1, group
    assert len(verdict.accepted) + len(verdict.refused) == len(attempts)
    for outcome in verdict.refused:
        if outcome.answer.code == "slot_taken":
            assert outcome.answer.message == SLOT_TAKEN
        else:
            assert outcome.answer.code == "mentee_busy"
            assert "already have a session" in outcome.answer.message
    for outcome in verdict.accepted:
        body = outcome.answer.body
        assert body["status"] == "confirmed"
        assert datetime.fromisoformat(body["start"]) == outcome.attempt.start

    # The database agrees: the winners' sessions and nothing else, and no two in one time.
    found = server.run("check")
    assert found["mentor_overlaps"] == []
    assert found["mentor_buffer_violations"] == []
    assert found["mentee_overlaps"] == []
    mentors = {one.mentor for one in attempts}
    assert {
        (mentor, mentee, datetime.fromisoformat(start), minutes)
        for mentor, mentee, start, minutes in found["bookings"]
        if mentor in mentors
    } == {(one.mentor, one.mentee, one.start, one.minutes) for one in accepted}
    assert "Traceback" not in server.log_tail(1000)
    return verdict


def test_many_mentees_race_for_one_slot(market):
    server, seeded = market
    start, _ = contested_groups(seeded["mentors"][0], 1)[0][1]
    attempts = [attempt(seeded, mentee, 0, start, 30) for mentee in range(20)]
    verdict = check_race(server, seeded, attempts, winners_per_group=[attempts])
    assert {outcome.answer.code for outcome in verdict.refused} == {"slot_taken"}

    winner = verdict.accepted[0].attempt
    listed = server.request("GET", "/api/v1/bookings", token=winner.token)
    assert listed.status == 200
    assert [datetime.fromisoformat(item["start"]) for item in listed.body["items"]] == [start]


def test_overlapping_lengths_and_buffers_race(market):
    server, seeded = market
    inside, beside = contested_groups(seeded["mentors"][1], 2)
    # A 60-minute slot and the two 30-minute slots inside it all overlap.
    overlapping = [(start, minutes) for start, minutes in inside[:3]]
    # A 30-minute slot starting as the 60-minute one ends is closer than the 10-minute buffer.
    buffered = [beside[0], beside[3]]
    assert buffered[1][0] == buffered[0][0] + timedelta(minutes=60)
    mentees = iter(range(20, 32))
    groups = [
        [
            attempt(seeded, next(mentees), 1, start, minutes)
            for start, minutes in slots
            for _ in "ab"
        ]
        for slots in (overlapping, buffered)
    ]
    verdict = check_race(server, seeded, [*groups[0], *groups[1]], winners_per_group=groups)
    assert {outcome.answer.code for outcome in verdict.refused} == {"slot_taken"}


def test_one_mentee_races_for_two_mentors_at_once(market):
    server, seeded = market
    # Kolkata and Paris: both their grids fall on the hour and half hour UTC.
    first, second = seeded["mentors"][2], seeded["mentors"][4]
    common = sorted(set(first["slots"]["30"]) & set(second["slots"]["30"]))
    starts = [datetime.fromisoformat(text) for text in common[::6][:5]]
    groups = [
        [attempt(seeded, mentee, 2, start, 30), attempt(seeded, mentee, 4, start, 30)]
        for mentee, start in zip(range(32, 37), starts, strict=True)
    ]
    verdict = check_race(
        server, seeded, [one for group in groups for one in group], winners_per_group=groups
    )
    assert {outcome.answer.code for outcome in verdict.refused} == {"mentee_busy"}
