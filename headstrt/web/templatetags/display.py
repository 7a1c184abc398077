"""Template filters and tags that present domain values: prices, avatars and photo addresses."""

import hashlib

from django import template
from django.urls import reverse
from django.utils.html import format_html

from headstrt.core.money import Money

register = template.Library()

AVATAR_TONES = 6


@register.filter
def money(minor: int | None, currency: str) -> str:
    """Format an amount in minor units, e.g. ``{{ offer.price_minor|money:profile.currency }}``."""
    if minor is None:
        return ""
    return Money(minor, currency).format()


@register.filter
def initials(name: str) -> str:
    """Up to two initials of a display name, for the avatar shown when there is no photo."""
    letters = [word[0] for word in (name or "").split() if word[:1].isalnum()]
    if not letters:
        return "?"
    return (letters[0] + (letters[-1] if len(letters) > 1 else "")).upper()


@register.filter
def avatar_tone(public_id: str) -> int:
    """A stable colour number (1–6) for a person's initials avatar."""
    return int(hashlib.sha256(public_id.encode()).hexdigest(), 16) % AVATAR_TONES + 1


@register.simple_tag
def avatar(person, size: str = "md") -> str:
    """A person's photo, or their initials on a colour of their own when they have none.
    Written here rather than by a template: a page of mentor cards shows twenty."""
    size = size or "md"
    if person.photo:
        return format_html(
            '<img class="avatar avatar--{}" src="{}" alt="" width="96" height="96" loading="lazy">',
            size,
            photo_url(person),
        )
    return format_html(
        '<span class="avatar avatar--{} avatar--tone-{}" aria-hidden="true">{}</span>',
        size,
        avatar_tone(person.public_id),
        initials(person.display_name),
    )


@register.filter
def photo_url(user) -> str:
    """Where a person's photo is served; the query changes whenever the photo does."""
    if not user.photo:
        return ""
    version = hashlib.sha256(user.photo.name.encode()).hexdigest()[:10]
    return f"{reverse('web:photo', args=[user.public_id])}?v={version}"


@register.filter
def nav_section(path: str) -> str:
    """The main-navigation entry a path belongs to, so the link can say it is the current page."""
    sections = [
        ("mentors", "web:mentor_directory"),
        ("situations", "web:situation_list"),
        ("me", "web:account"),
        ("me", "account_change_password"),
        ("me", "account_email"),
        ("login", "account_login"),
        ("signup", "account_signup"),
    ]
    for name, url_name in sections:
        if path.startswith(reverse(url_name)):
            return name
    return ""


@register.filter
def page_window(page, radius: int = 2) -> list[int | None]:
    """Page numbers to link to: the first, the last and those near the current one.

    ``None`` marks a gap, shown as an ellipsis.
    """
    wanted = {1, page.pages, *range(page.number - radius, page.number + radius + 1)}
    numbers = sorted(n for n in wanted if 1 <= n <= page.pages)
    window: list[int | None] = []
    for number in numbers:
        if window and number - window[-1] > 1:
            window.append(None)
        window.append(number)
    return window
