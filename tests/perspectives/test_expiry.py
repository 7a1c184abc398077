"""The expiry sweep: questions past their deadline expire (and are refunded) one by one,
unpaid ones are withdrawn after a day; running it again changes nothing."""

import pytest

from headstrt.payments.models import Payment, PaymentStatus
from headstrt.payments.providers.test import CARD_FAILS_AFTER_CHARGE
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus
from tests.perspectives.asking import NOW, answer, answering_mentor, ask, ask_of, pay, state
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


def test_questions_expire_at_their_deadline_and_not_before(mentee, frozen):
    ana = answering_mentor("Ana", price=0)
    request = ask(mentee, ana, answer_hours=12)
    frozen.move(hours=11, minutes=59)
    assert services.perspectives_expire_due() == 0

    frozen.move(minutes=1)

    assert services.perspectives_expire_due() == 1
    expired = ask_of(request, ana)
    assert (expired.status, expired.ended_at) == (AskStatus.EXPIRED, NOW.replace(hour=20))
    before = state()
    assert services.perspectives_expire_due() == 0
    assert state() == before


def test_answered_and_declined_questions_are_left_alone(mentee, frozen):
    ana, ben = answering_mentor("Ana", price=0), answering_mentor("Ben", price=0)
    request = ask(mentee, ana, ben)
    answer(ask_of(request, ana))
    services.perspective_decline(mentor=ben.user, ask_id=ask_of(request, ben).public_id)
    frozen.move(days=3)
    before = state()

    assert services.perspectives_expire_due() == 0

    assert state() == before


def test_one_question_whose_refund_fails_does_not_hold_up_the_others(
    mentee, frozen, monkeypatch, caplog
):
    mentors = [answering_mentor(name, price=1000) for name in ("Ana", "Ben", "Cleo")]
    request = ask(mentee, *mentors)
    pay(mentee, request)
    frozen.move(hours=49)
    from headstrt.payments import answers

    real_refund = answers.answer_refund
    broken = ask_of(request, mentors[1])

    def refund(*, ask, reason):
        if ask.pk == broken.pk:
            raise RuntimeError("ledger away")
        real_refund(ask=ask, reason=reason)

    monkeypatch.setattr(answers, "answer_refund", refund)

    assert services.perspectives_expire_due() == 2

    assert [ask_of(request, m).status for m in mentors] == [
        AskStatus.EXPIRED,
        AskStatus.ASKED,
        AskStatus.EXPIRED,
    ]
    assert "could not be expired" in caplog.text
    monkeypatch.setattr(answers, "answer_refund", real_refund)
    assert services.perspectives_expire_due() == 1
    assert ask_of(request, mentors[1]).status == AskStatus.EXPIRED


def test_unpaid_questions_are_withdrawn_after_a_day_unless_a_payment_is_under_way(mentee, frozen):
    ben, cleo = answering_mentor("Ben"), answering_mentor("Cleo")
    waiting = ask(mentee, ben)
    paying = ask(mentee, cleo)
    refused("payment_pending", pay, mentee=mentee, request=paying, card=CARD_FAILS_AFTER_CHARGE)
    assert Payment.objects.get().status == PaymentStatus.PENDING
    frozen.move(hours=23)
    assert services.perspectives_expire_due() == 0

    frozen.move(hours=1)

    assert services.perspectives_expire_due() == 1
    assert ask_of(waiting, ben).status == AskStatus.WITHDRAWN
    assert ask_of(paying, cleo).status == AskStatus.UNPAID
    assert services.perspectives_expire_due() == 0
