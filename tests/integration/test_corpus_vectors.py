"""The bundled corpus ships with its vectors (corpus/vectors.npz): complete, current, and used first."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence

import numpy as np
import pytest

from assistant.intake.chunking import embedding_text
from assistant.intake.prepare import prepare_path
from assistant.library.corpus import corpus_texts, seed_corpus
from assistant.library.embeddings import BundledE5Embedder, CachedEmbedder
from assistant.library.store import Library
from assistant.library.vector_file import CORPUS_VECTORS, PrecomputedVectors, text_hash
from assistant.support.config import get_settings
from tests.shared import CORPUS

REGENERATE = "run `make corpus-vectors` and commit corpus/vectors.npz"
BUNDLED_ID = BundledE5Embedder().id


@pytest.fixture(scope="module")
def shipped() -> PrecomputedVectors:
    vectors = PrecomputedVectors.load(CORPUS / CORPUS_VECTORS)
    assert vectors is not None, f"corpus/{CORPUS_VECTORS} is missing or unreadable: {REGENERATE}"
    return vectors


class RecordingEmbedder:
    """An embedder like the real ones (unit vectors from the text), recording what it was asked."""

    def __init__(self, model_id: str = "fake:recording", dim: int = 8, refuse: bool = False):
        self._id = model_id
        self.dim = dim
        self.refuse = refuse
        self.passages: list[str] = []
        self.real = BundledE5Embedder() if model_id == BUNDLED_ID else None

    @property
    def id(self) -> str:
        return self._id

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if self.refuse:
            raise AssertionError(f"the model was asked for {len(texts)} passages, e.g. {texts[0][:40]!r}")
        self.passages += texts
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dim], dtype=np.uint8) for t in texts]
        vectors = np.array(rows, dtype=np.float32) - 127.5
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def embed_query(self, text: str) -> np.ndarray:
        # Searching needs the model for the query; only passages must come from the file.
        return self.real.embed_query(text) if self.real else self.embed_passages([text])[0]


def test_every_corpus_chunk_has_a_precomputed_vector(shipped):
    texts = corpus_texts(CORPUS, get_settings())
    assert len(texts) > 500
    missing = [t for t in texts if text_hash(t) not in shipped]
    assert not missing, (
        f"{len(missing)} of {len(texts)} corpus chunks have no precomputed vector (a corpus file, the "
        f"chunking or the parsing changed): {REGENERATE}. First one: {missing[0][:60]!r}"
    )
    stale = len(shipped) - len({text_hash(t) for t in texts})
    assert stale == 0, f"corpus/{CORPUS_VECTORS} holds {stale} vectors of text no longer in the corpus: {REGENERATE}"
    assert shipped.model_id == BUNDLED_ID, f"vectors of {shipped.model_id}, the bundled model is {BUNDLED_ID}"
    assert shipped.vectors.dtype == np.float16 and shipped.vectors.shape == (len(shipped), 384)


def test_precomputed_vectors_agree_with_fresh_ones(shipped):
    """Whether the file is current is decided by its keys (model id + hash of each embedded text, above).

    Here only that the model still means the same: a fresh vector on this CPU points the same way as
    the stored one. Another CPU's native kernels round differently (seen: 1.4e-3 per component),
    so components are not compared, only directions (cosine similarity).
    """
    # A few chunks of different files, kinds and lengths: the shortest, the longest, a middle one.
    texts = [embedding_text(c) for f in ("work_safety-01.md", "petition-02.md", "eco_env-01.md")
             for c in prepare_path(CORPUS / f, get_settings()).chunks]  # fmt: skip
    texts.sort(key=len)
    picked = [texts[0], texts[len(texts) // 2], texts[-1]]
    fresh = BundledE5Embedder().embed_passages(picked)
    stored = np.array([v for v in shipped.lookup(BUNDLED_ID, [text_hash(t) for t in picked]).values()])
    assert stored.shape == fresh.shape
    cosine = np.sum(stored * fresh, axis=1) / np.linalg.norm(fresh, axis=1)
    assert cosine.min() >= 0.999, f"{REGENERATE} (the bundled model changed?) cosine {cosine.round(5)}"


def test_indexing_the_corpus_makes_no_model_call(shipped, data_dir):
    settings = get_settings()
    model = RecordingEmbedder(BUNDLED_ID, refuse=True)
    library = Library(settings, CachedEmbedder(model, data_dir / "cache.sqlite", shipped))
    report = seed_corpus(library, CORPUS)
    assert not report.failed and len(report.added) == len(list(CORPUS.glob("*-*.md")))
    assert library.embedder.misses == 0 and library.embedder.hits == library.chunk_count()
    # The stored vectors find by meaning what a user asks in other words.
    hits = library.search("工人从脚手架上摔下来", k=3, mode="dense")
    assert any("高处坠落" in h.title for h in hits), [h.title for h in hits]


def test_only_texts_missing_from_the_file_are_embedded(tmp_path):
    model = RecordingEmbedder()
    known = ["开场白：今天约谈三个单位。", "一、正视问题：项目拖期半年。"]
    new = "二、查找原因：责任没有压实。"
    file = PrecomputedVectors.from_texts(model.id, known, model.embed_passages(known))
    model.passages.clear()
    cached = CachedEmbedder(model, tmp_path / "cache.sqlite", file)
    out = cached.embed_passages([known[1], new, known[0]])
    assert model.passages == [new]
    expected = model.embed_passages([known[1], new, known[0]])
    assert np.abs(out - expected).max() < 2e-3  # rows in the order asked, file rows within float16
    # Vectors of another model are never used.
    other = CachedEmbedder(RecordingEmbedder("fake:other"), tmp_path / "cache2.sqlite", file)
    other.embed_passages(known)
    assert other.inner.passages == known


def test_vector_file_round_trip_is_compact_and_reproducible(tmp_path):
    model = RecordingEmbedder(dim=384)
    # Lengths from one character to a long paragraph, a duplicate, and text beyond the BMP.
    texts = ["问", "同志们：", "𠀀字与表情😀", "同志们：", "责任" * 400]
    vectors = PrecomputedVectors.from_texts(model.id, texts, model.embed_passages(texts))
    assert len(vectors) == 4 and vectors.keys == sorted(vectors.keys)
    a, b = tmp_path / "a.npz", tmp_path / "b.npz"
    vectors.save(a)
    PrecomputedVectors.from_texts(model.id, list(reversed(texts)), model.embed_passages(list(reversed(texts)))).save(b)
    assert a.read_bytes() == b.read_bytes()  # regenerating unchanged input leaves no diff
    loaded = PrecomputedVectors.load(a)
    assert loaded is not None and loaded.model_id == model.id and loaded.keys == vectors.keys
    got = loaded.lookup(model.id, [text_hash(t) for t in texts])
    assert set(got) == {text_hash(t) for t in texts}
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-6 and v.dtype == np.float32 for v in got.values())


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04broken"])
def test_unreadable_vector_file_is_ignored(tmp_path, content):
    path = tmp_path / CORPUS_VECTORS
    path.write_bytes(content)
    assert PrecomputedVectors.load(path) is None
    assert PrecomputedVectors.load(tmp_path / "absent.npz") is None


def test_app_finds_the_file_in_the_corpus_folder(use_corpus):
    from assistant.library.embeddings import make_embedder

    corpus = use_corpus("work_safety-01.md")
    assert make_embedder(get_settings()).precomputed is not None
    (corpus / CORPUS_VECTORS).unlink()
    assert make_embedder(get_settings()).precomputed is None
    shutil.rmtree(corpus)
    assert make_embedder(get_settings()).precomputed is None  # no corpus folder: nothing to look up
