"""Email preferences: the categories of notification, and each person's choice to be emailed."""

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from headstrt.accounts.models import User
from headstrt.core import clock
from headstrt.core.errors import DomainError
from headstrt.messaging.models import EmailPreference

# Email is on unless a person turns it off; only choices that differ are stored.
EMAIL_BY_DEFAULT = True


@dataclass(frozen=True)
class Category:
    """A kind of notification a person chooses about: the part of ``Notification.kind``
    before the dot (``booking`` for ``booking.confirmed``)."""

    key: str
    label: str
    description: str
    # Emailed whatever the person chose: missing one can cost them money.
    always: bool = False


CATEGORIES: tuple[Category, ...] = (
    Category(
        "booking",
        "Sessions",
        "Requests, confirmations, changes, cancellations and reminders of your one-to-one "
        "sessions, with calendar invites.",
    ),
    Category("panel", "Panel sessions", "A panel session with several mentors is confirmed."),
    Category(
        "group",
        "Group sessions",
        "Someone takes a seat in your group session, or a group session is cancelled.",
    ),
    Category(
        "message",
        "Messages",
        "New messages in your conversations: one email until you have read them.",
    ),
    Category(
        "perspectives",
        "Written perspectives",
        "Questions asked of you, answers, offers and follow-ups on written perspectives.",
    ),
    Category("review", "Reviews", "Reviews of your sessions are revealed, or one is hidden."),
    Category(
        "outcome",
        "Outcomes",
        "Whether you reached your objective after a session, and later whether it held.",
    ),
    Category(
        "reliability",
        "Reliability",
        "Warnings and automatic pauses after no-shows and late cancellations.",
    ),
    Category(
        "dispute",
        "Disputes",
        "Disputes you open or answer and their deadlines. Always emailed: a missed deadline "
        "decides where the payment goes.",
        always=True,
    ),
)
_BY_KEY = {category.key: category for category in CATEGORIES}


@dataclass(frozen=True)
class EmailChoice:
    """Whether a person is emailed about one category."""

    category: Category
    email: bool


def category_of(kind: str) -> Category:
    """The category of a notification kind (``message.received`` → Messages).

    An unknown category is a mistake in the code that sends it, not in anyone's input.
    """
    category = _BY_KEY.get(kind.partition(".")[0])
    if category is None:
        raise ValueError(f"Notification kind {kind!r} is in no category of CATEGORIES.")
    return category


def category_named(key: object) -> Category | None:
    """The category called ``key``, if there is one."""
    return _BY_KEY.get(key) if isinstance(key, str) else None


def email_choices(*, user: User) -> list[EmailChoice]:
    """Every category with whether ``user`` is emailed about it, in display order (one query)."""
    stored = dict(EmailPreference.objects.filter(person=user).values_list("category", "email"))
    return [
        EmailChoice(
            category, True if category.always else stored.get(category.key, EMAIL_BY_DEFAULT)
        )
        for category in CATEGORIES
    ]


def email_wanted(*, user: User, category: Category) -> bool:
    """Whether ``user`` wants email about ``category`` (at most one query)."""
    if category.always:
        return True
    email = (
        EmailPreference.objects.filter(person=user, category=category.key)
        .values_list("email", flat=True)
        .first()
    )
    return EMAIL_BY_DEFAULT if email is None else email


@transaction.atomic
def email_preferences_set(*, user: User, choices: Mapping[object, object]) -> list[EmailChoice]:
    """Turn email on (``True``) or off (``False``) for each category named in ``choices``;
    the others stay as they were. Returns every category's choice after the change.

    Unknown categories and turning off one that is always emailed are refused, naming
    them, and nothing changes.
    """
    unknown = sorted(str(key) for key in choices if category_named(key) is None)
    if unknown:
        raise DomainError(
            "unknown_category",
            f"There is no notification category {_quoted(unknown)}. The categories are "
            f"{_quoted([category.key for category in CATEGORIES])}.",
            status=422,
        )
    not_bool = sorted(key for key, email in choices.items() if not isinstance(email, bool))
    if not_bool:
        raise DomainError(
            "invalid",
            f"Say true or false for {_quoted(not_bool)}.",
            status=422,
        )
    refused = [key for key, email in choices.items() if not email and _BY_KEY[key].always]
    if refused:
        raise DomainError(
            "email_always_sent",
            f"Emails about {_quoted([_BY_KEY[key].label.lower() for key in refused])} are "
            "always sent, because their deadlines decide where a payment goes.",
            status=422,
        )
    defaults = [key for key, email in choices.items() if email == EMAIL_BY_DEFAULT]
    if defaults:
        EmailPreference.objects.filter(person=user, category__in=defaults).delete()
    now = clock.now()
    overrides = [
        EmailPreference(person=user, category=key, email=email, updated_at=now)
        for key, email in choices.items()
        if email != EMAIL_BY_DEFAULT
    ]
    if overrides:
        # One statement that a concurrent save of the same choice cannot make fail.
        EmailPreference.objects.bulk_create(
            overrides,
            update_conflicts=True,
            unique_fields=["person", "category"],
            update_fields=["email", "updated_at"],
        )
    return email_choices(user=user)


def email_preference_set(*, user: User, category: Category, email: bool) -> None:
    """Turn email about one category on or off for ``user`` (the unsubscribe link)."""
    email_preferences_set(user=user, choices={category.key: email})


def _quoted(names: list[str]) -> str:
    return ", ".join(f"“{name}”" for name in names)
