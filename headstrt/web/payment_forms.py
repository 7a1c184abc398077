"""Forms that take money: checking out a paid session with a card, and a tip. They read the
input's shape; the payments services decide the rest."""

from django import forms

from headstrt.core.errors import DomainError
from headstrt.core.money import Money
from headstrt.payments.services import MAX_SOURCE_LENGTH
from headstrt.web.booking_forms import CheckoutForm
from headstrt.web.forms import DomainForm


class CardInput(forms.TextInput):
    """A card number box that never writes a typed number back into the page."""

    def format_value(self, value):
        return None


def card_field() -> forms.CharField:
    """The card number to charge."""
    return forms.CharField(
        label="Card number",
        max_length=MAX_SOURCE_LENGTH,
        widget=CardInput(
            attrs={
                "autocomplete": "cc-number",
                "inputmode": "numeric",
                "spellcheck": "false",
                "maxlength": MAX_SOURCE_LENGTH,
            }
        ),
    )


class PaidCheckoutForm(CheckoutForm):
    """What the mentee wants from a paid session, and the card that pays for it."""

    source = card_field()


class TipForm(DomainForm):
    """A tip for the mentor of a session, in the session's currency."""

    field_aliases = {"amount_minor": "amount", "currency": "amount", "price": "amount"}
    optional_marks = False

    amount = forms.CharField(
        label="Tip",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "input--short"}),
    )
    source = card_field()

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency
        self.fields["amount"].label = f"Tip ({currency})"
        self.fields["amount"].help_text = "For example 5 or 7.50. It all goes to your mentor."

    def names_field_of(self, error: DomainError) -> bool:
        """Whether ``error`` is about one of the form's fields."""
        return self.field_aliases.get(error.field or "", error.field) in self.fields

    def clean(self):
        data = super().clean()
        raw = (data.get("amount") or "").strip()
        if raw:
            try:
                data["amount_minor"] = Money.from_major(raw, self.currency).minor
            except DomainError as error:
                self.add_domain_error(error)
        return data
