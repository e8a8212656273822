"""What the storage helpers need of a library: the Library passes itself, typed by this protocol.

The helpers (writes, reindex, doctor) and search are below the Library in the import graph,
so they see it only through this description, never by importing the store.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from assistant.domain.models import Chunk
from assistant.library.storage.files import DocFiles
from assistant.library.storage.lock import OnWait
from assistant.library.storage.meta import MetaStore
from assistant.support.config import Settings

__all__ = ["LibraryHandle", "Progress"]

#: progress(done, total, message): done/total in characters of text to embed.
Progress = Callable[[int, int, str], None]


class LibraryHandle(Protocol):
    """A library's collaborators and the few operations the storage helpers call back."""

    settings: Settings
    data_dir: Path
    files: DocFiles
    server: bool
    origin: str
    max_batch: int
    removed_text: bool
    client: Any  # a Chroma client
    meta: MetaStore
    embedder: Any  # library.embeddings.CachedEmbedder
    ranking: Any  # library.ranking.RankingParams

    def collection(self) -> Any: ...

    def generation(self) -> str: ...

    def chunk_count(self) -> int: ...

    def fresh_meta(self, rev: int = 0) -> dict: ...

    def bump_revision(self, doc_id: str, fresh: bool = False) -> None: ...

    def reopen(self) -> None: ...

    def mismatch(self, meta: dict, count: int) -> str | None: ...

    def bm25_for(self, col: Any) -> Any: ...

    def embed_chunks(self, chunks: list[Chunk], progress: Progress | None, message: str) -> np.ndarray: ...

    def writing(
        self, what: str, on_wait: OnWait | None = None, repair: bool = True, timeout: float | None = None
    ) -> AbstractContextManager[None]: ...


