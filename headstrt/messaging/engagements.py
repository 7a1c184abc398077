"""Who takes part in each engagement a conversation belongs to (a session, a panel, a request
for written perspectives, a dispute), in which role, and how the conversation is named and
linked for each of them."""

from dataclasses import dataclass, replace

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.urls import reverse

from headstrt.accounts.models import User
from headstrt.core.errors import DomainError, NotFound
from headstrt.disputes.models import OPEN_STATUSES, Assignment, Dispute
from headstrt.disputes.selectors import dispute_role
from headstrt.messaging.models import Block, Conversation
from headstrt.perspectives.models import AskStatus, PerspectiveAsk, PerspectiveRequest
from headstrt.perspectives.selectors import mentee_label
from headstrt.scheduling.models import Booking, BookingStatus
from headstrt.scheduling.slots import zone_of

# Written answers whose mentor still takes part: the question reached them and they did not
# decline it or let it lapse.
_ASK_TAKES_PART = (AskStatus.ASKED, AskStatus.ANSWERED)


@dataclass(frozen=True)
class Participant:
    """A person in a conversation as the reader sees them: ``role`` is ``mentee``,
    ``mentor``, ``party`` (of a dispute) or ``mediator``; ``name`` may be a stand-in (the
    mentee of an anonymous question, as its mentors see it). ``can_block``: whether the
    reader may block them (not themselves, not a mediator, who runs a case, and not a person
    shown anonymously, whom a block list would name)."""

    user: User
    role: str
    name: str
    can_block: bool = False


def _related(prefix: str = "") -> tuple[list[str], list[Prefetch]]:
    """What deciding participants, titles and links reads, for conversations reached
    through ``prefix`` (``"conversation__"`` from a member row): joined rows, and three
    prefetches that only run for the kinds present."""
    joined = [
        f"{prefix}{name}"
        for name in (
            "booking__mentor__user",
            "booking__mentee",
            "panel__mentee",
            "request__mentee",
            "dispute__opener",
            "dispute__respondent",
            "dispute__booking",
        )
    ]
    prefetched = [
        Prefetch(
            f"{prefix}panel__bookings",
            queryset=Booking.objects.select_related("mentor__user").order_by("pk"),
        ),
        Prefetch(
            f"{prefix}request__asks",
            queryset=PerspectiveAsk.objects.select_related("mentor__user").order_by("pk"),
        ),
        Prefetch(
            f"{prefix}dispute__assignments",
            queryset=Assignment.objects.filter(
                ended_at__isnull=True, mediator__is_active=True
            ).select_related("mediator__user"),
            to_attr="live_assignments",
        ),
    ]
    return joined, prefetched


def conversations_with_engagements() -> QuerySet[Conversation]:
    """Conversations with everything their engagements need at hand (a fixed number of
    queries: one, plus one for each kind of engagement among them but sessions)."""
    joined, prefetched = _related()
    return Conversation.objects.select_related(*joined).prefetch_related(*prefetched)


_NOT_YET = (BookingStatus.HELD, BookingStatus.EXPIRED)


def booking_takes_part(booking: Booking) -> bool:
    """Whether a session is far enough along to talk about: requested or booked at some
    point. A slot held during checkout, or a hold that lapsed, commits nobody to anything."""
    return booking.confirmed_at is not None or booking.status not in _NOT_YET


def taking_part(user: User, prefix: str = "") -> Q:
    """A filter keeping the conversations (reached through ``prefix``, e.g.
    ``"conversation__"``) whose engagement ``user`` takes part in now: the rule of
    ``participants`` in SQL, for reads that must follow the engagement without loading it
    (what live updates poll, file downloads, a person's list and unread count)."""

    def outer(link: str) -> OuterRef:
        return OuterRef(f"{prefix}{link}_id")

    sessions = Booking.objects.filter(Q(confirmed_at__isnull=False) | ~Q(status__in=_NOT_YET))
    asks = PerspectiveAsk.objects.filter(status__in=_ASK_TAKES_PART)
    return (
        Q(Exists(sessions.filter(Q(mentee=user) | Q(mentor__user=user), pk=outer("booking"))))
        | Q(Exists(sessions.filter(panel_id=outer("panel"), mentor__user=user)))
        | (
            Q(**{f"{prefix}panel__mentee": user})
            & Q(Exists(sessions.filter(panel_id=outer("panel"))))
        )
        | Q(Exists(asks.filter(request_id=outer("request"), mentor__user=user)))
        | (
            Q(**{f"{prefix}request__mentee": user})
            & Q(Exists(asks.filter(request_id=outer("request"))))
        )
        | Q(**{f"{prefix}dispute__opener": user})
        | Q(**{f"{prefix}dispute__respondent": user})
        | Q(
            Exists(
                Assignment.objects.filter(
                    dispute_id=outer("dispute"),
                    ended_at__isnull=True,
                    mediator__is_active=True,
                    mediator__user=user,
                )
            )
        )
    )


def _no_conversation(message: str) -> DomainError:
    return DomainError("no_conversation", message, status=409)


def _session_not_yet() -> DomainError:
    return _no_conversation("You can message once the session is requested or booked.")


def _people(conversation: Conversation, viewer: User) -> list[Participant]:
    if conversation.booking_id is not None:
        booking = conversation.booking
        if not booking_takes_part(booking):
            return []
        return [
            Participant(booking.mentee, "mentee", booking.mentee.display_name),
            Participant(booking.mentor.user, "mentor", booking.mentor.user.display_name),
        ]
    if conversation.panel_id is not None:
        panel = conversation.panel
        mentors = [
            booking.mentor.user for booking in panel.bookings.all() if booking_takes_part(booking)
        ]
        if not mentors:
            return []
        return [
            Participant(panel.mentee, "mentee", panel.mentee.display_name),
            *(Participant(mentor, "mentor", mentor.display_name) for mentor in mentors),
        ]
    if conversation.request_id is not None:
        request = conversation.request
        mentors = [ask.mentor.user for ask in request.asks.all() if ask.status in _ASK_TAKES_PART]
        if not mentors:
            return []
        return [
            Participant(request.mentee, "mentee", mentee_label(request, viewer)),
            *(Participant(mentor, "mentor", mentor.display_name) for mentor in mentors),
        ]
    dispute = conversation.dispute
    mediators = [assignment.mediator.user for assignment in dispute.live_assignments]
    return [
        Participant(dispute.opener, "party", dispute.opener.display_name),
        Participant(dispute.respondent, "party", dispute.respondent.display_name),
        *(Participant(mediator, "mediator", mediator.display_name) for mediator in mediators),
    ]


def participants(conversation: Conversation, viewer: User) -> list[Participant]:
    """The people of the conversation's engagement now, in a stable order (the mentee or
    the dispute's opener first), named as ``viewer`` sees them. Empty when the engagement
    does not allow a conversation (yet, or any more)."""
    request = conversation.request if conversation.request_id is not None else None
    anonymous = request is not None and request.anonymous and viewer.pk != request.mentee_id
    return [
        replace(
            person,
            can_block=person.user.pk != viewer.pk
            and person.role != "mediator"
            and not (anonymous and person.role == "mentee"),
        )
        for person in _people(conversation, viewer)
    ]


def blocks_apply(conversation: Conversation, one: int, other: int) -> bool:
    """Whether a block between two people (user ids) hides and silences messages here: not
    in a dispute, whose record everyone on the case reads whole, and not between the asker
    of an anonymous question and its mentors, where a block (or its effect) would tell who
    is asking. Needs only ``conversation.request``."""
    if conversation.dispute_id is not None:
        return False
    request = conversation.request if conversation.request_id is not None else None
    return not (request is not None and request.anonymous and request.mentee_id in (one, other))


def hidden_by_block(reader: User, *, message: str = "", conversation: str = "conversation__") -> Q:
    """A filter matching the messages (reached through ``message``, their conversation
    through ``conversation``) that ``reader`` does not see because they blocked the author,
    where ``blocks_apply`` counts the block."""
    anonymous_asker = Q(**{f"{conversation}request__anonymous": True}) & (
        Q(**{f"{message}author_id": F(f"{conversation}request__mentee_id")})
        | Q(**{f"{conversation}request__mentee_id": reader.pk})
    )
    return (
        Q(**{f"{message}author_id__in": Block.objects.filter(blocker=reader).values("blocked_id")})
        & Q(**{f"{conversation}dispute__isnull": True})
        & ~anonymous_asker
    )


def author_name(conversation: Conversation, author: User, viewer: User) -> str:
    """How ``author`` is named to ``viewer`` in this conversation (the anonymous mentee of a
    question stays anonymous to its mentors). Needs only ``conversation.request``."""
    request = conversation.request if conversation.request_id is not None else None
    if request is not None and author.pk == request.mentee_id:
        return mentee_label(request, viewer)
    return author.display_name


def posting_refusal(conversation: Conversation) -> DomainError | None:
    """Why nobody may write in the conversation any more (a resolved dispute's record is
    closed), or ``None``."""
    if conversation.dispute_id is not None and conversation.dispute.status not in OPEN_STATUSES:
        return _no_conversation("The dispute is resolved, so its conversation is closed.")
    return None


def _day(moment, viewer: User) -> str:
    local = moment.astimezone(zone_of(viewer.time_zone or "UTC"))
    return f"{local.day} {local:%b}"


def title(conversation: Conversation, viewer: User) -> str:
    """The conversation's name for ``viewer``: "Session with Ana Diaz, 3 Dec", "Panel with 3
    mentors, 3 Dec", "Your question: …", "Question from …", "Dispute about the session of
    3 Dec" (dates on the viewer's clock)."""
    if conversation.booking_id is not None:
        booking = conversation.booking
        other = booking.mentor.user if viewer.pk == booking.mentee_id else booking.mentee
        return f"Session with {other.display_name}, {_day(booking.start, viewer)}"
    if conversation.panel_id is not None:
        panel = conversation.panel
        count = sum(1 for booking in panel.bookings.all() if booking_takes_part(booking))
        mentors = f"{count} mentor{'' if count == 1 else 's'}"
        day = _day(panel.start, viewer)
        if viewer.pk == panel.mentee_id:
            return f"Panel with {mentors}, {day}"
        return f"Panel of {panel.mentee.display_name} with {mentors}, {day}"
    if conversation.request_id is not None:
        request = conversation.request
        if viewer.pk == request.mentee_id:
            return f"Your question: {request.heading}"
        return f"Question from {mentee_label(request, viewer)}"
    return f"Dispute about the session of {_day(conversation.dispute.booking.start, viewer)}"


def engagement_url(conversation: Conversation, viewer: User) -> str:
    """The web page of the engagement as ``viewer`` reads it (a mentor reads a question on
    the page of their own ask)."""
    if conversation.booking_id is not None:
        return reverse("web:session_detail", args=[conversation.booking.public_id])
    if conversation.panel_id is not None:
        return reverse("web:panel_detail", args=[conversation.panel.public_id])
    if conversation.request_id is not None:
        request = conversation.request
        own_ask = next((ask for ask in request.asks.all() if ask.mentor.user_id == viewer.pk), None)
        if own_ask is not None and viewer.pk != request.mentee_id:
            return reverse("web:perspective_ask", args=[own_ask.public_id])
        return reverse("web:perspective_detail", args=[request.public_id])
    return reverse("web:dispute_detail", args=[conversation.dispute.public_id])


def engagement_of(
    *, user: User, booking_id: object, request_id: object, dispute_id: object
) -> dict[str, object]:
    """The engagement named by exactly one public id, as the ``Conversation`` field that
    links it (a session of a panel is the panel): ``{"panel": panel}``. ``NotFound`` unless
    ``user`` is connected to it; whether they take part now is for ``participants``."""
    given = [value for value in (booking_id, request_id, dispute_id) if value is not None]
    if len(given) != 1:
        raise DomainError(
            "engagement_required",
            "Name exactly one session, question or dispute to talk about.",
            status=422,
        )
    if not isinstance(given[0], str):
        raise NotFound("No such conversation.")
    if booking_id is not None:
        booking = (
            Booking.objects.select_related("mentor", "panel").filter(public_id=booking_id).first()
        )
        if booking is None or booking.party_of(user) is None:
            raise NotFound("No such session.")
        return {"panel": booking.panel} if booking.panel_id is not None else {"booking": booking}
    if request_id is not None:
        request = PerspectiveRequest.objects.filter(public_id=request_id).first()
        connected = request is not None and (
            request.mentee_id == user.pk
            or request.asks.filter(mentor__user=user).exclude(status=AskStatus.UNPAID).exists()
        )
        if not connected:
            raise NotFound("No such question.")
        return {"request": request}
    dispute = Dispute.objects.filter(public_id=dispute_id).first()
    if dispute is None or dispute_role(dispute, user) in ("", "staff"):
        raise NotFound("No such dispute.")
    return {"dispute": dispute}


def not_taking_part(conversation: Conversation, people: list[Participant]) -> DomainError:
    """The refusal for someone connected to the engagement but not among ``people``: while
    nobody may talk yet, what has to happen first; otherwise ``NotFound``."""
    if not people and conversation.request_id is not None:
        return _no_conversation("You can message once a mentor has your question.")
    if not people:
        return _session_not_yet()
    return NotFound("No such conversation.")
