"""BM25 over every chunk's embedding text (title and heading included), for the lexical half of search."""

from __future__ import annotations

import hashlib

import numpy as np

from assistant.library.chroma import chunk_from_meta
from assistant.library.chunking import embedding_text
from assistant.library.ranking import Candidate
from assistant.library.tokenize import tokenize


class Bm25Index:
    """BM25 over all chunks, rebuilt when the library's revision changes."""

    def __init__(self) -> None:
        self.revision: object = None
        self.ids: list[str] = []
        self.metas: list[dict] = []
        self.texts: list[str] = []
        self.roles = self.kinds = self.doc_ids = np.array([], dtype=object)
        self.retriever = None
        self._token_cache: dict[str, list[str]] = {}

    def rebuild(self, ids: list[str], texts: list[str], metas: list[dict], revision: object) -> None:
        """Index these rows; tokens of unchanged chunks are reused."""
        import bm25s

        tokens = []
        cache = {}
        for cid, meta, text in zip(ids, metas, texts, strict=True):
            key = cid + "|" + hashlib.md5(text.encode("utf-8")).hexdigest()
            toks = self._token_cache.get(key)
            if toks is None:
                toks = tokenize(embedding_text(chunk_from_meta(cid, text, meta)))
            cache[key] = toks
            tokens.append(toks or ["<empty>"])
        self._token_cache = cache
        self.ids, self.metas, self.texts = ids, metas, texts
        self.roles = np.array([m.get("role", "") for m in metas], dtype=object)
        self.kinds = np.array([m.get("kind", "") for m in metas], dtype=object)
        self.doc_ids = np.array([m.get("doc_id", "") for m in metas], dtype=object)
        if ids:
            retriever = bm25s.BM25()
            retriever.index(tokens, show_progress=False)
            self.retriever = retriever
        else:
            self.retriever = None
        self.revision = revision

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every indexed chunk for the query (empty when nothing is indexed)."""
        if self.retriever is None:
            return np.zeros(0, dtype=np.float32)
        toks = tokenize(query)
        if not toks:
            return np.zeros(len(self.ids), dtype=np.float32)
        return np.asarray(self.retriever.get_scores(toks), dtype=np.float32)

    def candidates(
        self,
        query: str,
        depth: int,
        role: str | None = None,
        kind: str | None = None,
        doc_ids: list[str] | None = None,
    ) -> list[Candidate]:
        """The best `depth` chunks with a positive score that pass the filters, best first."""
        scores = self.scores(query)
        if not len(scores):
            return []
        mask = np.ones(len(self.ids), dtype=bool)
        if role:
            mask &= self.roles == role
        if kind:
            mask &= self.kinds == kind
        if doc_ids:
            mask &= np.isin(self.doc_ids, list(doc_ids))
        scores = np.where(mask & (scores > 0), scores, -1.0)
        return [
            Candidate(self.ids[i], self.texts[i], self.metas[i])
            for i in np.argsort(-scores)[:depth]
            if scores[i] > 0
        ]
