"""Ranking of search candidates: rank fusion, query-intent role boost, damping of bare headings, one hit per point,
per-document cap, de-duplication.

Pure functions over typed candidates, so each step can be tested without Chroma or BM25.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

import yaml

from assistant.data import DATA_DIR
from assistant.domain.models import SearchHit
from assistant.intake.chunking import CHUNK_MIN_CHARS


@dataclass(frozen=True)
class RankingParams:
    """Retrieval tuning; the defaults were tuned on bench/queries (BENCHMARKS.md), vary them only to measure."""

    rrf_k: int = 10
    dense_weight: float = 1.0
    bm25_weight: float = 1.0
    role_boost: float = 0.5  # fused score × (1 + role_boost) for the part the query asks for
    max_per_doc: int = 3  # so one long speech cannot take all the hits
    # A matched chunk shorter than this (a bare heading, a one-line remark) scores × its length /
    # short_chars. The chunker's own minimum: it leaves a chunk this short only when it had nothing
    # to join it to. 0 turns it off.
    short_chars: int = CHUNK_MIN_CHARS


DEFAULT_RANKING = RankingParams()


class Candidate(NamedTuple):
    """One chunk returned by a retriever."""

    chunk_id: str
    text: str
    meta: Mapping[str, Any]
    dense_score: float | None = None  # cosine similarity, when the dense search found it

    @property
    def doc_id(self) -> str:
        """The chunk's document."""
        return self.meta.get("doc_id", "")

    @property
    def unit(self) -> str:
        """The point or paragraph the chunk belongs to (the chunk itself in a library without units)."""
        return self.meta.get("unit") or self.chunk_id

    @property
    def unit_text(self) -> str:
        """The whole text of that unit."""
        return self.meta.get("unit_text") or self.text

    def to_hit(self, score: float) -> SearchHit:
        """The search result for this chunk's unit, showing `score`."""
        meta = self.meta
        return SearchHit(
            doc_id=self.doc_id,
            title=meta.get("title", ""),
            section=meta.get("section", ""),
            role=meta.get("role", "other"),
            text=self.unit_text,
            score=round(float(score), 6),
            kind=meta.get("kind", ""),
            chunk_id=self.chunk_id,
            matched=self.text,
            unit=self.unit,
            section_number=int(meta.get("section_number", 0)),
        )


class Fused(NamedTuple):
    """A candidate with its fused score."""

    candidate: Candidate
    score: float


def fuse(rankings: Sequence[tuple[Sequence[Candidate], float]], rrf_k: int) -> list[Fused]:
    """Weighted reciprocal-rank fusion of best-first rankings, in first-seen order (see best_first)."""
    scores: dict[str, float] = {}
    first: dict[str, Candidate] = {}
    for ranking, weight in rankings:
        for rank, candidate in enumerate(ranking):
            cid = candidate.chunk_id
            # The first ranking that found a chunk supplies its row (the dense one carries its score).
            first.setdefault(cid, candidate)
            scores[cid] = scores.get(cid, 0.0) + weight / (rrf_k + rank + 1)
    return [Fused(first[cid], score) for cid, score in scores.items()]


def boost_roles(fused: Sequence[Fused], roles: Collection[str], boost: float) -> list[Fused]:
    """Scores × (1 + boost) for chunks whose role is one of `roles`; order unchanged."""
    if not boost or not roles:
        return list(fused)
    return [
        Fused(f.candidate, f.score * (1 + boost)) if f.candidate.meta.get("role") in roles else f
        for f in fused
    ]


def damp_short(fused: Sequence[Fused], short_chars: int) -> list[Fused]:
    """Scores × (length / short_chars) for chunks shorter than short_chars; order unchanged."""
    # A chunk is embedded and BM25-indexed with its speech title and section heading in front
    # (intake/chunking.embedding_text). Below the chunker's minimum that shared context is most of
    # the text, so a bare heading such as "（二）承诺落空，损了政府的信" matches any query about its
    # speech in both legs (its vector is mostly the context's; BM25's length normalisation favours
    # the short row) while holding almost nothing a writer could use. Longer chunks are left alone:
    # a prior on 50-160 characters lowered recall on bench/queries and the unseen dev set (BENCHMARKS.md).
    if not short_chars:
        return list(fused)
    out: list[Fused] = []
    for f in fused:
        n = len(text_key(f.candidate.text))
        out.append(Fused(f.candidate, f.score * n / short_chars) if n < short_chars else f)
    return out


def best_first(fused: Sequence[Fused]) -> list[Fused]:
    """Highest score first; ties keep their given order."""
    return sorted(fused, key=lambda f: -f.score)


def text_key(text: str) -> str:
    """What counts as the same text: equal once whitespace is removed."""
    return "".join(text.split())


def collapse_units(ordered: Sequence[Fused]) -> list[Fused]:
    """One entry per unit (point or paragraph): its best chunk, where that chunk ranked."""
    # A hit shows the whole unit, so a second chunk of the same point would show it again.
    seen: set[str] = set()
    out: list[Fused] = []
    for f in ordered:
        if f.candidate.unit not in seen:
            seen.add(f.candidate.unit)
            out.append(f)
    return out


def diversify(
    ordered: Sequence[Fused], k: int, max_per_doc: int, exclude_doc_ids: Collection[str] = ()
) -> list[Fused]:
    """The first k of a best-first list, at most max_per_doc per document and no repeated unit text."""
    # Cap and de-duplication are one greedy pass: a skipped hit neither uses up its document's
    # quota nor claims its text, so a later copy from another document can still be picked.
    picked: list[Fused] = []
    per_doc: dict[str, int] = {}
    seen_text: set[str] = set()
    for f in collapse_units(ordered):
        doc_id = f.candidate.doc_id
        key = text_key(f.candidate.unit_text)
        if doc_id in exclude_doc_ids or key in seen_text or per_doc.get(doc_id, 0) >= max_per_doc:
            continue
        seen_text.add(key)
        per_doc[doc_id] = per_doc.get(doc_id, 0) + 1
        picked.append(f)
        if len(picked) >= k:
            break
    return picked


_QUERY_ROLES_FILE = DATA_DIR / "query_roles.yaml"


@lru_cache(maxsize=1)
def _query_role_words() -> dict[str, tuple[str, ...]]:
    data = yaml.safe_load(_QUERY_ROLES_FILE.read_text(encoding="utf-8")) or {}
    return {role: tuple(str(w) for w in words) for role, words in data.items()}


def query_roles(query: str) -> set[str]:
    """Parts of a speech a query asks for ("开场白" → opening), from a word list."""
    return {role for role, words in _query_role_words().items() if any(w in query for w in words)}
