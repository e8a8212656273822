"""The BM25 index of a library, saved beside it (data_dir/bm25) and brought up to date cheaply.

A process loads the saved index (a fraction of a second at 100k chunks) and applies the
library's change records since (one record per revision: which document changed, see
meta.MetaStore.record_change): the chunks of those documents are read from Chroma with the
tokens stored in their metadata, so no text is tokenised again. Only a new collection (a
reindex), a gap in the records or a missing file makes it read every chunk once more.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from assistant.library.storage.bm25 import Bm25Index, Rows, chunk_tokens
from assistant.library.storage.chroma import all_rows

#: changes(since) → {revision: doc_id} for the revisions after `since` that are still recorded.
Changes = Callable[[int], dict[int, str]]

#: The document id of a change record that may have changed any chunk (rows written directly).
EVERYTHING = "*"
_MAIN = "main.npz"
CATCH_UP_BATCH = 100  # documents read at once when catching up (well under SQLite's variable limit)
_TAIL = "tail.json"


class Bm25Files:
    """One library's BM25 index: in memory, saved under a directory, current on request."""

    def __init__(self, directory: Path):
        self.dir = Path(directory)
        self.index = Bm25Index()
        self._build = ""  # id of the saved main part the tail belongs to
        # Changes since the saved main part, in order: ["add", id, role, kind, doc_id, tokens] or ["drop", id].
        self._tail: list[list] = []
        self._loaded = False
        self._lock = threading.RLock()

    # ------------------------------------------------------------ keeping current

    def current(self, col, changes: Changes) -> Bm25Index:
        """The index of this collection handle at its present revision."""
        key = (str(col.id), int(dict(col.metadata or {}).get("rev", 0)))
        if self.index.revision == key:
            return self.index
        with self._lock:
            if not self._loaded:
                self._loaded = True
                with contextlib.suppress(Exception):  # unreadable or from another version: rebuilt below
                    self._load()
            if self.index.revision == key:
                return self.index
            had = self.index.revision
            if had and had[0] == key[0] and had[1] < key[1] and self._catch_up(col, changes, had[1], key[1]):
                self.index.revision = key
                self._save(compact=self.index.needs_compaction())
                return self.index
            self._rebuild(col, key)
            return self.index

    def _catch_up(self, col, changes: Changes, since: int, now: int) -> bool:
        """Apply the change records since→now; False when some are missing."""
        feed = changes(since)
        if any(rev not in feed for rev in range(since + 1, now + 1)) or EVERYTHING in feed.values():
            return False
        docs = list(dict.fromkeys(feed[rev] for rev in sorted(feed) if since < rev <= now))
        # Read in batches: one filtered read per document cost ~40 ms at 100k chunks, so a
        # reader 2,000 changes behind (a large CLI ingest) waited more than a minute.
        for start in range(0, len(docs), CATCH_UP_BATCH):
            batch = docs[start : start + CATCH_UP_BATCH]
            where = {"doc_id": batch[0]} if len(batch) == 1 else {"doc_id": {"$in": batch}}
            got = col.get(where=where, include=["metadatas", "documents"])
            by_doc: dict[str, list[tuple[str, str, dict]]] = {d: [] for d in batch}
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                meta = dict(meta or {})
                by_doc.setdefault(str(meta.get("doc_id", "")), []).append((cid, text or "", meta))
            for doc_id in batch:  # in the order of the records, as one read per document gave
                self._drop_doc(doc_id)
                for cid, text, meta in by_doc[doc_id]:
                    self._add(cid, text, meta)
        return True

    def _add(self, cid: str, text: str, meta: dict) -> None:
        tokens = chunk_tokens(cid, text, meta)
        self.index.add(cid, tokens, meta)
        self._tail.append(["add", cid, meta.get("role", ""), meta.get("kind", ""), meta.get("doc_id", ""), tokens])

    def _drop_doc(self, doc_id: str) -> None:
        rows = self.index.rows
        ids = [cid for cid, d, a in zip(rows.ids, rows.doc_ids, rows.alive, strict=True) if a and d == doc_id]
        self.index.drop(ids)
        self._tail += [["drop", cid] for cid in ids]

    def _rebuild(self, col, key: tuple[str, int]) -> None:
        """Index every chunk of the collection (tokens from their metadata where stored)."""
        ids, metas, _ = all_rows(col, include_documents=False)
        texts = [""] * len(ids)
        missing = [i for i, m in enumerate(metas) if not isinstance(m.get("bm25"), str)]
        if missing:  # chunks stored before their tokens were: read their text to tokenise it
            got_ids, _, got_docs = all_rows(col, include_documents=True)
            by_id = dict(zip(got_ids, got_docs, strict=True))
            texts = [by_id.get(cid, "") or "" for cid in ids]
        tokens = [chunk_tokens(cid, text, meta) for cid, text, meta in zip(ids, texts, metas, strict=True)]
        index = Bm25Index.built(ids, tokens, metas)  # already compact
        index.revision = key
        self.index = index  # complete before readers that check the revision without the lock see it
        self._save(compact=False, main=True)

    # ------------------------------------------------------------ files

    def _save(self, compact: bool, main: bool = False) -> None:
        """Save the main part (after a compaction, or ``main``: already compact) or just the tail.

        Skipped while another process saves.
        """
        try:
            self.dir.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.dir / ".lock"))
            lock.acquire(timeout=0)
        except (Timeout, OSError):
            if compact:
                self.index.compact()
            return
        try:
            if compact or main:
                if compact:
                    self.index.compact()
                self._build = uuid.uuid4().hex
                self._tail = []
                self._write_main()
            self._write_tail()
        finally:
            lock.release()

    def _write_main(self) -> None:
        ix = self.index
        r = ix.rows
        vocab = np.array(sorted(ix.vocab, key=ix.vocab.__getitem__), dtype=str)
        tmp = self.dir / f".{_MAIN}.{os.getpid()}.npz"
        np.savez(
            tmp,
            build=np.array(self._build),
            collection=np.array(ix.revision[0]),
            rev=np.array(ix.revision[1]),
            vocab=vocab,
            indptr=ix.indptr,
            indices=ix.indices,
            tfs=ix.tfs,
            ids=np.array(r.ids, dtype=str),
            roles=np.array(r.roles, dtype=str),
            kinds=np.array(r.kinds, dtype=str),
            doc_ids=np.array(r.doc_ids, dtype=str),
            lengths=np.array(r.lengths, dtype=np.int32),
        )
        os.replace(tmp, self.dir / _MAIN)

    def _write_tail(self) -> None:
        data = {
            "build": self._build,
            "collection": self.index.revision[0],
            "rev": self.index.revision[1],
            "ops": self._tail,
        }
        tmp = self.dir / f".{_TAIL}.{os.getpid()}"
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, self.dir / _TAIL)

    def _load(self) -> None:
        path = self.dir / _MAIN
        if not path.exists():
            return
        with np.load(path) as z:
            vocab = {str(t): i for i, t in enumerate(z["vocab"].tolist())}
            n = len(z["ids"])
            rows = Rows(
                ids=z["ids"].tolist(),
                roles=z["roles"].tolist(),
                kinds=z["kinds"].tolist(),
                doc_ids=z["doc_ids"].tolist(),
                lengths=z["lengths"].tolist(),
                alive=[True] * n,
            )
            self.index = Bm25Index()
            self.index.set_main(vocab, z["indptr"], z["indices"], z["tfs"], rows)
            self._build = str(z["build"])
            self.index.revision = (str(z["collection"]), int(z["rev"]))
        with contextlib.suppress(OSError, ValueError, KeyError):
            tail = json.loads((self.dir / _TAIL).read_text(encoding="utf-8"))
            if tail["build"] == self._build and tail["collection"] == self.index.revision[0]:
                for op in tail["ops"]:
                    if op[0] == "drop":
                        self.index.drop([op[1]])
                    else:
                        _, cid, role, kind, doc_id, tokens = op
                        self.index.add(cid, tokens, {"role": role, "kind": kind, "doc_id": doc_id})
                self._tail = tail["ops"]
                self.index.revision = (tail["collection"], int(tail["rev"]))
