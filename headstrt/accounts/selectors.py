"""Reads of people, profiles and the taxonomy; private objects are fetched for their owner only."""

import functools
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Upper

from headstrt.accounts.models import (
    ApiToken,
    Area,
    ExpertiseEntry,
    Language,
    MenteeProfile,
    MentorProfile,
    SessionOffer,
    Topic,
    User,
    WorkingStyle,
)
from headstrt.core import clock
from headstrt.core.errors import DomainError, NotFound
from headstrt.core.money import Money, validate_currency
from headstrt.core.pagination import Page
from headstrt.core.statements import instance_of, quoted

# The directory counts its mentors up to this many (or to the page asked for, if further):
# beyond it the page says "more than", and no request reads every mentor just to count them.
COUNTED_MENTORS = 1000


@dataclass(frozen=True)
class DirectoryFilters:
    """What a person may narrow the mentor directory by. Empty fields do not filter."""

    query: str = ""
    area: str = ""
    topic: str = ""
    language: str = ""
    max_price: Money | None = None

    def __post_init__(self):
        if self.area and self.area not in Area.values:
            raise DomainError(
                "unknown_area", "Area must be personal, social or professional.", field="area"
            )
        if len(self.query) > 200:
            raise DomainError("too_long", "Search text is at most 200 characters.", field="q")


def mentors_with_details() -> QuerySet[MentorProfile]:
    """Mentor profiles with everything a card shows, fetched in a fixed number of queries."""
    return (
        MentorProfile.objects.select_related("user")
        # Read by the search alone, in the database; with real bios it is the widest column.
        .defer("search_text")
        .prefetch_related(
            "offers",
            "user__languages",
            Prefetch("expertise", queryset=ExpertiseEntry.objects.select_related("topic__parent")),
        )
        # A subquery rather than a join and GROUP BY: the database then computes it for the
        # rows shown only, not for every mentor before a page is cut.
        .annotate(
            min_price_minor=Subquery(
                SessionOffer.objects.filter(mentor=OuterRef("pk"))
                .order_by("price_minor")
                .values("price_minor")[:1]
            )
        )
    )


def mentor_directory(*, filters: DirectoryFilters) -> QuerySet[MentorProfile]:
    """Active mentors matching ``filters``, newest first; people paused for their lapses are
    left out until the pause ends."""
    # The few people not listed are left out as one set (an anti-join), rather than each
    # matching mentor's person being read to check: a common search word matches thousands.
    away = User.objects.filter(Q(is_active=False) | Q(paused_until__gt=clock.now()))
    mentors = mentors_with_details().filter(is_active=True).exclude(user_id__in=away.values("pk"))
    # Conditions on expertise, languages and offers are semi-joins (``pk__in``), never joins:
    # no duplicate rows, so no DISTINCT over every mentor before a page can be cut.
    if filters.query:
        # One condition per word on the profile's search text (accounts.search_text): a
        # rare word is looked up in its trigram index on PostgreSQL, a common one found by
        # walking the directory's order until the page and the count are full. The word is
        # put in capitals by the database, as the text was.
        for word in filters.query.split()[:8]:
            mentors = mentors.filter(search_text__contains=Upper(Value(word)))
    if filters.area:
        mentors = mentors.filter(pk__in=_expertise_of(Q(area=filters.area)))
    if filters.topic:
        topic = Topic.objects.filter(slug=filters.topic).first()
        if topic is None:
            raise DomainError(
                "unknown_topic", f"“{filters.topic}” is not a topic of the taxonomy.", field="topic"
            )
        mentors = mentors.filter(pk__in=_expertise_of(Q(topic=topic) | Q(topic__parent=topic)))
    if filters.language:
        if not Language.objects.filter(code=filters.language).exists():
            raise DomainError(
                "unknown_language", f"Unknown language code: {filters.language}.", field="language"
            )
        speakers = User.languages.through.objects.filter(language_id=filters.language)
        mentors = mentors.filter(user_id__in=speakers.values("user_id"))
    if filters.max_price is not None:
        offers = SessionOffer.objects.filter(price_minor__lte=filters.max_price.minor)
        mentors = mentors.filter(
            currency=filters.max_price.currency, pk__in=offers.values("mentor_id")
        )
    return mentors.order_by("-created_at", "-id")


@dataclass(frozen=True)
class DirectoryPage(Page):
    """A page of the directory. ``total`` is every matching mentor when ``is_total_exact``,
    otherwise how many were counted, one more than the page can truthfully claim."""

    is_total_exact: bool = True


def mentor_directory_page(*, filters: DirectoryFilters, number: int, size: int) -> DirectoryPage:
    """Page ``number`` of the directory for ``filters``, counted only as far as needed."""
    if number < 1:
        raise DomainError("invalid_page", "Page numbers start at 1.", field="page")
    # One past what is counted tells whether there are more; the page asked for is always
    # within the count, so it has a next page when one exists.
    limit = min(max(COUNTED_MENTORS, number * size), 2**62) + 1
    # The matching ids, in order, as far as counted: one query finds the mentors (a search
    # runs once, not once to count and again for the page); a price or a person is then
    # fetched for the page shown only.
    ids = list(mentor_directory(filters=filters).values_list("pk", flat=True)[:limit])
    start = (number - 1) * size
    shown = ids[start : start + size]
    by_id = _read_for_cards(mentors_with_details()).in_bulk(shown) if shown else {}
    items = _with_card_details([by_id[pk] for pk in shown if pk in by_id])
    return DirectoryPage(
        items=items, number=number, size=size, total=len(ids), is_total_exact=len(ids) < limit
    )


def mentor_cards(mentors: QuerySet[MentorProfile]) -> list[MentorProfile]:
    """``mentors`` (from ``mentor_directory``) as a directory card shows them, in order."""
    return _with_card_details(list(_read_for_cards(mentors)))


def _read_for_cards(mentors: QuerySet[MentorProfile]) -> QuerySet[MentorProfile]:
    """``mentors`` with the columns a card shows only, and none of the details prefetched:
    ``_with_card_details`` reads what a card shows of those as plain rows."""
    return mentors.prefetch_related(None).only(
        "headline", "currency", "user", "user__public_id", "user__display_name", "user__photo"
    )


def _with_card_details(mentors: list[MentorProfile]) -> list[MentorProfile]:
    """``mentors`` with ``topic_paths`` (their expertise, in the profile's order) and
    ``language_names`` set on each, in two queries for them all: plain rows, not a model
    per entry, topic, parent topic and language."""
    paths: dict[int, list[str]] = {}
    entries = ExpertiseEntry.objects.filter(mentor_id__in=[mentor.pk for mentor in mentors])
    for mentor_id, name, parent in entries.values_list(
        "mentor_id", "topic__name", "topic__parent__name"
    ):
        paths.setdefault(mentor_id, []).append(Topic.path_of(name, parent))
    names: dict[int, list[str]] = {}
    spoken = User.languages.through.objects.filter(user_id__in=[m.user_id for m in mentors])
    for user_id, name in spoken.order_by("language__name").values_list("user_id", "language__name"):
        names.setdefault(user_id, []).append(name)
    for mentor in mentors:
        mentor.topic_paths = paths.get(mentor.pk, [])
        mentor.language_names = names.get(mentor.user_id, [])
    return mentors


def _expertise_of(condition: Q) -> QuerySet:
    """The ids of mentors with an area of expertise meeting ``condition``."""
    # No ordering: a set of ids has none, and a union would otherwise sort each part.
    return ExpertiseEntry.objects.filter(condition).order_by().values("mentor_id")


def mentors_rated(mentors: Iterable[MentorProfile]) -> list[MentorProfile]:
    """``mentors`` with ``rating`` set on each: their reputation as a mentor (average, count,
    distribution), or ``None`` before their first visible review. One query for them all."""
    # reviews builds on accounts, so it is imported here
    from headstrt.reviews.reputation import ratings_of

    mentors = list(mentors)
    ratings = ratings_of([mentor.user_id for mentor in mentors], party="mentor")
    for mentor in mentors:
        mentor.rating = ratings.get(mentor.user_id)
    return mentors


def mentor_get_public(*, public_id: str, viewer: User | None) -> MentorProfile:
    """A mentor profile by its owner's public id: anyone sees active ones, owners see their own."""
    profile = mentors_with_details().filter(user__public_id=public_id).first()
    if profile is None:
        raise NotFound("No such mentor.")
    is_owner = viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id
    if not is_owner and not (profile.is_active and profile.user.is_active):
        raise NotFound("No such mentor.")
    return profile


def mentor_get_for_page(*, public_id: str, viewer: User | None) -> MentorProfile:
    """``mentor_get_public`` for the mentor's own page, the most viewed one: the same
    profile and access rule, with their person, offers, languages and expertise (with
    topics and their parents), in two statements written once rather than four querysets."""
    with connection.cursor() as cursor:
        cursor.execute(_page_mentor_statement(connection.vendor), [public_id])
        row = cursor.fetchone()
        if row is None:
            raise NotFound("No such mentor.")
        profile = instance_of(MentorProfile, _PAGE_PROFILE, row[: len(_PAGE_PROFILE)])
        profile.user = instance_of(User, _PAGE_PERSON, row[len(_PAGE_PROFILE) :])
        is_owner = viewer is not None and viewer.is_authenticated and viewer.pk == profile.user_id
        if not is_owner and not (profile.is_active and profile.user.is_active):
            raise NotFound("No such mentor.")
        params = [profile.pk, profile.user_id, profile.pk]
        cursor.execute(_page_details_statement(connection.vendor), params)
        rows = cursor.fetchall()
    offer_at, language_at, entry_at, topic_at, parent_at = _page_details_columns()
    offers, languages, entries = [], [], []
    for row in rows:
        if row[0] == "offer":
            offers.append(instance_of(SessionOffer, _OFFER, row[offer_at]))
        elif row[0] == "language":
            languages.append(instance_of(Language, _LANGUAGE, row[language_at]))
        else:
            entry = instance_of(ExpertiseEntry, _ENTRY, row[entry_at])
            entry.topic = instance_of(Topic, _TOPIC, row[topic_at])
            parent = row[parent_at]
            entry.topic.parent = None if parent[0] is None else instance_of(Topic, _TOPIC, parent)
            entries.append(entry)
    _prefetched(profile, "offers", offers)
    _prefetched(profile.user, "languages", languages)
    _prefetched(profile, "expertise", entries)
    return profile


def _prefetched(instance, relation: str, found: list) -> None:
    """Give ``instance`` its related objects as ``prefetch_related`` does, so
    ``instance.<relation>.all()`` answers ``found`` without a query."""
    related = getattr(instance, relation).all()
    related._result_cache, related._prefetch_done = found, True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        relation: related,
    }


# What the mentor's page reads: the whole profile but its search text, what it shows of the
# person, and in one union their offers, languages and expertise with its topics.
_PAGE_PROFILE = tuple(
    field.attname for field in MentorProfile._meta.concrete_fields if field.name != "search_text"
)
_PAGE_PERSON = ("id", "public_id", "display_name", "time_zone", "photo", "is_active")
_OFFER = ("id", "mentor_id", "minutes", "price_minor")
_LANGUAGE = ("code", "name")
_ENTRY = ("id", "public_id", "mentor_id", "topic_id", "area", "description", "years", "evidence")
_TOPIC = ("id", "slug", "name", "parent_id", "area", "description")
# The union's columns after its tag: each kind of row fills its own, the others are empty.
_PAGE_DETAILS = (
    ("o", SessionOffer, _OFFER),
    ("l", Language, _LANGUAGE),
    ("e", ExpertiseEntry, _ENTRY),
    ("t", Topic, _TOPIC),
    ("pt", Topic, _TOPIC),
)


def _page_details_columns() -> list[slice]:
    """Where each part of ``_PAGE_DETAILS`` sits in a row of the union."""
    found, start = [], 1
    for _, _, fields in _PAGE_DETAILS:
        found.append(slice(start, start + len(fields)))
        start += len(fields)
    return found


@functools.cache
def _page_mentor_statement(vendor: str) -> str:
    """The profile and person of ``mentor_get_for_page``, by the person's public id."""
    columns = [f"p.{quoted(MentorProfile, name)}" for name in _PAGE_PROFILE] + [
        f"u.{quoted(User, name)}" for name in _PAGE_PERSON
    ]
    return f"""
        SELECT {", ".join(columns)}
          FROM {quoted(MentorProfile)} p
          JOIN {quoted(User)} u ON u.{quoted(User, "id")} = p.{quoted(MentorProfile, "user")}
         WHERE u.{quoted(User, "public_id")} = %s
    """


@functools.cache
def _page_details_statement(vendor: str) -> str:
    """The offers, languages and expertise of ``mentor_get_for_page``, in the order their
    models give them: one union, each kind of row in columns of its own (the others empty)."""

    def columns(filled: set[str]) -> str:
        return ", ".join(
            f"{alias}.{quoted(model, name)}"
            if alias in filled
            else f"CAST(NULL AS {model._meta.get_field(name).cast_db_type(connection)})"
            for alias, model, fields in _PAGE_DETAILS
            for name in fields
        )

    offer_at, language_at, entry_at, _, _ = _page_details_columns()
    # Positions in ORDER BY count from 1, the tag's.
    minutes = offer_at.start + _OFFER.index("minutes") + 1
    name = language_at.start + _LANGUAGE.index("name") + 1
    years = entry_at.start + _ENTRY.index("years") + 1
    entry_id = entry_at.start + _ENTRY.index("id") + 1
    through = User.languages.through
    offer, language, entry, topic = SessionOffer, Language, ExpertiseEntry, Topic
    return f"""
        SELECT 'offer', {columns({"o"})}
          FROM {quoted(offer)} o WHERE o.{quoted(offer, "mentor")} = %s
        UNION ALL
        SELECT 'language', {columns({"l"})}
          FROM {quoted(language)} l
          JOIN {quoted(through)} s ON s.{quoted(through, "language")} = l.{quoted(language, "code")}
         WHERE s.{quoted(through, "user")} = %s
        UNION ALL
        SELECT 'expertise', {columns({"e", "t", "pt"})}
          FROM {quoted(entry)} e
          JOIN {quoted(topic)} t ON t.{quoted(topic, "id")} = e.{quoted(entry, "topic")}
          LEFT JOIN {quoted(topic)} pt ON pt.{quoted(topic, "id")} = t.{quoted(topic, "parent")}
         WHERE e.{quoted(entry, "mentor")} = %s
         ORDER BY 1, {minutes}, {name}, {years} DESC, {entry_id}
    """


def mentor_profile_for_owner(*, user: User) -> MentorProfile | None:
    """The person's own mentor profile, active or paused, or ``None``."""
    return mentors_with_details().filter(user=user).first()


def mentee_profile_for_owner(*, user: User) -> MenteeProfile | None:
    """The person's own mentee profile with its interests, or ``None``."""
    interests = Prefetch("interests", queryset=Topic.objects.select_related("parent"))
    return MenteeProfile.objects.prefetch_related(interests).filter(user=user).first()


def working_style_for_owner(*, user: User) -> WorkingStyle | None:
    """The person's own working-style answers, or ``None``."""
    return WorkingStyle.objects.filter(user=user).first()


def photo_for_viewer(*, public_id: str, viewer: User | None) -> FieldFile:
    """A person's photo: the owner always sees it, others only while they are a listed mentor."""
    person = (
        User.objects.select_related("mentor_profile")
        .filter(public_id=public_id, is_active=True)
        .first()
    )
    if person is None or not person.photo:
        raise NotFound("No such photo.")
    is_owner = viewer is not None and viewer.is_authenticated and viewer.pk == person.pk
    profile = getattr(person, "mentor_profile", None)
    if not is_owner and not (profile is not None and profile.is_active):
        raise NotFound("No such photo.")
    return person.photo


def mentor_profile_required(*, user: User, lock: bool = False) -> MentorProfile:
    """The person's own mentor profile (row-locked for the calling transaction with
    ``lock``), or ``no_mentor_profile`` (409) when they have not opened one."""
    profiles = MentorProfile.objects.select_for_update() if lock else MentorProfile.objects
    try:
        return profiles.get(user=user)
    except MentorProfile.DoesNotExist:
        raise DomainError(
            "no_mentor_profile", "Open your mentor profile first.", status=409
        ) from None


def mentor_profile_for_update(*, user: User) -> MentorProfile:
    """The person's own mentor profile, row-locked for the calling transaction."""
    return mentor_profile_required(user=user, lock=True)


def api_tokens_for_owner(*, user: User) -> QuerySet[ApiToken]:
    """The person's own API tokens, newest first."""
    return ApiToken.objects.filter(user=user)


def topics() -> QuerySet[Topic]:
    """The whole taxonomy, parents fetched along, in path order."""
    return Topic.objects.select_related("parent").order_by("parent__name", "name")


def languages() -> QuerySet[Language]:
    """Every language a person may list."""
    return Language.objects.all()


def topic_rows() -> QuerySet:
    """The taxonomy as light rows (``id``, ``slug``, ``name``, ``parent_id``) in path order:
    what a choice of topic needs, without building a model per topic on every request."""
    return topics().values_list("id", "slug", "name", "parent_id", named=True)


def language_rows() -> QuerySet:
    """Every language as a light row (``code``, ``name``), in the order of ``languages``."""
    return languages().values_list("code", "name", named=True)


def parse_price_filter(amount: str | None, currency: str | None) -> Money | None:
    """Read a "max price" filter given in major units; blank means no filter."""
    if amount in (None, ""):
        return None
    money = Money.from_major(amount, validate_currency(currency or "EUR"))
    if money.minor < 0:
        raise DomainError("invalid_price", "A price cannot be negative.", field="max_price")
    return money


def account_export(*, user: User) -> dict:
    """Everything the platform holds about the person, as JSON-ready data."""
    # matching, scheduling and messaging build on accounts, so they are imported here
    from headstrt.matching.selectors import situations_export
    from headstrt.messaging.selectors import messaging_export
    from headstrt.scheduling.selectors import scheduling_export

    mentor = mentor_profile_for_owner(user=user)
    mentee = getattr(user, "mentee_profile", None) if hasattr(user, "mentee_profile") else None
    style = user.working_style if hasattr(user, "working_style") else None
    return {
        "account": {
            "id": user.public_id,
            "email": user.email,
            "display_name": user.display_name,
            "time_zone": user.time_zone,
            "languages": [language.code for language in user.languages.all()],
            "has_photo": bool(user.photo),
            "date_joined": user.date_joined.isoformat(),
        },
        "mentor_profile": None
        if mentor is None
        else {
            "headline": mentor.headline,
            "bio": mentor.bio,
            "currency": mentor.currency,
            "weekly_capacity": mentor.weekly_capacity,
            "is_active": mentor.is_active,
            "offers": [
                {"minutes": offer.minutes, "price_minor": offer.price_minor}
                for offer in mentor.offers.all()
            ],
            "expertise": [
                {
                    "topic": entry.topic.slug,
                    "area": entry.area,
                    "description": entry.description,
                    "years": entry.years,
                    "evidence": entry.evidence,
                }
                for entry in mentor.expertise.all()
            ],
        },
        "mentee_profile": None
        if mentee is None
        else {
            "interests": [topic.slug for topic in mentee.interests.all()],
            "goals": mentee.goals,
        },
        "working_style": None
        if style is None
        else {
            "communication": style.communication,
            "directness": style.directness,
            "pace": style.pace,
            "values": style.values,
        },
        "api_tokens": [
            {
                "name": token.name,
                "prefix": token.prefix,
                "created_at": token.created_at.isoformat(),
                "revoked": token.is_revoked,
            }
            for token in api_tokens_for_owner(user=user)
        ],
        **situations_export(mentee=user),
        **scheduling_export(user=user),
        **messaging_export(user=user),
    }
