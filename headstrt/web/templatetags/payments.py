"""Template filters of the money pages."""

from django import template

from headstrt.core.money import Money
from headstrt.payments.statements import amount_display

register = template.Library()


@register.filter
def amount(money: Money | None) -> str:
    """An amount in a statement, zero included: ``{{ section.available|amount }}``."""
    return "" if money is None else amount_display(money)
