"""Disputes under random sequences of responses, proposals, acceptances, appeals, messages
and deadlines passing on a moving clock (a Hypothesis state machine).

After every step: each open dispute has a deadline after its last step, and a live mediator
exactly while with a mediator (unless none was available, which the audit records); its
escrow is frozen and untouched. A resolved dispute has the mentor's share and exactly one
settlement posting that moved the escrow as resolved. No mediator was ever assigned who was
within two hops of a party when assigned, or who had the case before (so the appeal
mediator differs from the first).
"""

from datetime import timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from headstrt.core.errors import DomainError
from headstrt.disputes import services
from headstrt.disputes.models import (
    OPEN_STATUSES,
    Assignment,
    AuditEntry,
    Dispute,
    DisputeStatus,
)
from headstrt.network.graph import within_two_hops
from headstrt.payments.models import AccountKind, LedgerAccount
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from tests.disputes.cases import live_mediator, open_dispute, settled_as, settlement
from tests.disputes.conftest import mediator
from tests.factories import UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, book, paris_mentor

pytestmark = pytest.mark.django_db

WAITS = st.sampled_from([1, 23, 25, 47, 49, 71, 73])
REMEDIES = st.sampled_from([("release", None), ("refund", None), ("split", 30), ("split", 65)])
WANTED = st.sampled_from([("refund", None), ("release", None), ("split", 40)])
# Refusals a random step may meet; anything else is a bug.
EXPECTED = {
    "already_responded",
    "deadline_passed",
    "dispute_resolved",
    "nothing_proposed",
    "already_accepted",
    "already_appealed",
    "forbidden",
    "not_your_case",
}


class DisputeMachine(RuleBasedStateMachine):
    """Three paid sessions in dispute, a pool of mediators (one tied to a mentor); ``clock``
    is set by the test."""

    clock = None

    def __init__(self):
        super().__init__()
        self.example = transaction.atomic()
        self.example._from_testcase = True
        self.example.__enter__()
        self.clock.set(NOW)
        self.seen: set[int] = set()  # assignments checked already

    def teardown(self):
        transaction.set_rollback(True)
        self.example.__exit__(None, None, None)

    @initialize(wanted=st.lists(WANTED, min_size=3, max_size=3))
    def disputes_open(self, wanted):
        ana = paris_mentor(name="Ana", email="ana@example.org")
        ben = paris_mentor(name="Ben", email="ben@example.org")
        xia, yun, zoe = (UserFactory(display_name=name) for name in ("Xia", "Yun", "Zoe"))
        self.tied = mediator(display_name="Tied")  # had a session with Ana
        bookings = [
            book(ana, xia),
            book(ana, yun, start=TUESDAY_9 + timedelta(hours=1)),
            book(ben, zoe),
        ]
        # An earlier session of Ana's with the tied mediator (written directly: only the
        # tie matters here).
        Booking.objects.create(
            mentor=ana,
            mentee=self.tied.user,
            start=NOW - timedelta(days=7),
            end=NOW - timedelta(days=7) + timedelta(minutes=30),
            minutes=30,
            price_minor=0,
            currency="EUR",
            status=BookingStatus.COMPLETED,
            confirmed_at=NOW - timedelta(days=8),
        )
        for number in range(6):
            mediator(display_name=f"Neutral {number}")
        self.clock.set(TUESDAY_9 + timedelta(hours=2, minutes=35))
        for booking in bookings:
            scheduling.booking_complete(user=booking.mentee, booking_id=booking.public_id)
        openers = [xia, ana.user, zoe]
        self.disputes = [
            open_dispute(booking, by, wanted=remedy, percent=percent).pk
            for booking, by, (remedy, percent) in zip(bookings, openers, wanted, strict=False)
        ]
        self.paid = {b.public_id: b.price_minor for b in bookings}
        self.near_before = self._near()

    # Steps

    def _dispute(self, index: int) -> Dispute:
        return Dispute.objects.select_related("booking", "opener", "respondent").get(
            pk=self.disputes[index]
        )

    def _near(self) -> dict[int, set[int]]:
        return {
            pk: within_two_hops({opener, respondent})
            for pk, opener, respondent in Dispute.objects.filter(pk__in=self.disputes).values_list(
                "pk", "opener_id", "respondent_id"
            )
        }

    def _try(self, call, **kwargs) -> None:
        try:
            call(**kwargs)
        except DomainError as refusal:
            assert refusal.code in EXPECTED, (refusal.code, refusal.message)

    @rule(index=st.integers(0, 2))
    def respond(self, index):
        self.near_before = self._near()  # a mediator is assigned: neutral as of now
        dispute = self._dispute(index)
        self._try(
            services.dispute_respond,
            user=dispute.respondent,
            dispute_id=dispute.public_id,
            text="My side of it.",
        )

    @rule(index=st.integers(0, 2), remedy=REMEDIES)
    def propose(self, index, remedy):
        dispute = self._dispute(index)
        person = live_mediator(dispute) or dispute.opener
        self._try(
            services.proposal_make,
            mediator_user=person,
            dispute_id=dispute.public_id,
            remedy=remedy[0],
            mentor_percent=remedy[1],
            reasons="Weighed both accounts.",
        )

    @rule(index=st.integers(0, 2), opener=st.booleans())
    def accept(self, index, opener):
        dispute = self._dispute(index)
        person = dispute.opener if opener else dispute.respondent
        self._try(services.proposal_accept, user=person, dispute_id=dispute.public_id)

    @rule(index=st.integers(0, 2), opener=st.booleans())
    def appeal(self, index, opener):
        self.near_before = self._near()
        dispute = self._dispute(index)
        person = dispute.opener if opener else dispute.respondent
        self._try(
            services.proposal_appeal, user=person, dispute_id=dispute.public_id, reason="Unfair"
        )

    @rule(index=st.integers(0, 2))
    def mediator_writes(self, index):
        """The live mediator writes on the case (which ties them to its parties)."""
        dispute = self._dispute(index)
        person = live_mediator(dispute)
        if person is not None:
            self._try(
                services.dispute_message_send,
                user=person,
                dispute_id=dispute.public_id,
                body="Please send your notes.",
            )

    @rule(hours=WAITS, twice=st.booleans())
    def time_passes(self, hours, twice):
        self.near_before = self._near()
        self.clock.move(hours=hours)
        services.disputes_advance()
        if twice:
            assert services.disputes_advance() == 0
        for dispute in Dispute.objects.filter(pk__in=self.disputes, status__in=OPEN_STATUSES):
            assert dispute.deadline > self.clock.now

    # Invariants

    @invariant()
    def deadlines_and_mediators(self):
        if not hasattr(self, "disputes"):
            return
        for dispute in Dispute.objects.filter(pk__in=self.disputes):
            live = Assignment.objects.filter(dispute=dispute, ended_at__isnull=True).count()
            if dispute.status == DisputeStatus.RESOLVED:
                assert live == 0
                continue
            last = AuditEntry.objects.filter(dispute=dispute).order_by("-created_at", "-pk")
            last_step = last.first()
            assert dispute.deadline > last_step.created_at
            mediating = dispute.status in (DisputeStatus.IN_MEDIATION, DisputeStatus.IN_APPEAL)
            waiting = (
                last.exclude(action__in=["message_sent", "evidence_added"]).first().action
                == "no_mediator"
            )
            assert live == (1 if mediating and not waiting else 0), (dispute.status, live)

    @invariant()
    def money(self):
        if not hasattr(self, "disputes"):
            return
        for dispute in Dispute.objects.filter(pk__in=self.disputes).select_related("booking"):
            booking = dispute.booking
            paid = self.paid[booking.public_id]
            if dispute.status == DisputeStatus.RESOLVED:
                assert dispute.mentor_percent is not None and dispute.resolution
                assert settled_as(booking, dispute.mentor_percent, paid)
            else:
                escrow = LedgerAccount.objects.get(
                    kind=AccountKind.ESCROW, booking_ref=booking.public_id
                )
                assert escrow.frozen and escrow.balance_minor == paid
                assert settlement(booking) == []

    @invariant()
    def neutrality(self):
        if not hasattr(self, "disputes"):
            return
        for assignment in Assignment.objects.filter(dispute_id__in=self.disputes).exclude(
            pk__in=self.seen
        ):
            near = self.near_before[assignment.dispute_id]
            assert assignment.mediator.user_id not in near
            assert assignment.mediator != self.tied or assignment.dispute_id == self.disputes[2]
            self.seen.add(assignment.pk)
        for pk in self.disputes:
            had = list(Assignment.objects.filter(dispute_id=pk).values_list("mediator", flat=True))
            assert len(had) == len(set(had))


def test_dispute_state_machine(frozen):
    class Machine(DisputeMachine):
        clock = frozen

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=25,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
