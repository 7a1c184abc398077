"""Request and response shapes of panels (several mentors at once) and group sessions."""

from datetime import datetime

from django.urls import reverse
from ninja import Field, Schema
from pydantic import StrictInt

from headstrt.api.schemas import (
    CARD_HELP,
    BookingPersonOut,
    Input,
    MoneyOut,
    Text,
    TopicRefOut,
    in_utc,
)
from headstrt.core import clock
from headstrt.core.money import Money
from headstrt.scheduling.models import MAX_GROUP_SEATS, MAX_PANEL_MENTORS
from headstrt.scheduling.panel_reads import group_seat_of, group_seats, panel_total
from headstrt.scheduling.selectors import booking_actions, booking_status_now

# Lists longer than this are refused as input before any service sees them; the services
# refuse more than MAX_PANEL_MENTORS with their own words.
MAX_LISTED_MENTORS = 20
# Longer than any session: a bigger number is no length (and overflows date arithmetic).
MAX_MINUTES = 24 * 60


# Panels: common slots


class PanelSlotsQuery(Text):
    mentors: str = Field(
        description=f"The mentors' ids, comma-separated: 2 to {MAX_PANEL_MENTORS}",
        examples=["k7m2p9q4r8s3,t5v6w7x8y9z2"],
    )
    minutes: int = Field(
        gt=0, le=MAX_MINUTES, description="Session length; one every mentor offers", examples=[30]
    )
    start: str = Field(
        "", description="From this instant, with its offset (default: now)", max_length=40
    )
    end: str = Field(
        "",
        description="Until this instant, with its offset (default: 7 days after start)",
        max_length=40,
    )
    tz: str = Field("", description="IANA time zone of local times (default: yours)", max_length=64)


class MentorTimeOut(Schema):
    mentor: str = Field(description="The mentor's id")
    time_zone: str
    local_start: datetime = Field(description="The start on the mentor's clock, with its offset")
    local_end: datetime


class PanelSlotOut(Schema):
    start: datetime = Field(description="UTC")
    end: datetime = Field(description="UTC")
    local_start: datetime = Field(description="The start on your clock, with its offset")
    local_end: datetime
    mentors: list[MentorTimeOut] = Field(description="The same time on each mentor's clock")


class LengthOptionOut(Schema):
    minutes: int
    slot: PanelSlotOut = Field(description="The earliest common slot of that length")


class WithoutOptionOut(Schema):
    without: BookingPersonOut = Field(description="The mentor left out")
    slot: PanelSlotOut = Field(description="The earliest common slot of the others")


class PanelOptionsOut(Schema):
    message: str = Field(description="The options in words")
    earliest: PanelSlotOut | None = Field(
        description="The earliest common slot of this length later on, if any"
    )
    other_lengths: list[LengthOptionOut] = Field(
        description="Other lengths every mentor offers that have a common slot"
    )
    without: list[WithoutOptionOut] = Field(
        description="For each mentor, the earliest common slot of the others without them"
    )


class PanelSlotsOut(Schema):
    mentors: list[BookingPersonOut]
    minutes: int
    time_zone: str = Field(description="The zone of local_start and local_end")
    start: datetime
    end: datetime
    slots: list[PanelSlotOut] = Field(description="Starts every mentor offers and is free at")
    options: PanelOptionsOut | None = Field(
        description="Only when there is no common slot: the nearest options"
    )


# Panels: holding, paying, reading


class PanelIn(Input):
    """Hold a panel; with ``objective`` (and ``source`` when it costs money), book it in one
    call."""

    mentors: list[str] = Field(
        max_length=MAX_LISTED_MENTORS,
        description=f"The mentors' ids, 2 to {MAX_PANEL_MENTORS}, each once",
    )
    start: datetime = Field(description="A common slot's start, with its offset")
    minutes: StrictInt = Field(gt=0, le=MAX_MINUTES, examples=[30])
    situation: str | None = Field(None, description="The situation this panel is for")
    objective: str | None = Field(
        None,
        description="Give it to book in one call; leave it out to hold the panel for 10 "
        "minutes and pay with POST /panels/{id}/pay",
    )
    agenda: str = Field("", description="Up to 4,000 characters")
    source: str | None = Field(
        None, max_length=200, description=CARD_HELP + "; only with objective"
    )


class PanelPayIn(Input):
    objective: str = Field(description="What you want out of the panel, up to 1,000 characters")
    agenda: str = Field("", description="Up to 4,000 characters")
    source: str = Field(
        "",
        max_length=200,
        description=CARD_HELP + "; a free panel needs none",
        examples=["4242 4242 4242 4242"],
    )


class PanelPartOut(Schema):
    """One mentor's part of a panel: a booking of its own."""

    mentor: BookingPersonOut = Field(alias="mentor.user")
    status: str = Field(description="The part's booking status, as of now")
    session: str | None = Field(
        description="The booking's id (GET /bookings/{id}); only for your own parts"
    )
    price: MoneyOut | None = Field(description="Only for the mentee and this part's mentor")
    held_until: datetime | None = Field(description="When the hold lapses")
    actions: list[str] = Field(description="What you may do with this part now")
    session_url: str | None = Field(description="The session's page, to join; your parts only")

    @staticmethod
    def _is_yours(booking, context) -> bool:
        return booking.party_of(context["request"].auth) is not None

    @staticmethod
    def resolve_status(booking) -> str:
        return booking_status_now(booking=booking, now=clock.now())

    @staticmethod
    def resolve_session(booking, context) -> str | None:
        return booking.public_id if PanelPartOut._is_yours(booking, context) else None

    @staticmethod
    def resolve_price(booking, context) -> MoneyOut | None:
        return MoneyOut.of(booking.price) if PanelPartOut._is_yours(booking, context) else None

    @staticmethod
    def resolve_held_until(booking) -> datetime | None:
        return in_utc(booking.held_until)

    @staticmethod
    def resolve_actions(booking, context) -> list[str]:
        user = context["request"].auth
        return sorted(booking_actions(booking=booking, user=user, now=clock.now()))

    @staticmethod
    def resolve_session_url(booking, context) -> str | None:
        if not PanelPartOut._is_yours(booking, context):
            return None
        page = reverse("web:session_detail", args=[booking.public_id])
        return context["request"].build_absolute_uri(page)


class PanelOut(Schema):
    id: str = Field(alias="public_id")
    your_role: str = Field(description="mentee, or mentor of one part")
    mentee: BookingPersonOut
    start: datetime
    end: datetime
    minutes: int
    situation: str | None = Field(description="The situation it was booked for; mentee only")
    total: MoneyOut | None = Field(description="Every part's price together; mentee only")
    parts: list[PanelPartOut]
    panel_url: str = Field(description="The panel's page in the web app")
    created_at: datetime

    @staticmethod
    def resolve_your_role(panel, context) -> str:
        return "mentee" if panel.mentee_id == context["request"].auth.pk else "mentor"

    @staticmethod
    def resolve_start(panel) -> datetime:
        return in_utc(panel.start)

    @staticmethod
    def resolve_end(panel) -> datetime:
        return in_utc(panel.end)

    @staticmethod
    def resolve_situation(panel, context) -> str | None:
        if panel.mentee_id != context["request"].auth.pk or panel.situation is None:
            return None
        return panel.situation.public_id

    @staticmethod
    def resolve_total(panel, context) -> MoneyOut | None:
        if panel.mentee_id != context["request"].auth.pk:
            return None
        return MoneyOut.of(Money(panel_total(panel), panel.currency))

    @staticmethod
    def resolve_parts(panel) -> list:
        return list(panel.bookings.all())

    @staticmethod
    def resolve_created_at(panel) -> datetime:
        return in_utc(panel.created_at)

    @staticmethod
    def resolve_panel_url(panel, context) -> str:
        page = reverse("web:panel_detail", args=[panel.public_id])
        return context["request"].build_absolute_uri(page)


class PanelPageOut(Schema):
    items: list[PanelOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class PageQuery(Text):
    page: int = 1
    size: int = 20


# Group sessions


class GroupListQuery(PageQuery):
    topic: str = Field(
        "", description="A topic slug; a category includes its topics", max_length=100
    )


class GroupIn(Input):
    title: str = Field(
        description="Up to 120 characters", examples=["Negotiating your first raise"]
    )
    description: str = Field("", description="Up to 2,000 characters")
    topic: str | None = Field(None, description="A topic slug from /api/v1/topics")
    start: datetime = Field(description="The start, with its offset")
    minutes: StrictInt = Field(gt=0, le=MAX_MINUTES, description="15, 30, 45 or 60", examples=[60])
    capacity: StrictInt = Field(description=f"Seats, 2 to {MAX_GROUP_SEATS}", examples=[8])
    price_minor: StrictInt = Field(
        description="Price of one seat in minor units of your currency; 0 for free",
        examples=[1500],
    )


class SeatIn(Input):
    """Leave the body out to hold a seat; with ``objective`` take it in one call."""

    objective: str | None = Field(
        None, description="What you want out of the session; books the seat in one call"
    )
    agenda: str = Field("", description="Up to 4,000 characters")
    source: str | None = Field(
        None, max_length=200, description=CARD_HELP + "; only with objective"
    )


class GroupOut(Schema):
    id: str = Field(alias="public_id")
    title: str
    description: str
    topic: TopicRefOut | None
    mentor: BookingPersonOut = Field(alias="mentor.user")
    start: datetime
    end: datetime
    minutes: int
    capacity: int
    seats_taken: int
    seats_left: int
    price: MoneyOut = Field(description="Of one seat")
    status: str = Field(description="open or cancelled")
    cancelled_at: datetime | None
    group_url: str = Field(description="The group session's page in the web app")

    @staticmethod
    def resolve_start(group) -> datetime:
        return in_utc(group.start)

    @staticmethod
    def resolve_end(group) -> datetime:
        return in_utc(group.end)

    @staticmethod
    def resolve_seats_left(group) -> int:
        return max(0, group.capacity - group.seats_taken)

    @staticmethod
    def resolve_price(group) -> MoneyOut:
        return MoneyOut.of(group.price)

    @staticmethod
    def resolve_cancelled_at(group) -> datetime | None:
        return in_utc(group.cancelled_at)

    @staticmethod
    def resolve_group_url(group, context) -> str:
        page = reverse("web:group_detail", args=[group.public_id])
        return context["request"].build_absolute_uri(page)


class GroupPageOut(Schema):
    items: list[GroupOut]
    page: int = Field(alias="number")
    size: int
    total: int
    pages: int


class SeatOut(Schema):
    session: str = Field(alias="public_id", description="The seat's booking id")
    mentee: BookingPersonOut
    status: str

    @staticmethod
    def resolve_status(booking) -> str:
        return booking_status_now(booking=booking, now=clock.now())


class GroupDetailOut(GroupOut):
    your_seat: str | None = Field(
        description="The booking id of your seat, while it holds its place"
    )
    seats: list[SeatOut] | None = Field(description="Who took a seat; only for its mentor")

    @staticmethod
    def resolve_your_seat(group, context) -> str | None:
        seat = group_seat_of(group=group, mentee=context["viewer"])
        return None if seat is None else seat.public_id

    @staticmethod
    def resolve_seats(group, context) -> list | None:
        viewer = context["viewer"]
        if not viewer.is_authenticated or group.mentor.user_id != viewer.pk:
            return None
        return list(group_seats(group=group, mentor=viewer))
