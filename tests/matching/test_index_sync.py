"""The worker keeps the saved index current and rids it of deleted profiles' text."""

import pytest

from headstrt.core import clock
from headstrt.matching.engine.embedding import default_embedder
from headstrt.matching.engine.index import MentorIndex
from headstrt.matching.indexing import (
    index_path,
    mentor_index,
    mentor_index_reset,
    mentor_index_sync,
)
from tests.clock import Clock
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db


def saved_texts() -> str:
    index, _ = MentorIndex.load(index_path(), default_embedder())
    return " ".join(index._texts[row] for row in range(len(index.vectors)))


def test_a_deleted_mentor_leaves_the_index_and_its_saved_files(monkeypatch):
    frozen = Clock(monkeypatch, clock.now())
    stay = MentorProfileFactory(bio="Zephyr tuning for kites")
    leave = MentorProfileFactory(bio="Quokka photography at dawn")
    mentor_index()

    assert mentor_index_sync() == 0
    assert "Quokka" in saved_texts()

    leave.user.delete()
    assert mentor_index_sync() == 1
    assert leave.pk not in mentor_index() and stay.pk in mentor_index()
    assert "Quokka" not in saved_texts() and "Zephyr" in saved_texts()

    # Within a day of that rebuild a deletion leaves the live index at once, its saved
    # text only with the next day's rebuild.
    other = MentorProfileFactory(bio="Axolotl care")
    mentor_index()
    other.user.delete()
    assert mentor_index_sync() == 1
    assert "Axolotl" in saved_texts()
    frozen.move(days=1)
    assert mentor_index_sync() == 0
    assert "Axolotl" not in saved_texts()

    mentor_index_reset()  # a process starting now loads the saved index as it is
    assert sorted(mentor_index().mentor_ids) == [stay.pk]


def test_searching_again_and_again_indexes_nothing_twice():
    MentorProfileFactory(bio="Kite repair")
    rows = len(mentor_index().vectors)

    for _ in range(5):
        mentor_index()

    assert len(mentor_index().vectors) == rows


def test_a_process_loading_the_saved_index_indexes_nothing_again():
    # Profiles changed together (an import, the demo) all sit within the refresh's look-back
    # of the watermark: a new process must know it applied them already.
    for bio in ("Kite repair", "Sourdough baking", "Chess openings"):
        MentorProfileFactory(bio=bio)
    mentor_index_sync()
    rows = len(mentor_index().vectors)

    mentor_index_reset()

    assert len(mentor_index().vectors) == rows
