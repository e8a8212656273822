"""Very large documents: written to Chroma in slices no larger than its maximum batch."""

from __future__ import annotations

import re

import pytest

from assistant.intake.chunking import UNIT_MAX_CHARS
from assistant.intake.prepare import prepare_bytes
from assistant.library.embeddings import CachedEmbedder, OpenAICompatibleEmbedder
from assistant.library.ingest import add_bytes
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.shared import CORPUS


def _corpus_prose() -> str:
    """The corpus speeches' bodies run together, whitespace removed."""
    bodies = [p.read_text(encoding="utf-8").split("---", 2)[2] for p in sorted(CORPUS.glob("*-0*.md"))]
    return re.sub(r"\s+", "", "".join(bodies))


# A user may raise ASSISTANT_MAX_DOC_CHARS (default 100,000 characters, about 700 chunks): past
# about 870,000 characters a document has more chunks than one Chroma write may hold.
BIG = "2000000"


@pytest.fixture
def fast_library(data_dir, fake_openai, tmp_path, monkeypatch) -> Library:
    monkeypatch.setenv("ASSISTANT_MAX_DOC_CHARS", BIG)
    settings = get_settings()
    embedder = CachedEmbedder(
        OpenAICompatibleEmbedder("fake-embedding", "test-key", fake_openai.base_url, batch_size=512),
        tmp_path / "cache.sqlite",
    )
    return Library(settings, embedder)


def test_one_line_document_does_not_copy_itself_into_every_chunk(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_DOC_CHARS", BIG)
    prose = _corpus_prose()
    line = (prose * (950_000 // len(prose) + 1))[:950_000]  # about 2.8 MB, not one line break
    prepared = prepare_bytes(line.encode("utf-8"), "一行到底.txt", get_settings())
    assert len(prepared.chunks) > 5461  # more than Chroma's largest write
    # Each chunk carries a window around itself, not the whole 950,000-character line.
    assert max(len(c.unit_text) for c in prepared.chunks) <= UNIT_MAX_CHARS
    assert all(c.text in c.unit_text for c in prepared.chunks)
    assert len({c.unit for c in prepared.chunks}) == len(prepared.chunks)


def test_document_larger_than_chroma_batch_is_stored_whole(fast_library):
    lib = fast_library
    assert lib.max_batch == lib.client.get_max_batch_size() > 0
    # Short lines, each its own chunk: more chunks than one Chroma write may hold.
    sentences = re.findall(r"[^。！？]{60,140}[。！？]", _corpus_prose())
    lines = [sentences[i % len(sentences)] + f"（第{i + 1}条）" for i in range(lib.max_batch + 800)]
    outcome = add_bytes(lib, "\n".join(lines).encode("utf-8"), "长文件.txt")
    assert outcome.chunks > lib.max_batch
    assert lib.chunk_count() == outcome.chunks
    assert [d.chunks for d in lib.list_documents()] == [outcome.chunks]
    last = lib.get_chunks(outcome.doc_id)[-1]
    hits = lib.search(last.text, k=3, mode="bm25")
    assert hits and hits[0].doc_id == outcome.doc_id


def test_opening_the_local_store_waits_while_another_process_holds_sqlite(tmp_path, monkeypatch):
    # Seen in CI: two processes opening one data dir at once, the second got "database is locked"
    # from Chroma's SQLite and the ingest died with an English InternalError.
    import chromadb

    from assistant.library.storage import chroma

    real = chromadb.PersistentClient
    calls = {"n": 0}

    def busy_then_free(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:
            raise chromadb.errors.InternalError("Query error: Database error: (code: 5) database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(chromadb, "PersistentClient", busy_then_free)
    client = chroma._open_local(tmp_path / "chroma", chromadb.config.Settings(anonymized_telemetry=False))
    assert client is not None and calls["n"] == 3
