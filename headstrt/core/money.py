"""Money as integer minor units plus an ISO 4217 currency; never a float."""

from dataclasses import dataclass
from datetime import date
from decimal import Context, Decimal, Inexact, InvalidOperation
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, get_territory_currencies

from headstrt.core.errors import DomainError

# The most a single micro-session may cost, in major units of any currency; above this a
# price is a typo rather than a business decision.
MAX_SESSION_PRICE_MAJOR = 10_000
# Any parsed amount stays below this, so its minor units fit a 64-bit integer column (even
# with 3 decimals) and can always be formatted.
MAX_AMOUNT_MAJOR = 10**15
_EXACT = Context(prec=40, traps=[Inexact])


@cache
def currencies() -> frozenset[str]:
    """ISO 4217 codes of the currencies legal tender somewhere today."""
    today = date.today()
    codes = set()
    for territory in Locale("en").territories:
        codes.update(get_territory_currencies(territory, today, tender=True))
    return frozenset(code for code in codes if len(code) == 3 and code.isalpha())


def validate_currency(code: str) -> str:
    """Return the upper-cased ISO 4217 code or raise ``DomainError``."""
    normalized = (code or "").strip().upper()
    if normalized not in currencies():
        raise DomainError(
            "unknown_currency",
            f"“{code}” is not a currency we know. Use an ISO 4217 code such as EUR or USD.",
            field="currency",
        )
    return normalized


def minor_exponent(currency: str) -> int:
    """Number of decimal places of the currency's minor unit (2 for EUR, 0 for JPY)."""
    return get_currency_precision(currency)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units of one currency."""

    minor: int
    currency: str

    @classmethod
    def from_major(cls, amount: str | int | Decimal, currency: str) -> "Money":
        """Parse a human amount such as ``"12.50"`` in major units."""
        currency = validate_currency(currency)
        try:
            value = Decimal(str(amount).strip())
        except InvalidOperation:
            raise DomainError(
                "invalid_amount", f"“{amount}” is not an amount of money.", field="price"
            ) from None
        if not value.is_finite():
            raise DomainError("invalid_amount", "The amount must be a number.", field="price")
        if abs(value) >= MAX_AMOUNT_MAJOR:
            raise DomainError("invalid_amount", "That amount is too large.", field="price")
        try:
            # Exact or refused: the default context would round a long amount such as
            # "1.0000000000000000000000000001" into whole cents and accept it.
            scaled = value.scaleb(minor_exponent(currency), context=_EXACT)
        except Inexact:
            scaled = None
        if scaled is None or scaled != scaled.to_integral_value():
            raise DomainError(
                "invalid_amount",
                f"{currency} amounts have at most {minor_exponent(currency)} decimal places.",
                field="price",
            )
        return cls(int(scaled), currency)

    @property
    def major(self) -> Decimal:
        """The amount in major units, exact."""
        return Decimal(self.minor).scaleb(-minor_exponent(self.currency))

    def format(self, locale: str = "en") -> str:
        """Human form such as ``€12.50``; a zero amount reads ``Free``."""
        if self.minor == 0:
            return "Free"
        return format_currency(self.major, self.currency, locale=locale)

    def __str__(self) -> str:
        return self.format()


def validate_session_price(price: Money) -> Money:
    """Refuse negative and absurd session prices; zero (free) is allowed."""
    if price.minor < 0:
        raise DomainError("invalid_price", "A price cannot be negative.", field="price")
    limit = MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(price.currency)
    if price.minor > limit:
        raise DomainError(
            "invalid_price",
            f"A session can cost at most {Money(limit, price.currency).format()}.",
            field="price",
        )
    return price
