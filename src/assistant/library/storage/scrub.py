"""After a document is removed, erase what would still hold its text.

Chroma keeps every write in its log (the ``embeddings_queue`` table of chroma.sqlite3) until
its vector index is next saved, and SQLite leaves deleted rows in free pages; the vector
cache keeps one row per embedded text. Chroma also saves the unused capacity of its vector
index files (data_level0.bin, length.bin) without clearing it first, so whatever the process
had in that memory before, document text included, lands on disk there. Locally we can clean
all three; on a Chroma server the server's own log compaction does it (see README, team
deployment).
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Iterable
from pathlib import Path


def scrub_chroma_log(chroma_dir: Path, ids: Iterable[str]) -> int:
    """Blank the logged documents and metadata of these chunk ids, then VACUUM. Returns rows blanked."""
    path = Path(chroma_dir) / "chroma.sqlite3"
    ids = list(ids)
    if not path.exists() or not ids:
        return 0
    db = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    try:
        db.execute("PRAGMA secure_delete=ON")  # the pages our updates free are zeroed
        blanked = 0
        for start in range(0, len(ids), 500):
            batch = ids[start : start + 500]
            # The vector is kept: a log replay then adds and deletes the chunk as before, only
            # without its text. The metadata column is where the document text travels.
            cur = db.execute(
                f"UPDATE embeddings_queue SET metadata = NULL WHERE id IN ({','.join('?' * len(batch))})",
                batch,
            )
            blanked += cur.rowcount
        # Deleted full-text rows stay in the FTS segments until they are merged.
        with contextlib.suppress(sqlite3.Error):
            db.execute(
                "INSERT INTO embedding_fulltext_search(embedding_fulltext_search) VALUES('optimize')"
            )
        # Rows Chroma deleted (without secure_delete) are still in free pages until a VACUUM.
        with contextlib.suppress(sqlite3.OperationalError):  # busy: the next remove will do it
            db.execute("VACUUM")
        return blanked
    finally:
        db.close()


def forget_vectors(embedder, texts: Iterable[str]) -> None:
    """Drop cached vectors of these embedded texts from the embedder's cache (if it keeps one)."""
    texts = list(texts)
    forget = getattr(embedder, "forget", None)
    if texts and callable(forget):
        forget(texts)


_HNSW_HEADER = struct.Struct("<iQQQQQQ")  # version, offsetLevel0, max_elements, count, size per element, …


def unused_hnsw_bytes(chroma_dir: Path) -> dict[Path, int]:
    """Vector index files with non-zero bytes past their last element: {file: offset where unused space starts}.

    data_level0.bin holds ``size`` bytes an element and length.bin four; both are written for the
    whole capacity from memory that was never cleared, so past the last element they can hold
    whatever the process had there before, such as a document's text.
    """
    found: dict[Path, int] = {}
    for header in Path(chroma_dir).glob("*/header.bin"):
        with contextlib.suppress(OSError, struct.error):
            version, _, max_elements, count, size, *_ = _HNSW_HEADER.unpack(header.read_bytes()[: _HNSW_HEADER.size])
            if version != 1:
                continue  # a layout we do not know: leave it alone
            for name, per_element in (("data_level0.bin", size), ("length.bin", 4)):
                data = header.parent / name
                if not data.exists() or data.stat().st_size != max_elements * per_element:
                    continue
                start = count * per_element
                with data.open("rb") as f:
                    f.seek(start)
                    if f.read().strip(b"\0"):
                        found[data] = start
    return found


def zero_unused_hnsw(chroma_dir: Path) -> int:
    """Clear the unused capacity of the vector index files (see the module docstring). Returns files cleared.

    The caller must then open a new client, so the index is read back from the cleared files
    instead of being saved again from memory.
    """
    found = unused_hnsw_bytes(chroma_dir)
    for data, start in found.items():
        size = data.stat().st_size
        with data.open("r+b") as f:
            f.seek(start)
            remaining = size - start
            while remaining:
                step = min(remaining, 1 << 20)
                f.write(b"\0" * step)
                remaining -= step
    return len(found)
