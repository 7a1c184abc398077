"""Request and response shapes of the API; public ids stand in for database ids."""

import hashlib
from datetime import UTC, datetime
from typing import Annotated

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from headstrt.accounts.models import MentorProfile, User
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.matching.selectors import situation_notices
from headstrt.messaging.attachments import KINDS as FILE_KINDS
from headstrt.payments.statements import (
    SessionMoney,
    Statement,
    StatementLine,
    amount_display,
)
from headstrt.perspectives.selectors import (
    answers_visible_to_mentor,
    follow_ups_left,
    mentee_label,
)
from headstrt.scheduling.models import BookingStatus
from headstrt.scheduling.selectors import booking_actions
from headstrt.scheduling.video import video_room_url


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


class Text(Schema):
    """Base of request data: NUL characters are refused, as Django's forms do.

    PostgreSQL cannot store or even compare text holding them.
    """

    @field_validator("*")
    @classmethod
    def _no_nul_characters(cls, value):
        if _has_nul(value):
            raise PydanticCustomError("nul_character", "Text may not contain NUL characters")
        return value


class Input(Text):
    """Base of request bodies: an unknown field is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid")


def _photo_url(user: User, request: HttpRequest, route: str, *args) -> str | None:
    if not user.photo:
        return None
    # The query changes with every new photo, so clients may cache the old one safely.
    version = hashlib.sha256(user.photo.name.encode()).hexdigest()[:10]
    return request.build_absolute_uri(f"{reverse(route, args=args)}?v={version}")


def public_photo_url(user: User, request: HttpRequest) -> str | None:
    """Where anyone fetches a listed mentor's photo, or ``None`` without one."""
    return _photo_url(user, request, "web:photo", user.public_id)


def own_photo_url(user: User, request: HttpRequest) -> str | None:
    """Where the person fetches their own photo with their credentials, or ``None``."""
    return _photo_url(user, request, "api:my_photo")


class MoneyOut(Schema):
    minor: int
    currency: str
    display: str

    @classmethod
    def of(cls, money: Money) -> "MoneyOut":
        """The response form of ``money``, with its human display."""
        return cls(minor=money.minor, currency=money.currency, display=money.format())


# Tokens


class TokenOut(Schema):
    id: str = Field(alias="public_id")
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool = Field(alias="is_revoked")
    revoked_at: datetime | None


class TokenCreatedOut(Schema):
    key: str = Field(description="The token itself. It is shown once and never again.")
    token: TokenOut


class TokenIn(Input):
    name: str = Field(max_length=80, examples=["My phone"])


class CredentialsIn(TokenIn):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


# Taxonomy


class TopicRefOut(Schema):
    slug: str
    name: str
    path: str


class TopicOut(TopicRefOut):
    area: str
    parent: str | None = Field(None, alias="parent.slug")
    description: str


class LanguageOut(Schema):
    code: str
    name: str


# The person


class MeOut(Schema):
    id: str = Field(alias="public_id")
    email: str
    display_name: str
    time_zone: str
    languages: list[str]
    photo_url: str | None
    date_joined: datetime

    @staticmethod
    def resolve_languages(user: User) -> list[str]:
        return [language.code for language in user.languages.all()]

    @staticmethod
    def resolve_photo_url(user: User, context) -> str | None:
        return own_photo_url(user, context["request"])


class MePatchIn(Input):
    display_name: str | None = None
    time_zone: str | None = Field(None, examples=["Europe/Paris"])
    languages: list[str] | None = Field(None, examples=[["en", "fr"]])


class PasswordIn(Input):
    password: str = Field(max_length=1024)


# Mentors


class OfferOut(Schema):
    minutes: int
    price: MoneyOut


class ExpertiseOut(Schema):
    id: str = Field(alias="public_id")
    topic: TopicRefOut
    area: str
    description: str
    years: int
    evidence: str


class MentorOut(Schema):
    id: str = Field(alias="user.public_id")
    display_name: str = Field(alias="user.display_name")
    photo_url: str | None
    time_zone: str = Field(alias="user.time_zone")
    languages: list[str]
    headline: str
    bio: str
    currency: str
    is_active: bool
    from_price: MoneyOut | None
    offers: list[OfferOut]
    answer_price: MoneyOut | None = Field(
        description="The price of one written answer; null when the mentor does not answer "
        "in writing"
    )
    expertise: list[ExpertiseOut]

    @staticmethod
    def resolve_photo_url(profile: MentorProfile, context) -> str | None:
        return public_photo_url(profile.user, context["request"])

    @staticmethod
    def resolve_languages(profile: MentorProfile) -> list[str]:
        return [language.code for language in profile.user.languages.all()]

    @staticmethod
    def resolve_offers(profile: MentorProfile) -> list[OfferOut]:
        return [
            OfferOut(
                minutes=offer.minutes, price=MoneyOut.of(Money(offer.price_minor, profile.currency))
            )
            for offer in profile.offers.all()
        ]

    @staticmethod
    def resolve_from_price(profile: MentorProfile) -> MoneyOut | None:
        cheapest = min((offer.price_minor for offer in profile.offers.all()), default=None)
        return None if cheapest is None else MoneyOut.of(Money(cheapest, profile.currency))

    @staticmethod
    def resolve_answer_price(profile: MentorProfile) -> MoneyOut | None:
        if profile.answer_price_minor is None:
            return None
        return MoneyOut.of(Money(profile.answer_price_minor, profile.currency))


class ListedMentorOut(MentorOut):
    rating: float | None = Field(
        description="Bayesian average of mentees' stars, 1 to 5; null before the first review"
    )
    reviews: int = Field(description="How many visible reviews the rating is made of")

    @staticmethod
    def resolve_rating(profile: MentorProfile) -> float | None:
        rating = getattr(profile, "rating", None)
        return None if rating is None else round(rating.average, 2)

    @staticmethod
    def resolve_reviews(profile: MentorProfile) -> int:
        rating = getattr(profile, "rating", None)
        return 0 if rating is None else rating.count


class OwnMentorProfileOut(MentorOut):
    weekly_capacity: int
    created_at: datetime
    updated_at: datetime


class MentorPageOut(Schema):
    items: list[ListedMentorOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class DirectoryQuery(Text):
    q: str = Field("", description="Words to look for")
    area: str = Field("", description="personal, social or professional")
    topic: str = Field("", description="A topic slug; a category includes its topics")
    language: str = Field("", description="An ISO 639-1 code, e.g. fr")
    max_price: str = Field("", description="Highest session price in major units, e.g. 49.90")
    currency: str = Field("", description="Currency of max_price (default EUR)")
    page: int = 1
    size: int = 20


class OfferIn(Input):
    minutes: int = Field(examples=[30])
    price_minor: int = Field(description="Price in minor units (cents)", examples=[4000])


class MentorProfileIn(Input):
    headline: str
    bio: str
    currency: str = Field(examples=["EUR"])
    offers: list[OfferIn] = Field(max_length=4)
    weekly_capacity: int = Field(examples=[5])
    is_active: bool
    answer_price_minor: int | None = Field(
        None,
        strict=True,
        description="The price of one written answer in minor units of the currency (0: "
        "free); null or left out: you do not answer in writing",
        examples=[1500],
    )

    @field_validator("offers")
    @classmethod
    def _one_price_per_length(cls, offers: list[OfferIn]) -> list[OfferIn]:
        if len({offer.minutes for offer in offers}) != len(offers):
            raise PydanticCustomError("duplicate_length", "Each session length may be offered once")
        return offers


class ExpertiseIn(Input):
    topic: str = Field(description="A topic slug from /api/v1/topics")
    years: int
    area: str | None = None
    description: str = ""
    evidence: str = ""


# Mentee profile and working style


class MenteeProfileOut(Schema):
    interests: list[TopicRefOut]
    goals: str


class MenteeProfileIn(Input):
    interests: list[str] = Field(default_factory=list, description="Topic slugs")
    goals: str = ""


class WorkingStyleSchema(Schema):
    communication: str = Field(description="talk, write, visual or mixed")
    directness: int = Field(description="1 = gentle and indirect, 5 = blunt and direct")
    pace: int = Field(description="1 = reflective and slow, 5 = fast and action-oriented")
    values: list[str] = Field(default_factory=list, description="Up to three values")


class WorkingStyleIn(Input, WorkingStyleSchema):
    """The questionnaire's answers, as sent."""


# Situations


class PersonOut(Schema):
    id: str = Field(alias="public_id")
    display_name: str


class MoneyIn(Input):
    minor: int = Field(description="Amount in minor units (cents)", examples=[2000])
    currency: str = Field(examples=["EUR"])

    def money(self) -> Money:
        """The amount as ``Money`` (the service validates it)."""
        return Money(self.minor, self.currency.strip().upper())


class SituationIn(Input):
    text: str = Field(
        description="What is happening and what you want out of it, up to 5,000 characters; "
        "any language",
        examples=["I have a salary negotiation on Friday and want to ask for 15% more."],
    )
    title: str = Field("", description="Up to 120 characters")
    area: str = Field("", description="personal, social or professional; empty for any")
    topic: str = Field("", description="A topic slug from /api/v1/topics; empty for any")
    budget: MoneyIn | None = Field(
        None, description="The most you want to pay for one session; null for any price"
    )
    languages: list[str] | None = Field(
        None,
        description="ISO 639-1 codes; a mentor must speak one. Left out: the languages you "
        "speak; empty: any language",
        examples=[["en", "fr"]],
    )
    session_minutes: int | None = Field(None, description="15, 30, 45 or 60; null for any")
    as_soon_as_possible: bool = Field(False, description="Prefer mentors with an early free slot")
    window_start: datetime | None = Field(
        None, description="Start of the time window; without an offset it is read in your time zone"
    )
    window_end: datetime | None = Field(None, description="End of the time window")
    perspectives: int = Field(
        1, description="How many mentors' perspectives you want; more than 5 is capped"
    )


class SituationPatchIn(Input):
    """Fields left out stay as they are; ``null`` clears a filter (any price, any length...)."""

    text: str | None = None
    title: str | None = None
    area: str | None = None
    topic: str | None = None
    budget: MoneyIn | None = None
    languages: list[str] | None = None
    session_minutes: int | None = None
    as_soon_as_possible: bool | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    perspectives: int | None = None


class SituationOut(Schema):
    id: str = Field(alias="public_id")
    mentee: PersonOut
    title: str
    text: str
    area: str
    topic: TopicRefOut | None
    budget: MoneyOut | None
    languages: list[str]
    session_minutes: int | None
    as_soon_as_possible: bool
    window_start: datetime | None
    window_end: datetime | None
    perspectives: int = Field(description="What the ranking uses (at most 5)")
    perspectives_requested: int
    notices: list[str]
    shared_with: list[PersonOut] | None = Field(
        description="Mentors who can read it; only its mentee sees this (null for others)"
    )
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_budget(situation) -> MoneyOut | None:
        if situation.budget_minor is None:
            return None
        return MoneyOut.of(Money(situation.budget_minor, situation.currency))

    @staticmethod
    def resolve_languages(situation) -> list[str]:
        return sorted(language.code for language in situation.languages.all())

    @staticmethod
    def resolve_notices(situation) -> list[str]:
        return situation_notices(situation)

    @staticmethod
    def resolve_shared_with(situation, context) -> list[PersonOut] | None:
        viewer = context["request"].auth
        if situation.mentee_id != viewer.pk:
            return None
        return [share.mentor for share in situation.shares.all()]


class SituationPageOut(Schema):
    items: list[SituationOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class ReasonOut(Schema):
    kind: str = Field(description="expertise, bio, session, topic, rating, price, language, ...")
    text: str
    matched_terms: list[str] = Field(description="Words of the situation this reason matched")


class MatchMentorOut(Schema):
    id: str
    display_name: str
    headline: str
    photo_url: str | None
    time_zone: str
    languages: list[str]


class MatchOut(Schema):
    rank: int
    mentor: MatchMentorOut
    score: float = Field(description="0 to 1, higher fits better")
    reasons: list[ReasonOut]
    price: MoneyOut | None = Field(description="For the requested length, else the cheapest")
    rating: float | None = Field(description="Bayesian average rating, 1 to 5")
    reviews: int
    outcome_rate: float | None = Field(description="Share of sessions whose objective was reached")
    next_free_slot: datetime | None


class RelaxationOut(Schema):
    filter: str = Field(description="language, budget, session_minutes, topic, area or all")
    message: str
    mentors: int = Field(description="How many mentors relaxing this filter brings back")


class MatchResultOut(Schema):
    situation: str
    matches: list[MatchOut]
    notices: list[str]
    relaxations: list[RelaxationOut]


class BlockOut(Schema):
    mentor: PersonOut
    created_at: datetime


class BlockPageOut(Schema):
    items: list[BlockOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


# Slots and bookings


class SlotOut(Schema):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    local_start: datetime = Field(description="The start on the viewer's clock, with its offset")
    local_end: datetime = Field(description="The end on the viewer's clock, with its offset")


class SlotsOut(Schema):
    mentor: str = Field(description="The mentor's id")
    minutes: int
    time_zone: str = Field(description="The zone of local_start and local_end")
    slots: list[SlotOut]


class SlotsQuery(Text):
    minutes: int = Field(description="Session length; one the mentor offers", examples=[30])
    start: str = Field(
        "", description="First day, YYYY-MM-DD in the time zone (default: today there)"
    )
    days: int = Field(7, description="How many days, 1 to 31")
    tz: str = Field(
        "", description="IANA time zone (default: yours when signed in, else the mentor's)"
    )


class BookingPersonOut(Schema):
    id: str = Field(alias="public_id")
    display_name: str
    time_zone: str


def in_utc(moment: datetime | None) -> datetime | None:
    """An instant as answers give it: in UTC."""
    return None if moment is None else moment.astimezone(UTC)


class BookingOut(Schema):
    id: str = Field(alias="public_id")
    status: str = Field(
        description="held, requested, confirmed, declined, expired, cancelled, completed or no_show"
    )
    your_role: str = Field(description="mentor or mentee")
    mentor: BookingPersonOut = Field(alias="mentor.user")
    mentee: BookingPersonOut
    start: datetime
    end: datetime
    minutes: int
    price: MoneyOut
    objective: str
    agenda: str
    held_until: datetime | None = Field(description="When a hold lapses")
    respond_by: datetime | None = Field(description="When an unanswered request expires")
    sequence: int = Field(description="Counts the changes calendars must see")
    situation: str | None = Field(description="The situation it was booked for, if any")
    video_url: str | None = Field(description="The call's address, once confirmed")
    actions: list[str] = Field(description="What you may do with it now")
    session_url: str = Field(description="The session's page in the web app")

    @staticmethod
    def resolve_your_role(booking, context) -> str:
        return booking.party_of(context["request"].auth)

    @staticmethod
    def resolve_start(booking) -> datetime:
        return in_utc(booking.start)

    @staticmethod
    def resolve_end(booking) -> datetime:
        return in_utc(booking.end)

    @staticmethod
    def resolve_held_until(booking) -> datetime | None:
        return in_utc(booking.held_until)

    @staticmethod
    def resolve_respond_by(booking) -> datetime | None:
        return in_utc(booking.respond_by)

    @staticmethod
    def resolve_price(booking) -> MoneyOut:
        return MoneyOut.of(booking.price)

    @staticmethod
    def resolve_situation(booking) -> str | None:
        return None if booking.situation is None else booking.situation.public_id

    @staticmethod
    def resolve_video_url(booking) -> str | None:
        if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.COMPLETED):
            return None
        return video_room_url(booking)

    @staticmethod
    def resolve_actions(booking, context) -> list[str]:
        user = context["request"].auth
        return sorted(booking_actions(booking=booking, user=user, now=clock.now()))

    @staticmethod
    def resolve_session_url(booking, context) -> str:
        page = reverse("web:session_detail", args=[booking.public_id])
        return context["request"].build_absolute_uri(page)


class BookingPageOut(Schema):
    items: list[BookingOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class BookingListQuery(Text):
    which: str = Field(
        "upcoming",
        alias="list",
        description="upcoming (soonest first), requests (waiting for your answer as mentor) "
        "or past (newest first)",
    )
    role: str = Field("", description="mentor or mentee; empty for both")
    page: int = 1
    size: int = 20


class HoldIn(Input):
    mentor: str = Field(description="The mentor's id")
    start: datetime = Field(description="A free slot's start, with its offset")
    minutes: int = Field(examples=[30])
    situation: str | None = Field(None, description="The situation this session is for")


class CheckoutIn(Input):
    objective: str = Field(description="What you want out of the session, up to 1,000 characters")
    agenda: str = Field("", description="Up to 4,000 characters")


class BookingIn(HoldIn, CheckoutIn):
    """Hold and check out in one call; a paid session needs ``source``."""

    source: str | None = Field(
        None,
        description="The card token paying for a paid session (with the built-in test "
        "provider, a test card number such as 4242424242424242)",
    )


class ReasonIn(Input):
    reason: str = Field("", description="Up to 1,000 characters; the other side sees it")


class RescheduleIn(Input):
    start: datetime = Field(description="Another free slot's start, with its offset")


# Availability


RangeStart = Annotated[str, Field(description="HH:MM on the mentor's clock", examples=["09:00"])]
RangeEnd = Annotated[
    str,
    Field(
        description="HH:MM; 00:00 (or 24:00) is midnight at the end of the day",
        examples=["12:00"],
    ),
]


class TimeRangeSchema(Input):
    start: RangeStart
    end: RangeEnd


class AvailabilityRuleSchema(Input):
    weekday: int = Field(description="0 = Monday … 6 = Sunday")
    start: RangeStart
    end: RangeEnd


class AvailabilityExceptionOut(Schema):
    date: str = Field(description="YYYY-MM-DD")
    ranges: list[TimeRangeSchema] = Field(description="Empty: the whole day is time off")


class AvailabilityOut(Schema):
    time_zone: str = Field(description="Your time zone, in which all these times are read")
    rules: list[AvailabilityRuleSchema]
    exceptions: list[AvailabilityExceptionOut] = Field(description="From today on")


class AvailabilityIn(Input):
    rules: list[AvailabilityRuleSchema] = Field(max_length=200)


class AvailabilityExceptionIn(Input):
    ranges: list[TimeRangeSchema] = Field(
        max_length=50, description="Empty: take the whole day off"
    )


class SchedulingPolicySchema(Text):
    buffer_minutes: int = Field(10, description="Kept free before and after each session")
    minimum_notice_minutes: int = Field(120, description="How soon a session may start")
    horizon_days: int = Field(30, description="How far ahead sessions may be booked")
    max_sessions_per_day: int = 4
    max_sessions_per_week: int | None = Field(
        None, description="Empty: your mentor profile's weekly capacity"
    )
    confirmation: str = Field("instant", description="instant, or request (you accept each)")
    response_window_hours: int = Field(48, description="How long you have to answer a request")


class SchedulingPolicyIn(Input, SchedulingPolicySchema):
    """A whole policy; fields left out take their defaults."""


# Payments


def _statement_money(money: Money) -> MoneyOut:
    # A statement shows zero as €0.00, where a price would read "Free".
    return MoneyOut(minor=money.minor, currency=money.currency, display=amount_display(money))


class StatementQuery(Text):
    role: str = Field(
        description="mentor (earnings) or mentee (payments and refunds)",
        json_schema_extra={"enum": ["mentor", "mentee"]},
    )


class StatementLineOut(Schema):
    date: datetime
    kind: str = Field(description="session, tip, payout, payment, refund or adjustment")
    session: str | None = Field(description="The booking's id, if the line is about one")
    session_start: datetime | None
    other_person: str = Field(description="The other side of the session")
    gross: MoneyOut = Field(
        description="Mentor: before the platform fee. Mentee: charged (a refund is negative)"
    )
    fee: MoneyOut = Field(description="Mentor: the fee kept. Mentee: the fee included")
    net: MoneyOut = Field(
        description="Mentor: the change to your earnings (a payout is negative). "
        "Mentee: the same as gross"
    )
    status: str = Field(
        description="released, settled, in_escrow, frozen, received, paid_out; or paid, "
        "partly_refunded, refunded, pending, declined, failed"
    )

    @classmethod
    def of(cls, line: StatementLine) -> "StatementLineOut":
        """The response form of a statement line."""
        return cls(
            date=in_utc(line.date),
            kind=line.kind,
            session=line.booking_id or None,
            session_start=in_utc(line.session_start),
            other_person=line.other,
            gross=_statement_money(line.gross),
            fee=_statement_money(line.fee),
            net=_statement_money(line.net),
            status=line.status,
        )


class MentorCurrencyOut(Schema):
    currency: str
    available: MoneyOut = Field(description="In your earnings, not paid out yet")
    pending: MoneyOut = Field(description="In escrow for your sessions, before the fee")
    paid_out: MoneyOut
    lines: list[StatementLineOut] = Field(description="Newest first")


class MenteeCurrencyOut(Schema):
    currency: str
    paid: MoneyOut = Field(description="Successful charges, sessions and tips")
    refunded: MoneyOut
    net: MoneyOut = Field(description="Paid minus refunded")
    lines: list[StatementLineOut] = Field(description="Newest first, declined charges included")


class StatementOut(Schema):
    role: str = Field(description="mentor or mentee")
    currencies: list[MentorCurrencyOut] | list[MenteeCurrencyOut]

    @classmethod
    def of(cls, statement: Statement) -> "StatementOut":
        """The response form of a mentor's or a mentee's statement."""
        sections = []
        for section in statement.currencies:
            lines = [StatementLineOut.of(line) for line in section.lines]
            if statement.role == "mentor":
                sections.append(
                    MentorCurrencyOut(
                        currency=section.currency,
                        available=_statement_money(section.available),
                        pending=_statement_money(section.pending),
                        paid_out=_statement_money(section.paid_out),
                        lines=lines,
                    )
                )
            else:
                sections.append(
                    MenteeCurrencyOut(
                        currency=section.currency,
                        paid=_statement_money(section.paid),
                        refunded=_statement_money(section.refunded),
                        net=_statement_money(section.net),
                        lines=lines,
                    )
                )
        return cls(role=statement.role, currencies=sections)


CARD_HELP = (
    "The card to charge: with Stripe a payment method id (pm_…); with the built-in test "
    "provider a test card number: 4242 4242 4242 4242 succeeds, 4000 0000 0000 0002 is declined"
)


class PayIn(CheckoutIn):
    source: str = Field(
        "",
        description=CARD_HELP + "; a free session needs none",
        max_length=200,
        examples=["4242 4242 4242 4242"],
    )


class TipAmountIn(Input):
    minor: int = Field(
        strict=True, description="Whole minor units (cents), more than 0", examples=[500]
    )
    currency: str = Field(description="The session's currency", examples=["EUR"])


class TipIn(Input):
    amount: TipAmountIn
    source: str = Field(description=CARD_HELP, max_length=200, examples=["4242 4242 4242 4242"])


class TipOut(Schema):
    id: str = Field(alias="public_id")
    session: str = Field(alias="booking.public_id")
    amount: MoneyOut
    status: str = Field(description="paid")
    created_at: datetime

    @staticmethod
    def resolve_amount(payment) -> MoneyOut:
        return MoneyOut.of(Money(payment.amount_minor, payment.currency))

    @staticmethod
    def resolve_status(payment) -> str:
        return "paid"


class SessionPriceOut(Schema):
    session: str
    price: MoneyOut = Field(description="What the mentee pays, fee included")
    fee: MoneyOut = Field(
        description="The platform's fee included in the price: fixed when paid, else what it "
        "would be now"
    )
    mentor_receives: MoneyOut = Field(description="The price less the fee")
    status: str = Field(
        description="free, unpaid, pending, declined, in_escrow, frozen, released, refunded "
        "or partly_refunded"
    )
    paid: MoneyOut
    refunded: MoneyOut
    in_escrow: MoneyOut
    released: MoneyOut = Field(description="Gone to the mentor (before the fee)")
    tip: MoneyOut | None
    refund_policy: str

    @classmethod
    def of(cls, booking_id: str, money: SessionMoney) -> "SessionPriceOut":
        """The response form of a session's money."""
        return cls(
            session=booking_id,
            price=_statement_money(money.price),
            fee=_statement_money(money.fee),
            mentor_receives=_statement_money(money.mentor_receives),
            status=money.status,
            paid=_statement_money(money.paid),
            refunded=_statement_money(money.refunded),
            in_escrow=_statement_money(money.in_escrow),
            released=_statement_money(money.released),
            tip=_statement_money(money.tip) if money.tip is not None else None,
            refund_policy=money.refund_policy,
        )


# Written perspectives


class PerspectiveRequestIn(Input):
    question: str = Field(
        "",
        description="What you want the mentors' perspective on, up to 4,000 characters; with a "
        "situation, empty takes its text",
    )
    title: str = Field("", description="Up to 120 characters")
    situation: str | None = Field(
        None,
        description="One of your situations: its text, title, area, topic, languages and "
        "budget are the defaults, and automatic picks come from its matches",
    )
    mentors: list[str] = Field(
        default_factory=list, max_length=20, description="Mentors' ids to ask, at most 5"
    )
    auto: int = Field(
        0,
        strict=True,
        description="How many mentors to pick for you (with different backgrounds) among those "
        "who answer in writing; with ``mentors``, 5 in all at most",
    )
    open: bool = Field(
        False,
        strict=True,
        description="Post the question for qualified mentors to offer their perspective",
    )
    anonymous: bool = Field(
        False, strict=True, description="Mentors read “Anonymous mentee” instead of your name"
    )
    answer_hours: int = Field(
        48, strict=True, description="Hours each mentor has to answer, 12 to 168"
    )
    budget: MoneyIn | None = Field(
        None, description="For an open post: the most you pay per answer; null for any price"
    )
    area: str = Field("", description="personal, social or professional; empty for any")
    topic: str = Field("", description="A topic slug from /api/v1/topics; empty for any")
    languages: list[str] = Field(
        default_factory=list, max_length=20, description="ISO 639-1 codes; a mentor must speak one"
    )


class PerspectiveMentorsIn(Input):
    mentors: list[str] = Field(max_length=20, description="Mentors' ids, at most 5 asked in all")


class AnswersPayIn(Input):
    source: str = Field(description=CARD_HELP, max_length=200, examples=["4242 4242 4242 4242"])


class PerspectiveAnswerIn(Input):
    answer: str = Field(description="80 to 6,000 characters")


class PerspectiveDeclineIn(Input):
    reason: str = Field("", description="Up to 300 characters; the mentee sees it")


class FollowUpIn(Input):
    text: str = Field(description="Up to 2,000 characters")


class PerspectiveOfferIn(Input):
    note: str = Field(description="Why you, up to 1,000 characters; the mentee reads it")


class PerspectiveOffersAcceptIn(Input):
    offers: list[str] = Field(max_length=20, description="Offers' ids")


class PageQuery(Text):
    page: int = 1
    size: int = 20


class PerspectiveMentorOut(Schema):
    id: str
    display_name: str
    headline: str

    @classmethod
    def of(cls, profile: MentorProfile) -> "PerspectiveMentorOut":
        """A mentor as the perspectives answers name them."""
        return cls(
            id=profile.user.public_id,
            display_name=profile.user.display_name,
            headline=profile.headline,
        )


class FollowUpOut(Schema):
    author: str = Field(description="mentee or mentor")
    author_name: str = Field(description="“Anonymous mentee” when the mentee hides their name")
    text: str
    created_at: datetime

    @classmethod
    def of(cls, follow_up, *, mentee_name: str) -> "FollowUpOut":
        """A follow-up under an answer, its mentee named as the reader may see them."""
        ask = follow_up.ask
        by_mentee = follow_up.author_id != ask.mentor.user_id
        return cls(
            author="mentee" if by_mentee else "mentor",
            author_name=mentee_name if by_mentee else ask.mentor.user.display_name,
            text=follow_up.text,
            created_at=in_utc(follow_up.created_at),
        )


class PerspectiveAskOut(Schema):
    id: str
    mentor: PerspectiveMentorOut
    status: str = Field(description="unpaid, asked, answered, declined or expired")
    price: MoneyOut
    asked_at: datetime | None
    due_at: datetime | None = Field(description="When the answer is due, while it is awaited")
    answered_at: datetime | None
    answer: str | None = Field(description="Once answered")
    decline_reason: str
    helpful: bool = Field(description="Marked by you as the most helpful answer")
    follow_ups: list[FollowUpOut]
    follow_ups_left: int = Field(description="How many follow-ups you may still send")

    @classmethod
    def of(cls, compared, *, viewer, mentee_name: str) -> "PerspectiveAskOut":
        """One mentor's part of a question, from the side-by-side comparison."""
        ask = compared.ask
        return cls(
            id=ask.public_id,
            mentor=PerspectiveMentorOut.of(ask.mentor),
            status=ask.status,
            price=MoneyOut.of(ask.price),
            asked_at=in_utc(ask.asked_at),
            due_at=in_utc(compared.due_at),
            answered_at=in_utc(ask.answered_at),
            answer=compared.answer or None,
            decline_reason=ask.decline_reason,
            helpful=ask.helpful,
            follow_ups=[FollowUpOut.of(f, mentee_name=mentee_name) for f in compared.follow_ups],
            follow_ups_left=follow_ups_left(ask=ask, user=viewer),
        )


class PerspectiveOfferOut(Schema):
    id: str
    mentor: PerspectiveMentorOut
    note: str
    price: MoneyOut
    created_at: datetime

    @classmethod
    def of(cls, offer) -> "PerspectiveOfferOut":
        """A mentor's offer to answer an open question."""
        return cls(
            id=offer.public_id,
            mentor=PerspectiveMentorOut.of(offer.mentor),
            note=offer.note,
            price=MoneyOut.of(offer.price),
            created_at=in_utc(offer.created_at),
        )


def _budget_of(request) -> MoneyOut | None:
    if request.budget_minor is None:
        return None
    return MoneyOut.of(Money(request.budget_minor, request.currency))


class PerspectiveSummaryOut(Schema):
    id: str = Field(alias="public_id")
    title: str = Field(alias="heading", description="The title, or the question's beginning")
    open: bool
    closed_at: datetime | None
    created_at: datetime
    asked: int = Field(description="Mentors asked (withdrawn asks left out)")
    answered: int
    unpaid: int = Field(description="Asks waiting for your payment")

    @staticmethod
    def resolve_closed_at(request) -> datetime | None:
        return in_utc(request.closed_at)

    @staticmethod
    def resolve_created_at(request) -> datetime:
        return in_utc(request.created_at)

    @staticmethod
    def resolve_asked(request) -> int:
        return sum(ask.status != "withdrawn" for ask in request.asks.all())

    @staticmethod
    def resolve_answered(request) -> int:
        return sum(ask.status == "answered" for ask in request.asks.all())

    @staticmethod
    def resolve_unpaid(request) -> int:
        return sum(ask.status == "unpaid" for ask in request.asks.all())


class PerspectivePageOut(Schema):
    items: list[PerspectiveSummaryOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class PerspectiveRequestOut(Schema):
    id: str
    title: str
    question: str
    area: str
    topic: TopicRefOut | None
    languages: list[str]
    budget: MoneyOut | None = Field(description="Open posts: the most paid per answer")
    answer_hours: int
    open: bool
    anonymous: bool
    created_at: datetime
    closed_at: datetime | None
    to_pay: MoneyOut | None = Field(
        description="What paying now costs: the answers waiting for payment (POST …/pay)"
    )
    asks: list[PerspectiveAskOut] = Field(
        description="Side by side: answered (the most helpful first), awaited (soonest due "
        "first), waiting for payment, then declined and expired"
    )
    offers: list[PerspectiveOfferOut] = Field(
        description="Open posts: offers of mentors not asked yet"
    )
    page_url: str = Field(description="The question's page in the web app")

    @classmethod
    def of(cls, request, *, viewer, comparison, http_request: HttpRequest):
        """A mentee's question with its answers side by side."""
        unpaid = [ask for ask in request.asks.all() if ask.status == "unpaid"]
        asked = {ask.mentor_id for ask in request.asks.all()}
        name = request.mentee.display_name
        page = reverse("web:perspective_detail", args=[request.public_id])
        return cls(
            id=request.public_id,
            title=request.title,
            question=request.question,
            area=request.area,
            topic=TopicRefOut.model_validate(request.topic) if request.topic_id else None,
            languages=sorted(language.code for language in request.languages.all()),
            budget=_budget_of(request),
            answer_hours=request.answer_hours,
            open=request.open,
            anonymous=request.anonymous,
            created_at=in_utc(request.created_at),
            closed_at=in_utc(request.closed_at),
            to_pay=MoneyOut.of(Money(sum(a.price_minor for a in unpaid), unpaid[0].currency))
            if unpaid
            else None,
            asks=[
                PerspectiveAskOut.of(item, viewer=viewer, mentee_name=name) for item in comparison
            ],
            offers=[
                PerspectiveOfferOut.of(offer)
                for offer in request.offers.all()
                if offer.mentor_id not in asked
            ],
            page_url=http_request.build_absolute_uri(page),
        )


class OtherAnswerOut(Schema):
    mentor: PerspectiveMentorOut
    answer: str
    answered_at: datetime

    @classmethod
    def of(cls, ask) -> "OtherAnswerOut":
        """Another mentor's answer to the same question."""
        return cls(
            mentor=PerspectiveMentorOut.of(ask.mentor),
            answer=ask.answer,
            answered_at=in_utc(ask.answered_at),
        )


class InboxAskOut(Schema):
    id: str = Field(alias="public_id")
    request: str = Field(alias="request.public_id", description="The question's id")
    title: str = Field(alias="request.heading")
    mentee: str = Field(description="The mentee's name, or “Anonymous mentee”")
    status: str = Field(description="asked, answered, declined, expired or withdrawn")
    price: MoneyOut = Field(description="What you are paid for your answer")
    asked_at: datetime | None
    due_at: datetime | None = Field(description="Answer (or decline) before this")
    answered_at: datetime | None

    @staticmethod
    def resolve_mentee(ask, context) -> str:
        return mentee_label(ask.request, context["request"].auth)

    @staticmethod
    def resolve_price(ask) -> MoneyOut:
        return MoneyOut.of(ask.price)

    @staticmethod
    def resolve_asked_at(ask) -> datetime | None:
        return in_utc(ask.asked_at)

    @staticmethod
    def resolve_due_at(ask) -> datetime | None:
        return in_utc(ask.due_at)

    @staticmethod
    def resolve_answered_at(ask) -> datetime | None:
        return in_utc(ask.answered_at)


class InboxPageOut(Schema):
    items: list[InboxAskOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class MentorAskOut(InboxAskOut):
    question: str = Field(alias="request.question")
    area: str = Field(alias="request.area")
    topic: TopicRefOut | None = Field(alias="request.topic")
    answer: str | None = Field(description="Your answer, once sent")
    decline_reason: str
    helpful: bool = Field(description="The mentee marked your answer the most helpful")
    other_answers: list[OtherAnswerOut] = Field(
        description="The other mentors' answers: empty until you have answered"
    )
    follow_ups: list[FollowUpOut]
    follow_ups_left: int
    page_url: str = Field(description="The question's page in the web app")

    @staticmethod
    def resolve_answer(ask) -> str | None:
        return ask.answer or None

    @staticmethod
    def resolve_other_answers(ask) -> list[OtherAnswerOut]:
        return [OtherAnswerOut.of(other) for other in answers_visible_to_mentor(ask=ask)]

    @staticmethod
    def resolve_follow_ups(ask, context) -> list[FollowUpOut]:
        name = mentee_label(ask.request, context["request"].auth)
        return [FollowUpOut.of(follow_up, mentee_name=name) for follow_up in ask.follow_ups.all()]

    @staticmethod
    def resolve_follow_ups_left(ask, context) -> int:
        return follow_ups_left(ask=ask, user=context["request"].auth)

    @staticmethod
    def resolve_page_url(ask, context) -> str:
        page = reverse("web:perspective_ask", args=[ask.public_id])
        return context["request"].build_absolute_uri(page)


class OpenRequestOut(Schema):
    id: str
    title: str
    question: str
    mentee: str = Field(description="The mentee's name, or “Anonymous mentee”")
    area: str
    topic: TopicRefOut | None
    budget: MoneyOut | None = Field(description="The most paid per answer; null for any price")
    answer_hours: int
    created_at: datetime


class FeedItemOut(Schema):
    request: OpenRequestOut
    score: float = Field(description="Higher fits your expertise better")
    reasons: list[str]

    @classmethod
    def of(cls, item) -> "FeedItemOut":
        """An open question of a mentor's feed."""
        request = item.request
        return cls(
            request=OpenRequestOut(
                id=request.public_id,
                title=request.title,
                question=request.question,
                mentee=item.mentee_label,
                area=request.area,
                topic=TopicRefOut.model_validate(request.topic) if request.topic_id else None,
                budget=_budget_of(request),
                answer_hours=request.answer_hours,
                created_at=in_utc(request.created_at),
            ),
            score=item.score,
            reasons=list(item.reasons),
        )


class FeedOut(Schema):
    items: list[FeedItemOut]
    notice: str = Field(description="Why the feed is empty for a reason of your own, or empty")


class PerspectiveOfferMadeOut(Schema):
    id: str = Field(alias="public_id")
    request: str = Field(alias="request.public_id")
    note: str
    price: MoneyOut
    created_at: datetime

    @staticmethod
    def resolve_price(offer) -> MoneyOut:
        return MoneyOut.of(offer.price)

    @staticmethod
    def resolve_created_at(offer) -> datetime:
        return in_utc(offer.created_at)


# A download answers with the file's own type, one of those uploads may have.
FILE_DOWNLOAD = {
    "responses": {
        200: {
            "description": "The file",
            "content": {
                kind: {"schema": {"type": "string", "format": "binary"}} for kind in FILE_KINDS
            },
        }
    }
}


class FieldErrorOut(Schema):
    field: str = Field(
        description="The input the message is about, e.g. `start` or `amount.minor`."
    )
    message: str


class ErrorOut(Schema):
    """The body of every 4xx answer."""

    code: str = Field(description="Stable, for programs: `not_found`, `invalid`, `rate_limited`…")
    message: str = Field(description="For people.")
    field: str | None = Field(None, description="The input at fault, when there is one.")
    errors: list[FieldErrorOut] | None = Field(
        None, description="With `invalid` (422): each field."
    )
