"""State-changing operations on people, profiles and API tokens; each runs in one transaction."""

import functools
import hashlib
import secrets
from collections.abc import Iterable, Mapping

from allauth.account.utils import has_verified_email
from django.contrib.auth import authenticate
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction

from headstrt.accounts.models import (
    ApiToken,
    Area,
    Communication,
    ExpertiseEntry,
    MenteeProfile,
    MentorProfile,
    SessionLength,
    SessionOffer,
    Topic,
    User,
    Value,
    WorkingStyle,
)
from headstrt.accounts.search_text import mentor_search_text_refresh
from headstrt.accounts.selectors import mentor_profile_for_update
from headstrt.accounts.validation import (
    clean_int,
    clean_languages,
    clean_text,
    clean_time_zone,
    reencode_photo,
)
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.ids import new_public_id
from headstrt.core.money import (
    MAX_SESSION_PRICE_MAJOR,
    Money,
    minor_exponent,
    validate_currency,
    validate_session_price,
)
from headstrt.core.statements import field_value, instance_of, quoted

MAX_EXPERTISE_ENTRIES = 20
MAX_INTERESTS = 20
MAX_VALUES = 3
API_TOKEN_PREFIX = "hst_"


def _topic(slug: str) -> Topic:
    try:
        return Topic.objects.get(slug=(slug or "").strip())
    except Topic.DoesNotExist:
        raise DomainError(
            "unknown_topic", f"“{slug}” is not a topic of the taxonomy.", field="topic"
        ) from None


def _area(value: str) -> str:
    if value not in Area.values:
        raise DomainError(
            "unknown_area", "Area must be personal, social or professional.", field="area"
        )
    return value


@transaction.atomic
def user_update(
    *,
    user: User,
    display_name: str | None = None,
    time_zone: str | None = None,
    languages: Iterable[str] | None = None,
) -> User:
    """Change a person's display name, time zone and spoken languages (``None`` keeps them)."""
    # Check every input before touching ``user``: a refused update leaves the caller's
    # object (often ``request.user``, shown on the re-rendered page) as it was.
    changes = {}
    if display_name is not None:
        changes["display_name"] = clean_text(
            display_name, field="display_name", label="Display name", max_length=80, required=True
        )
    if time_zone is not None:
        changes["time_zone"] = clean_time_zone(time_zone)
    spoken = clean_languages(languages) if languages is not None else None
    renamed = changes.get("display_name", user.display_name) != user.display_name
    if changes:
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
    if renamed:  # a mentor is found by their name
        mentor_search_text_refresh(MentorProfile.objects.filter(user=user))
    if spoken is not None:
        user.languages.set(spoken)
    return user


@transaction.atomic
def user_set_photo(*, user: User, upload: UploadedFile) -> User:
    """Validate, re-encode and store a person's photo, replacing any earlier one."""
    encoded = reencode_photo(upload)
    old = user.photo.name if user.photo else None
    user.photo.save(f"{user.public_id}-{new_public_id()}.webp", ContentFile(encoded), save=False)
    user.save(update_fields=["photo"])
    if old:
        storage = user.photo.storage
        transaction.on_commit(lambda: storage.delete(old))
    return user


@transaction.atomic
def user_remove_photo(*, user: User) -> User:
    """Remove a person's photo."""
    if user.photo:
        old, storage = user.photo.name, user.photo.storage
        user.photo = ""
        user.save(update_fields=["photo"])
        transaction.on_commit(lambda: storage.delete(old))
    return user


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person's account and everything that belongs only to them; their sessions
    to come are cancelled first (and refunded), so the other side is told. Refused while a
    session's payment waits in escrow, which could no longer be settled, and for someone in
    a dispute's record, which is kept."""
    # scheduling, payments, disputes and messaging build on accounts, so they are imported here
    from headstrt.disputes.selectors import person_in_dispute_record
    from headstrt.messaging.attachments import attachment_files_delete_on_commit
    from headstrt.payments.ledger import escrow_held_for
    from headstrt.scheduling.selectors import booking_refs_of
    from headstrt.scheduling.services import bookings_cancel_on_departure

    bookings_cancel_on_departure(user=user)
    if escrow_held_for(booking_refs=booking_refs_of(user=user)):
        raise DomainError(
            "money_in_escrow",
            "Some of your sessions' payments are still in escrow until their dispute window "
            "closes (3 days after the session). You can delete your account after that.",
            status=409,
        )
    if person_in_dispute_record(user):
        raise DomainError(
            "dispute_record",
            "Your account appears in the record of a dispute, which Headstrt keeps. Please "
            "write to support to close your account.",
            status=409,
        )
    photo = user.photo.name if user.photo else None
    storage = user.photo.storage
    attachment_files_delete_on_commit(author=user)
    user.delete()
    if photo:
        transaction.on_commit(lambda: storage.delete(photo))


def _offers(offers: Mapping[int, int], currency: str) -> dict[int, int]:
    if not offers:
        raise DomainError(
            "no_session_lengths", "Offer at least one session length.", field="offers"
        )
    cleaned = {}
    for minutes, price_minor in offers.items():
        if minutes not in SessionLength.values:
            raise DomainError(
                "invalid_session_length",
                "Session lengths are 15, 30, 45 or 60 minutes.",
                field="offers",
            )
        if isinstance(price_minor, bool) or not isinstance(price_minor, int):
            raise DomainError("invalid_price", "Prices are whole minor units.", field="price")
        cleaned[minutes] = validate_session_price(Money(price_minor, currency)).minor
    return cleaned


def _answer_price(price_minor: int | None, currency: str) -> int | None:
    if price_minor is None:
        return None
    if isinstance(price_minor, bool) or not isinstance(price_minor, int):
        raise DomainError(
            "invalid_price", "The answer price is whole minor units.", field="answer_price"
        )
    if price_minor < 0:
        raise DomainError(
            "invalid_price", "An answer price cannot be negative.", field="answer_price"
        )
    limit = Money(MAX_SESSION_PRICE_MAJOR * 10 ** minor_exponent(currency), currency)
    if price_minor > limit.minor:
        raise DomainError(
            "invalid_price",
            f"A written answer can cost at most {limit.format()}.",
            field="answer_price",
        )
    return price_minor


@transaction.atomic
def mentor_profile_save(
    *,
    user: User,
    headline: str,
    bio: str,
    currency: str,
    offers: Mapping[int, int],
    weekly_capacity: int,
    is_active: bool = True,
    answer_price_minor: int | None = None,
) -> MentorProfile:
    """Open or update a person's mentor profile.

    ``offers`` maps session length in minutes to price in minor units of ``currency``;
    lengths left out are no longer offered. ``answer_price_minor`` is the price of one
    written answer in the same currency (0: free); ``None`` means no written answers.
    """
    headline = clean_text(
        headline, field="headline", label="Headline", max_length=120, required=True
    )
    bio = clean_text(bio, field="bio", label="Bio", max_length=4000, required=True)
    currency = validate_currency(currency)
    prices = _offers(offers, currency)
    capacity = clean_int(
        weekly_capacity, field="weekly_capacity", label="Weekly capacity", minimum=1, maximum=40
    )
    answer_price = _answer_price(answer_price_minor, currency)
    profile, _ = MentorProfile.objects.select_for_update().update_or_create(
        user=user,
        defaults={
            "headline": headline,
            "bio": bio,
            "currency": currency,
            "weekly_capacity": capacity,
            "is_active": bool(is_active),
            "answer_price_minor": answer_price,
        },
    )
    mentor_search_text_refresh(MentorProfile.objects.filter(pk=profile.pk))
    profile.offers.exclude(minutes__in=prices).delete()
    for minutes, price_minor in prices.items():
        SessionOffer.objects.update_or_create(
            mentor=profile, minutes=minutes, defaults={"price_minor": price_minor}
        )
    return profile


@transaction.atomic
def mentor_profile_set_active(*, user: User, is_active: bool) -> MentorProfile:
    """Switch a mentor profile between active (listed) and paused (hidden)."""
    profile = mentor_profile_for_update(user=user)
    profile.is_active = bool(is_active)
    profile.save(update_fields=["is_active", "updated_at"])
    return profile


@transaction.atomic
def mentor_expertise_add(
    *,
    user: User,
    topic: str,
    years: int,
    area: str | None = None,
    description: str = "",
    evidence: str = "",
) -> ExpertiseEntry:
    """Add one expertise entry (a taxonomy topic by slug) to the person's mentor profile."""
    profile = mentor_profile_for_update(user=user)
    node = _topic(topic)
    if profile.expertise.count() >= MAX_EXPERTISE_ENTRIES:
        raise DomainError(
            "too_many_expertise_entries",
            f"A profile holds at most {MAX_EXPERTISE_ENTRIES} expertise entries.",
        )
    if profile.expertise.filter(topic=node).exists():
        raise DomainError(
            "duplicate_expertise", f"You already list {node.path}.", field="topic", status=409
        )
    profile.save(update_fields=["updated_at"])  # the matching index follows updated_at
    entry = ExpertiseEntry.objects.create(
        mentor=profile,
        topic=node,
        area=_area(area) if area else node.area,
        description=clean_text(
            description, field="description", label="Description", max_length=300
        ),
        years=clean_int(years, field="years", label="Years of experience", minimum=0, maximum=70),
        evidence=clean_text(evidence, field="evidence", label="Evidence", max_length=300),
    )
    mentor_search_text_refresh(MentorProfile.objects.filter(pk=profile.pk))
    return entry


@transaction.atomic
def mentor_expertise_remove(*, user: User, entry_id: str) -> None:
    """Remove one of the person's own expertise entries."""
    deleted, _ = ExpertiseEntry.objects.filter(mentor__user=user, public_id=entry_id).delete()
    if not deleted:
        raise NotFound("No such expertise entry on your profile.")
    MentorProfile.objects.filter(user=user).update(updated_at=clock.now())
    mentor_search_text_refresh(MentorProfile.objects.filter(user=user))


@transaction.atomic
def mentee_profile_save(*, user: User, interests: Iterable[str], goals: str) -> MenteeProfile:
    """Set a person's interests (topic slugs) and current goals."""
    slugs = {slug.strip() for slug in interests if slug and slug.strip()}
    if len(slugs) > MAX_INTERESTS:
        raise DomainError(
            "too_many_interests", f"Choose at most {MAX_INTERESTS} interests.", field="interests"
        )
    topics = list(Topic.objects.filter(slug__in=slugs))
    unknown = slugs - {topic.slug for topic in topics}
    if unknown:
        raise DomainError(
            "unknown_topic",
            f"Unknown topic: {', '.join(sorted(unknown))}.",
            field="interests",
        )
    goals = clean_text(goals, field="goals", label="Goals", max_length=2000)
    profile, _ = MenteeProfile.objects.update_or_create(user=user, defaults={"goals": goals})
    profile.interests.set(topics)
    return profile


@transaction.atomic
def working_style_save(
    *, user: User, communication: str, directness: int, pace: int, values: Iterable[str]
) -> WorkingStyle:
    """Record a person's working-style answers, used later for fit matching."""
    if communication not in Communication.values:
        raise DomainError(
            "invalid_choice",
            f"Communication must be one of: {', '.join(Communication.values)}.",
            field="communication",
        )
    chosen = list(dict.fromkeys(values))
    if any(value not in Value.values for value in chosen):
        raise DomainError(
            "invalid_choice", f"Values must be among: {', '.join(Value.values)}.", field="values"
        )
    if len(chosen) > MAX_VALUES:
        raise DomainError("too_many_values", f"Pick at most {MAX_VALUES} values.", field="values")
    style, _ = WorkingStyle.objects.update_or_create(
        user=user,
        defaults={
            "communication": communication,
            "directness": clean_int(
                directness, field="directness", label="Directness", minimum=1, maximum=5
            ),
            "pace": clean_int(pace, field="pace", label="Pace", minimum=1, maximum=5),
            "values": chosen,
        },
    )
    return style


def _hash_key(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a personal API token. The raw key is returned once and never stored."""
    name = clean_text(name, field="name", label="Token name", max_length=80, required=True)
    if user.api_tokens.filter(revoked_at__isnull=True).count() >= 20:
        raise DomainError(
            "too_many_tokens", "You have 20 active tokens; revoke one first.", status=409
        )
    raw_key = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=raw_key[:10], key_hash=_hash_key(raw_key)
    )
    return token, raw_key


@transaction.atomic
def api_token_create_with_password(*, email: str, password: str, name: str) -> tuple[ApiToken, str]:
    """Create a token for the person these credentials belong to, once their email is verified.

    Wrong credentials get one message whatever was wrong, so it does not reveal who has an
    account.
    """
    user = authenticate(None, email=(email or "").strip().lower(), password=password)
    if user is None:
        raise DomainError("invalid_credentials", "Wrong email or password.", status=401)
    if not has_verified_email(user, user.email):
        raise DomainError(
            "email_unverified",
            "Verify your email address first: follow the link in the email we sent you.",
            status=403,
        )
    return api_token_create(user=user, name=name)


@transaction.atomic
def api_token_revoke(*, user: User, token_id: str) -> ApiToken:
    """Revoke one of the person's own tokens (idempotent)."""
    token = ApiToken.objects.select_for_update().filter(user=user, public_id=token_id).first()
    if token is None:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
    return token


_PERSON_FIELDS = tuple(field.attname for field in User._meta.concrete_fields)


@functools.cache
def _token_person_sql(vendor: str) -> str:
    """``api_token_authenticate``'s statement for a database vendor, written once from the
    models' names (every API request runs it; Django building it cost more than the rest of
    a small request): a live token's id and last use, and every field of its active
    person."""
    token, person = ApiToken, User
    columns = ", ".join(
        [
            f"t.{quoted(token, 'id')}",
            f"t.{quoted(token, 'last_used_at')}",
            *(f"u.{quoted(person, name)}" for name in _PERSON_FIELDS),
        ]
    )
    return f"""
        SELECT {columns}
          FROM {quoted(token)} t
          JOIN {quoted(person)} u ON u.{quoted(person, "id")} = t.{quoted(token, "user")}
         WHERE t.{quoted(token, "key_hash")} = %s AND t.{quoted(token, "revoked_at")} IS NULL
           AND u.{quoted(person, "is_active")} = %s
    """


def api_token_authenticate(*, raw_key: str) -> User | None:
    """The active user a raw token belongs to, or ``None``; records when it was last used."""
    if not raw_key or not raw_key.startswith(API_TOKEN_PREFIX):
        return None
    with connection.cursor() as cursor:
        cursor.execute(_token_person_sql(connection.vendor), [_hash_key(raw_key), True])
        row = cursor.fetchone()
    if row is None:
        return None
    token_id, last_used_at = row[0], field_value(ApiToken, "last_used_at", row[1])
    now = clock.now()
    # Write at most once a minute per token, so busy clients do not turn reads into writes.
    if last_used_at is None or (now - last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
    return instance_of(User, _PERSON_FIELDS, row[2:])
