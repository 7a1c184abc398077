"""Keeps the process's mentor index in step with the database, and persists it."""

import re
import threading
from datetime import datetime
from pathlib import Path

from django.conf import settings

from headstrt.accounts.models import MentorProfile
from headstrt.accounts.selectors import mentors_with_details
from headstrt.matching.engine.embedding import default_embedder
from headstrt.matching.engine.index import MentorIndex, Passage

_lock = threading.Lock()
_state: dict = {"index": None, "watermark": None}
_PARAGRAPHS = re.compile(r"\n\s*\n")


def index_path() -> Path:
    """Where the persisted index lives."""
    return Path(settings.DATA_DIR) / "matching-index"


def mentor_passages(mentor: MentorProfile) -> list[Passage]:
    """What a mentor can be found by: headline, expertise entries and bio paragraphs."""
    time = mentor.updated_at.timestamp()
    passages = [Passage(kind="headline", text=mentor.headline, weight=1.0, ref="", time=time)]
    for entry in mentor.expertise.all():
        text = " — ".join(
            part for part in (entry.topic.path, entry.description, entry.evidence) if part
        )
        passages.append(
            Passage(kind="expertise", text=text, weight=1.5, ref=entry.public_id, time=time)
        )
    for paragraph in _PARAGRAPHS.split(mentor.bio):
        if paragraph.strip():
            passages.append(
                Passage(kind="bio", text=paragraph.strip(), weight=0.8, ref="", time=time)
            )
    return passages


def _apply(index: MentorIndex, mentors) -> datetime | None:
    latest = None
    for mentor in mentors:
        if mentor.is_active and mentor.user.is_active:
            index.set_mentor(mentor.pk, mentor_passages(mentor))
        else:
            index.remove_mentor(mentor.pk)
        latest = max(latest, mentor.updated_at) if latest else mentor.updated_at
    return latest


def mentor_index_rebuild() -> MentorIndex:
    """Build the index afresh from every active mentor, and make it this process's index."""
    index = MentorIndex.empty(default_embedder())
    with _lock:
        watermark = _apply(index, mentors_with_details().filter(is_active=True).iterator(2000))
        _state.update(index=index, watermark=watermark)
    return index


def mentor_index_save() -> Path:
    """Persist this process's index (with its watermark) so the next start loads it fast."""
    index = mentor_index()
    path = index_path()
    index.save(
        path, meta={"watermark": _state["watermark"].isoformat() if _state["watermark"] else ""}
    )
    return path


def mentor_index() -> MentorIndex:
    """This process's index, loaded or built on first use, then brought up to date."""
    with _lock:
        if _state["index"] is None:
            path = index_path()
            if path.exists():
                index, meta = MentorIndex.load(path, default_embedder())
                stamp = meta.get("watermark")
                _state.update(
                    index=index, watermark=datetime.fromisoformat(stamp) if stamp else None
                )
    if _state["index"] is None:
        return mentor_index_rebuild()
    _refresh()
    return _state["index"]


def _refresh() -> None:
    """Apply the mentor profiles changed since the watermark (no full rebuild)."""
    with _lock:
        watermark = _state["watermark"]
        changed = mentors_with_details()
        if watermark is not None:
            changed = changed.filter(updated_at__gte=watermark)
        latest = _apply(_state["index"], changed)
        if latest is not None:
            _state["watermark"] = latest


def mentor_index_reset() -> None:
    """Forget this process's index (the next use loads or rebuilds it)."""
    with _lock:
        _state.update(index=None, watermark=None)
