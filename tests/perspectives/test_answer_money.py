"""Money per answer: one charge for the mentors asked, one escrow per answer, released to
its mentor when the answer arrives or refunded when it does not, exactly once."""

import pytest

from headstrt.payments.models import AccountKind, LedgerAccount, LedgerTransaction, Refund
from headstrt.payments.providers.test import CARD_DECLINED
from headstrt.payments.statements import mentor_statement
from headstrt.perspectives import services
from headstrt.perspectives.models import AskStatus
from tests.payments.flows import earnings, fees, money_state, provider_charges, provider_refunds
from tests.perspectives.asking import ANSWER, answer, answering_mentor, ask, ask_of, pay
from tests.scheduling.sessions import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(mentee, reconciled):
    """A question to Ben (€20.00) and Cleo (€35.00), paid with one charge."""
    ben = answering_mentor("Ben", price=2000)
    cleo = answering_mentor("Cleo", price=3500)
    request = ask(mentee, ben, cleo)
    pay(mentee, request)
    return request, ben, cleo


def postings(ask) -> list[str]:
    """What was posted for one answer's escrow after the charge: its release or refund."""
    return sorted(
        LedgerTransaction.objects.filter(key__startswith=f"answer:{ask.public_id}:").values_list(
            "key", flat=True
        )
    )


def escrow(ask) -> int:
    account = LedgerAccount.objects.filter(
        kind=AccountKind.ESCROW, booking_ref=ask.public_id
    ).first()
    return account.balance_minor if account else 0


def test_one_charge_fills_one_escrow_per_answer(paid):
    request, ben, cleo = paid

    assert provider_charges() == 1
    assert [escrow(ask_of(request, m)) for m in (ben, cleo)] == [2000, 3500]
    assert postings(ask_of(request, ben)) == postings(ask_of(request, cleo)) == []


def test_an_answer_pays_its_mentor_once_less_the_fee(paid):
    request, ben, cleo = paid

    answer(ask_of(request, ben))

    bens = ask_of(request, ben)
    assert postings(bens) == [f"answer:{bens.public_id}:release"]
    assert (escrow(bens), earnings(ben.user), fees()) == (0, 1800, 200)
    assert escrow(ask_of(request, cleo)) == 3500
    before = money_state()
    refused("already_answered", answer, ask=bens, text=ANSWER + " Once more.")
    assert money_state() == before


def test_a_decline_refunds_its_answer_once(paid, committed):
    request, ben, cleo = paid

    with committed():
        services.perspective_decline(mentor=cleo.user, ask_id=ask_of(request, cleo).public_id)

    cleos = ask_of(request, cleo)
    assert postings(cleos) == [f"answer:{cleos.public_id}:refund"]
    assert escrow(cleos) == 0 and earnings(cleo.user) == 0
    assert provider_refunds() == [3500]
    before = money_state()
    refused("not_asked", answer, ask=cleos)
    assert money_state() == before


def test_expired_answers_are_refunded_exactly_once_however_often_the_sweep_runs(paid, frozen):
    request, ben, cleo = paid
    answer(ask_of(request, ben))
    frozen.move(hours=48)

    assert services.perspectives_expire_due() == 1
    after_first = money_state()
    assert services.perspectives_expire_due() == 0

    assert money_state() == after_first
    cleos = ask_of(request, cleo)
    assert cleos.status == AskStatus.EXPIRED
    assert postings(cleos) == [f"answer:{cleos.public_id}:refund"]
    assert list(Refund.objects.values_list("amount_minor", flat=True)) == [3500]
    assert postings(ask_of(request, ben)) == [f"answer:{ask_of(request, ben).public_id}:release"]


def test_a_late_answer_is_refused_and_its_answer_refunded_never_paid(paid, frozen):
    request, ben, _ = paid
    frozen.move(hours=48, seconds=1)

    refused("answer_late", answer, ask=ask_of(request, ben))

    bens = ask_of(request, ben)
    assert bens.status == AskStatus.EXPIRED
    assert postings(bens) == [f"answer:{bens.public_id}:refund"]
    assert escrow(bens) == 0 and earnings(ben.user) == 0
    before = money_state()
    refused("answer_late", answer, ask=bens)
    assert money_state() == before
    assert services.perspectives_expire_due() == 1  # Cleo's; Ben's is refunded already
    assert postings(bens) == [f"answer:{bens.public_id}:refund"]


def test_free_answers_move_no_money(mentee, frozen):
    free = answering_mentor("Free", price=0)
    other = answering_mentor("Other", price=0)
    request = ask(mentee, free, other)
    before = money_state()

    answer(ask_of(request, free))
    frozen.move(hours=49)
    services.perspectives_expire_due()

    assert money_state() == before
    assert ask_of(request, other).status == AskStatus.EXPIRED


def test_a_declined_card_sends_nobody_the_question(mentee):
    ben = answering_mentor("Ben", price=2000)
    request = ask(mentee, ben)

    refused("card_declined", pay, mentee=mentee, request=request, card=CARD_DECLINED)

    assert ask_of(request, ben).status == AskStatus.UNPAID
    assert escrow(ask_of(request, ben)) == 0


def test_the_mentors_statement_shows_the_answer_with_the_fee_taken(paid):
    request, ben, _ = paid
    answer(ask_of(request, ben))

    [eur] = mentor_statement(user=ben.user).currencies
    [line] = eur.lines
    assert (line.kind, line.gross.minor, line.fee.minor, line.net.minor) == (
        "answer",
        2000,
        200,
        1800,
    )
