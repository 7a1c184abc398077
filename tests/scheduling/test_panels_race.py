"""Panels racing for the same mentors at the same time: each panel is held whole or not at
all, never in part, and no mentor is held twice. Run on PostgreSQL, where the writers
really overlap (SQLite lets one writer in at a time anyway)."""

import random
import time
from datetime import timedelta
from functools import partial

import pytest
from django.db import connection

from headstrt.core.errors import DomainError
from headstrt.scheduling import services
from headstrt.scheduling.models import Booking, BookingStatus, Panel
from headstrt.scheduling.services import panels as panel_services
from tests.factories import UserFactory
from tests.scheduling.gatherings import at_once, ids, panelists
from tests.scheduling.sessions import TUESDAY_9

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]

# Hours apart, so one round's holds (and their buffers) never touch another's.
ROUNDS = [TUESDAY_9 + timedelta(hours=hour) for hour in range(3)]


@pytest.fixture
def slow_checks(monkeypatch):
    """Widen the gap between checking a panel's mentors and holding them, where two panels
    without the locks would both find a shared mentor free."""
    check_slot = panel_services._check_slot

    def slow(**kwargs):
        time.sleep(0.01)
        return check_slot(**kwargs)

    monkeypatch.setattr(panel_services, "_check_slot", slow)


def hold(mentee, mentors, start):
    return services.panel_hold(mentee=mentee, mentor_ids=ids(mentors), start=start, minutes=30)


def held_at(start) -> dict[int, list[int]]:
    """The mentors held at ``start``, by panel."""
    found: dict[int, list[int]] = {}
    parts = Booking.objects.filter(start=start, status=BookingStatus.HELD, panel__isnull=False)
    for panel_id, mentor_id in parts.values_list("panel_id", "mentor_id"):
        found.setdefault(panel_id, []).append(mentor_id)
    return found


def test_two_panels_sharing_a_mentor_one_is_held_whole_the_other_not_at_all(frozen, slow_checks):
    nia, omar, pia = panelists(3)
    for start in ROUNDS:
        first, second = UserFactory(), UserFactory()

        outcomes = at_once(
            [partial(hold, first, [nia, omar], start), partial(hold, second, [omar, pia], start)]
        )

        [won] = [outcome for outcome in outcomes if isinstance(outcome, Panel)]
        [lost] = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
        assert lost.code == "slot_taken" and "Omar Ortiz" in lost.message
        loser = second if won.mentee_id == first.pk else first
        assert not Booking.objects.filter(mentee=loser).exists()
        assert Booking.objects.filter(panel=won, status=BookingStatus.HELD).count() == 2


def test_a_panel_whose_last_mentor_is_taken_meanwhile_holds_nobody(frozen, slow_checks):
    nia, omar, pia = panelists(3)
    for start in ROUNDS:
        mentee, single = UserFactory(), UserFactory()

        outcomes = at_once(
            [
                partial(hold, mentee, [nia, omar, pia], start),
                partial(
                    services.booking_hold,
                    mentee=single,
                    mentor_id=pia.user.public_id,
                    start=start,
                    minutes=30,
                ),
            ]
        )

        assert sum(isinstance(outcome, DomainError) for outcome in outcomes) == 1
        panel_won = isinstance(outcomes[0], Panel)
        assert Booking.objects.filter(mentee=mentee).count() == (3 if panel_won else 0)
        assert Booking.objects.filter(mentee=single).count() == (0 if panel_won else 1)


def test_many_panels_racing_are_each_whole_or_absent_and_never_share_a_mentor(frozen, slow_checks):
    mentors = panelists(4)
    pick = random.Random(8)
    for start in ROUNDS:
        wanted = [pick.sample(mentors, pick.choice([2, 3])) for _ in range(8)]
        mentees = [UserFactory() for _ in wanted]

        outcomes = at_once(
            [
                partial(hold, mentee, chosen, start)
                for mentee, chosen in zip(mentees, wanted, strict=True)
            ]
        )

        assert {outcome.code for outcome in outcomes if isinstance(outcome, DomainError)} <= {
            "slot_taken"
        }
        won = {outcome.pk for outcome in outcomes if isinstance(outcome, Panel)}
        panels = held_at(start)
        assert set(panels) == won
        held = [mentor for chosen in panels.values() for mentor in chosen]
        assert len(held) == len(set(held))  # no mentor on two panels
        for mentee, chosen, outcome in zip(mentees, wanted, outcomes, strict=True):
            if isinstance(outcome, Panel):
                assert sorted(panels[outcome.pk]) == sorted(mentor.pk for mentor in chosen)
            else:
                assert not Booking.objects.filter(mentee=mentee).exists()
                # Refused only because a mentor it wanted was taken by a winner.
                assert {mentor.pk for mentor in chosen} & set(held)
