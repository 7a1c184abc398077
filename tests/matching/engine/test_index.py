"""The mentor index: updates, hybrid search, filters, persistence and odd input."""

import numpy as np
import pytest

from headstrt.matching.engine.embedding import PACKAGED_MODEL, StaticEmbedder
from headstrt.matching.engine.index import MentorIndex, Passage


@pytest.fixture(scope="module")
def embedder():
    return StaticEmbedder(PACKAGED_MODEL)


@pytest.fixture
def index(embedder):
    index = MentorIndex.empty(embedder)
    index.set_mentor(
        1,
        [
            Passage("expertise", "Salary negotiation and job offers in tech", 1.5, "exp-1", 10.0),
            Passage("bio", "I coached engineers through promotions", 1.0, "", 12.0),
        ],
    )
    index.set_mentor(
        2, [Passage("expertise", "Parenting teenagers and family conflict", 1.5, "exp-2", 5.0)]
    )
    index.set_mentor(
        3,
        [
            Passage("expertise", "Business plans for research spin-offs", 1.5, "exp-3", 7.0),
            Passage("session", "Pricing a first consulting contract", 1.0, "topic/money", 8.0),
        ],
    )
    return index


def ranked(index, text, **options):
    return [c.mentor_id for c in index.search(text, **options)]


def test_hybrid_search_explains_matches(index):
    found = index.search("I have a salary negotiation on Friday")
    assert found[0].mentor_id == 1 and found[0].relevance == 1.0
    evidence = found[0].evidence[0]
    assert (evidence.kind, evidence.ref) == ("expertise", "exp-1")
    assert evidence.matched_terms == ("salary", "negotiation")
    assert found[0].last_activity == 12.0
    assert np.isclose(np.linalg.norm(found[0].vector), 1.0, atol=1e-5)
    assert all(0.0 <= c.relevance <= 1.0 for c in found)


def test_semantic_mode_finds_meaning_without_shared_words(index):
    assert ranked(index, "my teenage son stopped talking to me", mode="semantic")[0] == 2
    assert ranked(index, "my son", mode="lexical") == []


def test_set_mentor_replaces_and_remove_forgets(index):
    index.set_mentor(2, [Passage("expertise", "Salary negotiation coaching", 1.0)])
    assert "family" not in " ".join(
        e.text for c in index.search("family conflict") for e in c.evidence
    )
    index.remove_mentor(1)
    assert 1 not in ranked(index, "salary negotiation") and 1 not in index
    index.remove_mentor(12345)  # unknown: no error


def test_add_passages_grows_a_mentor(index):
    index.add_passages(2, [Passage("session", "negotiating pocket money with teenagers", 1.0)])
    assert 2 in ranked(index, "negotiation pocket money", mode="lexical")


def test_allowed_restricts_the_candidates(index):
    assert ranked(index, "salary negotiation", allowed={2, 3}) in ([3, 2], [2, 3], [3], [2])
    assert ranked(index, "salary negotiation", allowed=set()) == []
    assert ranked(index, "salary negotiation", allowed={999}) == []
    # A filter keeping most mentors is applied after retrieval, with the same outcome.
    assert 1 not in ranked(index, "salary negotiation", allowed=[2, 3, 999])
    assert ranked(index, "salary negotiation", allowed={1, 2, 3})[0] == 1


@pytest.mark.parametrize(
    "text",
    ["", "   ", "☃☄⚡", "我需要谈判工资", "ฉันต้องการความช่วยเหลือ", "x" * 20_000, "salary " * 5_000],
)
def test_unexpected_text_gives_results_or_nothing(index, text):
    found = index.search(text)
    assert isinstance(found, list)
    assert all(0.0 <= c.relevance <= 1.0 for c in found)


def test_save_and_load_round_trip(index, embedder, tmp_path):
    index.set_mentor(4, [])
    index.save(tmp_path / "idx", meta={"watermark": "2026-11-24T00:00:00"})
    loaded, meta = MentorIndex.load(tmp_path / "idx", embedder)
    assert meta == {"watermark": "2026-11-24T00:00:00"}
    assert sorted(loaded.mentor_ids) == [1, 2, 3, 4]
    for text in ("salary negotiation", "family", "research business plan"):
        before, after = index.search(text), loaded.search(text)
        assert after == before
        assert [c.evidence for c in after] == [c.evidence for c in before]
        assert all(np.allclose(a.vector, b.vector) for a, b in zip(after, before, strict=True))
    loaded.set_mentor(5, [Passage("bio", "Grief after losing a parent", 1.0)])
    assert ranked(loaded, "grief", mode="lexical") == [5]
    index.save(tmp_path / "idx")  # saving over an existing index swaps it in
    assert sorted(MentorIndex.load(tmp_path / "idx", embedder)[0].mentor_ids) == [1, 2, 3, 4]


def test_fallback_candidates_have_zero_relevance(index):
    found = index.fallback_candidates([1, 99])
    assert [c.relevance for c in found] == [0.0, 0.0]
    assert found[0].vector is not None and found[1].vector is None


def test_forced_ann_path_matches_exact_search(embedder, tmp_path):
    rng = np.random.default_rng(0)
    words = [
        "salary",
        "family",
        "career",
        "startup",
        "grief",
        "health",
        "money",
        "school",
        "teen",
        "contract",
        "pricing",
        "research",
        "coding",
        "design",
        "law",
        "visa",
    ]
    exact, approximate = MentorIndex.empty(embedder), MentorIndex.empty(embedder)
    approximate.vectors.ann_threshold = 200
    for mentor in range(600):
        text = " ".join(rng.choice(words, 5))
        passages = [Passage("expertise", text, 1.0)]
        exact.add_passages(mentor, passages)
        approximate.add_passages(mentor, passages)
    approximate.save(tmp_path / "ann")
    loaded, _ = MentorIndex.load(tmp_path / "ann", embedder)
    loaded.vectors.ann_threshold = 200
    assert loaded.vectors.ann_rows == 600
    overlap = []
    for query in ("salary contract", "family grief", "coding startup", "visa law school"):
        want = set(ranked(exact, query, mode="semantic")[:10])
        overlap.append(len(want & set(ranked(loaded, query, mode="semantic")[:10])) / 10)
    assert np.mean(overlap) >= 0.8


def test_one_passage_matching_the_whole_situation_beats_several_partial_ones(embedder):
    index = MentorIndex.empty(embedder)
    index.set_mentor(1, [Passage("expertise", "Salary negotiation coaching for new managers")])
    index.set_mentor(
        2,
        [
            Passage("bio", text)
            for text in ("Salary benchmarks", "Negotiation in procurement", "Coaching runners")
        ],
    )

    assert ranked(index, "salary negotiation coaching", mode="lexical") == [1, 2]
