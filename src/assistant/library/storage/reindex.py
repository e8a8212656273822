"""Reindex: every chunk embedded again with the configured model into a new collection, switched to at once."""

from __future__ import annotations

import time

from assistant.domain.models import Chunk
from assistant.intake.chunking import units_for
from assistant.library.storage.chroma import add_rows, all_rows, chunk_from_meta, unit_meta
from assistant.library.storage.handle import LibraryHandle, Progress
from assistant.library.storage.lock import OnWait
from assistant.library.storage.meta import generation_prefix


def rebuild_index(lib: LibraryHandle, progress: Progress | None = None, on_wait: OnWait | None = None) -> int:
    """Re-embed every chunk and refill its unit; returns the number of chunks.

    The new index is built as a new collection and switched to in one write, so searches
    keep using the old one until it is complete, and writers wait for the lock instead of
    writing into an index that is about to be replaced.
    """
    # Embed first without the lock (vectors land in the cache); under the lock only what
    # changed in the meantime is embedded again.
    ids, metas, docs = all_rows(lib.collection(), include_documents=True)
    lib.embed_chunks(_chunks(lib, ids, metas, docs)[0], progress, "正在用当前向量模型重建索引")
    with lib.writing("重建索引", on_wait):
        ids, metas, docs = all_rows(lib.collection(), include_documents=True)
        chunks, metas = _chunks(lib, ids, metas, docs)
        vectors = lib.embed_chunks(chunks, None, "")
        old = lib.collection()
        name = f"{generation_prefix(lib.settings.collection)}{time.time_ns() // 1_000_000}"
        new = lib.client.create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata=lib.fresh_meta(int(dict(old.metadata or {}).get("rev", 0)) + 1),
            embedding_function=None,
        )
        add_rows(new, lib.max_batch, ids, vectors, docs, metas)
        lib.meta.set_generation(name)  # the switch: one write
        lib.client.delete_collection(old.name)
        return len(ids)


def _chunks(lib: LibraryHandle, ids: list[str], metas: list[dict], docs: list[str]) -> tuple[list[Chunk], list[dict]]:
    """The stored rows as chunks with their units filled in, and their metadata with the units."""
    chunks = with_units(lib, [chunk_from_meta(cid, text, m) for cid, text, m in zip(ids, docs, metas, strict=True)])
    return chunks, [{**m, **unit_meta(c)} for m, c in zip(metas, chunks, strict=True)]


def with_units(lib: LibraryHandle, chunks: list[Chunk]) -> list[Chunk]:
    """The chunks (in the given order) with their units filled in, document by document."""
    by_doc: dict[str, list[Chunk]] = {}
    for c in chunks:
        by_doc.setdefault(c.doc_id, []).append(c)
    filled: dict[str, Chunk] = {}
    for doc_id, doc_chunks in by_doc.items():
        doc_chunks.sort(key=lambda c: c.chunk_id)
        filled.update((c.chunk_id, c) for c in units_for(doc_chunks, lib.files.load_parsed(doc_id)))
    return [filled[c.chunk_id] for c in chunks]
