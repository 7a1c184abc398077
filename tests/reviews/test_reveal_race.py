"""Both sides sending their reviews at the same moment still reveal both: the booking row
lock makes the second submission see the first. Run on PostgreSQL, where the two really
overlap (SQLite lets one writer in at a time anyway)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, connections

from headstrt.reviews import services
from headstrt.reviews.models import Review
from tests.reviews.reviewing import review

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers")
@pytest.mark.parametrize("attempt", range(3))
def test_two_reviews_sent_together_are_both_revealed(
    done_session, mentor, mentee, attempt, monkeypatch
):
    # Widen the gap between reading the session's reviews and writing one, where two
    # submissions without the lock would each miss the other.
    closes = services.review_window_closes

    def slow_closes(booking):
        time.sleep(0.2)
        return closes(booking)

    monkeypatch.setattr(services, "review_window_closes", slow_closes)
    start = threading.Barrier(2)
    errors = []

    def send(author, stars):
        try:
            start.wait()
            review(done_session, author, stars)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=send, args=(mentee, 5)),
        threading.Thread(target=send, args=(mentor.user, 4)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    reviews = list(Review.objects.all())
    assert len(reviews) == 2
    assert len({r.reveal_at for r in reviews}) == 1
    assert reviews[0].reveal_at < done_session.end + timedelta(days=14)
    assert all(r.announced_at is not None for r in reviews)
