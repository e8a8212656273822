"""The incremental BM25 index: bm25s's scores, after adds and drops too, and saved beside the library."""

from __future__ import annotations

import random

import bm25s
import numpy as np
import pytest

from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.storage.bm25 import Bm25Index
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.shared import CORPUS


def _corpus(rng: random.Random, n: int) -> list[list[str]]:
    vocab = [f"词{i}" for i in range(rng.randint(5, 200))]
    # Zipf-like: a few words everywhere, most rare; lengths from 1 to 120 tokens.
    weights = [1 / (i + 1) for i in range(len(vocab))]
    return [rng.choices(vocab, weights, k=rng.randint(1, 120)) for _ in range(n)]


def _reference(docs: list[list[str]], query: list[str]) -> np.ndarray:
    ref = bm25s.BM25()
    ref.index(docs, show_progress=False)
    return np.asarray(ref.get_scores(query), dtype=np.float32)


@pytest.mark.parametrize("seed", range(12))
def test_scores_are_bm25s_scores_after_adds_drops_and_compaction(seed):
    rng = random.Random(seed)
    docs = _corpus(rng, rng.randint(1, 300))
    index = Bm25Index()
    for i, toks in enumerate(docs):
        index.add(f"c{i}", toks, {"doc_id": f"d{i % 7}"})
    if seed % 3 == 0:
        index.compact()  # some start from a compacted main part
    # Drop a random share and add a few more, as ingests and removes do.
    dropped = {i for i in range(len(docs)) if rng.random() < 0.3}
    index.drop(f"c{i}" for i in dropped)
    more = _corpus(rng, rng.randint(0, 40))
    for j, toks in enumerate(more):
        index.add(f"n{j}", toks, {"doc_id": "dn"})
    live = [(f"c{i}", t) for i, t in enumerate(docs) if i not in dropped] + [(f"n{j}", t) for j, t in enumerate(more)]
    vocab = sorted({w for _, t in live for w in t})
    if not live or not vocab:
        return
    for compacted in (False, True):
        if compacted:
            index.compact()
        for _ in range(5):
            query = rng.choices(vocab, k=rng.randint(1, 4)) + ["没有的词"]
            ours = index.scores(query)
            want = _reference([t for _, t in live], query)
            got = np.array([ours[index.row_of(cid)] for cid, _ in live], dtype=np.float32)
            np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
            assert all(ours[r] == 0 for r in range(len(index)) if index.rows.ids[r] not in dict(live) or not index.rows.alive[r])


def test_filters_and_order():
    index = Bm25Index()
    index.add("a", ["安全", "生产", "安全"], {"role": "harm", "kind": "work_safety", "doc_id": "d1"})
    index.add("b", ["安全", "整改"], {"role": "rectification", "kind": "work_safety", "doc_id": "d2"})
    index.add("c", ["信访"], {"role": "harm", "kind": "petition", "doc_id": "d3"})
    assert [cid for cid, _ in index.top_rows("安全", 5)] == ["a", "b"]
    assert [cid for cid, _ in index.top_rows("安全", 5, role="rectification")] == ["b"]
    assert [cid for cid, _ in index.top_rows("安全 信访", 5, kind="petition")] == ["c"]
    assert [cid for cid, _ in index.top_rows("安全", 5, doc_ids=["d2", "d3"])] == ["b"]
    index.drop(["a"])
    assert [cid for cid, _ in index.top_rows("安全", 5)] == ["b"]


def test_index_is_saved_and_kept_current_without_a_rebuild(data_dir, fake_openai, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_EMBEDDING_API_KEY", "test-key")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_MODEL", "fake-embedding")
    settings = get_settings()
    first = Library(settings, make_embedder(settings))
    for name in ("gas_fire-01.md", "petition-02.md"):
        add_bytes(first, (CORPUS / name).read_bytes(), name)
    assert first.search("饭店液化气钢瓶", k=1, mode="bm25")[0].kind == "gas_fire"
    main = data_dir / "bm25" / "main.npz"
    built = main.stat().st_mtime_ns
    # Another process (here: another Library) adds a document and removes one.
    other = Library(settings, make_embedder(settings))
    add_bytes(other, (CORPUS / "work_safety-01.md").read_bytes(), "work_safety-01.md")
    other.remove(next(d.doc_id for d in other.list_documents() if d.kind == "petition"))
    # A library opened now (a new app start or CLI call) loads the saved index and applies the changes.
    fresh = Library(settings, make_embedder(settings))
    hits = fresh.search("高处坠落 脚手架", k=3, mode="bm25")
    assert hits and hits[0].kind == "work_safety"
    assert all(h.kind != "petition" for h in fresh.search("信访积案 包案领导", k=10, mode="bm25"))
    assert main.stat().st_mtime_ns == built  # the main part was not built again: only its tail grew
    index = fresh.bm25_for(fresh.collection())
    assert index.live_count() == fresh.chunk_count()
    # The first library catches up the same way.
    assert first.search("高处坠落 脚手架", k=1, mode="bm25")[0].kind == "work_safety"
