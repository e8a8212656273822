"""The reference library (范文库): Chroma vectors + BM25, kept in step; add, remove, list, search."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from assistant.config import Settings
from assistant.library.bm25 import Bm25Index
from assistant.library.chroma import (
    add_rows,
    all_rows,
    chunk_from_meta,
    chunk_meta,
    make_chroma_client,
    max_batch,
    nearest,
    unit_meta,
    where_filter,
)
from assistant.library.chunking import embedding_text, units_for
from assistant.library.embeddings import CachedEmbedder, make_embedder
from assistant.library.errors import EmbeddingMismatchError, LibraryError
from assistant.library.files import DocFiles
from assistant.library.fingerprint import NEAR_DUPLICATE, similarity
from assistant.library.loaders import LoadError
from assistant.library.ranking import (
    DEFAULT_RANKING,
    Candidate,
    RankingParams,
    best_first,
    boost_roles,
    diversify,
    fuse,
    query_roles,
)
from assistant.models import ChangedLine, Chunk, DocRecord, RemovedLine, SearchHit, SpeechDoc

if TYPE_CHECKING:
    # Only a type here: ingest.py builds on this module, not the other way round.
    from assistant.library.ingest import PreparedDoc

#: progress(done, total, message): done/total in characters of text to embed.
Progress = Callable[[int, int, str], None]

#: Version of what is stored per chunk: the embedded text (chunking.embedding_text) and, since
#: 3, the whole point or paragraph it belongs to (chroma.unit_meta). An index of another version
#: ranks worse or shows fragments instead of whole points, so the library asks for a reindex.
TEXT_FORMAT = 3


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
        self.settings = settings
        # Benchmarks pass their own parameters to compare them; the app uses the defaults.
        self.ranking = ranking or DEFAULT_RANKING
        self.embedder = embedder
        self.data_dir = Path(settings.data_dir)
        self.files = DocFiles(self.data_dir)
        self.client = client if client is not None else make_chroma_client(settings)
        self._lock = threading.RLock()
        self.max_batch = max_batch(self.client)
        self._bm25 = Bm25Index()
        self._recover_interrupted_reindex()
        self._create_collection(settings.collection)

    def _create_collection(self, name: str, replace: bool = False, rev: int = 0):
        if replace:
            with contextlib.suppress(Exception):  # absent is fine
                self.client.delete_collection(name)
        return self.client.get_or_create_collection(
            name,
            configuration={"hnsw": {"space": "cosine"}},
            metadata={"embedding_id": self.embedder.id, "rev": rev, "text_format": TEXT_FORMAT},
            embedding_function=None,
        )

    @classmethod
    def open(cls, settings: Settings) -> Library:
        """The library configured by settings (local files or a Chroma server)."""
        return cls(settings, make_embedder(settings))

    # ------------------------------------------------------------ state

    def _recover_interrupted_reindex(self) -> None:
        names = {getattr(c, "name", c) for c in self.client.list_collections()}
        temp = f"{self.settings.collection}-reindex"
        if temp in names and self.settings.collection not in names:
            self.client.get_collection(temp, embedding_function=None).modify(name=self.settings.collection)

    @property
    def _collection(self):
        # Looked up by name every time: another instance sharing the Chroma server may have
        # rebuilt the collection (reindex), which invalidates any handle we kept.
        return self.client.get_collection(self.settings.collection, embedding_function=None)

    def _meta(self) -> dict:
        return dict(self._collection.metadata or {})

    @property
    def indexed_with(self) -> str:
        """Embedding model id the stored vectors were made with."""
        return str(self._meta().get("embedding_id", ""))

    def embedding_mismatch(self) -> str | None:
        """A Chinese explanation when the configured embedder differs from the stored vectors."""
        col = self._collection
        return self._mismatch(dict(col.metadata or {}), col.count())

    def _mismatch(self, meta: dict, count: int) -> str | None:
        stored = str(meta.get("embedding_id", ""))
        if count == 0:
            return None
        if stored == self.embedder.id and int(meta.get("text_format", 1)) != TEXT_FORMAT:
            return (
                "范文库的索引是用旧版本程序建立的，检索效果会变差，检索结果也只能显示片段、"
                "看不到完整的段落。请执行 `assistant reindex`"
                "（或在页面上点“重建索引”）重建索引，原文已保存，无需重新上传。"
            )
        if stored and stored != self.embedder.id:
            return (
                f"范文库的向量是用“{stored}”生成的，当前设置的向量模型是“{self.embedder.id}”。"
                "不同模型的向量不能混在一起检索。请执行 `assistant reindex`（或在页面上点“重建索引”）"
                "用当前模型重建索引（原文已保存，无需重新上传）；或把 ASSISTANT_EMBEDDING_BACKEND / "
                "ASSISTANT_EMBEDDING_MODEL 改回原来的设置。"
            )
        return None

    def _check_embedder(self) -> None:
        msg = self.embedding_mismatch()
        if msg:
            raise EmbeddingMismatchError(msg)

    def _bump_revision(self, fresh: bool = False) -> None:
        """Mark a change; ``fresh``: the library was empty before, so it is now fully current."""
        col = self._collection
        meta = dict(col.metadata or {})
        meta["rev"] = int(meta.get("rev", 0)) + 1
        if fresh or col.count() == 0:
            meta["embedding_id"] = self.embedder.id
            meta["text_format"] = TEXT_FORMAT
        col.modify(metadata=meta)

    def chunk_count(self) -> int:
        """Number of chunks in the library."""
        return self._collection.count()

    # ------------------------------------------------------------ documents

    def _all_rows(
        self, include_documents: bool = False, col=None
    ) -> tuple[list[str], list[dict], list[str]]:
        return all_rows(col if col is not None else self._collection, include_documents)

    def list_documents(self) -> list[DocRecord]:
        """Documents in the library, newest first."""
        records: dict[str, DocRecord] = {}
        _, metas, _ = self._all_rows()
        for m in metas:
            doc_id = m.get("doc_id", "")
            rec = records.get(doc_id)
            if rec is None:
                records[doc_id] = DocRecord(
                    doc_id=doc_id,
                    title=m.get("title", ""),
                    kind=m.get("kind", ""),
                    filename=m.get("filename", ""),
                    source_format=m.get("source_format", ""),
                    chars=int(m.get("doc_chars", 0)),
                    chunks=1,
                    added_at=m.get("added_at", ""),
                    original=m.get("original", ""),
                )
            else:
                rec.chunks += 1
        return sorted(records.values(), key=lambda r: (r.added_at, r.title), reverse=True)

    def has_document(self, doc_id: str) -> bool:
        """Whether a document with this id is stored."""
        got = self._collection.get(where={"doc_id": doc_id}, limit=1, include=[])
        return bool(got["ids"])

    def get_document(self, doc_id: str) -> SpeechDoc | None:
        """The parsed document saved at ingest time."""
        return self.files.load_parsed(doc_id)

    def get_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document, in order."""
        got = self._collection.get(where={"doc_id": doc_id}, include=["metadatas", "documents"])
        chunks = [
            chunk_from_meta(cid, text, dict(meta or {}))
            for cid, text, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True)
        ]
        return sorted(chunks, key=lambda c: c.chunk_id)

    # ------------------------------------------------------------ add / remove

    def add_prepared(
        self, prepared: PreparedDoc, progress: Progress | None = None, *, allow_similar: bool = False
    ) -> AddOutcome:
        """Store a prepared document, or report it as a duplicate or near copy. All or nothing."""
        with self._lock:
            self._check_embedder()
            if self.has_document(prepared.doc_id):
                return AddOutcome(
                    prepared.doc_id, prepared.speech.title, 0, True, prepared.cleaned.removed,
                    prepared.cleaned.changed,
                )  # fmt: skip
            if not allow_similar and prepared.signature:
                twin, score, title = self.most_similar(prepared.signature)
                if score >= NEAR_DUPLICATE:
                    return AddOutcome(
                        prepared.doc_id, title, 0, False, prepared.cleaned.removed,
                        prepared.cleaned.changed, twin, score,
                    )  # fmt: skip
            if not prepared.chunks:
                raise LoadError(f"《{prepared.filename}》没有可用的正文内容。")
            was_empty = self.chunk_count() == 0
            if was_empty and self.indexed_with != self.embedder.id:
                # An emptied library may have been built with another model: its index keeps
                # that model's dimension, so start a new one.
                self._create_collection(self.settings.collection, replace=True)
            vectors = self._embed_chunks(
                prepared.chunks, progress, f"正在向量化《{prepared.speech.title or prepared.filename}》"
            )
            original = self.files.save_original(prepared.raw, prepared.filename)
            added_at = datetime.now().isoformat(timespec="seconds")
            doc_chars = prepared.chars  # counted once: it scans the whole text
            try:
                add_rows(
                    self._collection,
                    self.max_batch,
                    [c.chunk_id for c in prepared.chunks],
                    vectors,
                    [c.text for c in prepared.chunks],
                    [chunk_meta(c, prepared, original, added_at, doc_chars) for c in prepared.chunks],
                )
                self.files.save_parsed(prepared.doc_id, prepared.speech)
            except Exception:
                # Leave the library exactly as before.
                self._collection.delete(where={"doc_id": prepared.doc_id})
                raise
            self._bump_revision(fresh=was_empty)
            return AddOutcome(
                prepared.doc_id, prepared.speech.title, len(prepared.chunks), False,
                prepared.cleaned.removed, prepared.cleaned.changed,
            )  # fmt: skip

    def most_similar(self, sig: bytes) -> tuple[str, float, str]:
        """(doc_id, similarity, title) of the stored document nearest to a signature ("", 0, "")."""
        got = self._collection.get(where={"doc_head": 1}, include=["metadatas"])
        best = ("", 0.0, "")
        for meta in got["metadatas"] or []:
            meta = dict(meta or {})
            score = similarity(sig, bytes.fromhex(str(meta.get("signature", ""))))
            if score > best[1]:
                best = (str(meta.get("doc_id", "")), score, str(meta.get("title", "")))
        return best

    def _embed_chunks(self, chunks: list[Chunk], progress: Progress | None, message: str) -> np.ndarray:
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

    def remove(self, doc_id: str) -> bool:
        """Delete every trace of a document (chunks, parsed copy, original). False if unknown."""
        with self._lock:
            got = self._collection.get(where={"doc_id": doc_id}, include=["metadatas"])
            if not got["ids"]:
                return False
            originals = {dict(m or {}).get("original", "") for m in got["metadatas"]}
            self._collection.delete(where={"doc_id": doc_id})
            self.files.remove(doc_id, originals)
            self._bump_revision()
            return True

    def set_kind(self, doc_id: str, kind: str) -> bool:
        """Change a document's meeting kind (every chunk and the parsed copy). False if unknown."""
        with self._lock:
            got = self._collection.get(where={"doc_id": doc_id}, include=["metadatas"])
            if not got["ids"]:
                return False
            metas = [{**dict(m or {}), "kind": kind} for m in got["metadatas"]]
            self._collection.update(ids=got["ids"], metadatas=metas)
            speech = self.files.load_parsed(doc_id)
            if speech is not None:
                self.files.save_parsed(doc_id, speech.model_copy(update={"kind": kind}))
            self._bump_revision()
            return True

    def reindex(self, progress: Progress | None = None) -> int:
        """Re-embed every chunk with the configured model and refill its unit. Returns chunks."""
        with self._lock:
            ids, metas, docs = self._all_rows(include_documents=True)
            chunks = [chunk_from_meta(cid, text, m) for cid, text, m in zip(ids, docs, metas, strict=True)]
            chunks = self._with_units(chunks)
            metas = [{**m, **unit_meta(c)} for m, c in zip(metas, chunks, strict=True)]
            vectors = self._embed_chunks(chunks, progress, "正在用当前向量模型重建索引")
            old_meta = self._meta()
            # Build the new index beside the old one, then swap: a crash part-way leaves
            # either the old index or the complete new one, never a half-built library.
            temp = f"{self.settings.collection}-reindex"
            collection = self._create_collection(temp, replace=True, rev=int(old_meta.get("rev", 0)) + 1)
            add_rows(collection, self.max_batch, ids, vectors, docs, metas)
            self.client.delete_collection(self.settings.collection)
            collection.modify(name=self.settings.collection)
            return len(ids)

    def _with_units(self, chunks: list[Chunk]) -> list[Chunk]:
        """The chunks (in the given order) with their units filled in, document by document."""
        by_doc: dict[str, list[Chunk]] = {}
        for c in chunks:
            by_doc.setdefault(c.doc_id, []).append(c)
        filled: dict[str, Chunk] = {}
        for doc_id, doc_chunks in by_doc.items():
            doc_chunks.sort(key=lambda c: c.chunk_id)
            filled.update((c.chunk_id, c) for c in units_for(doc_chunks, self.files.load_parsed(doc_id)))
        return [filled[c.chunk_id] for c in chunks]

    # ------------------------------------------------------------ search

    def _ensure_bm25(self, col=None) -> Bm25Index:
        col = col if col is not None else self._collection
        revision = (dict(col.metadata or {}).get("rev"), col.count())
        if self._bm25.revision != revision:
            with self._lock:
                if self._bm25.revision != revision:
                    ids, metas, docs = self._all_rows(include_documents=True, col=col)
                    self._bm25.rebuild(ids, docs, metas, revision)
        return self._bm25

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
        query = (query or "").strip()
        if not query:
            raise LibraryError("请输入要检索的内容。")
        if k < 1:
            raise LibraryError("返回条数 k 至少为 1。")
        if mode not in ("hybrid", "dense", "bm25"):
            raise LibraryError(f"未知的检索方式 {mode!r}，可选 hybrid、dense、bm25。")
        # One lookup of the collection for the whole search (each is a round trip on a server).
        col = self._collection
        total = col.count()
        if total == 0:
            return []
        params = self.ranking
        depth = min(total, max(50, k * 10))
        rankings: list[tuple[list[Candidate], float]] = []
        if mode in ("hybrid", "dense"):
            message = self._mismatch(dict(col.metadata or {}), total)
            if message:
                raise EmbeddingMismatchError(message)
            vector = self.embedder.embed_query(query)
            rankings.append((nearest(col, vector, depth, where_filter(role, kind, doc_ids)), params.dense_weight))
        if mode in ("hybrid", "bm25"):
            index = self._ensure_bm25(col)
            rankings.append((index.candidates(query, depth, role, kind, doc_ids), params.bm25_weight))
        fused = fuse(rankings, params.rrf_k)
        if params.role_boost and not role:
            fused = boost_roles(fused, query_roles(query), params.role_boost)
        picked = diversify(best_first(fused), k, max_per_doc or params.max_per_doc, set(exclude_doc_ids or []))
        if mode == "dense":
            # The fused score of a single ranking says nothing; show the cosine similarity.
            return [f.candidate.to_hit(f.candidate.dense_score or 0.0) for f in picked]
        return [f.candidate.to_hit(f.score) for f in picked]
