"""Building the BM25 index in one go (a rebuild) gives the index that adding chunk by chunk gives."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.library.storage.bm25 import Bm25Index


def _chunks(rng: random.Random, n: int) -> tuple[list[str], list[list[str]], list[dict]]:
    vocab = [f"词{i}" for i in range(rng.randint(1, 150))]
    weights = [1 / (i + 1) for i in range(len(vocab))]
    tokens = [rng.choices(vocab, weights, k=rng.randint(0, 80)) for _ in range(n)]
    metas = [
        {"role": rng.choice(["harm", "causes", "rectification"]), "kind": rng.choice(["a", "b"]), "doc_id": f"d{i % 5}"}
        for i in range(n)
    ]
    return [f"c{i}" for i in range(n)], tokens, metas


def _one_by_one(ids, tokens, metas) -> Bm25Index:
    index = Bm25Index()
    for cid, toks, meta in zip(ids, tokens, metas, strict=True):
        index.add(cid, toks, meta)
    index.compact()
    return index


@pytest.mark.parametrize("seed", range(10))
def test_built_index_scores_and_filters_as_the_one_built_chunk_by_chunk(seed):
    rng = random.Random(seed)
    ids, tokens, metas = _chunks(rng, rng.randint(0, 200))
    if seed == 0:  # a repeated id: the later chunk replaces the earlier, as add does
        ids, tokens, metas = [*ids, "c0"], [*tokens, ["重复"]], [*metas, {"role": "harm", "doc_id": "dx"}]
    built, slow = Bm25Index.built(ids, tokens, metas), _one_by_one(ids, tokens, metas)
    assert built.rows == slow.rows and len(built) == len(slow)
    assert [built.row_of(c) for c in ids] == [slow.row_of(c) for c in ids]
    for field in ("roles", "kinds", "doc_ids", "lengths", "alive"):  # what the filters read
        np.testing.assert_array_equal(built.arrays()[field], slow.arrays()[field])
    words = sorted(set(slow.vocab)) + ["没有的词"]
    for _ in range(5):
        query = rng.choices(words, k=rng.randint(1, 4))
        np.testing.assert_allclose(built.scores(query), slow.scores(query), rtol=1e-6)
    # It grows and shrinks like any index afterwards.
    built.add("new", ["新词", "新词"], {"doc_id": "dn"})
    built.drop_documents(["d1"])
    scores = built.scores(["新词"])
    assert np.flatnonzero(scores).tolist() == [built.row_of("new")]
    alive = built.arrays()["alive"]
    assert not any(d == "d1" for d, a in zip(built.rows.doc_ids, alive, strict=True) if a)


def test_an_empty_library_builds_an_empty_index_that_grows():
    index = Bm25Index.built([], [], [])
    assert len(index) == 0 and index.live_count() == 0
    assert index.scores(["整改"]).tolist() == []
    index.add("a", ["整改", "整改", "时限"], {"doc_id": "d1"})
    assert np.flatnonzero(index.scores(["整改"])).tolist() == [index.row_of("a")]
