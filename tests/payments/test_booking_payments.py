"""Money flows of sessions through the services: paid checkout, declines, the bank not
answering, late answers, release after the dispute window, disputes, tips and bad input.
Every test ends with the ledger reconciled."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from headstrt.accounts.services import account_delete
from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.housekeeping import housekeeping_run
from headstrt.payments import services, tasks
from headstrt.payments.models import (
    AccountKind,
    LedgerAccount,
    LedgerTransaction,
    Payment,
    PaymentStatus,
    Refund,
)
from headstrt.payments.providers.base import ChargeResult
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_FAILS_AFTER_CHARGE,
    CARD_SUCCEEDS,
    CARD_UNAVAILABLE,
    DECLINED_MESSAGE,
    TestProvider,
)
from headstrt.scheduling import services as scheduling
from headstrt.scheduling.models import Booking, BookingStatus
from tests.factories import PASSWORD, UserFactory
from tests.payments.flows import (
    balance,
    earnings,
    escrow,
    fees,
    money_state,
    paid_booking,
    pay,
    priced_mentor,
    provider_charges,
    provider_refunds,
)
from tests.scheduling.sessions import NOW, TUESDAY_9, hold, refused

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen", "reconciled")]

END = TUESDAY_9 + timedelta(minutes=30)


def status_of(booking) -> str:
    return Booking.objects.values_list("status", flat=True).get(pk=booking.pk)


@pytest.mark.parametrize(
    ("price", "percent", "fee"),
    [
        (Money(4000, "EUR"), "10", 400),
        (Money(4005, "EUR"), "10", 401),  # 400.5 rounds up
        (Money(4004, "EUR"), "10", 400),
        (Money(1000, "EUR"), "12.5", 125),
        (Money(999, "JPY"), "10", 100),
        (Money(4000, "EUR"), "0", 0),
        (Money(4000, "EUR"), "100", 4000),
        (Money(0, "EUR"), "10", 0),
    ],
)
def test_the_fee_is_the_setting_s_share_rounded_half_up(settings, price, percent, fee):
    settings.HEADSTRT_PLATFORM_FEE_PERCENT = Decimal(percent)

    assert services.fee_for(price) == Money(fee, price.currency)


def test_paying_confirms_the_session_and_puts_its_price_in_escrow(mentor, mentee):
    booking = pay(mentee, hold(mentor, mentee), agenda="1. Ask")

    assert booking.status == BookingStatus.CONFIRMED and booking.agenda == "1. Ask"
    payment = Payment.objects.get()
    assert (payment.key, payment.status, payment.amount_minor, payment.fee_minor) == (
        f"booking:{booking.public_id}:payment",
        PaymentStatus.SUCCEEDED,
        4000,
        400,
    )
    assert payment.provider == "test" and payment.provider_ref.startswith("ch_test_")
    assert escrow(booking) == 4000 and balance(AccountKind.PROVIDER_CLEARING) == -4000
    assert balance(AccountKind.MENTEE_WALLET, user=mentee) == 0
    [posted] = LedgerTransaction.objects.all()
    assert (posted.key, posted.kind) == (payment.key, "booking_payment")
    assert provider_charges() == 1


def test_a_free_session_is_checked_out_without_touching_money(mentee):
    free = priced_mentor(0)

    booking = pay(mentee, hold(free, mentee), card="")

    assert booking.status == BookingStatus.CONFIRMED
    scheduling.booking_cancel(user=mentee, booking_id=booking.public_id)
    assert not Payment.objects.exists() and not LedgerTransaction.objects.exists()


def test_a_request_is_paid_at_checkout_and_refunded_in_full_when_declined(
    mentor, mentee, committed
):
    scheduling.scheduling_policy_save(user=mentor.user, confirmation="request")
    booking = pay(mentee, hold(mentor, mentee))
    assert booking.status == BookingStatus.REQUESTED and escrow(booking) == 4000

    with committed():
        scheduling.booking_decline(mentor=mentor.user, booking_id=booking.public_id)

    assert escrow(booking) == 0 and earnings(mentor.user) == 0
    refund = Refund.objects.get()
    assert (refund.key, refund.amount_minor, refund.status) == (
        f"booking:{booking.public_id}:refund",
        4000,
        PaymentStatus.SUCCEEDED,
    )
    assert Payment.objects.get().refunded_minor == 4000 and provider_refunds() == [4000]


def test_a_declined_card_releases_the_hold_and_another_card_may_follow(mentor, mentee):
    held = hold(mentor, mentee)

    error = refused("card_declined", pay, mentee=mentee, booking=held, card=CARD_DECLINED)

    assert error.status == 402 and error.message == DECLINED_MESSAGE
    assert status_of(held) == BookingStatus.EXPIRED  # anyone may take the slot now
    assert Payment.objects.get().status == PaymentStatus.DECLINED
    assert not LedgerTransaction.objects.exists()
    booking = pay(mentee, held, card=CARD_SUCCEEDS)
    assert booking.status == BookingStatus.CONFIRMED and escrow(booking) == 4000
    assert Payment.objects.get(status=PaymentStatus.SUCCEEDED).key.endswith(":payment:2")


def test_after_a_decline_the_slot_can_go_to_someone_else(mentor, mentee):
    held = hold(mentor, mentee)
    refused("card_declined", pay, mentee=mentee, booking=held, card=CARD_DECLINED)
    other = UserFactory()
    paid_booking(mentor, other)
    before = money_state()

    refused("hold_expired", pay, mentee=mentee, booking=held)

    assert money_state() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"objective": ""}, "required"),
        ({"objective": "x" * 1001}, "too_long"),
        ({"card": ""}, "required"),
        ({"card": None}, "required"),
    ],
)
def test_a_refused_checkout_charges_nothing_and_keeps_the_hold(mentor, mentee, change, code):
    held = hold(mentor, mentee)
    before = money_state()

    refused(code, pay, mentee=mentee, booking=held, **change)

    assert money_state() == before and not Payment.objects.exists()
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD and held.held_until == NOW + timedelta(minutes=10)


def test_nobody_pays_for_someone_else_s_booking(mentor, mentee):
    held = hold(mentor, mentee)
    before = money_state()

    error = refused("not_found", pay, mentee=UserFactory(), booking=held)
    assert error.status == 404
    refused("forbidden", pay, mentee=mentor.user, booking=held)

    assert money_state() == before and status_of(held) == BookingStatus.HELD


def test_a_session_is_paid_once(mentor, mentee):
    booking = paid_booking(mentor, mentee)
    before = money_state()

    error = refused("already_paid", pay, mentee=mentee, booking=booking)

    assert error.status == 409 and money_state() == before and provider_charges() == 1


def test_a_lapsed_hold_whose_slot_is_still_free_can_still_be_paid(frozen, mentor, mentee):
    held = hold(mentor, mentee)
    frozen.move(minutes=30)

    booking = pay(mentee, held)

    assert booking.status == BookingStatus.CONFIRMED and escrow(booking) == 4000


def test_when_the_bank_does_not_answer_the_slot_stays_held_and_a_retry_settles_it(
    frozen, mentor, mentee
):
    held = hold(mentor, mentee)

    error = refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_UNAVAILABLE)

    assert error.status == 503 and "don't pay again" in error.message
    held.refresh_from_db()
    assert held.status == BookingStatus.HELD
    assert held.held_until == NOW + timedelta(minutes=services.PENDING_HOLD_MINUTES)
    assert Payment.objects.get().status == PaymentStatus.PENDING
    assert not LedgerTransaction.objects.exists() and provider_charges() == 0
    frozen.move(minutes=2)
    # The provider never got that charge, so the retry may charge another card, same key.
    booking = pay(mentee, held, card=CARD_SUCCEEDS)
    assert booking.status == BookingStatus.CONFIRMED
    assert Payment.objects.get().key == f"booking:{held.public_id}:payment"
    assert provider_charges() == 1 and escrow(booking) == 4000


def test_a_charge_whose_answer_was_lost_is_found_again_not_taken_twice(mentor, mentee):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    assert provider_charges() == 1 and not LedgerTransaction.objects.exists()

    booking = pay(mentee, held, card=CARD_FAILS_AFTER_CHARGE)

    assert booking.status == BookingStatus.CONFIRMED
    assert provider_charges() == 1 and escrow(booking) == 4000
    assert Payment.objects.get().status == PaymentStatus.SUCCEEDED


def test_a_late_success_confirms_the_booking_while_its_slot_is_free(frozen, mentor, mentee):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(hours=1)  # the hold lapsed, nobody took the slot
    payment = Payment.objects.get()
    answer = ChargeResult(status="succeeded", provider_ref="ch_late")

    services.payment_settle(key=payment.key, result=answer)
    again = services.payment_settle(provider_ref="ch_late", result=answer)

    assert again.status == PaymentStatus.SUCCEEDED
    assert status_of(held) == BookingStatus.CONFIRMED and escrow(held) == 4000
    assert LedgerTransaction.objects.count() == 1 and not Refund.objects.exists()


def test_a_late_success_for_a_slot_taken_meanwhile_is_refunded_in_full(
    frozen, mentor, mentee, committed
):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(minutes=20)
    paid_booking(mentor, UserFactory())  # the hold lapsed and someone took the slot
    payment = Payment.objects.get(booking=held)

    with committed():
        services.payment_settle(
            key=payment.key, result=ChargeResult(status="succeeded", provider_ref="ch_x")
        )
    with committed():
        services.payment_settle(
            key=payment.key, result=ChargeResult(status="succeeded", provider_ref="ch_x")
        )

    assert status_of(held) == BookingStatus.EXPIRED and escrow(held) == 0
    refund = Refund.objects.get()
    assert (refund.key, refund.amount_minor) == (f"{payment.key}:refund", 4000)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCEEDED and payment.refunded_minor == 4000


def test_the_retry_reports_a_slot_lost_while_the_payment_went_through(frozen, mentor, mentee):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(minutes=20)
    paid_booking(mentor, UserFactory())

    refused("hold_expired", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)

    assert escrow(held) == 0 and Refund.objects.get().amount_minor == 4000


def test_a_late_decline_only_settles_a_pending_payment(mentor, mentee):
    booking = paid_booking(mentor, mentee)
    payment = Payment.objects.get()
    before = money_state()

    services.payment_settle(key=payment.key, result=ChargeResult(status="declined"))

    assert money_state() == before and status_of(booking) == BookingStatus.CONFIRMED


def test_settling_an_unknown_payment_is_not_found():
    refused("not_found", services.payment_settle, key="nope", result=ChargeResult("succeeded"))


def test_the_sweep_settles_lost_answers_and_fails_charges_that_never_arrived(
    frozen, mentor, mentee
):
    lost = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=lost, card=CARD_FAILS_AFTER_CHARGE)
    other = UserFactory()
    never = hold(mentor, other, start=TUESDAY_9 + timedelta(hours=1))
    refused("payment_pending", pay, mentee=other, booking=never, card=CARD_UNAVAILABLE)
    assert services.payments_recheck_pending() == 0  # too early: calls may be in flight

    frozen.move(minutes=6)

    assert services.payments_recheck_pending() == 2
    assert services.payments_recheck_pending() == 0
    assert status_of(lost) == BookingStatus.CONFIRMED and escrow(lost) == 4000
    assert status_of(never) == BookingStatus.EXPIRED
    assert Payment.objects.get(booking=never).status == PaymentStatus.FAILED
    assert pay(other, never).status == BookingStatus.CONFIRMED  # a new attempt may follow


def test_a_retry_after_a_late_payment_was_given_back_pays_for_the_free_slot(
    frozen, mentor, mentee, committed
):
    held = hold(mentor, mentee)
    refused("payment_pending", pay, mentee=mentee, booking=held, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(minutes=20)
    other = UserFactory()
    taken = paid_booking(mentor, other)
    with committed():
        services.payments_recheck_pending()  # the late success finds the slot taken
    assert Payment.objects.get(booking=held).refunded_minor == 4000
    scheduling.booking_cancel(user=other, booking_id=taken.public_id)  # the slot is free again

    assert pay(mentee, Booking.objects.get(pk=held.pk)).status == BookingStatus.CONFIRMED

    assert escrow(held) == 4000
    assert sorted(Payment.objects.filter(booking=held).values_list("status", "refunded_minor")) == [
        (PaymentStatus.SUCCEEDED, 0),
        (PaymentStatus.SUCCEEDED, 4000),
    ]


def complete(frozen, booking, user):
    frozen.set(END)
    scheduling.booking_complete(user=user, booking_id=booking.public_id)


def test_escrow_goes_to_the_mentor_less_the_fee_once_the_dispute_window_passes(
    frozen, mentor, mentee
):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)
    frozen.set(END + timedelta(hours=72) - timedelta(seconds=1))
    assert services.escrow_release_due() == 0 and escrow(booking) == 4000

    frozen.move(seconds=1)

    assert services.escrow_release_due() == 1
    assert services.escrow_release_due() == 0
    assert escrow(booking) == 0 and earnings(mentor.user) == 3600 and fees() == 400
    release = LedgerTransaction.objects.get(kind="escrow_release")
    assert release.key == f"booking:{booking.public_id}:release"


def test_the_worker_releases_escrow_settles_lost_answers_and_resends_refunds(
    frozen, mentor, mentee
):
    done = paid_booking(mentor, mentee)
    complete(frozen, done, mentee)
    later = hold(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    refused("payment_pending", pay, mentee=mentee, booking=later, card=CARD_FAILS_AFTER_CHARGE)
    frozen.move(minutes=6)
    gone = paid_booking(mentor, mentee, start=TUESDAY_9 + timedelta(days=14))
    scheduling.booking_cancel(user=mentor.user, booking_id=gone.public_id)  # refund not sent
    frozen.set(END + timedelta(hours=72))

    swept = housekeeping_run()

    assert (swept["escrows_released"], swept["payments_settled"], swept["refunds_sent"]) == (
        1,
        1,
        1,
    )
    assert earnings(mentor.user) == 3600 and status_of(later) == BookingStatus.CONFIRMED
    assert provider_refunds() == [4000]


def test_the_release_task_settles_what_is_due(frozen, mentor, mentee):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)
    frozen.set(END + timedelta(hours=72))

    tasks.escrows_release.enqueue()

    assert escrow(booking) == 0 and earnings(mentor.user) == 3600


def test_the_window_is_a_setting(frozen, mentor, mentee, settings):
    settings.HEADSTRT_DISPUTE_WINDOW_HOURS = 24
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentor.user)
    frozen.set(END + timedelta(hours=24))

    assert services.escrow_release_due() == 1 and earnings(mentor.user) == 3600


def test_a_session_nobody_marked_is_released_once_it_can_no_longer_be_reported(
    frozen, mentor, mentee
):
    paid_booking(mentor, mentee)
    frozen.set(END + timedelta(hours=72))  # a no-show can still be reported at this instant
    assert services.escrow_release_due() == 0

    frozen.move(seconds=1)

    assert services.escrow_release_due() == 1 and earnings(mentor.user) == 3600


def test_the_fee_is_the_one_shown_at_checkout(frozen, mentor, mentee, settings):
    booking = paid_booking(mentor, mentee)
    settings.HEADSTRT_PLATFORM_FEE_PERCENT = Decimal(20)
    complete(frozen, booking, mentee)
    frozen.set(END + timedelta(hours=72))

    services.escrow_release_due()

    assert earnings(mentor.user) == 3600 and fees() == 400


def test_a_frozen_escrow_waits_for_its_settlement_which_happens_once(
    frozen, mentor, mentee, committed
):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)
    assert services.escrow_freeze(booking=booking) == 4000
    frozen.set(END + timedelta(days=10))
    assert services.escrow_release_due() == 0 and escrow(booking) == 4000

    with committed():
        settled = services.escrow_settle(booking=booking, mentor_percent=50)
    again = services.escrow_settle(booking=booking, mentor_percent=100)

    assert settled.kind == "dispute_settlement" and again.pk == settled.pk
    assert escrow(booking) == 0 and earnings(mentor.user) == 1800 and fees() == 200
    assert Refund.objects.get().amount_minor == 2000 and provider_refunds() == [2000]
    assert services.escrow_release_due() == 0
    assert not booking_escrow_account(booking).frozen


def booking_escrow_account(booking):
    return LedgerAccount.objects.get(kind=AccountKind.ESCROW, booking_ref=booking.public_id)


@pytest.mark.parametrize(("percent", "mentor_gets", "refund"), [(100, 3600, 0), (0, 0, 4000)])
def test_a_settlement_can_release_or_refund_everything(
    frozen, mentor, mentee, percent, mentor_gets, refund
):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)
    services.escrow_freeze(booking=booking)

    services.escrow_settle(booking=booking, mentor_percent=percent)

    assert earnings(mentor.user) == mentor_gets and escrow(booking) == 0
    assert sum(Refund.objects.values_list("amount_minor", flat=True)) == refund


@pytest.mark.parametrize("percent", [-1, 101, 50.0, True, "50"])
def test_a_settlement_share_is_a_whole_percentage(mentor, mentee, percent):
    booking = paid_booking(mentor, mentee)
    before = money_state()

    refused("invalid_percent", services.escrow_settle, booking=booking, mentor_percent=percent)

    assert money_state() == before


def test_a_free_session_has_nothing_to_freeze_or_settle(mentee):
    free = priced_mentor(0)
    booking = pay(mentee, hold(free, mentee), card="")

    assert services.escrow_freeze(booking=booking) == 0
    assert services.escrow_settle(booking=booking, mentor_percent=50) is None
    assert not LedgerTransaction.objects.exists()


def test_more_than_was_paid_is_never_refunded(frozen, mentor, mentee, committed):
    booking = paid_booking(mentor, mentee)
    with committed():
        scheduling.booking_cancel(user=mentor.user, booking_id=booking.public_id)
    booking.refresh_from_db()
    before = money_state()

    # Once refunded in full, nothing is left to give back, however the money is asked for.
    services.escrow_follow_booking(booking=booking)
    services.escrow_freeze(booking=booking)
    assert services.escrow_settle(booking=booking, mentor_percent=0) is None
    frozen.set(END + timedelta(days=10))
    assert services.escrow_release_due() == 0
    assert money_state()[:4] == before[:4] and provider_refunds() == [4000]
    # And the database refuses a payment refunded beyond its amount.
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.update(refunded_minor=4001)


def test_account_deletion_gives_the_mentee_their_money_back(mentor, mentee, committed):
    booking = paid_booking(mentor, mentee)

    with committed():
        account_delete(user=mentor.user)

    assert escrow(booking) == 0 and provider_refunds() == [4000]
    assert not Booking.objects.exists()  # the mentor's sessions went with the profile


def test_an_account_is_not_deleted_while_a_session_of_it_holds_escrow(
    frozen, mentor, mentee, client
):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)  # done, the dispute window still open

    with pytest.raises(DomainError) as refused_deletion:
        account_delete(user=mentor.user)
    client.force_login(mentee)
    page = client.post(reverse("web:account_delete"), {"password": PASSWORD})

    assert refused_deletion.value.code == "money_in_escrow"
    assert page.status_code == 200 and "still in escrow" in page.content.decode()
    assert Booking.objects.get().status == BookingStatus.COMPLETED
    assert escrow(booking) == 4000 and mentee.__class__.objects.count() == 2


# Tips


@pytest.fixture
def done(frozen, mentor, mentee):
    booking = paid_booking(mentor, mentee)
    complete(frozen, booking, mentee)
    return booking


def tip(mentee, booking, amount=500, card=CARD_SUCCEEDS, **extra):
    return services.tip_send(
        mentee=mentee, booking_id=booking.public_id, amount_minor=amount, source=card, **extra
    )


def test_a_tip_goes_whole_to_the_mentor(done, mentor, mentee):
    payment = tip(mentee, done, amount=750, currency="EUR")

    assert (payment.kind, payment.status, payment.fee_minor) == ("tip", "succeeded", 0)
    assert payment.key == f"booking:{done.public_id}:tip"
    assert earnings(mentor.user) == 750 and escrow(done) == 4000
    assert LedgerTransaction.objects.get(kind="tip").key == payment.key


def test_a_session_gets_one_tip(done, mentee):
    tip(mentee, done)
    before = money_state()

    error = refused("already_tipped", tip, mentee=mentee, booking=done)

    assert error.status == 409 and money_state() == before


def test_a_declined_tip_moves_nothing_and_another_card_may_follow(done, mentor, mentee):
    refused("card_declined", tip, mentee=mentee, booking=done, card=CARD_DECLINED)
    assert earnings(mentor.user) == 0

    assert tip(mentee, done).key == f"booking:{done.public_id}:tip:2"
    assert earnings(mentor.user) == 500


def test_a_tip_whose_answer_was_lost_is_settled_by_the_retry(done, mentor, mentee):
    refused("payment_pending", tip, mentee=mentee, booking=done, card=CARD_FAILS_AFTER_CHARGE)

    tip(mentee, done, card=CARD_FAILS_AFTER_CHARGE)

    assert earnings(mentor.user) == 500 and provider_charges() == 2  # session + tip


def test_a_tip_charged_after_all_once_another_tip_paid_is_given_back(
    done, mentor, mentee, committed
):
    refused("payment_pending", tip, mentee=mentee, booking=done, card=CARD_FAILS_AFTER_CHARGE)
    given_up = Payment.objects.get(kind="tip")
    services.payment_settle(key=given_up.key, result=ChargeResult(status="failed"))
    tip(mentee, done)  # another card

    with committed():  # the first attempt's late success, as the provider tells it
        services.payment_settle(
            key=given_up.key, result=TestProvider().retrieve_charge(given_up.key)
        )

    assert earnings(mentor.user) == 500 and escrow(done) == 4000
    refund = Refund.objects.get()
    assert (refund.key, refund.amount_minor) == (f"{given_up.key}:refund", 500)
    assert provider_refunds() == [500]
    refused("already_tipped", tip, mentee=mentee, booking=done)


@pytest.mark.parametrize(
    ("amount", "extra", "code"),
    [
        (0, {}, "invalid_amount"),
        (49, {}, "invalid_amount"),  # below 0.50 EUR
        (-500, {}, "invalid_amount"),
        (5.5, {}, "invalid_amount"),
        ("500", {}, "invalid_amount"),
        (True, {}, "invalid_amount"),
        (1_000_001, {}, "invalid_amount"),  # above 10,000 EUR
        (500, {"currency": "USD"}, "currency_mismatch"),
        (500, {"card": ""}, "required"),
    ],
)
def test_bad_tips_are_refused_and_change_nothing(done, mentee, amount, extra, code):
    before = money_state()

    refused(code, tip, mentee=mentee, booking=done, amount=amount, **extra)

    assert money_state() == before


def test_the_smallest_tip_is_half_the_major_unit(done, mentor, mentee):
    error = refused("invalid_amount", tip, mentee=mentee, booking=done, amount=49)
    assert error.status == 400 and "€0.50" in error.message

    tip(mentee, done, amount=50)

    assert earnings(mentor.user) == 50


def test_a_retried_tip_keeps_the_amount_of_the_charge_still_pending(done, mentor, mentee):
    refused("payment_pending", tip, mentee=mentee, booking=done, card=CARD_FAILS_AFTER_CHARGE)
    before = money_state()

    error = refused("payment_pending_other_amount", tip, mentee=mentee, booking=done, amount=900)

    assert error.status == 409 and "€5.00" in error.message and money_state() == before
    tip(mentee, done, card=CARD_FAILS_AFTER_CHARGE)  # the same amount settles it
    assert earnings(mentor.user) == 500


def test_the_largest_tip_is_accepted(done, mentor, mentee):
    tip(mentee, done, amount=1_000_000)

    assert earnings(mentor.user) == 1_000_000


def test_only_the_mentee_of_a_completed_session_tips(frozen, mentor, mentee, done):
    upcoming = paid_booking(mentor, mentee, start=TUESDAY_9 + timedelta(days=7))
    before = money_state()

    refused("not_completed", tip, mentee=mentee, booking=upcoming)
    refused("forbidden", tip, mentee=mentor.user, booking=done)
    refused("not_found", tip, mentee=UserFactory(), booking=done)

    assert money_state() == before


def test_a_tip_in_yen_has_no_minor_unit(frozen, mentee):
    yen = priced_mentor(5000, "JPY")
    booking = paid_booking(yen, mentee)
    complete(frozen, booking, mentee)

    refused("invalid_amount", tip, mentee=mentee, booking=booking, amount=10_001)
    tip(mentee, booking, amount=10_000, currency="JPY")

    assert earnings(yen.user, currency="JPY") == 10_000 and escrow(booking) == 5000


def test_paying_outside_a_transaction_only(mentor, mentee):
    """The charge must never run inside a database transaction (it could not be undone)."""
    held = hold(mentor, mentee)

    with pytest.raises(RuntimeError), transaction.atomic():
        pay(mentee, held)

    assert not Payment.objects.exists()


def test_mentors_in_other_currencies_keep_their_own_ledgers(frozen, mentee):
    usd = priced_mentor(2500, "USD")
    booking = paid_booking(usd, mentee)

    assert escrow(booking) == 2500 and balance(AccountKind.PROVIDER_CLEARING, currency="USD")
    assert Payment.objects.get().currency == "USD"
