"""After a document is removed, erase what would still hold its text.

Chroma keeps every write in its log (the ``embeddings_queue`` table of chroma.sqlite3) until
its vector index is next saved, and SQLite leaves deleted rows in free pages; the vector
cache keeps one row per embedded text. Locally we can clean all three; on a Chroma server the
server's own log compaction does it (see README, team deployment).
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
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
    """Drop cached vectors of these embedded texts from the embedder's cache."""
    texts = list(texts)
    if not texts:
        return
    forget = getattr(embedder, "forget", None)
    if callable(forget):
        forget(texts)
        return
    db = getattr(embedder, "_db", None)  # CachedEmbedder keeps rows keyed by the text's sha256
    if db is None:
        return
    keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
    lock = getattr(embedder, "_lock", None) or contextlib.nullcontext()
    with lock:
        for start in range(0, len(keys), 500):
            batch = keys[start : start + 500]
            db.execute(f"DELETE FROM vec WHERE key IN ({','.join('?' * len(batch))})", batch)
        db.commit()
