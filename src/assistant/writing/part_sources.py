"""Which library passages fed a part of a draft: ``DraftPart.sources`` (chunk ids) made readable.

Each source is shown as the search shows it (the whole point, its speech's title and part)
with the score it gets for the part's search query today, so the user can judge it and
exclude or pin it before that part is written again (:meth:`Reviser.part`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from assistant.domain.kinds import MeetingKind
from assistant.domain.models import Chunk, Draft, SearchHit
from assistant.domain.plan import plan_for_draft
from assistant.library.embeddings import EmbeddingError
from assistant.library.references import build_query
from assistant.library.store import EmbeddingMismatchError, LibraryError


class SourceLibrary(Protocol):
    """What resolving sources needs from the library (store.Library has both)."""

    def get_chunks(self, doc_id: str) -> list[Chunk]: ...

    def search(self, query: str, k: int = 5, **filters) -> list[SearchHit]: ...


@dataclass(frozen=True)
class PartSource:
    """One passage a part was written from; ``scored`` is False when today's search no longer finds it."""

    hit: SearchHit
    scored: bool
    chunk_ids: tuple[str, ...] = ()  # every source chunk of this point

    @property
    def keys(self) -> tuple[str, ...]:
        """What to pass as ``exclude`` to leave this passage out: its chunks and its point."""
        return tuple(dict.fromkeys([*self.chunk_ids, self.hit.chunk_id, *([self.hit.unit] if self.hit.unit else [])]))


def doc_of(chunk_id: str) -> str:
    """The document a chunk id belongs to ("<doc_id>-0003" → "<doc_id>")."""
    return chunk_id.rsplit("-", 1)[0]


def _hit(chunk: Chunk) -> SearchHit:
    return SearchHit(
        doc_id=chunk.doc_id, title=chunk.title, section=chunk.section, role=chunk.role,
        text=chunk.unit_text or chunk.text, score=0.0, kind=chunk.kind, chunk_id=chunk.chunk_id,
        matched=chunk.text, unit=chunk.unit, section_number=chunk.section_number,
    )  # fmt: skip


def _chunks(library: SourceLibrary, chunk_ids: Iterable[str]) -> dict[str, Chunk]:
    found: dict[str, Chunk] = {}
    wanted = set(chunk_ids)
    for doc_id in dict.fromkeys(doc_of(c) for c in wanted):
        try:
            found.update((c.chunk_id, c) for c in library.get_chunks(doc_id) if c.chunk_id in wanted)
        except (LibraryError, EmbeddingError):
            continue  # a document removed or unreadable: its passages are simply not listed
    return found


def part_sources(
    library: SourceLibrary | None, draft: Draft, pos: int, kinds: dict[str, MeetingKind]
) -> list[PartSource]:
    """The passages part ``pos`` was written from, best score first, each once per point.

    Passages of documents removed from the library since are left out.
    """
    part = draft.parts[pos]
    if library is None or not part.sources:
        return []
    chunks = _chunks(library, part.sources)
    hits: dict[str, SearchHit] = {}
    ids: dict[str, list[str]] = {}
    for chunk_id in part.sources:
        chunk = chunks.get(chunk_id)
        if chunk is not None:
            key = chunk.unit or chunk.chunk_id
            hits.setdefault(key, _hit(chunk))  # one entry per point
            ids.setdefault(key, []).append(chunk_id)
    if not hits:
        return []
    scores = _scores(library, draft, pos, kinds, list(hits.values()))
    sources = [
        PartSource(
            h.model_copy(update={"score": scores[key]}) if key in scores else h, key in scores, tuple(ids[key])
        )
        for key, h in hits.items()
    ]
    return sorted(sources, key=lambda s: (not s.scored, -s.hit.score))


def _scores(
    library: SourceLibrary, draft: Draft, pos: int, kinds: dict[str, MeetingKind], hits: Sequence[SearchHit]
) -> dict[str, float]:
    """Score of each source's point for the part's query, searched among the sources' documents."""
    part = draft.parts[pos]
    plan = plan_for_draft(draft, kinds)
    query = build_query(plan, part.role, part.heading)
    doc_ids = list(dict.fromkeys(h.doc_id for h in hits))
    k = max(20, 4 * len(hits))
    try:
        try:
            found = library.search(query, k=k, doc_ids=doc_ids, max_per_doc=k)
        except EmbeddingMismatchError:  # indexed with another model: keywords still score
            found = library.search(query, k=k, doc_ids=doc_ids, max_per_doc=k, mode="bm25")
    except (LibraryError, EmbeddingError):
        return {}
    scores: dict[str, float] = {}
    for h in found:
        scores.setdefault(h.unit or h.chunk_id, h.score)
    return scores
