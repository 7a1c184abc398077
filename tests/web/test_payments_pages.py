"""Money in the web app: earnings and payments pages with their CSV downloads, the staff's
ledger reconciliation, paying at checkout, and the session page's payment and tip."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from headstrt.payments import services as payments
from headstrt.payments.models import LedgerAccount, LedgerTransaction, Payment
from headstrt.payments.providers.test import (
    CARD_DECLINED,
    CARD_SUCCEEDS,
    CARD_UNAVAILABLE,
)
from headstrt.scheduling import services
from headstrt.scheduling.models import BookingStatus
from tests.clock import frozen_at
from tests.factories import UserFactory
from tests.scheduling.sessions import NOW, TUESDAY_9, hold, paris_mentor, tokyo_mentee

pytestmark = pytest.mark.django_db

frozen = frozen_at(NOW)


@pytest.fixture
def mentor(db):
    return paris_mentor()


@pytest.fixture
def mentee(client):
    """The Tokyo mentee, signed in."""
    user = tokyo_mentee()
    client.force_login(user)
    return user


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def paid(mentor, mentee, start=TUESDAY_9, minutes=30):
    """A session ``mentee`` paid for with the test card that succeeds."""
    held = hold(mentor, mentee, start=start, minutes=minutes)
    return payments.booking_pay(
        mentee=mentee,
        booking_id=held.public_id,
        objective="Ask for 15% more",
        agenda="",
        source=CARD_SUCCEEDS,
    )


def completed(frozen, booking):
    frozen.set(booking.end + timedelta(minutes=1))
    return services.booking_complete(user=booking.mentee, booking_id=booking.public_id)


def session_url(booking, name="session_detail") -> str:
    return reverse(f"web:{name}", args=[booking.public_id])


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


# --- statements --------------------------------------------------------------------------------


def test_the_mentor_sees_earnings_and_downloads_them(client, mentor, mentee, frozen):
    booking = completed(frozen, paid(mentor, mentee))
    frozen.move(hours=73)
    payments.escrow_release_due()
    paid(mentor, UserFactory(display_name="Ola Other"), start=TUESDAY_9 + timedelta(days=7))
    client.force_login(mentor.user)

    html = html_of(client.get(reverse("web:earnings")))

    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert figures == {"Available": "€36.00", "Pending in escrow": "€40.00", "Paid out": "€0.00"}
    assert "Released to you" in html and "In escrow" in html and "with Ola Other" in html
    assert f'href="{session_url(booking)}"' in html
    assert f'href="{reverse("web:earnings_csv")}" download>Download CSV<' in html
    assert 'aria-current="page">Earnings<' in html

    response = client.get(reverse("web:earnings_csv"))

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="headstrt-earnings.csv"'
    rows = csv_rows(response)
    assert rows[0][:3] == ["date", "kind", "session"]
    assert sorted((row[5], row[6], row[7], row[9]) for row in rows[1:]) == [
        ("40.00", "4.00", "36.00", "in_escrow"),
        ("40.00", "4.00", "36.00", "released"),
    ]


def test_the_mentee_sees_payments_and_downloads_them(client, mentor, mentee, frozen):
    booking = paid(mentor, mentee)
    services.booking_cancel(user=mentee, booking_id=booking.public_id, reason="")

    html = html_of(client.get(reverse("web:payments")))

    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert figures == {"Paid": "€40.00", "Refunded": "€40.00", "Net spent": "€0.00"}
    assert "Session payment" in html and "<td>Refund</td>" in html and "-€40.00" in html
    assert 'aria-current="page">Payments<' in html

    response = client.get(reverse("web:payments_csv"))

    assert response["Content-Disposition"] == 'attachment; filename="headstrt-payments.csv"'
    assert sorted((row[1], row[5]) for row in csv_rows(response)[1:]) == [
        ("payment", "40.00"),
        ("refund", "-40.00"),
    ]


def test_statements_show_only_the_viewers_own_money(client, mentor, mentee, frozen):
    paid(mentor, UserFactory(display_name="Ola Other"))

    for name in ("earnings", "payments"):
        html = html_of(client.get(reverse(f"web:{name}")))
        assert "Ola Other" not in html and "No " in html
    for name in ("earnings_csv", "payments_csv"):
        assert len(csv_rows(client.get(reverse(f"web:{name}")))) == 1  # the header alone


def test_money_pages_need_signing_in(client):
    for name in ("earnings", "earnings_csv", "payments", "payments_csv"):
        response = client.get(reverse(f"web:{name}"))
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("count", [1, 4])
def test_statement_pages_cost_a_fixed_number_of_queries(
    client, mentor, mentee, frozen, django_assert_num_queries, count
):
    for week in range(count):
        paid(mentor, mentee, start=TUESDAY_9 + timedelta(days=7 * week))

    # session, user, unread notifications (nav badge); charges, refunds
    with django_assert_num_queries(5):
        html_of(client.get(reverse("web:payments")))
    client.force_login(mentor.user)
    # session, user, unread notifications; accounts, earnings entries, escrows, bookings,
    # their payments
    with django_assert_num_queries(8):
        html_of(client.get(reverse("web:earnings")))


# --- the staff's reconciliation ----------------------------------------------------------------


def test_staff_see_that_the_ledger_balances(client, mentor, mentee, frozen):
    paid(mentor, mentee)
    client.force_login(UserFactory(is_staff=True))

    html = html_of(client.get(reverse("web:staff_ledger")))

    assert "verdict--balanced" in html and "<strong>Balanced.</strong>" in html
    assert "NOT balanced" not in html
    assert re.search(r'<th scope="row">EUR</th>\s*<td[^>]*>0</td>', html)
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", html))
    assert figures == {
        "Accounts": str(LedgerAccount.objects.count()),
        "Transactions": str(LedgerTransaction.objects.count()),
        "Entries": "4",
    }


def test_staff_see_a_drifted_balance(client, mentor, mentee, frozen):
    booking = paid(mentor, mentee)
    escrow = LedgerAccount.objects.get(kind="escrow", booking_ref=booking.public_id)
    LedgerAccount.objects.filter(pk=escrow.pk).update(balance_minor=1)
    client.force_login(UserFactory(is_staff=True))

    html = html_of(client.get(reverse("web:staff_ledger")))

    assert "verdict--unbalanced" in html and "NOT balanced" in html
    assert f"<code>{escrow.key}</code>" in html


def test_only_staff_see_the_ledger(client, mentor, mentee):
    url = reverse("web:staff_ledger")
    response = client.get(url)  # the signed-in mentee
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")

    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


# --- checkout ----------------------------------------------------------------------------------


def test_checkout_shows_the_price_fee_policy_and_a_card_field(client, mentor, mentee):
    booking = hold(mentor, mentee)

    html = html_of(client.get(session_url(booking, "session_checkout")))

    breakdown = dict(re.findall(r"<dt>([^<]+)</dt><dd[^>]*>([^<]+)</dd>", html))
    assert breakdown["You pay"] == "€40.00"
    assert breakdown["Platform fee, included"] == "€4.00"
    assert breakdown["Nia Negotiator receives"] == "€36.00"
    assert "Free cancellation until 24 hours before the start; later, half the price" in html
    assert re.search(r'<input type="text" name="source"[^>]*autocomplete="cc-number"', html)
    assert "4242 4242 4242 4242</strong> succeeds" in html
    assert "4000 0000 0000 0002</strong> is declined" in html
    assert ">Pay €40.00 and confirm<" in html


def test_paying_at_checkout_confirms_the_session(client, mentor, mentee):
    booking = hold(mentor, mentee)

    response = client.post(
        session_url(booking, "session_checkout"),
        {"objective": "Ask for more", "agenda": "", "source": "4242 4242 4242 4242"},
        follow=True,
    )

    html = html_of(response)
    assert "Your session with Nia Negotiator is confirmed. You paid €40.00" in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "Paid, held in escrow" in html
    assert LedgerAccount.objects.get(kind="escrow").balance_minor == 4000


def test_a_declined_card_is_explained_and_nothing_is_booked(client, mentor, mentee):
    booking = hold(mentor, mentee)

    html = html_of(
        client.post(
            session_url(booking, "session_checkout"),
            {"objective": "Ask for more", "source": CARD_DECLINED},
        )
    )

    assert re.search(r'id="id_source_error">Your card was declined', html)
    assert "Your card was declined, so the time is no longer held for you" in html
    assert CARD_DECLINED not in html  # the card number is never written back
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert not LedgerTransaction.objects.exists()


def test_a_bank_that_does_not_answer_is_explained(client, mentor, mentee):
    booking = hold(mentor, mentee)

    html = html_of(
        client.post(
            session_url(booking, "session_checkout"),
            {"objective": "Ask for more", "source": CARD_UNAVAILABLE},
        )
    )

    assert "We are checking with your bank" in html and "never be charged twice" in html
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


def test_a_free_session_needs_no_card(client, mentor, mentee):
    mentor.offers.filter(minutes=30).update(price_minor=0)
    booking = hold(mentor, mentee)
    url = session_url(booking, "session_checkout")

    html = html_of(client.get(url))
    assert 'name="source"' not in html and "Platform fee" not in html
    assert ">Confirm the session<" in html

    response = client.post(url, {"objective": "Ask for more"})

    assert response["Location"] == session_url(booking)
    assert not Payment.objects.exists()


# --- the session page --------------------------------------------------------------------------


def test_the_session_page_shows_the_payment_to_both(client, mentor, mentee, frozen):
    booking = paid(mentor, mentee)

    html = html_of(client.get(session_url(booking)))
    assert "Paid, held in escrow" in html and "Nia Negotiator receives" in html
    assert "Leave a tip" not in html

    client.force_login(mentor.user)
    html = html_of(client.get(session_url(booking)))
    assert "Paid, held in escrow" in html and "You receive" in html


def test_a_mentee_tips_after_the_session(client, mentor, mentee, frozen):
    booking = completed(frozen, paid(mentor, mentee))
    html = html_of(client.get(session_url(booking)))
    assert "Leave a tip" in html and "no platform fee" in html

    response = client.post(
        session_url(booking, "session_tip"), {"amount": "7.50", "source": CARD_SUCCEEDS}
    )

    assert response["Location"] == session_url(booking)
    html = html_of(client.get(response["Location"]))
    assert "Thank you: your tip of €7.50 goes to Nia Negotiator." in html
    assert re.search(r"<dt>Tip</dt><dd>€7.50</dd>", html) and "Leave a tip" not in html
    earnings = LedgerAccount.objects.get(kind="mentor_earnings")
    assert earnings.balance_minor == 750

    client.force_login(mentor.user)
    assert "Leave a tip" not in html_of(client.get(session_url(booking)))


@pytest.mark.parametrize(
    ("amount", "card", "message"),
    [
        ("abc", CARD_SUCCEEDS, "is not an amount of money"),
        ("-5", CARD_SUCCEEDS, "A tip is a whole, positive amount."),
        ("0", CARD_SUCCEEDS, "A tip is a whole, positive amount."),
        ("1.005", CARD_SUCCEEDS, "at most 2 decimal places"),
        ("99999999", CARD_SUCCEEDS, "A tip can be at most"),
        ("5", CARD_DECLINED, "Your card was declined"),
    ],
)
def test_a_bad_tip_is_explained_and_moves_nothing(
    client, mentor, mentee, frozen, amount, card, message
):
    booking = completed(frozen, paid(mentor, mentee))
    before = LedgerTransaction.objects.count()

    html = html_of(
        client.post(session_url(booking, "session_tip"), {"amount": amount, "source": card})
    )

    assert message in html and 'role="alert"' in html
    assert LedgerTransaction.objects.count() == before


def test_tipping_waits_for_the_session_to_be_done(client, mentor, mentee, frozen):
    booking = paid(mentor, mentee)

    response = client.post(
        session_url(booking, "session_tip"), {"amount": "5", "source": CARD_SUCCEEDS}, follow=True
    )

    assert "You can tip once the session is marked done." in html_of(response)
    assert not Payment.objects.filter(kind="tip").exists()


def test_nobody_tips_on_someone_elses_session(client, mentor, mentee, frozen):
    booking = completed(frozen, paid(mentor, UserFactory()))

    response = client.post(
        session_url(booking, "session_tip"), {"amount": "5", "source": CARD_SUCCEEDS}
    )

    assert response.status_code == 404
    assert not Payment.objects.filter(kind="tip").exists()


def test_money_pages_have_no_inline_styles_or_scripts(client, mentor, mentee, frozen):
    booking = paid(mentor, mentee)
    held = hold(mentor, mentee, start=TUESDAY_9 + timedelta(hours=1))
    staff = UserFactory(is_staff=True)
    for url in (
        reverse("web:earnings"),
        reverse("web:payments"),
        session_url(booking),
        session_url(held, "session_checkout"),
    ):
        html = html_of(client.get(url))
        assert " style=" not in html, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), url
    client.force_login(staff)
    assert " style=" not in html_of(client.get(reverse("web:staff_ledger")))
