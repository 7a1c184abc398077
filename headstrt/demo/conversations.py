"""The demo's conversation: the demo mentee and mentor have already talked about their
upcoming session, so both find a conversation with an unread reply waiting."""

from headstrt.accounts.models import User
from headstrt.messaging.conversations import conversation_open, message_post
from headstrt.scheduling.models import Booking, BookingStatus


def demo_conversation(*, mentee: User, mentor: User) -> None:
    """Two messages about the demo mentee's upcoming session, once."""
    booking = (
        Booking.objects.filter(
            mentee=mentee, mentor__user=mentor, status=BookingStatus.CONFIRMED, panel=None
        )
        .order_by("start")
        .first()
    )
    if booking is None:
        return
    conversation = conversation_open(user=mentee, booking_id=booking.public_id)
    if conversation.messages.exists():
        return
    for author, text in (
        (
            mentee,
            "Hello! The offer letter arrived this morning. Should I bring the whole package "
            "(bonus, equity, holidays) or only the base salary?",
        ),
        (
            mentor,
            "Bring the whole package — we'll decide together which part to push on. Have a "
            "look at two salary surveys for your role before we meet; a range beats a guess.",
        ),
    ):
        message_post(user=author, conversation_id=conversation.public_id, body=text)
