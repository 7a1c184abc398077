"""Property: whatever mentors do and whenever the sweep runs, each paid answer's escrow is
released to its mentor or refunded to the mentee exactly once, never both, and every cent of
the charge ends with the mentors, the platform or back with the mentee."""

from datetime import timedelta

from django.conf import settings as django_settings
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.payments.ledger import ledger_reconcile
from headstrt.payments.models import LedgerTransaction, Payment
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus, PerspectiveAsk
from tests.factories import UserFactory
from tests.payments.flows import earnings, fees
from tests.perspectives.asking import NOW, answer, answering_mentor, ask, pay

PRICES = (2000, 3500, 999)
# What may happen next, to which of the three asks, and how far the clock moves first.
steps = st.lists(
    st.tuples(
        st.sampled_from(["answer", "decline", "sweep"]),
        st.integers(0, len(PRICES) - 1),
        st.sampled_from([0, 1, 12, 47, 49]),
    ),
    max_size=8,
)


class AnswerEscrowProperty(TestCase):
    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(steps=steps)
    def test_each_answer_is_paid_or_refunded_exactly_once(self, steps):
        now = NOW
        original = clock.now
        clock.now = lambda: now
        try:
            mentee = UserFactory(time_zone="Asia/Tokyo")
            mentors = [
                answering_mentor(f"Mentor {i}", price=price) for i, price in enumerate(PRICES)
            ]
            request = pay(mentee, ask(mentee, *mentors))
            asks = list(PerspectiveAsk.objects.filter(request=request).order_by("pk"))
            for action, which, hours in steps:
                now += timedelta(hours=hours)
                note(f"{action} {which} at +{(now - NOW).total_seconds() / 3600:g} h")
                target = asks[which]
                try:
                    if action == "answer":
                        answer(target)
                    elif action == "decline":
                        services.perspective_decline(
                            mentor=target.mentor.user, ask_id=target.public_id
                        )
                    else:
                        services.perspectives_expire_due()
                except DomainError:
                    pass
            self._check(asks, mentors, mentee)
        finally:
            clock.now = original

    def _check(self, asks, mentors, mentee):
        percent = django_settings.HEADSTRT_PLATFORM_FEE_PERCENT
        released = refunded = 0
        for one, mentor in zip(asks, mentors, strict=True):
            one.refresh_from_db()
            keys = set(
                LedgerTransaction.objects.filter(
                    key__startswith=f"answer:{one.public_id}:"
                ).values_list("key", flat=True)
            )
            assert len(keys) <= 1, keys
            if one.status == AskStatus.ANSWERED:
                assert keys == {f"answer:{one.public_id}:release"}
                released += one.price_minor
                assert earnings(mentor.user) == one.price_minor - round(
                    one.price_minor * percent / 100
                )
            elif one.status in (AskStatus.DECLINED, AskStatus.EXPIRED):
                assert keys == {f"answer:{one.public_id}:refund"}
                refunded += one.price_minor
            else:
                assert one.status == AskStatus.ASKED and not keys
        payment = Payment.objects.get(payer=mentee)
        assert payment.refunded_minor == refunded
        assert sum(earnings(mentor.user) for mentor in mentors) + fees() == released
        assert ledger_reconcile().balanced
