"""BM25 over every chunk's embedding text (title and heading included): the lexical half of search.

Scores are bm25s's default (Lucene BM25, k1=1.5, b=0.75; tests/test_bm25.py checks them
against bm25s itself). bm25s cannot add or drop documents without indexing everything again
(35 s at 100k chunks), so the postings are kept here in a form that grows and shrinks: a
compressed term × chunk matrix plus a small tail of chunks added since, with dropped chunks
masked out. Statistics (N, document frequencies, average length) are taken at query time, so
the scores are those of a fresh index over the live chunks. The index is saved under the data
dir (library/bm25_files.py) and kept current from the library's change records, so neither an
app start nor a CLI call on a large library builds it again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import chain

import numpy as np

from assistant.domain.tokenize import tokenize
from assistant.intake.chunking import embedding_text
from assistant.library.storage.chroma import chunk_from_meta

K1 = 1.5
B = 0.75
TOKENS_KEY = "bm25"  # chunk metadata: the chunk's BM25 tokens, space-separated


def chunk_tokens(chunk_id: str, text: str, meta: dict) -> list[str]:
    """A stored chunk's tokens: written with it since the tokens travel in its metadata, else computed."""
    stored = meta.get(TOKENS_KEY)
    if isinstance(stored, str):
        return stored.split()
    return tokenize(embedding_text(chunk_from_meta(chunk_id, text, meta)))


@dataclass
class Rows:
    """Per indexed chunk: id, filter fields, length and whether it is still in the library."""

    ids: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    doc_ids: list[str] = field(default_factory=list)
    lengths: list[int] = field(default_factory=list)
    alive: list[bool] = field(default_factory=list)


class Bm25Index:
    """Postings of all chunks; rows are appended and masked, statistics computed per query."""

    def __init__(self) -> None:
        self.revision: object = None  # (collection id, library revision) the rows reflect
        self.vocab: dict[str, int] = {}
        # Main part: CSR over terms (indptr per term id) of rows [0, n_main).
        self.indptr = np.zeros(1, dtype=np.int64)
        self.indices = np.zeros(0, dtype=np.int32)
        self.tfs = np.zeros(0, dtype=np.float32)
        self.n_main = 0
        self.tail: dict[int, list[tuple[int, int]]] = {}  # term id → (row, tf) of rows ≥ n_main
        self.rows = Rows()
        self._arrays: dict[str, np.ndarray] | None = None
        self._row_of: dict[str, int] = {}

    # ------------------------------------------------------------ changes

    def __len__(self) -> int:
        return len(self.rows.ids)

    def live_count(self) -> int:
        """Chunks indexed and still in the library."""
        return int(self.arrays()["alive"].sum())

    def add(self, chunk_id: str, tokens: Sequence[str], meta: dict) -> None:
        """Index one chunk (a chunk indexed before under this id is dropped first)."""
        self.drop([chunk_id])
        row = len(self.rows.ids)
        r = self.rows
        r.ids.append(chunk_id)
        r.roles.append(str(meta.get("role", "")))
        r.kinds.append(str(meta.get("kind", "")))
        r.doc_ids.append(str(meta.get("doc_id", "")))
        r.lengths.append(len(tokens))
        r.alive.append(True)
        for term, tf in Counter(tokens).items():
            tid = self.vocab.setdefault(term, len(self.vocab))
            self.tail.setdefault(tid, []).append((row, tf))
        self._row_of[chunk_id] = row
        self._arrays = None

    def drop(self, chunk_ids: Iterable[str]) -> None:
        """Remove chunks from the results (their postings are dropped at the next compaction)."""
        for cid in chunk_ids:
            row = self._row_of.pop(cid, None)
            if row is not None:
                self.rows.alive[row] = False
                self._arrays = None

    def drop_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove every chunk of these documents."""
        wanted = set(doc_ids)
        self.drop([cid for cid, d in zip(self.rows.ids, self.rows.doc_ids, strict=True) if d in wanted])

    def needs_compaction(self) -> bool:
        """Many rows added or dropped since the main part was built."""
        tail = len(self.rows.ids) - self.n_main
        dead = len(self.rows.ids) - len(self._row_of)
        return tail + dead > max(2000, len(self.rows.ids) // 10)

    def compact(self) -> None:
        """Fold the tail into the main part and forget dropped rows (vectorised: about a second at 100k)."""
        arrays = self.arrays()
        keep = np.flatnonzero(arrays["alive"])
        terms, rows, tfs = self._all_postings()
        renumber = np.full(len(self.rows.ids), -1, dtype=np.int64)
        renumber[keep] = np.arange(len(keep))
        mask = renumber[rows] >= 0
        terms, rows, tfs = terms[mask], renumber[rows[mask]], tfs[mask]
        order = np.lexsort((rows, terms))
        terms, rows, tfs = terms[order], rows[order], tfs[order]
        self.indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(self.vocab)))]).astype(np.int64)
        self.indices = rows.astype(np.int32)
        self.tfs = tfs.astype(np.float32)
        old = self.rows
        self.rows = Rows(
            ids=[old.ids[i] for i in keep],
            roles=[old.roles[i] for i in keep],
            kinds=[old.kinds[i] for i in keep],
            doc_ids=[old.doc_ids[i] for i in keep],
            lengths=[old.lengths[i] for i in keep],
            alive=[True] * len(keep),
        )
        self.n_main = len(keep)
        self.tail = {}
        self._row_of = {cid: i for i, cid in enumerate(self.rows.ids)}
        self._arrays = None

    def _all_postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(term, row, tf) of every posting, main part and tail."""
        counts = np.diff(self.indptr)
        terms = [np.repeat(np.arange(len(counts), dtype=np.int64), counts)]
        rows = [self.indices.astype(np.int64)]
        tfs = [self.tfs]
        for tid, posts in self.tail.items():
            terms.append(np.full(len(posts), tid, dtype=np.int64))
            rows.append(np.array([p[0] for p in posts], dtype=np.int64))
            tfs.append(np.array([p[1] for p in posts], dtype=np.float32))
        return np.concatenate(terms), np.concatenate(rows), np.concatenate(tfs)

    @classmethod
    def built(cls, ids: Sequence[str], token_lists: Sequence[Sequence[str]], metas: Sequence[dict]) -> Bm25Index:
        """A compacted index of these chunks in one go: what add + compact give, vectorised (seconds less at 100k)."""
        if len(set(ids)) != len(ids):  # a repeated id: the last one counts, as add does
            index = cls()
            for cid, tokens, meta in zip(ids, token_lists, metas, strict=True):
                index.add(cid, tokens, meta)
            index.compact()
            return index
        n = len(ids)
        lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=n)
        flat = list(chain.from_iterable(token_lists))
        vocab = {term: i for i, term in enumerate(dict.fromkeys(flat))}
        terms = np.fromiter(map(vocab.__getitem__, flat), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
        # One key per (term, row), so sorting the keys sorts postings by term, then row (CSR order).
        keys, tfs = np.unique(terms * max(n, 1) + rows, return_counts=True)
        terms, rows = np.divmod(keys, max(n, 1))
        indptr = np.concatenate([[0], np.cumsum(np.bincount(terms, minlength=len(vocab)))]).astype(np.int64)
        index = cls()
        index.set_main(
            vocab, indptr, rows.astype(np.int32), tfs.astype(np.float32),
            Rows(
                ids=list(ids),
                roles=[str(m.get("role", "")) for m in metas],
                kinds=[str(m.get("kind", "")) for m in metas],
                doc_ids=[str(m.get("doc_id", "")) for m in metas],
                lengths=lengths.tolist(),
                alive=[True] * n,
            ),
        )  # fmt: skip
        return index

    def set_main(self, vocab: dict[str, int], indptr, indices, tfs, rows: Rows) -> None:
        """Install a saved main part (see bm25_files)."""
        self.vocab, self.indptr, self.indices, self.tfs, self.rows = vocab, indptr, indices, tfs, rows
        self.n_main = len(rows.ids)
        self.tail = {}
        self._row_of = {cid: i for i, cid in enumerate(rows.ids) if rows.alive[i]}
        self._arrays = None

    # ------------------------------------------------------------ search

    def arrays(self) -> dict[str, np.ndarray]:
        """The row fields as numpy arrays (rebuilt after a change)."""
        if self._arrays is None:
            r = self.rows
            self._arrays = {
                "roles": np.array(r.roles, dtype=str),
                "kinds": np.array(r.kinds, dtype=str),
                "doc_ids": np.array(r.doc_ids, dtype=str),
                "lengths": np.array(r.lengths, dtype=np.float32),
                "alive": np.array(r.alive, dtype=bool),
            }
        return self._arrays

    def row_of(self, chunk_id: str) -> int | None:
        """The live row of a chunk id."""
        return self._row_of.get(chunk_id)

    def _postings(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        rows, tfs = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        if tid < len(self.indptr) - 1:
            a, b = self.indptr[tid], self.indptr[tid + 1]
            rows, tfs = self.indices[a:b].astype(np.int64), self.tfs[a:b]
        tail = self.tail.get(tid)
        if tail:
            rows = np.concatenate([rows, np.array([p[0] for p in tail], dtype=np.int64)])
            tfs = np.concatenate([tfs, np.array([p[1] for p in tail], dtype=np.float32)])
        return rows, tfs

    def scores(self, query_tokens: Sequence[str]) -> np.ndarray:
        """BM25 score of every row for these tokens (0 for dropped rows), as a fresh index would give."""
        arrays = self.arrays()
        alive = arrays["alive"]
        scores = np.zeros(len(alive), dtype=np.float32)
        n = int(alive.sum())
        if not n:
            return scores
        lengths = arrays["lengths"]
        avgdl = float(lengths[alive].mean())
        for term in query_tokens:  # a repeated query word counts again, as in bm25s
            tid = self.vocab.get(term)
            if tid is None:
                continue
            rows, tfs = self._postings(tid)
            live = alive[rows]
            rows, tfs = rows[live], tfs[live]
            df = len(rows)
            if not df:
                continue
            idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
            norm = K1 * ((1 - B) + B * lengths[rows] / avgdl)
            np.add.at(scores, rows, (idf * tfs / (norm + tfs)).astype(np.float32))
        return scores

    def top_rows(
        self,
        query: str,
        depth: int,
        role: str | None = None,
        kind: str | None = None,
        doc_ids: list[str] | None = None,
    ) -> list[tuple[str, float]]:
        """(chunk id, score) of the best `depth` live chunks with a positive score that pass the filters."""
        scores = self.scores(tokenize(query))
        if not len(scores):
            return []
        arrays = self.arrays()
        mask = scores > 0
        if role:
            mask &= arrays["roles"] == role
        if kind:
            mask &= arrays["kinds"] == kind
        if doc_ids:
            mask &= np.isin(arrays["doc_ids"], list(doc_ids))
        picked = np.flatnonzero(mask)
        if len(picked) > depth:
            picked = picked[np.argpartition(-scores[picked], depth - 1)[:depth]]
        picked = picked[np.argsort(-scores[picked], kind="stable")]
        return [(self.rows.ids[i], float(scores[i])) for i in picked]
