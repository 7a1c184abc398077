"""What participants are told when a booking changes: in-app notices, email, calendar invites."""

from headstrt.scheduling.models import Booking


def booking_changed(booking: Booking, change: str) -> None:
    """Tell the people concerned that ``booking`` went through ``change``."""
