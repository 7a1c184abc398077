"""Keeps the process's mentor index in step with the database, and persists it."""

import re
import threading
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Prefetch, QuerySet
from django.utils import timezone

from headstrt.accounts.models import MentorProfile, User
from headstrt.accounts.selectors import mentors_with_details
from headstrt.core import clock
from headstrt.matching.departures import mentor_departures
from headstrt.matching.engine.embedding import default_embedder
from headstrt.matching.engine.index import MentorIndex, Passage

_lock = threading.Lock()
_state: dict = {"index": None, "watermark": None, "read_at": None, "reconciled_at": None}
_PARAGRAPHS = re.compile(r"\n\s*\n")
COMPACT_EVERY = timedelta(days=1)
REFRESH_LAG = timedelta(seconds=5)
# How often a process checks which mentors its index holds against the listed ones.
RECONCILE_EVERY = timedelta(minutes=5)


def index_path() -> Path:
    """Where the persisted index lives."""
    return Path(settings.DATA_DIR) / "matching-index"


def _answered_outcomes() -> QuerySet:
    """Outcomes the mentee answered, with only the session topic: never the objective or notes."""
    # reviews builds on matching, so it is imported here rather than at the top
    from headstrt.reviews.models import Outcome

    return (
        Outcome.objects.exclude(result="")
        .filter(topic__isnull=False)
        .select_related("topic__parent")
        .only("mentor_id", "result", "result_at", "topic__name", "topic__parent__name")
        .order_by("topic__parent__name", "topic__name", "pk")
    )


def indexed_mentors() -> QuerySet[MentorProfile]:
    """Mentor profiles with what the index reads, in a fixed number of queries per batch."""
    return mentors_with_details().prefetch_related(
        Prefetch("outcomes", queryset=_answered_outcomes(), to_attr="answered_outcomes")
    )


def past_session_passages(mentor: MentorProfile) -> list[Passage]:
    """One passage per topic of the mentor's answered sessions, e.g. "Career › Salary
    negotiation — 3 sessions, objective reached in 2"."""
    outcomes = getattr(mentor, "answered_outcomes", None)
    if outcomes is None:
        outcomes = list(_answered_outcomes().filter(mentor=mentor))
    by_topic = defaultdict(list)
    for outcome in outcomes:
        by_topic[outcome.topic.path].append(outcome)
    passages = []
    for path, answered in by_topic.items():
        reached = sum(1 for outcome in answered if outcome.result == "reached")
        sessions = f"{len(answered)} session{'' if len(answered) == 1 else 's'}"
        latest = max((o.result_at for o in answered if o.result_at), default=mentor.updated_at)
        passages.append(
            Passage(
                kind="session",
                text=f"{path} — {sessions}, objective reached in {reached}",
                weight=1.0,
                ref=path,
                time=latest.timestamp(),
            )
        )
    return passages


def mentor_passages(mentor: MentorProfile) -> list[Passage]:
    """What a mentor can be found by: headline, expertise entries, bio paragraphs and the
    topics of past sessions."""
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
    return passages + past_session_passages(mentor)


def _apply(index: MentorIndex, mentors, applied: dict[int, datetime]) -> datetime | None:
    """Index (or drop) ``mentors``, noting each one's stamp in ``applied``; the latest."""
    latest = None
    for mentor in mentors:
        if mentor.is_active and mentor.user.is_active:
            index.set_mentor(mentor.pk, mentor_passages(mentor))
        else:
            index.remove_mentor(mentor.pk)
        applied[mentor.pk] = mentor.updated_at
        latest = max(latest, mentor.updated_at) if latest else mentor.updated_at
    return latest


def _recent(applied: dict[int, datetime], watermark: datetime | None) -> dict[int, datetime]:
    """What ``_refresh`` reads again: the stamps within ``REFRESH_LAG`` of the watermark."""
    if watermark is None:
        return {}
    return {pk: at for pk, at in applied.items() if at >= watermark - REFRESH_LAG}


def mentor_index_rebuild() -> MentorIndex:
    """Build the index afresh from every active mentor, and make it this process's index."""
    index = MentorIndex.empty(default_embedder())
    with _lock:
        applied = {}
        read_at = timezone.now()
        watermark = _apply(index, indexed_mentors().filter(is_active=True).iterator(2000), applied)
        _state.update(
            index=index,
            watermark=watermark,
            applied=_recent(applied, watermark),
            read_at=read_at,
            reconciled_at=read_at,
            unsaved=True,
        )
    return index


def mentor_index_save() -> Path:
    """Persist this process's index (with its watermark and the profiles it applied just
    before it) so the next start loads it fast and does not index those profiles again."""
    index = mentor_index()
    path = index_path()
    with _lock:
        meta = {
            "watermark": _state["watermark"].isoformat() if _state["watermark"] else "",
            "applied": {str(pk): at.isoformat() for pk, at in _state.get("applied", {}).items()},
        }
        _state["unsaved"] = False
    index.save(path, meta=meta)
    return path


def mentor_index() -> MentorIndex:
    """This process's index, loaded or built on first use, then brought up to date."""
    return _current(reconcile=False)[0]


def _current(*, reconcile: bool) -> tuple[MentorIndex, int]:
    """This process's index, loaded or built on first use, then brought up to date (and
    reconciled when ``reconcile`` or when due); with how many mentors reconciling dropped."""
    with _lock:
        if _state["index"] is None:
            path = index_path()
            if path.exists():
                index, meta = MentorIndex.load(path, default_embedder())
                stamp = meta.get("watermark")
                applied = {
                    int(pk): datetime.fromisoformat(at)
                    for pk, at in meta.get("applied", {}).items()
                }
                # What committed after the save is unknown: reconcile at the first refresh.
                _state.update(
                    index=index,
                    watermark=datetime.fromisoformat(stamp) if stamp else None,
                    applied=applied,
                    reconciled_at=None,
                )
    if _state["index"] is None:
        return mentor_index_rebuild(), 0
    return _state["index"], _refresh(reconcile=reconcile)


def _refresh_since(
    watermark: datetime | None, read_at: datetime | None, now: datetime
) -> datetime | None:
    """The earliest stamp ``_refresh`` reads: ``REFRESH_LAG`` before the later of the watermark
    and the previous read (``read_at``), or before the watermark alone when the clock went back
    since that read; None (every profile) when neither is known. A watermark stamped by a clock
    that was ahead still hides the changes stamped earlier than it after the clock went back:
    reconciling brings back a new or returning mentor among them, not an edit."""
    bounds = [at for at in (watermark, read_at if read_at and read_at <= now else None) if at]
    return max(bounds) - REFRESH_LAG if bounds else None


def _listed_ids() -> set[int]:
    """Every mentor the index should hold: an active profile of an active person. One light
    query: the profiles but those of the few inactive people, whom an index of their own finds
    (a join on every person would read them all)."""
    inactive = User.objects.filter(is_active=False).values("pk")
    return set(
        MentorProfile.objects.filter(is_active=True)
        .exclude(user__in=inactive)
        .order_by()
        .values_list("pk", flat=True)
    )


def _reconcile_due(now: datetime) -> bool:
    """Whether ``RECONCILE_EVERY`` has passed since the last reconciliation, none ran yet or
    the clock went back since."""
    last = _state["reconciled_at"]
    return last is None or not last <= now < last + RECONCILE_EVERY


def _refresh(*, reconcile: bool) -> int:
    """Apply the mentor profiles changed since the watermark (no full rebuild), and every
    ``RECONCILE_EVERY`` (or when ``reconcile``) reconcile the index with the listed mentors;
    how many mentors reconciling dropped.

    A transaction that commits late may carry a change stamped a little before it commits,
    so the last ``REFRESH_LAG`` before the watermark, or before the previous read when that
    is later, is read again: whatever committed after that read was stamped at most
    ``REFRESH_LAG`` before it. The previous read bounds what is read when every profile
    carries the same stamp (a bulk load), which would otherwise be read again each time.
    What was applied there already (the same profile at the same stamp) is skipped rather
    than indexed once more. Profiles are stamped by ``django.utils.timezone.now``, so the
    read is timed by that clock too (the servers' clocks must agree to well within the lag).

    Some changes leave no stamp to read: a deleted account, a person deactivated or brought
    back, a profile committed longer than the lag after its stamp (a long import). Reconciling
    reads the listed mentors' ids, drops the indexed ones no longer listed and indexes the
    listed ones missing, so the index holds the listed mentors again within
    ``RECONCILE_EVERY``.
    """
    with _lock:
        index = _state["index"]
        watermark = _state["watermark"]
        now = timezone.now()
        since = _refresh_since(watermark, _state["read_at"], now)
        stamps = MentorProfile.objects.order_by()
        if since is not None:
            stamps = stamps.filter(updated_at__gte=since)
        applied = _state.setdefault("applied", {})
        # Every ranking comes here: look at the stamps alone (one light query), and read the
        # details the index needs only of the profiles that really changed.
        changed = {
            pk for pk, stamp in stamps.values_list("pk", "updated_at") if applied.get(pk) != stamp
        }
        gone = set()
        if reconcile or _reconcile_due(now):
            listed, indexed = _listed_ids(), set(index.mentor_ids)
            gone = indexed - listed
            for mentor_id in gone:
                index.remove_mentor(mentor_id)
            changed |= listed - indexed
            _state["reconciled_at"] = now
        fresh = list(indexed_mentors().filter(pk__in=changed)) if changed else []
        latest = _apply(index, fresh, applied)
        if latest is not None and (watermark is None or latest > watermark):
            _state["watermark"] = latest
        _state["read_at"] = now
        if _state["watermark"] != watermark:  # else nothing left the window
            _state["applied"] = _recent(applied, _state["watermark"])
        if fresh or gone:
            _state["unsaved"] = True
        return len(gone)


def mentor_index_sync() -> int:
    """Bring the index up to date, reconcile it with the listed mentors at once (a deleted
    account leaves no changed row behind) and, when anything changed since the last save,
    persist it, so a process starting later loads it instead of replaying every change.

    Replaced and dropped passages stay in the index's files until it is built afresh, which
    happens here at most once a day while there are any: the text of a deleted profile or
    an old bio leaves the disk within a day. Returns how many mentors were dropped."""
    index, dropped = _current(reconcile=True)
    now = clock.now()
    compacted = _state.get("compacted")
    if index.lexical.live_documents < len(index.vectors) and (
        compacted is None or now - compacted >= COMPACT_EVERY
    ):
        mentor_index_rebuild()
        _state["compacted"] = now
    if _state.get("unsaved"):
        mentor_index_save()
    return dropped


def mentor_index_generation() -> tuple[str, int]:
    """What changes whenever a mentor profile does: the latest stamp (each change stamps the
    profile; one index probe) and the departures (a deleted profile leaves no stamp), so a
    ranking kept under it is never served after a profile it read has changed."""
    latest = MentorProfile.objects.order_by().aggregate(latest=Max("updated_at"))["latest"]
    return (latest.isoformat() if latest else "", mentor_departures())


def mentor_index_reset() -> None:
    """Forget this process's index (the next use loads or rebuilds it)."""
    with _lock:
        _state.update(
            index=None,
            watermark=None,
            read_at=None,
            reconciled_at=None,
            unsaved=False,
            compacted=None,
            applied={},
        )
