"""A rename and an added area of expertise committed together both reach the search text:
the profile row lock makes the later rewrite read the earlier change. Run on PostgreSQL,
where the two really overlap (SQLite lets one writer in at a time anyway)."""

import threading

import pytest
from django.db import connection, connections, transaction

from headstrt.accounts import services
from headstrt.accounts.models import Area, MentorProfile
from tests.factories import TopicFactory, UserFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent writers"),
]


def test_a_rename_waiting_on_an_expertise_add_keeps_the_added_area():
    user = UserFactory(display_name="Ana Quill")
    services.mentor_profile_save(
        user=user, headline="Coach", bio="Hi.", currency="EUR", offers={30: 4000}, weekly_capacity=5
    )
    topic = TopicFactory(slug="test-pay", name="Pay talks", area=Area.PROFESSIONAL)
    added, renaming = threading.Event(), threading.Event()
    errors = []

    def add_expertise():
        try:
            with transaction.atomic():
                services.mentor_expertise_add(user=user, topic=topic.slug, years=3)
                added.set()
                renaming.wait(timeout=10)
                # Commit only once the rename waits for the profile row.
                threading.Event().wait(0.3)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    def rename():
        try:
            added.wait(timeout=10)
            renaming.set()
            services.user_update(user=user, display_name="Ana Ink")
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=add_expertise), threading.Thread(target=rename)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    text = MentorProfile.objects.get(user=user).search_text
    assert "ANA INK" in text and "PAY TALKS" in text
