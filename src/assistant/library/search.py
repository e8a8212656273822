"""Hybrid search over one library collection: dense (Chroma) + BM25, fused and diversified."""

from __future__ import annotations

import numpy as np

from assistant.domain.models import SearchHit
from assistant.library.ranking import (
    Candidate,
    best_first,
    boost_roles,
    damp_short,
    diversify,
    fuse,
    query_roles,
)
from assistant.library.storage.bm25 import Bm25Index
from assistant.library.storage.chroma import where_filter
from assistant.library.storage.errors import EmbeddingMismatchError, LibraryError
from assistant.library.storage.handle import LibraryHandle

MODES = ("hybrid", "dense", "bm25")


def check_query(query: str, k: int, mode: str) -> str:
    """The stripped query, or a LibraryError saying what is wrong with the request."""
    query = (query or "").strip()
    if not query:
        raise LibraryError("请输入要检索的内容。")
    if k < 1:
        raise LibraryError("返回条数 k 至少为 1。")
    if mode not in MODES:
        raise LibraryError(f"未知的检索方式 {mode!r}，可选 hybrid、dense、bm25。")
    return query


def search_collection(
    lib: LibraryHandle,
    col,
    query: str,
    k: int,
    role: str | None,
    kind: str | None,
    mode: str,
    max_per_doc: int | None,
    doc_ids: list[str] | None,
    exclude_doc_ids: list[str] | None,
) -> list[SearchHit]:
    """Search one collection handle (looked up once: each lookup is a round trip on a server)."""
    meta = dict(col.metadata or {})
    total = col.count()
    if total == 0:
        return []
    params = lib.ranking
    depth = min(total, max(50, k * 10))
    rankings: list[tuple[list[Candidate], float]] = []
    index = lib.bm25_for(col) if mode != "dense" or role or kind else None
    if mode in ("hybrid", "dense"):
        message = lib.mismatch(meta, total)
        if message:
            raise EmbeddingMismatchError(message)
        vector = lib.embedder.embed_query(query)
        rankings.append((dense_candidates(col, vector, depth, total, role, kind, doc_ids, index), params.dense_weight))
    if mode in ("hybrid", "bm25"):
        top = index.top_rows(query, depth, role, kind, doc_ids)
        rankings.append((rows_of(col, [cid for cid, _ in top]), params.bm25_weight))
    fused = fuse(rankings, params.rrf_k)
    if params.role_boost and not role:
        fused = boost_roles(fused, query_roles(query), params.role_boost)
    fused = damp_short(fused, params.short_chars)
    picked = diversify(best_first(fused), k, max_per_doc or params.max_per_doc, set(exclude_doc_ids or []))
    if mode == "dense":
        # The fused score of a single ranking says nothing; show the cosine similarity.
        return [f.candidate.to_hit(f.candidate.dense_score or 0.0) for f in picked]
    return [f.candidate.to_hit(f.score) for f in picked]


#: With a role or kind filter, dense search asks Chroma for this many times more neighbours
#: without the filter and keeps those that pass: Chroma's own filtered search reads the
#: metadata of every matching chunk first, which takes seconds at 100k chunks.
OVERFETCH = 8
SMALL = 5000


def dense_candidates(
    col,
    vector,
    depth: int,
    total: int,
    role: str | None,
    kind: str | None,
    doc_ids: list[str] | None,
    index: Bm25Index | None,
) -> list[Candidate]:
    """The `depth` nearest chunks that pass the filters, best first."""
    where = where_filter(role, kind, doc_ids)
    if doc_ids or index is None or not (role or kind):
        return nearest(col, vector, depth, where)
    arrays = index.arrays()
    kept: list[tuple[str, float]] = []
    n = min(total, depth * OVERFETCH)
    while True:
        res = col.query(query_embeddings=[vector.tolist()], n_results=n, include=["distances"])
        kept = []
        for cid, dist in zip(res["ids"][0], res["distances"][0], strict=True):
            row = index.row_of(cid)
            if row is None:
                continue  # not in the BM25 index yet (written meanwhile)
            if (role and arrays["roles"][row] != role) or (kind and arrays["kinds"][row] != kind):
                continue
            kept.append((cid, 1.0 - float(dist)))
            if len(kept) == depth:
                break
        if len(kept) == depth or n >= total or n >= depth * OVERFETCH**2:
            break
        n = min(total, n * OVERFETCH)  # a rare part: look further
    if len(kept) < depth and total <= SMALL:
        return nearest(col, vector, depth, where)  # small library: Chroma's filter is quick
    by_id = {c.chunk_id: c for c in rows_of(col, [cid for cid, _ in kept])}
    return [by_id[cid]._replace(dense_score=score) for cid, score in kept if cid in by_id]


def rows_of(col, ids: list[str]) -> list[Candidate]:
    """Candidates for these chunk ids, in the given order (ids no longer stored are left out)."""
    if not ids:
        return []
    got = col.get(ids=ids, include=["metadatas", "documents"])
    by_id = {
        cid: Candidate(cid, text or "", dict(meta or {}))
        for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
    }
    return [by_id[cid] for cid in ids if cid in by_id]


def nearest(col, vector: np.ndarray, depth: int, where: dict | None) -> list[Candidate]:
    """The `depth` chunks closest to a query vector that pass `where`, best first."""
    res = col.query(
        query_embeddings=[vector.tolist()],
        n_results=depth,
        where=where,
        include=["metadatas", "documents", "distances"],
    )
    return [
        Candidate(cid, text, dict(meta or {}), 1.0 - float(dist))
        for cid, text, meta, dist in zip(
            res["ids"][0], res["documents"][0], res["metadatas"][0], res["distances"][0], strict=True
        )
    ]
