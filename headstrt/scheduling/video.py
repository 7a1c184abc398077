"""The video room of a session, from a configurable URL template (default: Jitsi Meet)."""

from django.conf import settings
from django.utils.crypto import salted_hmac

from headstrt.scheduling.models import Booking


def video_room_url(booking: Booking) -> str:
    """The URL the participants open to join ``booking``'s call: one room for all the
    bookings of a panel or of a group session, since they meet together."""
    return settings.HEADSTRT_VIDEO_ROOM_URL.format(room=_room(booking))


def _room(booking: Booking) -> str:
    if booking.panel_id is not None:
        shared = f"panel:{booking.panel_id}"
    elif booking.group_id is not None:
        shared = f"group:{booking.group_id}"
    else:
        return booking.room
    # Derived rather than stored, so every booking names the same room without a query;
    # the secret key keeps it as unguessable as a booking's own room (128 bits).
    return f"headstrt-{salted_hmac('headstrt.video.room', shared).hexdigest()[:32]}"
