"""Ranking steps on tiny hand-made candidates: no Chroma, no BM25, no embedder (search_collection runs on fakes)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from assistant.library.ranking import (
    DEFAULT_RANKING,
    Candidate,
    Fused,
    RankingParams,
    best_first,
    boost_roles,
    collapse_units,
    damp_short,
    diversify,
    fuse,
    query_roles,
)


def cand(cid: str, doc: str = "d1", role: str = "other", text: str | None = None, dense=None) -> Candidate:
    return Candidate(cid, text if text is not None else f"正文{cid}", {"doc_id": doc, "role": role}, dense)


def piece(cid: str, unit: str, text: str, unit_text: str, doc: str = "d1") -> Candidate:
    """A chunk that is one piece of a whole point."""
    return Candidate(cid, text, {"doc_id": doc, "role": "causes", "unit": unit, "unit_text": unit_text})


POINT = "二是畏难情绪严重。有的同志怕担责任。有的同志怕得罪人。"


def ids(fused: list[Fused]) -> list[str]:
    return [f.candidate.chunk_id for f in fused]


def test_defaults_are_the_tuned_values():
    p = DEFAULT_RANKING
    assert (p.rrf_k, p.dense_weight, p.bm25_weight, p.role_boost, p.max_per_doc) == (10, 1.0, 1.0, 0.5, 3)


def test_fuse_lifts_a_chunk_both_methods_found():
    dense = [cand("a", dense=0.9), cand("b", dense=0.8), cand("c", dense=0.7)]
    bm25 = [cand("c"), cand("d")]
    fused = fuse([(dense, 1.0), (bm25, 1.0)], rrf_k=10)
    assert ids(fused) == ["a", "b", "c", "d"]  # first-seen order
    assert ids(best_first(fused)) == ["c", "a", "b", "d"]
    scores = {f.candidate.chunk_id: f.score for f in fused}
    assert scores["c"] == 1 / 13 + 1 / 11
    # The dense row is kept, so dense mode can still report its cosine score.
    assert next(f for f in fused if f.candidate.chunk_id == "c").candidate.dense_score == 0.7


def test_fuse_of_one_ranking_keeps_its_order():
    dense = [cand("a"), cand("b"), cand("c")]
    assert ids(best_first(fuse([(dense, 1.0)], rrf_k=10))) == ["a", "b", "c"]


def test_fuse_weights_decide_between_methods():
    dense, bm25 = [cand("a")], [cand("b")]
    assert ids(best_first(fuse([(dense, 1.0), (bm25, 1.0)], rrf_k=10))) == ["a", "b"]  # tie: first seen
    assert ids(best_first(fuse([(dense, 0.5), (bm25, 1.0)], rrf_k=10))) == ["b", "a"]


def test_boost_roles_lifts_the_asked_part():
    fused = [Fused(cand("a", role="harm"), 0.10), Fused(cand("b", role="opening"), 0.08)]
    boosted = boost_roles(fused, {"opening"}, 0.5)
    assert ids(best_first(boosted)) == ["b", "a"]
    assert boosted[1].score == 0.08 * 1.5
    assert boosted[0] == fused[0]


def test_boost_roles_without_a_match_changes_nothing():
    fused = [Fused(cand("a", role="harm"), 0.10), Fused(cand("b", role="opening"), 0.08)]
    assert boost_roles(fused, {"closing"}, 0.5) == fused
    assert boost_roles(fused, set(), 0.5) == fused
    assert boost_roles(fused, {"opening"}, 0.0) == fused


def test_query_roles_reads_the_word_list():
    assert "opening" in query_roles("安全生产约谈开场白")
    assert query_roles("燃气管道") == set()


def test_diversify_caps_hits_per_document():
    ordered = [Fused(cand(c, doc="d1" if c < "d" else "d2"), 1.0) for c in "abcde"]
    assert ids(diversify(ordered, k=5, max_per_doc=2)) == ["a", "b", "d", "e"]


def test_diversify_drops_repeated_text_ignoring_whitespace():
    ordered = [
        Fused(cand("a", doc="d1", text="加强 监管。"), 1.0),
        Fused(cand("b", doc="d2", text="加强监管。\n"), 0.9),
        Fused(cand("c", doc="d2", text="落实责任。"), 0.8),
    ]
    assert ids(diversify(ordered, k=5, max_per_doc=3)) == ["a", "c"]


def test_diversify_leaves_distinct_hits_alone_and_stops_at_k():
    ordered = [Fused(cand(c, doc=f"d{c}"), 1.0) for c in "abcd"]
    assert ids(diversify(ordered, k=10, max_per_doc=1)) == ["a", "b", "c", "d"]
    assert ids(diversify(ordered, k=2, max_per_doc=1)) == ["a", "b"]


def test_diversify_excludes_documents():
    ordered = [Fused(cand("a", doc="d1"), 1.0), Fused(cand("b", doc="d2"), 0.9)]
    assert ids(diversify(ordered, k=5, max_per_doc=3, exclude_doc_ids={"d1"})) == ["b"]


def test_diversify_skipped_hits_claim_nothing():
    # "b" is over its document's cap, so its text stays free for "c" from another document;
    # "c2" repeats a picked text, so it does not use up d3's quota.
    ordered = [
        Fused(cand("a", doc="d1", text="一"), 1.0),
        Fused(cand("b", doc="d1", text="二"), 0.9),
        Fused(cand("c", doc="d2", text="二"), 0.8),
        Fused(cand("c2", doc="d3", text="一"), 0.7),
        Fused(cand("d", doc="d3", text="三"), 0.6),
    ]
    assert ids(diversify(ordered, k=5, max_per_doc=1)) == ["a", "c", "d"]


def test_collapse_units_keeps_the_best_piece_of_each_point():
    ordered = [
        Fused(piece("a2", "d1:s2:p2", "有的同志怕得罪人。", POINT), 0.9),
        Fused(piece("b1", "d1:s2:p3", "三是能力不足。", "三是能力不足。"), 0.8),
        Fused(piece("a1", "d1:s2:p2", "二是畏难情绪严重。", POINT), 0.7),
    ]
    assert ids(collapse_units(ordered)) == ["a2", "b1"]
    # Chunks of a library without units are each their own unit.
    assert ids(collapse_units([Fused(cand("x"), 1.0), Fused(cand("y"), 0.5)])) == ["x", "y"]


def test_diversify_gives_one_hit_per_point_showing_the_whole_point():
    ordered = [
        Fused(piece("a2", "d1:s2:p2", "有的同志怕得罪人。", POINT), 0.9),
        Fused(piece("a1", "d1:s2:p2", "二是畏难情绪严重。", POINT), 0.8),
        Fused(piece("c", "d2:s1:p1", POINT, POINT, doc="d2"), 0.7),  # a copy in another speech
        Fused(piece("b1", "d1:s2:p3", "三是能力不足。", "三是能力不足。"), 0.6),
    ]
    picked = diversify(ordered, k=5, max_per_doc=2)
    assert ids(picked) == ["a2", "b1"]
    hit = picked[0].candidate.to_hit(picked[0].score)
    assert hit.text == POINT and hit.matched == "有的同志怕得罪人。" and hit.unit == "d1:s2:p2"


# A bare sub-heading left as its own chunk, and the passage a writer is looking for.
HEADING = "（二）承诺落空，损了政府的信"
PASSAGE = "去年在群众大会上，镇里当众承诺春节前交房。这个承诺没有兑现，群众说“政府的话听听就算了”，丢掉的是多年积累的信任。"


class _Collection:
    """Just enough of a Chroma collection for search_collection: fixed neighbours, rows by id."""

    metadata: dict = {}

    def __init__(self, rows: dict[str, tuple[str, dict]], nearest: list[str]):
        self.rows, self.nearest = rows, nearest

    def count(self) -> int:
        return len(self.rows)

    def query(self, query_embeddings, n_results, where=None, include=()):
        ids = self.nearest[:n_results]
        return {
            "ids": [ids],
            "documents": [[self.rows[i][0] for i in ids]],
            "metadatas": [[self.rows[i][1] for i in ids]],
            "distances": [[0.05 + 0.01 * n for n in range(len(ids))]],
        }

    def get(self, ids, include=()):
        return {"ids": ids, "documents": [self.rows[i][0] for i in ids], "metadatas": [self.rows[i][1] for i in ids]}


def _search(ranking: RankingParams, k: int = 3):
    from assistant.library.search import search_collection

    meta = {"doc_id": "d1", "role": "harm"}
    rows = {"h": (HEADING, meta), "p": (PASSAGE, meta), "o": ("（一）工期一拖再拖。" + PASSAGE[:40], meta)}
    order = ["h", "p", "o"]  # both legs put the bare heading first, as they do when a query names the topic
    index = SimpleNamespace(top_rows=lambda *a: [(cid, 5.0 - n) for n, cid in enumerate(order)])
    lib = SimpleNamespace(
        ranking=ranking,
        bm25_for=lambda col: index,
        mismatch=lambda meta, total: None,
        embedder=SimpleNamespace(embed_query=lambda q: np.ones(3, dtype=np.float32)),
    )
    return search_collection(lib, _Collection(rows, order), "政府失信的后果", k, None, None, "hybrid", None, None, None)


def test_a_bare_heading_does_not_beat_the_passage_it_heads():
    hits = _search(DEFAULT_RANKING)
    assert hits[0].text == PASSAGE
    assert [h.text for h in hits].index(HEADING) > 0


def test_without_damping_the_bare_heading_wins():
    # The failure the damping is for: a one-line heading first, because its embedded and BM25
    # text is mostly the speech title and section heading every query about the speech matches.
    assert _search(RankingParams(short_chars=0))[0].text == HEADING


def test_damp_short_scales_by_length_and_leaves_real_passages_alone():
    fused = [Fused(cand("h", text=HEADING), 0.2), Fused(cand("p", text=PASSAGE), 0.1)]
    damped = {f.candidate.chunk_id: f.score for f in damp_short(fused, 50)}
    assert damped["p"] == 0.1
    assert abs(damped["h"] - 0.2 * len(HEADING) / 50) < 1e-12
    assert ids(damp_short(fused, 50)) == ["h", "p"]  # order unchanged: best_first sorts
    assert damp_short(fused, 0) == fused
