"""Chroma specifics: the client, chunk ↔ metadata rows, where filters, paged reads, nearest-neighbour query."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from assistant.domain.models import Chunk, DocRecord
from assistant.intake.prepare import PreparedDoc
from assistant.library.storage.errors import LibraryError
from assistant.support.config import Settings


def chunk_meta(chunk: Chunk, prepared: PreparedDoc, original: str, added_at: str, doc_chars: int) -> dict:
    """The metadata row stored with a chunk: its place in the speech and where the speech came from.

    The document's first chunk also carries its MinHash signature, so near copies are found
    by every app instance sharing a Chroma server.
    """
    head = {"doc_head": 1, "signature": prepared.signature.hex()} if chunk.chunk_id.endswith("-0000") else {}
    return {
        **head,
        "doc_id": chunk.doc_id,
        "title": chunk.title,
        "kind": chunk.kind,
        "section": chunk.section,
        "role": chunk.role,
        "point_index": chunk.point_index,
        **unit_meta(chunk),
        "filename": prepared.filename,
        "source_format": prepared.loaded.source_format,
        "doc_chars": doc_chars,
        "original": original,
        "added_at": added_at,
    }


def unit_meta(chunk: Chunk) -> dict:
    """The fields that tie a chunk to its whole point or paragraph.

    The unit's text travels in every chunk's row (not in a file under one data dir), so every
    app instance sharing a Chroma server can show whole points without a second lookup.
    """
    return {"section_number": chunk.section_number, "unit": chunk.unit, "unit_text": chunk.unit_text}


def chunk_from_meta(chunk_id: str, text: str, meta: Mapping[str, Any]) -> Chunk:
    """The chunk back from a stored row."""
    return Chunk(
        chunk_id=chunk_id,
        doc_id=meta.get("doc_id", ""),
        title=meta.get("title", ""),
        kind=meta.get("kind", ""),
        section=meta.get("section", ""),
        role=meta.get("role", "other"),
        point_index=int(meta.get("point_index", 0)),
        section_number=int(meta.get("section_number", 0)),
        unit=str(meta.get("unit", "")),
        unit_text=str(meta.get("unit_text", "")),
        text=text,
    )


def where_filter(role: str | None, kind: str | None, doc_ids: list[str] | None = None) -> dict | None:
    """A Chroma `where` for the search filters, None when there are none."""
    clauses: list[dict] = []
    if role:
        clauses.append({"role": role})
    if kind:
        clauses.append({"kind": kind})
    if doc_ids:
        clauses.append({"doc_id": {"$in": doc_ids}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def make_chroma_client(settings: Settings, fresh: bool = False):
    """PersistentClient under the data dir, or HttpClient when ASSISTANT_CHROMA_URL is set.

    ``fresh``: a new local client that loads the vector index from disk again. A local client
    keeps its index in memory; after another process wrote to the same directory, only a
    fresh one sees (and does not overwrite) those writes.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        if not url.hostname:
            raise LibraryError(
                f"ASSISTANT_CHROMA_URL={settings.chroma_url!r} 格式不对，应为 http://主机:端口，例如 http://127.0.0.1:8001"
            )
        try:
            return chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 80),
                ssl=url.scheme == "https",
                settings=chroma_settings,
            )
        except Exception as e:
            raise LibraryError(
                f"无法连接 Chroma 服务 {settings.chroma_url}：请确认服务已启动（chroma run --path 目录 --port 端口），"
                "或清空 ASSISTANT_CHROMA_URL 改用本地存储。"
            ) from e
    path = Path(settings.data_dir) / "chroma"
    path.mkdir(parents=True, exist_ok=True)
    if fresh:
        forget_local_client(settings)
    return _open_local(path, chroma_settings)


def forget_local_client(settings: Settings) -> None:
    """chromadb shares one in-process system per path: forget ours, so it goes once nothing else holds it."""
    from chromadb.api.shared_system_client import SharedSystemClient

    with SharedSystemClient._refcount_lock:
        SharedSystemClient._identifier_to_system.pop(str(Path(settings.data_dir) / "chroma"), None)


#: How long opening the local store waits while another process holds its SQLite file.
OPEN_WAIT_S = 60.0


def _open_local(path: Path, chroma_settings):
    """A PersistentClient; opening it while another process writes may find SQLite busy: wait."""
    import time

    import chromadb

    deadline = time.monotonic() + OPEN_WAIT_S
    delay = 0.1
    while True:
        try:
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        except Exception as e:
            if "database is locked" not in str(e) or time.monotonic() > deadline:
                if "database is locked" in str(e):
                    raise LibraryError(
                        f"范文库正被另一个程序长时间占用（{OPEN_WAIT_S:.0f} 秒内未能打开），请稍后重试。"
                    ) from e
                raise
            # Another process is mid-write (an ingest, a reindex): its transaction ends soon.
            from chromadb.api.shared_system_client import SharedSystemClient

            with SharedSystemClient._refcount_lock:
                SharedSystemClient._identifier_to_system.pop(str(path), None)
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def max_batch(client) -> int:
    """The most rows Chroma takes in one write (its SQLite parameter limit; 5,461 locally)."""
    try:
        size = int(client.get_max_batch_size())
    except Exception:  # an old server without the pre-flight call
        size = -1
    return size if size > 0 else 1000


def add_rows(
    col,
    batch: int,
    ids: list[str],
    embeddings: list | np.ndarray,
    documents: list[str],
    metadatas: list[dict],
    on_batch=None,
) -> None:
    """collection.add in slices of at most ``batch`` rows (a larger write is refused by Chroma)."""
    for start in range(0, len(ids), batch):
        end = start + batch
        vectors = embeddings[start:end]
        col.add(
            ids=ids[start:end],
            embeddings=vectors.tolist() if isinstance(vectors, np.ndarray) else list(vectors),
            documents=documents[start:end],
            metadatas=metadatas[start:end],
        )
        if on_batch:
            on_batch(min(end, len(ids)))


def all_rows(col, include_documents: bool = False) -> tuple[list[str], list[dict], list[str]]:
    """Every row of a collection (ids, metadatas, documents if asked), fetched in pages."""
    include = ["metadatas", "documents"] if include_documents else ["metadatas"]
    ids: list[str] = []
    metas: list[dict] = []
    docs: list[str] = []
    total = col.count()
    page = 2000
    for offset in range(0, total, page):
        got = col.get(include=include, limit=page, offset=offset)
        ids += got["ids"]
        metas += [dict(m or {}) for m in got["metadatas"]]
        if include_documents:
            docs += list(got["documents"])
    return ids, metas, docs


def doc_records(metas: list[dict], hidden: set[str], counted: bool = False) -> list[DocRecord]:
    """One record per document from its chunks' metadata rows, newest first; ``hidden`` ids left out.

    ``counted``: the rows are documents' first chunks, which carry their chunk count.
    """
    records: dict[str, DocRecord] = {}
    for m in metas:
        doc_id = m.get("doc_id", "")
        if doc_id in hidden:
            continue
        rec = records.get(doc_id)
        if rec is None:
            records[doc_id] = DocRecord(
                doc_id=doc_id,
                title=m.get("title", ""),
                kind=m.get("kind", ""),
                filename=m.get("filename", ""),
                source_format=m.get("source_format", ""),
                chars=int(m.get("doc_chars", 0)),
                chunks=int(m.get("doc_chunks", 1)) if counted else 1,
                added_at=m.get("added_at", ""),
                original=m.get("original", ""),
                revision=int(m.get("revision", 1) or 1),
                corrected_at=str(m.get("corrected_at", "")),
            )
        else:
            rec.chunks += 1
    return sorted(records.values(), key=lambda r: (r.added_at, r.title), reverse=True)
