"""Writing one document in or out of the library so that a crash leaves a journal entry, not a mystery.

Order of an add: journal entry → original → parsed record → chunks (in slices) → revision →
journal entry removed. A correction (write_revision) adds the new revision's chunks before it
removes the old ones, so it is finished or undone without embedding anything again. A remove: journal entry → chunks → the log's copy of their text →
files → revision → journal entry removed. Whoever next holds the lock finishes or undoes what
a journal entry describes (finish_pending), so a document is either fully present or absent.
The caller holds the library lock for all of these.
"""

from __future__ import annotations

import contextlib
import gc
from datetime import datetime

import numpy as np

from assistant.domain.tokenize import tokenize
from assistant.intake.chunking import embedding_text
from assistant.intake.prepare import PreparedDoc
from assistant.library.storage.bm25 import TOKENS_KEY
from assistant.library.storage.chroma import add_rows, chunk_meta
from assistant.library.storage.handle import LibraryHandle
from assistant.library.storage.meta import PENDING, PendingWrite
from assistant.library.storage.scrub import forget_vectors, scrub_chroma_log, zero_unused_hnsw


def chunk_token_lists(prepared: PreparedDoc) -> list[list[str]]:
    """The BM25 tokens of a prepared document's chunks (stored with them, so no reader tokenises again)."""
    return [tokenize(embedding_text(c)) for c in prepared.chunks]


def write_document(
    lib: LibraryHandle, prepared: PreparedDoc, vectors: np.ndarray, tokens: list[list[str]] | None = None
) -> None:
    """Store a prepared document, its vectors and BM25 tokens; on an error nothing of it is left."""
    entry = PendingWrite(
        doc_id=prepared.doc_id, op="add", title=prepared.speech.title, chunks=len(prepared.chunks), origin=lib.origin
    )
    was_empty = lib.chunk_count() == 0
    lib.meta.begin(entry)
    try:
        original = lib.files.save_original(prepared.raw, prepared.filename)
        entry.originals = [original]
        lib.meta.begin(entry)  # now naming the original, so an undo removes it
        lib.files.save_parsed(prepared.doc_id, prepared.speech)
        added_at = datetime.now().isoformat(timespec="seconds")
        doc_chars = prepared.chars  # counted once: it scans the whole text
        metas = [chunk_meta(c, prepared, original, added_at, doc_chars) for c in prepared.chunks]
        tokens = tokens if tokens is not None else chunk_token_lists(prepared)
        for m, toks in zip(metas, tokens, strict=True):
            m["origin"] = lib.origin
            m[TOKENS_KEY] = " ".join(toks)
        metas[0]["doc_chunks"] = len(prepared.chunks)
        add_rows(
            lib.collection(),
            lib.max_batch,
            [c.chunk_id for c in prepared.chunks],
            vectors,
            [c.text for c in prepared.chunks],
            metas,
        )
        lib.bump_revision(prepared.doc_id, fresh=was_empty)
    except BaseException:
        with contextlib.suppress(Exception):
            undo_add(lib, entry)
        raise
    lib.meta.end(prepared.doc_id)


def stored_chunks(lib: LibraryHandle, doc_id: str) -> tuple[list[str], list[dict], list[str]]:
    """ids, metadatas and texts of a document's chunks."""
    got = lib.collection().get(where={"doc_id": doc_id}, include=["metadatas", "documents"])
    return list(got["ids"]), [dict(m or {}) for m in got["metadatas"]], list(got["documents"] or [])


def delete_document(lib: LibraryHandle, doc_id: str, title: str = "", originals: list[str] | None = None) -> bool:
    """Delete a document's chunks, the log's copy of its text, its files. False if nothing was stored."""
    ids, metas, texts = stored_chunks(lib, doc_id)
    found = set(originals or []) | {str(m.get("original", "")) for m in metas}
    entry = PendingWrite(
        doc_id=doc_id,
        op="remove",
        title=title or (str(metas[0].get("title", "")) if metas else ""),
        originals=sorted(o for o in found if o),
        origin=lib.origin,
    )
    if not ids and not entry.originals and not (lib.data_dir / "docs" / f"{doc_id}.json").exists():
        return False
    lib.meta.begin(entry)
    if ids:
        lib.collection().delete(where={"doc_id": doc_id})
    erase_text(lib, ids, [_embedded(cid, text, m) for cid, text, m in zip(ids, texts, metas, strict=True)])
    lib.files.remove(doc_id, _unused_originals(lib, entry.originals))
    lib.bump_revision(doc_id)
    lib.meta.end(doc_id)
    if not lib.server:
        scrub_chroma_log(lib.data_dir / "chroma", [PENDING + doc_id])  # the entry named its title
    clear_free_space(lib)
    lib.removed_text = True  # close() clears the vector files once more, after this process's last save
    return bool(ids)


def clear_free_space(lib: LibraryHandle) -> None:
    """Last step of a removal: clear the unused space Chroma saved in its vector files (see scrub)."""
    if lib.server:
        return
    # Chroma saves an index from memory when its client goes away: let ours go first (and be
    # collected now), so that save happens before the clearing and not after it.
    lib.reopen()
    gc.collect()
    if zero_unused_hnsw(lib.data_dir / "chroma"):
        lib.reopen()  # read the cleared files back, so memory does not write them again
        gc.collect()


def _embedded(chunk_id: str, text: str, meta: dict) -> str:
    from assistant.library.storage.chroma import chunk_from_meta

    return embedding_text(chunk_from_meta(chunk_id, text, meta))


def erase_text(lib: LibraryHandle, ids: list[str], embedded: list[str]) -> None:
    """Remove what still holds deleted chunks' text: Chroma's log (locally) and cached vectors."""
    if not lib.server:
        scrub_chroma_log(lib.data_dir / "chroma", ids)
    forget_vectors(lib.embedder, embedded)


def _unused_originals(lib: LibraryHandle, originals: list[str]) -> list[str]:
    """The originals no stored chunk refers to any more (another document may share one)."""
    free = []
    for rel in originals:
        got = lib.collection().get(where={"original": rel}, limit=1, include=[])
        if not got["ids"]:
            free.append(rel)
    return free


def undo_add(lib: LibraryHandle, entry: PendingWrite) -> None:
    """Remove whatever part of an interrupted add was written, and its journal entry."""
    ids, metas, texts = stored_chunks(lib, entry.doc_id)
    if ids:
        lib.collection().delete(where={"doc_id": entry.doc_id})
        erase_text(lib, ids, [_embedded(cid, t, m) for cid, t, m in zip(ids, texts, metas, strict=True)])
    lib.files.remove(entry.doc_id, _unused_originals(lib, entry.originals))
    lib.bump_revision(entry.doc_id)
    lib.meta.end(entry.doc_id)
    clear_free_space(lib)


def add_is_complete(lib: LibraryHandle, entry: PendingWrite) -> bool:
    """Whether an interrupted add had in fact written everything (it died removing its entry)."""
    ids, _, _ = stored_chunks(lib, entry.doc_id)
    if len(ids) != entry.chunks or not entry.originals:
        return False
    if entry.origin and entry.origin != lib.origin:
        return True  # its files are in another instance's data dir
    return (lib.data_dir / "docs" / f"{entry.doc_id}.json").exists() and all(
        (lib.data_dir / rel).exists() for rel in entry.originals
    )


def set_kind_steps(lib: LibraryHandle, doc_id: str, kind: str) -> bool:
    """Change the meeting kind of every chunk and of the parsed record. False if unknown."""
    got = lib.collection().get(where={"doc_id": doc_id}, include=["metadatas"])
    if not got["ids"]:
        return False
    lib.meta.begin(PendingWrite(doc_id=doc_id, op="kind", kind=kind, origin=lib.origin))
    ids = list(got["ids"])
    metas = [{**dict(m or {}), "kind": kind} for m in got["metadatas"]]
    for start in range(0, len(ids), lib.max_batch):
        lib.collection().update(ids=ids[start : start + lib.max_batch], metadatas=metas[start : start + lib.max_batch])
    speech = lib.files.load_parsed(doc_id)
    if speech is not None:
        lib.files.save_parsed(doc_id, speech.model_copy(update={"kind": kind}))
    lib.bump_revision(doc_id)
    lib.meta.end(doc_id)
    return True


def write_revision(
    lib: LibraryHandle, prepared: PreparedDoc, vectors: np.ndarray, tokens: list[list[str]], record: dict
) -> None:
    """Replace a stored document by a new revision under the same doc_id; on an error the old one stays.

    Order: journal entry (naming the revision) → the new parse beside the old one → the new
    chunks (ids ``<doc_id>-r<n>-…``, so old and new never share an id) → finish_revision: the new
    parse becomes the record, the old chunks go with their text, revision. ``record``: the
    chunk metadata kept from the stored document (original, added_at) plus revision, corrected_at.
    """
    revision = int(record["revision"])
    original = str(record.get("original", ""))
    entry = PendingWrite(
        doc_id=prepared.doc_id, op="revise", title=prepared.speech.title, chunks=len(prepared.chunks),
        originals=[original] if original else [], origin=lib.origin, revision=revision,
    )  # fmt: skip
    lib.meta.begin(entry)
    try:
        lib.files.save_next_parsed(prepared.doc_id, prepared.speech)
        doc_chars = prepared.chars
        metas = [chunk_meta(c, prepared, original, str(record.get("added_at", "")), doc_chars) for c in prepared.chunks]
        for m, toks in zip(metas, tokens, strict=True):
            m.update(origin=lib.origin, revision=revision, corrected_at=str(record.get("corrected_at", "")))
            m[TOKENS_KEY] = " ".join(toks)
        metas[0]["doc_chunks"] = len(prepared.chunks)
        add_rows(
            lib.collection(), lib.max_batch, [c.chunk_id for c in prepared.chunks], vectors,
            [c.text for c in prepared.chunks], metas,
        )  # fmt: skip
    except BaseException:
        with contextlib.suppress(Exception):
            finish_revision(lib, entry)  # the new chunks are incomplete: this undoes them
        raise
    finish_revision(lib, entry)


def finish_revision(lib: LibraryHandle, entry: PendingWrite) -> bool:
    """Complete a revision whose new chunks are all stored, else undo it; True when the new one stays.

    Idempotent, so a writer that died at any step is finished (or undone) by the next one.
    """
    ids, metas, texts = stored_chunks(lib, entry.doc_id)
    is_new = [int(m.get("revision", 1) or 1) == entry.revision for m in metas]
    complete = 0 < entry.chunks == sum(is_new)
    mine = not entry.origin or entry.origin == lib.origin  # the parse files are in this data dir
    if mine and complete:
        lib.files.promote_next_parsed(entry.doc_id)
    elif mine:
        lib.files.drop_next_parsed(entry.doc_id)
    drop = [i for i, new in enumerate(is_new) if new != complete]
    if drop:
        gone = [ids[i] for i in drop]
        for start in range(0, len(gone), lib.max_batch):
            lib.collection().delete(ids=gone[start : start + lib.max_batch])
        dropped_set = set(drop)
        kept = {_embedded(ids[i], texts[i], metas[i]) for i in range(len(ids)) if i not in dropped_set}
        # A passage the new revision shares with the old keeps its cached vector.
        dropped = [_embedded(ids[i], texts[i], metas[i]) for i in drop]
        erase_text(lib, gone, [t for t in dropped if t not in kept])
    lib.bump_revision(entry.doc_id)
    lib.meta.end(entry.doc_id)
    if drop:
        clear_free_space(lib)
        lib.removed_text = True  # close() clears the vector files once more (see delete_document)
    return complete


def finish_pending(lib: LibraryHandle, entry: PendingWrite) -> tuple[str, str]:
    """Finish or undo a write a dead process left; (problem, what was done), both Chinese."""
    name = f"《{entry.title}》" if entry.title else f"文档 {entry.doc_id}"
    when = datetime.fromtimestamp(entry.started).strftime("%Y-%m-%d %H:%M:%S") if entry.started else "某时"
    if entry.op == "add":
        problem = f"{name}的导入在 {when} 中断（进程意外退出）"
        if add_is_complete(lib, entry):
            lib.meta.end(entry.doc_id)
            return problem, f"{name}已完整写入，已确认导入"
        undo_add(lib, entry)
        return problem, f"{name}只写入了一部分，已撤销（请重新导入该文件）"
    if entry.op == "remove":
        delete_document(lib, entry.doc_id, entry.title, entry.originals)
        lib.meta.end(entry.doc_id)
        return f"{name}的删除在 {when} 中断", f"{name}已删除干净"
    if entry.op == "kind":
        set_kind_steps(lib, entry.doc_id, entry.kind)
        lib.meta.end(entry.doc_id)
        return f"{name}的类型修改在 {when} 中断", f"{name}的类型已统一改为 {entry.kind}"
    if entry.op == "revise":
        problem = f"{name}的正文修改在 {when} 中断"
        if finish_revision(lib, entry):
            return problem, f"{name}的修改已完整写入，已确认"
        return problem, f"{name}的修改只写入了一部分，已撤销（仍是修改前的正文，请重新保存修改）"
    lib.meta.end(entry.doc_id)
    return f"未知的未完成操作 {entry.op}（{name}）", "已清除该记录"

