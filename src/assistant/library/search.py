"""Hybrid search over one library collection: dense (Chroma) + BM25, fused and diversified."""

from __future__ import annotations

from typing import TYPE_CHECKING

from assistant.library.chroma import nearest, where_filter
from assistant.library.errors import EmbeddingMismatchError, LibraryError
from assistant.library.ranking import (
    Candidate,
    best_first,
    boost_roles,
    diversify,
    fuse,
    query_roles,
)
from assistant.models import SearchHit

if TYPE_CHECKING:
    from assistant.library.store import Library

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
    lib: Library,
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
    if mode in ("hybrid", "dense"):
        message = lib.mismatch(meta, total)
        if message:
            raise EmbeddingMismatchError(message)
        vector = lib.embedder.embed_query(query)
        rankings.append((nearest(col, vector, depth, where_filter(role, kind, doc_ids)), params.dense_weight))
    if mode in ("hybrid", "bm25"):
        index = lib.bm25_for(col)
        rankings.append((index.candidates(query, depth, role, kind, doc_ids), params.bm25_weight))
    fused = fuse(rankings, params.rrf_k)
    if params.role_boost and not role:
        fused = boost_roles(fused, query_roles(query), params.role_boost)
    picked = diversify(best_first(fused), k, max_per_doc or params.max_per_doc, set(exclude_doc_ids or []))
    if mode == "dense":
        # The fused score of a single ranking says nothing; show the cosine similarity.
        return [f.candidate.to_hit(f.candidate.dense_score or 0.0) for f in picked]
    return [f.candidate.to_hit(f.score) for f in picked]
