"""Template filters that present a situation's matches: fit percentages and matched words."""

import re
from collections.abc import Iterable

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.filter
def percent(share: float | None) -> int | None:
    """A share in [0, 1] as a whole percentage, e.g. ``0.917`` → ``92``."""
    if share is None:
        return None
    return max(0, min(100, round(share * 100)))


@register.filter
def highlight(text: str, terms: Iterable[str] | None) -> SafeString:
    """``text``, escaped, with each word that starts with one of ``terms`` marked.

    Whole words are marked, so a matched stem ("negotiat") marks "negotiation".
    """
    words = sorted({term.strip() for term in terms or () if term and term.strip()}, key=len)
    if not words:
        return conditional_escape(text)
    pattern = re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(word) for word in reversed(words)) + r")\w*",
        re.IGNORECASE,
    )
    parts, start = [], 0
    for found in pattern.finditer(text):
        parts.append(conditional_escape(text[start : found.start()]))
        parts.append(format_html("<mark>{}</mark>", found.group()))
        start = found.end()
    parts.append(conditional_escape(text[start:]))
    return mark_safe("".join(parts))  # every part is escaped above
