"""Each ranking brings the index up to date by reading the stamps of the profiles changed
since its previous read (a little before it, for late commits), not every stamp near the
watermark: after a bulk load every profile carries the same stamp. Every few minutes, and at
each sync, a ranking also reconciles the index with the listed mentors, for the changes that
leave no stamp to read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from headstrt.accounts.models import MentorProfile
from headstrt.matching.indexing import RECONCILE_EVERY, mentor_index, mentor_index_sync
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db


def bulk_loaded(count: int, *, at) -> list[MentorProfile]:
    """``count`` mentors stamped together at ``at``, as an import leaves them."""
    mentors = [MentorProfileFactory(bio=f"Kite repair, way {n}") for n in range(count)]
    MentorProfile.objects.update(updated_at=at)
    return mentors


def stamps_read_by_a_refresh() -> int:
    """How many profile stamps one refresh of the index reads (its stamps query, run again)."""
    with CaptureQueriesContext(connection) as captured:
        mentor_index()
    [stamps] = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].startswith('SELECT "accounts_mentorprofile"."id" AS "pk", "accounts_')
        and '"updated_at"' in query["sql"].split("FROM")[0]
    ]
    with connection.cursor() as cursor:
        cursor.execute(stamps)
        return len(cursor.fetchall())


def clock_moves(monkeypatch, by: timedelta) -> None:
    """The clock that stamps profiles and times the index's reads moves ``by``."""
    moment = timezone.now() + by
    monkeypatch.setattr(timezone, "now", lambda: moment)


def queries_of_a_refresh() -> int:
    with CaptureQueriesContext(connection) as captured:
        mentor_index()
    return len(captured)


def found(word: str) -> set[int]:
    return {candidate.mentor_id for candidate in mentor_index().search(word, mode="lexical")}


def test_a_refresh_reads_only_the_profiles_stamped_since_the_previous_read():
    mentors = bulk_loaded(6, at=timezone.now() - timedelta(minutes=10))
    mentor_index()

    assert stamps_read_by_a_refresh() == 0

    mentors[0].bio = "Quokka photography"
    mentors[0].save()
    assert stamps_read_by_a_refresh() == 1
    assert found("quokka") == {mentors[0].pk}


def test_a_late_commit_stamped_before_the_previous_read_is_still_picked_up():
    mentors = bulk_loaded(3, at=timezone.now() - timedelta(minutes=10))
    mentor_index()
    before_read = timezone.now()
    mentor_index()

    # Stamped just before that read, committed after it.
    MentorProfile.objects.filter(pk=mentors[1].pk).update(
        bio="Axolotl care", updated_at=before_read - timedelta(seconds=1)
    )

    assert found("axolotl") == {mentors[1].pk}


def test_after_the_clock_went_back_a_refresh_reads_from_the_watermark(monkeypatch):
    start = timezone.now()
    mentors = bulk_loaded(3, at=start - timedelta(hours=1))
    mentor_index()  # read at ``start``, the watermark an hour before

    # The clock that stamps profiles goes back half an hour, then a profile changes.
    monkeypatch.setattr(timezone, "now", lambda: start - timedelta(minutes=30))
    mentors[2].bio = "Sourdough baking"
    mentors[2].save()

    assert found("sourdough") == {mentors[2].pk}


def late_commit(*, stamped_before: timedelta) -> MentorProfile:
    """A new profile a long import stamped ``stamped_before`` now, committing now."""
    mentor = MentorProfileFactory(bio="Axolotl care")
    MentorProfile.objects.filter(pk=mentor.pk).update(updated_at=timezone.now() - stamped_before)
    return mentor


def test_a_profile_committed_long_after_its_stamp_is_indexed_at_the_next_reconciliation(
    monkeypatch,
):
    bulk_loaded(2, at=timezone.now() - timedelta(minutes=10))
    mentor_index()
    late = late_commit(stamped_before=timedelta(minutes=1))
    assert found("axolotl") == set()  # stamped well before the previous read

    clock_moves(monkeypatch, RECONCILE_EVERY)

    assert found("axolotl") == {late.pk}


def test_a_sync_reconciles_at_once():
    bulk_loaded(2, at=timezone.now() - timedelta(minutes=10))
    mentor_index()
    late = late_commit(stamped_before=timedelta(minutes=1))

    mentor_index_sync()

    assert found("axolotl") == {late.pk}


def test_after_the_clock_went_back_the_next_refresh_reconciles(monkeypatch):
    bulk_loaded(2, at=timezone.now() - timedelta(minutes=10))
    mentor_index()
    late = late_commit(stamped_before=timedelta(minutes=20))  # before the watermark

    clock_moves(monkeypatch, -timedelta(minutes=1))

    assert found("axolotl") == {late.pk}


def test_a_deleted_account_leaves_the_index_at_the_next_reconciliation(monkeypatch):
    stay, leave = bulk_loaded(2, at=timezone.now() - timedelta(minutes=10))
    mentor_index()

    leave.user.delete()
    clock_moves(monkeypatch, RECONCILE_EVERY)

    assert sorted(mentor_index().mentor_ids) == [stay.pk]


def test_reconciling_costs_one_query_every_few_minutes_only(monkeypatch):
    bulk_loaded(3, at=timezone.now() - timedelta(minutes=10))
    mentor_index()

    assert queries_of_a_refresh() == 1  # the stamps
    clock_moves(monkeypatch, RECONCILE_EVERY)
    assert queries_of_a_refresh() == 2  # the stamps and the listed ids
    assert queries_of_a_refresh() == 1
