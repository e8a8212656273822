"""What the writing code needs from a reference library (the Chroma-backed Library, or a fake)."""

from __future__ import annotations

from typing import Protocol

from assistant.models import SearchHit


class SearchLibrary(Protocol):
    """A library that can be searched by meaning and keywords."""

    def search(
        self,
        query: str,
        k: int = 5,
        role: str | None = None,
        kind: str | None = None,
        mode: str = "hybrid",
        max_per_doc: int | None = None,
        doc_ids: list[str] | None = None,
        exclude_doc_ids: list[str] | None = None,
    ) -> list:
        """Hits for a query, best first."""
        ...

    def chunk_count(self) -> int:
        """Number of searchable chunks."""
        ...


__all__ = ["SearchHit", "SearchLibrary"]
