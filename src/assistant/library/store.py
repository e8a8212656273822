"""The reference library (范文库): Chroma vectors + BM25, kept in step; add, remove, list, search.

Every change runs under the library lock (library/lock.py) and is journalled (library/writes.py),
so several processes or app instances can share one library and a crash leaves nothing
half-written that the next writer or `assistant doctor` does not finish or undo.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from assistant.domain.models import ChangedLine, Chunk, DocRecord, RemovedLine, SearchHit, SpeechDoc
from assistant.intake.chunking import embedding_text
from assistant.intake.fingerprint import NEAR_DUPLICATE, similarity
from assistant.intake.prepare import PreparedDoc
from assistant.library.embeddings import CachedEmbedder, make_embedder
from assistant.library.ranking import DEFAULT_RANKING, RankingParams
from assistant.library.search import check_query, search_collection
from assistant.library.storage.bm25 import Bm25Index
from assistant.library.storage.bm25_files import Bm25Files
from assistant.library.storage.chroma import (
    all_rows,
    chunk_from_meta,
    doc_records,
    make_chroma_client,
    max_batch,
)
from assistant.library.storage.errors import EmbeddingMismatchError, LibraryError, mismatch_message
from assistant.library.storage.files import DocFiles
from assistant.library.storage.handle import Progress
from assistant.library.storage.heap import wipe_freed_memory
from assistant.library.storage.lock import FileLibraryLock, LeaseLibraryLock, OnWait
from assistant.library.storage.meta import MetaStore, instance_id
from assistant.library.storage.reindex import rebuild_index
from assistant.library.storage.writes import (
    chunk_token_lists,
    delete_document,
    finish_pending,
    set_kind_steps,
    write_document,
)
from assistant.library.warmup import WarmReport, warmup_of
from assistant.support.config import Settings
from assistant.support.errors import LoadError

__all__ = ["AddOutcome", "EmbeddingMismatchError", "Library", "LibraryError", "Progress", "TEXT_FORMAT"]

#: Version of what is stored per chunk: the embedded text (chunking.embedding_text) and, since
#: 3, the whole point or paragraph it belongs to (chroma.unit_meta). An index of another version
#: ranks worse or shows fragments instead of whole points, so the library asks for a reindex.
TEXT_FORMAT = 3


log = logging.getLogger(__name__)

@dataclass
class AddOutcome:
    """Result of adding one prepared document."""

    doc_id: str
    title: str
    chunks: int
    duplicate: bool
    removed: list[RemovedLine] = field(default_factory=list)  # page junk the cleaner dropped
    changed: list[ChangedLine] = field(default_factory=list)  # lines the cleaner repaired
    similar_to: str = ""  # not added: a near copy of this document (title is that document's)
    similarity: float = 0.0


class Library:
    """Chroma collection (cosine) + BM25 index + files under the data dir."""

    def __init__(
        self,
        settings: Settings,
        embedder: CachedEmbedder,
        client=None,
        ranking: RankingParams | None = None,
    ):
        # Idempotent; the CLI and the app set it first thing, this covers other callers (scripts, tests).
        wipe_freed_memory()
        self.settings = settings
        # Benchmarks pass their own parameters to compare them; the app uses the defaults.
        self.ranking = ranking or DEFAULT_RANKING
        self.embedder = embedder
        self.data_dir = Path(settings.data_dir)
        self.files = DocFiles(self.data_dir)
        self.server = bool(settings.chroma_url)
        self._own_client = client is None
        self.removed_text = False
        self._thread_lock = threading.RLock()
        self._writing_depth = 0
        self._bm25 = Bm25Files(self.data_dir / "bm25")
        if self.server:
            # The server serialises its own schema and collection creation.
            self._open(client)
            self.lock = LeaseLibraryLock(self.meta)
        else:
            self.lock = FileLibraryLock(self.data_dir)
            # Two processes creating Chroma's SQLite schema or the collections in one new data
            # dir at once collide ("table collections already exists"), so a new one is opened
            # under the library lock. An existing one is opened without waiting for writers.
            if not self._try_open(client):
                with self.lock.hold(settings.lock_timeout, "打开范文库"):
                    self._open(client)
        self.max_batch = max_batch(self.client)

    def _try_open(self, client) -> bool:
        """Open an existing local library without the lock; False when it is new or being created."""
        if not (self.data_dir / "chroma" / "chroma.sqlite3").exists():
            return False
        try:
            self._open(client)
        except Exception:  # another process is creating the schema or the collections right now
            return False
        return True

    def _open(self, client) -> None:
        """Client, bookkeeping and chunk collection (created when new)."""
        # A fresh client: one shared with an older Library in this process may be stale.
        self.client = client if client is not None else make_chroma_client(self.settings, fresh=True)
        self.meta = MetaStore(self.client, self.settings.collection)
        self.origin = instance_id(self.data_dir)
        self._recover_interrupted_reindex()
        self.client.get_or_create_collection(
            self.generation(), configuration={"hnsw": {"space": "cosine"}}, metadata=self.fresh_meta(),
            embedding_function=None,
        )  # fmt: skip
        self._seen = self._state()

    @classmethod
    def open(cls, settings: Settings) -> Library:
        """The library configured by settings (local files or a Chroma server)."""
        return cls(settings, make_embedder(settings))

    # ------------------------------------------------------------ state

    def fresh_meta(self, rev: int = 0) -> dict:
        """Metadata of a new collection made with the configured embedder."""
        return {"embedding_id": self.embedder.id, "rev": rev, "text_format": TEXT_FORMAT}

    def _recover_interrupted_reindex(self) -> None:
        # A reindex of an older version built "<name>-reindex" and renamed it after deleting the original.
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        temp = f"{self.settings.collection}-reindex"
        if temp in names and self.settings.collection not in names:
            self.client.get_collection(temp, embedding_function=None).modify(name=self.settings.collection)

    def generation(self) -> str:
        """Name of the collection that holds the chunks now (a reindex switches to a new one)."""
        return self.meta.generation(self.settings.collection)

    def collection(self):
        """The current chunk collection, looked up now (another instance may have swapped it)."""
        return self.client.get_collection(self.generation(), embedding_function=None)

    @property
    def _collection(self):
        return self.collection()

    def _state(self) -> tuple[str, object, object]:
        col = self.collection()
        return col.name, col.id, dict(col.metadata or {}).get("rev")

    def close(self) -> None:
        """At the end of a process's use (the CLI's command): after a removal, let go of the client and clear once more.

        The Library is not used after this.

        Chroma saves an index when its client goes away, from buffers that may hold text freed
        by this process (small blocks glibc never overwrites), so the last clearing comes after
        that save. Skipped when another process holds the lock (it may be saving these files).
        """
        if self.server or not self._own_client or not self.removed_text:
            return
        from assistant.library.storage.chroma import forget_local_client
        from assistant.library.storage.scrub import zero_unused_hnsw

        self.client = self.meta = None
        forget_local_client(self.settings)
        gc.collect()
        if self.lock.try_hold():
            try:
                zero_unused_hnsw(self.data_dir / "chroma")
            finally:
                self.lock.release()
        self.removed_text = False

    def reopen(self) -> None:
        """A new local client: its vector index includes what other processes wrote."""
        self.client = make_chroma_client(self.settings, fresh=True)
        self.meta = MetaStore(self.client, self.settings.collection)
        self._seen = self._state()

    def _refresh_for_reading(self) -> None:
        """Locally, reload the vector index when another process changed the library since we loaded it."""
        if self.server or not self._own_client or self._state() == self._seen:
            return
        # Reloading reads the index files, so not while a writer may be saving them: when the
        # lock is busy (e.g. a long reindex) keep searching the index we have.
        if self.lock.try_hold():
            try:
                self.reopen()
            finally:
                self.lock.release()

    @contextmanager
    def writing(
        self, what: str, on_wait: OnWait | None = None, repair: bool = True, timeout: float | None = None
    ) -> Iterator[None]:
        """Hold the library lock for a change; first finish or undo what a dead writer left."""
        with self._thread_lock:
            if self._writing_depth:
                self._writing_depth += 1
                try:
                    yield
                finally:
                    self._writing_depth -= 1
                return
            with self.lock.hold(timeout or self.settings.lock_timeout, what, on_wait):
                self._writing_depth = 1
                try:
                    if not self.server and self._own_client and self._state() != self._seen:
                        self.reopen()  # a stale index written back would lose the others' chunks
                    if repair:
                        for entry in self.meta.pending():
                            finish_pending(self, entry)
                    yield
                finally:
                    self._writing_depth = 0
                    with contextlib.suppress(Exception):
                        self._seen = self._state()

    def _meta(self) -> dict:
        return dict(self.collection().metadata or {})

    @property
    def indexed_with(self) -> str:
        """Embedding model id the stored vectors were made with."""
        return str(self._meta().get("embedding_id", ""))

    def embedding_mismatch(self) -> str | None:
        """A Chinese explanation when the configured embedder differs from the stored vectors."""
        col = self.collection()
        return self.mismatch(dict(col.metadata or {}), col.count())

    def mismatch(self, meta: dict, count: int) -> str | None:
        """embedding_mismatch for a collection's metadata and size."""
        return mismatch_message(meta, count, self.embedder.id, TEXT_FORMAT)

    def _check_embedder(self) -> None:
        msg = self.embedding_mismatch()
        if msg:
            raise EmbeddingMismatchError(msg)

    def bump_revision(self, doc_id: str, fresh: bool = False) -> None:
        """Record that a document changed; ``fresh``: the library was empty before, so it is now current."""
        col = self.collection()
        meta = dict(col.metadata or {})
        meta["rev"] = int(meta.get("rev", 0)) + 1
        if fresh or col.count() == 0:
            meta.update(embedding_id=self.embedder.id, text_format=TEXT_FORMAT)
        self.meta.record_change(meta["rev"], doc_id)  # first: a reader that sees the revision finds it
        col.modify(metadata=meta)

    def chunk_count(self) -> int:
        """Number of chunks in the library."""
        return self.collection().count()

    # ------------------------------------------------------------ documents

    def list_documents(self) -> list[DocRecord]:
        """Documents in the library, newest first (not those being written, or left half-written)."""
        hidden = self.meta.pending_ids()
        # One row per document: its first chunk knows how many chunks it has (cheap at 100k chunks).
        heads = [dict(m or {}) for m in self.collection().get(where={"doc_head": 1}, include=["metadatas"])["metadatas"]]
        if all(m.get("doc_chunks") for m in heads):
            return doc_records(heads, hidden, counted=True)
        return doc_records(all_rows(self.collection())[1], hidden)  # stored before heads counted their chunks

    def has_document(self, doc_id: str) -> bool:
        """Whether a document with this id is stored (completely: not one being written)."""
        got = self.collection().get(where={"doc_id": doc_id}, limit=1, include=[])
        return bool(got["ids"]) and doc_id not in self.meta.pending_ids()

    def get_document(self, doc_id: str) -> SpeechDoc | None:
        """The parsed document saved at ingest time."""
        return self.files.load_parsed(doc_id)

    def get_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document, in order."""
        got = self.collection().get(where={"doc_id": doc_id}, include=["metadatas", "documents"])
        chunks = [
            chunk_from_meta(cid, text, dict(meta or {}))
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.chunk_id)

    # ------------------------------------------------------------ add / remove

    def _screen(self, prepared: PreparedDoc, allow_similar: bool) -> AddOutcome | None:
        """The outcome when the document is not to be added (already there, or a near copy)."""
        cleaned = prepared.cleaned
        if self.has_document(prepared.doc_id):
            return AddOutcome(prepared.doc_id, prepared.speech.title, 0, True, cleaned.removed, cleaned.changed)
        if not allow_similar and prepared.signature:
            twin, score, title = self.most_similar(prepared.signature)
            if score >= NEAR_DUPLICATE:
                return AddOutcome(prepared.doc_id, title, 0, False, cleaned.removed, cleaned.changed, twin, score)
        return None

    def add_prepared(
        self,
        prepared: PreparedDoc,
        progress: Progress | None = None,
        *,
        allow_similar: bool = False,
        on_wait: OnWait | None = None,
    ) -> AddOutcome:
        """Store a prepared document, or report it as a duplicate or near copy. All or nothing."""
        self._check_embedder()
        early = self._screen(prepared, allow_similar)
        if early:
            return early
        if not prepared.chunks:
            raise LoadError(f"《{prepared.filename}》没有可用的正文内容。")
        # Embedding is the slow part: done before taking the lock, so other writers need not wait.
        vectors = self.embed_chunks(
            prepared.chunks, progress, f"正在向量化《{prepared.speech.title or prepared.filename}》"
        )
        tokens = chunk_token_lists(prepared)
        with self.writing(f"导入《{prepared.speech.title or prepared.filename}》", on_wait):
            self._check_embedder()
            early = self._screen(prepared, allow_similar)  # another process may have added it meanwhile
            if early:
                return early
            if self.chunk_count() == 0 and self.indexed_with != self.embedder.id:
                # An emptied library may have been built with another model: its index keeps
                # that model's dimension, so start a new one.
                name = self.generation()
                self.client.delete_collection(name)
                self.client.create_collection(
                    name, configuration={"hnsw": {"space": "cosine"}}, metadata=self.fresh_meta(), embedding_function=None
                )  # fmt: skip
            write_document(self, prepared, vectors, tokens)
        return AddOutcome(
            prepared.doc_id, prepared.speech.title, len(prepared.chunks), False,
            prepared.cleaned.removed, prepared.cleaned.changed,
        )  # fmt: skip

    def most_similar(self, sig: bytes) -> tuple[str, float, str]:
        """(doc_id, similarity, title) of the stored document nearest to a signature ("", 0, "")."""
        got = self.collection().get(where={"doc_head": 1}, include=["metadatas"])
        best = ("", 0.0, "")
        hidden = self.meta.pending_ids()
        for meta in got["metadatas"] or []:
            meta = dict(meta or {})
            if meta.get("doc_id") in hidden:
                continue
            score = similarity(sig, bytes.fromhex(str(meta.get("signature", ""))))
            if score > best[1]:
                best = (str(meta.get("doc_id", "")), score, str(meta.get("title", "")))
        return best

    def embed_chunks(self, chunks: list[Chunk], progress: Progress | None, message: str) -> np.ndarray:
        """Vectors of chunks' embedding texts (cache and precomputed file first), progress in characters."""
        texts = [embedding_text(c) for c in chunks]
        total = sum(len(t) for t in texts)
        done = 0

        def on_batch(chars: int) -> None:
            nonlocal done
            done += chars
            if progress:
                progress(done, total, message)

        vectors = self.embedder.embed_passages(texts, progress=on_batch)
        if progress and done < total:
            progress(total, total, "向量已缓存，直接入库")
        return vectors

    def remove(self, doc_id: str, on_wait: OnWait | None = None) -> bool:
        """Delete every trace of a document (chunks, their text in Chroma's log, cached vectors, files)."""
        with self.writing(f"删除文档 {doc_id}", on_wait):
            return delete_document(self, doc_id)

    def set_kind(self, doc_id: str, kind: str) -> bool:
        """Change a document's meeting kind (every chunk and the parsed copy). False if unknown."""
        with self.writing(f"修改文档 {doc_id} 的类型"):
            return set_kind_steps(self, doc_id, kind)

    def reindex(self, progress: Progress | None = None, on_wait: OnWait | None = None) -> int:
        """Re-embed every chunk with the configured model and refill its unit. Returns chunks."""
        return rebuild_index(self, progress, on_wait)

    # ------------------------------------------------------------ search

    def warm(self) -> WarmReport:
        """Load the BM25 index, jieba, the model and the vector index now, once (library/warmup.py)."""
        return warmup_of(self).run()

    def save_full_text_index(self) -> None:
        """Bring the saved BM25 index up to date now, after a bulk write (a CLI ingest, a reindex).

        The next process to open the library then loads it in a fraction of a second; otherwise
        its first search rebuilt it from every chunk (22–32 s at 100k chunks, BENCHMARKS.md).
        """
        try:
            self.bm25_for(self.collection())
        except Exception:  # the next search builds it on demand and says what is wrong
            log.warning("the full-text index could not be saved after the write", exc_info=True)

    def bm25_for(self, col) -> Bm25Index:
        """The BM25 index of a collection handle, at the collection's revision."""
        return self._bm25.current(col, self.meta.changes_since)

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
        """Hybrid (dense + BM25, reciprocal-rank fusion) search with optional filters."""
        query = check_query(query, k, mode)
        # Documents being written (or left half-written by a crash) are not shown.
        exclude = [*(exclude_doc_ids or []), *self.meta.pending_ids()]
        args = (query, k, role, kind, mode, max_per_doc, doc_ids, exclude)
        self._refresh_for_reading()
        try:
            return search_collection(self, self.collection(), *args)
        except LibraryError:
            raise
        except Exception:
            # The collection was swapped by a reindex elsewhere between lookup and query, or
            # (locally) our index was loaded before another process first wrote it.
            if not self.server and self._own_client:
                # Briefly: a search should not wait out a long reindex (that raises a Chinese reason).
                with self.lock.hold(min(10.0, self.settings.lock_timeout), "检索"):
                    self.reopen()
            return search_collection(self, self.collection(), *args)
