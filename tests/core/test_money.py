"""Money: parsing human amounts, currencies, formatting and session price limits."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from headstrt.core.errors import DomainError
from headstrt.core.money import (
    MAX_AMOUNT_MAJOR,
    MAX_SESSION_PRICE_MAJOR,
    Money,
    minor_exponent,
    validate_currency,
    validate_session_price,
)


def test_from_major_parses_a_decimal_amount_into_minor_units():
    assert Money.from_major("12.50", "EUR") == Money(1250, "EUR")
    assert Money.from_major(" 7 ", "USD") == Money(700, "USD")
    assert Money.from_major(3, "EUR") == Money(300, "EUR")
    assert Money.from_major(Decimal("0.05"), "EUR") == Money(5, "EUR")


def test_from_major_accepts_trailing_zeros_beyond_the_minor_unit():
    assert Money.from_major("12.500", "EUR") == Money(1250, "EUR")
    assert Money.from_major("1500.00", "JPY") == Money(1500, "JPY")


def test_yen_has_no_minor_unit():
    assert minor_exponent("JPY") == 0
    assert Money.from_major("1500", "JPY") == Money(1500, "JPY")
    assert Money.from_major("1500", "JPY").major == Decimal(1500)


def test_three_decimal_currencies_keep_three_places():
    assert minor_exponent("BHD") == 3
    assert Money.from_major("1.234", "BHD") == Money(1234, "BHD")


@pytest.mark.parametrize(
    ("amount", "currency"),
    [("12.505", "EUR"), ("0.001", "USD"), ("15.5", "JPY"), ("1.2345", "BHD")],
)
def test_more_decimals_than_the_currency_has_are_refused(amount, currency):
    with pytest.raises(DomainError) as caught:
        Money.from_major(amount, currency)

    assert caught.value.code == "invalid_amount"
    assert caught.value.field == "price"
    assert str(minor_exponent(currency)) in caught.value.message


def test_a_long_amount_is_not_rounded_into_the_minor_unit():
    with pytest.raises(DomainError) as caught:
        Money.from_major("1.0000000000000000000000000001", "EUR")

    assert caught.value.code == "invalid_amount"
    assert Money.from_major("1.0000000000000000000000000000", "EUR") == Money(100, "EUR")


@pytest.mark.parametrize("amount", ["1e30", "-1e15", str(MAX_AMOUNT_MAJOR), "9" * 45])
def test_absurdly_large_amounts_are_refused(amount):
    with pytest.raises(DomainError) as caught:
        Money.from_major(amount, "EUR")

    assert caught.value.code == "invalid_amount"


def test_the_largest_amount_fits_a_64_bit_column_and_formats():
    money = Money.from_major(MAX_AMOUNT_MAJOR - Decimal("0.001"), "BHD")

    assert money.minor < 2**63
    assert money.format().startswith("BHD")


@pytest.mark.parametrize("amount", ["", "twelve", "12,50", "1.2.3", "NaN", "Infinity", "-inf"])
def test_text_that_is_not_a_finite_number_is_refused(amount):
    with pytest.raises(DomainError) as caught:
        Money.from_major(amount, "EUR")

    assert caught.value.code == "invalid_amount"


def test_from_major_normalises_and_checks_the_currency():
    assert Money.from_major("1", "eur").currency == "EUR"
    with pytest.raises(DomainError) as caught:
        Money.from_major("1", "XYZ")
    assert caught.value.code == "unknown_currency"


def test_zero_formats_as_free():
    assert Money(0, "EUR").format() == "Free"
    assert Money(0, "JPY").format() == "Free"
    assert str(Money(0, "USD")) == "Free"


def test_amounts_format_with_symbol_and_the_currency_precision():
    assert Money(1250, "EUR").format() == "€12.50"
    assert Money(150000, "USD").format() == "$1,500.00"
    assert Money(1500, "JPY").format() == "¥1,500"
    french = Money(1250, "EUR").format(locale="fr")
    assert french.startswith("12,50") and french.endswith("€")


@pytest.mark.parametrize(("code", "expected"), [("EUR", "EUR"), ("eur", "EUR"), (" jpy ", "JPY")])
def test_known_currencies_are_accepted_and_upper_cased(code, expected):
    assert validate_currency(code) == expected


@pytest.mark.parametrize("code", ["XYZ", "", "EURO", "E", "€", None])
def test_unknown_currencies_are_refused(code):
    with pytest.raises(DomainError) as caught:
        validate_currency(code)

    assert caught.value.code == "unknown_currency"
    assert caught.value.field == "currency"
    assert caught.value.status == 400


def test_session_price_zero_means_free_and_is_allowed():
    assert validate_session_price(Money(0, "EUR")) == Money(0, "EUR")


def test_negative_session_prices_are_refused():
    with pytest.raises(DomainError) as caught:
        validate_session_price(Money(-1, "EUR"))

    assert caught.value.code == "invalid_price"
    assert "negative" in caught.value.message


@pytest.mark.parametrize("currency", ["EUR", "JPY", "BHD"])
def test_session_prices_up_to_the_limit_are_allowed_and_above_refused(currency):
    limit = MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(currency)

    assert validate_session_price(Money(limit, currency)).minor == limit
    with pytest.raises(DomainError) as caught:
        validate_session_price(Money(limit + 1, currency))
    assert caught.value.code == "invalid_price"
    assert caught.value.field == "price"


CURRENCIES = ["EUR", "USD", "JPY", "BHD", "INR"]


@given(data=st.data(), currency=st.sampled_from(CURRENCIES))
def test_from_major_round_trips_any_amount_with_allowed_places(data, currency):
    places = minor_exponent(currency)
    amount = data.draw(
        st.decimals(
            min_value=-(10**9),
            max_value=10**9,
            places=places,
            allow_nan=False,
            allow_infinity=False,
        )
    )

    money = Money.from_major(str(amount), currency)

    assert money.major == amount
    assert money.minor == int(amount.scaleb(places))
    assert Money.from_major(str(money.major), currency) == money


@given(
    currency=st.sampled_from(CURRENCIES),
    whole=st.integers(min_value=0, max_value=10**12),
    zeros=st.integers(min_value=0, max_value=60),
    extra=st.integers(min_value=1, max_value=9),
)
def test_from_major_refuses_any_amount_finer_than_the_minor_unit(currency, whole, zeros, extra):
    places = minor_exponent(currency)
    amount = f"{whole}.{'0' * (places + zeros)}{extra}"

    with pytest.raises(DomainError) as caught:
        Money.from_major(amount, currency)

    assert caught.value.code == "invalid_amount"
