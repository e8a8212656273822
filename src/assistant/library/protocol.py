"""What the writing code needs from a library, so it can be typed without importing the store."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from assistant.domain.models import SearchHit


@runtime_checkable
class SearchLibrary(Protocol):
    """A searchable reference library (store.Library, or a fake in tests)."""

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
    ) -> list[SearchHit]:
        """Best matching chunks, filtered by role, kind and documents."""
        ...

    def chunk_count(self) -> int:
        """Number of chunks in the library."""
        ...
