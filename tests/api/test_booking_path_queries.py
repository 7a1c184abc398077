"""The requests of a booking, from the hold to the first message, each cost a pinned number
of queries: hold a slot, pay for it, open the session's conversation and write in it."""

from datetime import UTC, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from headstrt.payments.providers.test import CARD_SUCCEEDS
from headstrt.scheduling import services
from tests.api.conftest import BASE, client_for
from tests.clock import frozen_at
from tests.factories import MentorProfileFactory, SituationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2030, 3, 4, 10, 0, tzinfo=UTC)  # a Monday
TUESDAY_10 = datetime(2030, 3, 5, 9, 0, tzinfo=UTC)

moment = frozen_at(NOW)

# Each includes the token; the emails and reminders are queued, never sent in the request.
PINNED = {"hold": 16, "pay": 50, "conversation_open": 15, "message": 16}


def test_each_step_of_a_booking_costs_a_pinned_number_of_queries(client):
    mentor = MentorProfileFactory(user__display_name="Mia Mentor", offers={30: 4000})
    services.availability_set(
        user=mentor.user, rules=[(weekday, time(9), time(17)) for weekday in range(5)]
    )
    mentee = UserFactory(display_name="Noa Mentee")
    situation = SituationFactory(mentee=mentee, text="Asking for a raise next month")
    api = client_for(client, mentee)
    assert api.get("/me").status_code == 200  # the token's first use is noted once
    counted = {}

    def post(name, path, body, status):
        with CaptureQueriesContext(connection) as captured:
            response = api.client.post(
                BASE + path, body, content_type="application/json", headers=api.headers
            )
        assert response.status_code == status, response.content
        counted[name] = len(captured)
        return response.json()

    hold = {
        "mentor": mentor.user.public_id,
        "start": TUESDAY_10.isoformat(),
        "minutes": 30,
        "situation": situation.public_id,
    }
    booking = post("hold", "/bookings/holds", hold, 201)["id"]
    paid = post(
        "pay",
        f"/bookings/{booking}/pay",
        {"objective": "Leave with a script.", "source": CARD_SUCCEEDS},
        200,
    )
    conversation = post("conversation_open", "/conversations", {"booking": booking}, 200)
    message = post(
        "message", f"/conversations/{conversation['id']}/messages", {"body": "Hello!"}, 201
    )

    assert paid["status"] == "confirmed"
    assert conversation["messages"] == [] and conversation["can_post"]
    assert (message["body"], message["attachments"]) == ("Hello!", [])
    assert counted == PINNED
