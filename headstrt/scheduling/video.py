"""The video room of a session, from a configurable URL template (default: Jitsi Meet)."""

from django.conf import settings

from headstrt.scheduling.models import Booking


def video_room_url(booking: Booking) -> str:
    """The URL both participants open to join ``booking``'s call."""
    return settings.HEADSTRT_VIDEO_ROOM_URL.format(room=booking.room)
