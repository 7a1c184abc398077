"""A dispute from opening to its settlement: the response, a neutral mediator's proposal,
acceptance or appeal, the default of every deadline, and the money moved exactly once."""

from datetime import timedelta

import pytest

from headstrt.disputes import services
from headstrt.disputes.models import Assignment, AuditEntry, DisputeStatus, Stage
from headstrt.messaging.models import Notification
from headstrt.payments.models import AccountKind, LedgerAccount
from headstrt.payments.services import escrow_release_due
from tests.disputes.cases import (
    case_state,
    fresh,
    live_mediator,
    open_dispute,
    propose,
    respond,
    settled_as,
    settlement,
)
from tests.payments.flows import escrow
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db
PAID = 4000


def test_opening_freezes_the_escrow_and_asks_the_other_side(session, mentee, mentor, committed):
    with committed():
        dispute = open_dispute(session, mentee, wanted="refund")
    assert dispute.status == DisputeStatus.AWAITING_RESPONSE
    assert dispute.respondent == mentor.user and dispute.opener_party == "mentee"
    assert dispute.deadline == dispute.created_at + timedelta(hours=48)
    account = LedgerAccount.objects.get(kind=AccountKind.ESCROW, booking_ref=session.public_id)
    assert account.frozen and account.balance_minor == PAID
    told = Notification.objects.get(recipient=mentor.user)
    assert told.kind == "dispute.opened" and f"/disputes/{dispute.public_id}/" in told.url
    assert AuditEntry.objects.get(dispute=dispute).detail["frozen_minor"] == PAID


def test_frozen_escrow_is_not_released_when_the_window_passes(session, mentee, frozen):
    open_dispute(session, mentee)
    frozen.move(days=10)
    escrow_release_due()  # the pool's sessions are released; this one waits
    assert escrow(session) == PAID


def test_response_gives_the_case_to_the_least_loaded_neutral_mediator(
    session, mentee, mentor, pool, frozen
):
    dispute = open_dispute(session, mentee)
    frozen.move(hours=1)
    dispute = respond(dispute)
    assert dispute.status == DisputeStatus.IN_MEDIATION
    assignment = Assignment.objects.get(dispute=dispute)
    assert assignment.mediator == pool.neutral[0] and assignment.stage == Stage.FIRST
    assert dispute.deadline == assignment.due_at == frozen.now + timedelta(hours=72)


def test_both_accept_a_split_and_the_escrow_is_settled_so(session, mentee, mentor, frozen):
    dispute = respond(open_dispute(session, mentee))
    frozen.move(hours=5)
    proposal = propose(dispute, "split", 60)
    dispute = fresh(dispute)
    assert dispute.status == DisputeStatus.PROPOSED
    assert dispute.deadline == proposal.created_at + timedelta(hours=48)
    assert live_mediator(dispute) is None
    services.proposal_accept(user=mentee, dispute_id=dispute.public_id)
    assert fresh(dispute).status == DisputeStatus.PROPOSED and settlement(session) == []
    refused("already_accepted", services.proposal_accept, user=mentee, dispute_id=dispute.public_id)
    services.proposal_accept(user=mentor.user, dispute_id=dispute.public_id)
    dispute = fresh(dispute)
    assert dispute.status == DisputeStatus.RESOLVED and not dispute.resolved_by_default
    assert (dispute.resolution, dispute.mentor_percent) == ("split", 60)
    assert settled_as(session, 60, PAID)


def test_an_appeal_goes_to_another_mediator_whose_decision_is_final(session, mentee, mentor, pool):
    dispute = respond(open_dispute(session, mentee))
    first = live_mediator(dispute)
    propose(dispute, "release", None)
    dispute = services.proposal_appeal(
        user=mentee, dispute_id=dispute.public_id, reason="The mentor never showed the notes."
    )
    assert dispute.status == DisputeStatus.IN_APPEAL and dispute.appealed_by == mentee
    second = live_mediator(dispute)
    assert second is not None and second != first
    assert Assignment.objects.get(dispute=dispute, ended_at__isnull=True).stage == Stage.APPEAL
    refused(
        "already_appealed",
        services.proposal_appeal,
        user=mentor.user,
        dispute_id=dispute.public_id,
        reason="Me too",
    )
    propose(dispute, "refund", None, by=second)
    dispute = fresh(dispute)
    assert (dispute.status, dispute.resolution, dispute.mentor_percent) == ("resolved", "refund", 0)
    assert settled_as(session, 0, PAID)
    refused(
        "already_appealed",
        services.proposal_appeal,
        user=mentor.user,
        dispute_id=dispute.public_id,
        reason="Again",
    )


def test_silence_resolves_as_the_opener_asked(session, mentee, frozen, committed):
    dispute = open_dispute(session, mentee, wanted="split", percent=25)
    frozen.move(hours=47, minutes=59)
    assert services.disputes_advance() == 0
    frozen.move(minutes=1)
    with committed():
        assert services.disputes_advance() == 1
    assert services.disputes_advance() == 0
    dispute = fresh(dispute)
    assert dispute.status == DisputeStatus.RESOLVED and dispute.resolved_by_default
    assert (dispute.resolution, dispute.mentor_percent) == ("split", 25)
    assert settled_as(session, 25, PAID)
    assert Notification.objects.filter(kind="dispute.resolved").count() == 2


def test_a_mediator_who_misses_the_deadline_is_replaced(session, mentee, frozen, pool):
    dispute = respond(open_dispute(session, mentee))
    first = live_mediator(dispute)
    frozen.move(hours=72)
    assert services.disputes_advance() == 1
    dispute = fresh(dispute)
    second = live_mediator(dispute)
    assert dispute.status == DisputeStatus.IN_MEDIATION and second not in (None, first)
    assert dispute.deadline == frozen.now + timedelta(hours=72)
    ended = Assignment.objects.get(dispute=dispute, mediator__user=first)
    assert ended.end_reason == "replaced"
    refused("not_your_case", propose, dispute=dispute, by=first)


def test_an_unanswered_proposal_stands(session, mentee, frozen):
    dispute = respond(open_dispute(session, mentee))
    propose(dispute, "release", None)
    frozen.move(hours=48)
    assert services.disputes_advance() == 1
    dispute = fresh(dispute)
    assert dispute.resolved_by_default and dispute.mentor_percent == 100
    assert settled_as(session, 100, PAID)


def test_advancing_twice_settles_once(session, mentee, frozen):
    dispute = respond(open_dispute(session, mentee))
    propose(dispute, "split", 33)
    frozen.move(hours=49)
    assert services.disputes_advance() == 1
    assert services.disputes_advance() == 0
    assert settled_as(session, 33, PAID)
    before = case_state()
    refused("dispute_resolved", services.proposal_accept, user=mentee, dispute_id=dispute.public_id)
    assert case_state() == before


def test_a_free_session_can_be_disputed_and_resolved_without_money(mentee, frozen, pool):
    from tests.scheduling.sessions import TUESDAY_9, book, paris_mentor

    free_mentor = paris_mentor(name="Fay Free", email="fay@example.org", offers={30: 0})
    booking = book(free_mentor, mentee, start=TUESDAY_9 + timedelta(hours=2, minutes=30))
    frozen.set(booking.start + timedelta(minutes=1))
    dispute = open_dispute(booking, free_mentor.user, wanted="release")
    frozen.move(hours=48)
    assert services.disputes_advance() == 1
    assert fresh(dispute).mentor_percent == 100 and settlement(booking) == []


# Refusals, each of which changes nothing


def test_responding_twice_or_late_is_refused(session, mentee, mentor, frozen):
    dispute = open_dispute(session, mentee)
    frozen.move(hours=48)
    before = case_state()
    refused("deadline_passed", respond, dispute=dispute)
    assert case_state() == before
    frozen.move(hours=-47)
    respond(dispute)
    before = case_state()
    refused("already_responded", respond, dispute=dispute)
    refused(
        "forbidden",
        services.dispute_respond,
        user=mentee,
        dispute_id=dispute.public_id,
        text="I respond to myself",
    )
    assert case_state() == before


def test_accepting_or_appealing_with_nothing_proposed_is_refused(session, mentee, mentor):
    dispute = open_dispute(session, mentee)
    before = case_state()
    refused(
        "nothing_proposed", services.proposal_accept, user=mentor.user, dispute_id=dispute.public_id
    )
    respond(dispute)
    before = case_state()
    refused("nothing_proposed", services.proposal_accept, user=mentee, dispute_id=dispute.public_id)
    refused(
        "nothing_proposed",
        services.proposal_appeal,
        user=mentee,
        dispute_id=dispute.public_id,
        reason="Why not",
    )
    assert case_state() == before


@pytest.mark.parametrize(
    ("remedy", "percent", "code"),
    [
        ("split", 101, "invalid_percent"),
        ("split", -1, "invalid_percent"),
        ("split", 50.5, "invalid_percent"),
        ("split", "50", "invalid_percent"),
        ("split", True, "invalid_percent"),
        ("split", None, "invalid_percent"),
        ("split", 0, "invalid_percent"),
        ("split", 100, "invalid_percent"),
        ("release", 80, "invalid_percent"),
        ("refund", 10, "invalid_percent"),
        ("halve", 50, "invalid"),
    ],
)
def test_a_proposal_outside_the_rules_is_refused(session, mentee, remedy, percent, code):
    dispute = respond(open_dispute(session, mentee))
    before = case_state()
    error = refused(code, propose, dispute=dispute, remedy=remedy, percent=percent)
    assert error.status == 422
    refused("invalid", propose, dispute=dispute, reasons="   ")
    assert case_state() == before
