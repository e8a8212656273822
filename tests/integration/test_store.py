"""The library: add, duplicate detection, remove, hybrid search, filters, embedding changes."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from assistant.intake.loaders import LoadError
from assistant.library.embeddings import CachedEmbedder, OpenAICompatibleEmbedder, make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.protocol import SearchLibrary
from assistant.library.store import EmbeddingMismatchError, Library, LibraryError
from assistant.support.config import get_settings
from tests.shared import CORPUS, build_library

DOCS = ["project_delay-01.md", "work_safety-01.md", "petition-02.md"]


@pytest.fixture
def settings(data_dir):
    return get_settings()


@pytest.fixture
def fresh_library(settings) -> Library:
    """A Library of this test's own (its data dir, the default embedder) holding DOCS.

    Function-scoped, unlike conftest's module-wide ``library``: these tests change it.
    """
    return build_library(settings, DOCS)


def test_add_list_and_duplicate(fresh_library):
    docs = fresh_library.list_documents()
    assert len(docs) == 3
    before = fresh_library.chunk_count()
    again = add_bytes(fresh_library, (CORPUS / DOCS[0]).read_bytes(), "copy.md")
    assert again.duplicate and again.chunks == 0
    assert fresh_library.chunk_count() == before


def test_same_speech_other_encoding_is_duplicate(fresh_library):
    text = (CORPUS / DOCS[1]).read_text(encoding="utf-8")
    body = text.split("---", 2)[2]  # without front matter, as a user's own .txt would be
    outcome = add_bytes(fresh_library, body.encode("gb18030"), "安全生产讲话.txt")
    assert outcome.duplicate


def test_hybrid_search_finds_paraphrase(fresh_library):
    hits = fresh_library.search("工地两名工人从高处掉下来死亡", k=3)
    assert hits and hits[0].title.startswith("在东湖区“5·17”建筑施工高处坠落事故")
    assert all(h.doc_id and h.text and h.role for h in hits)


def test_role_and_kind_filters(fresh_library):
    hits = fresh_library.search("整改要求和完成时限", k=5, role="rectification")
    assert hits and all(h.role == "rectification" for h in hits)
    hits = fresh_library.search("整改要求和完成时限", k=5, kind="petition")
    assert hits and all(h.kind == "petition" for h in hits)


def test_at_most_n_per_document_and_no_duplicate_text(fresh_library):
    hits = fresh_library.search("项目推进滞后", k=10, max_per_doc=2)
    per_doc: dict[str, int] = {}
    for h in hits:
        per_doc[h.doc_id] = per_doc.get(h.doc_id, 0) + 1
    assert max(per_doc.values()) <= 2
    assert len({h.text for h in hits}) == len(hits)


def test_library_matches_the_search_protocol(fresh_library):
    assert isinstance(fresh_library, SearchLibrary)
    for name in ("search", "chunk_count"):
        want = inspect.signature(getattr(SearchLibrary, name))
        assert inspect.signature(getattr(Library, name)) == want, name


def test_search_modes_and_bad_input(fresh_library):
    for mode in ("dense", "bm25", "hybrid"):
        assert fresh_library.search("信访积案", k=2, mode=mode)
    with pytest.raises(LibraryError, match="请输入"):
        fresh_library.search("   ")


def test_remove_deletes_everything(fresh_library, settings):
    doc = fresh_library.list_documents()[0]
    original = Path(settings.data_dir) / doc.original
    assert original.exists()
    assert (Path(settings.data_dir) / "docs" / f"{doc.doc_id}.json").exists()
    assert fresh_library.remove(doc.doc_id)
    assert not fresh_library.has_document(doc.doc_id)
    assert not original.exists()
    assert not (Path(settings.data_dir) / "docs" / f"{doc.doc_id}.json").exists()
    assert all(h.doc_id != doc.doc_id for h in fresh_library.search("约谈", k=20))
    assert fresh_library.remove(doc.doc_id) is False


def test_original_stored_under_hash_not_user_path(settings):
    lib = Library(settings, make_embedder(settings))
    data = (CORPUS / DOCS[2]).read_bytes()
    add_bytes(lib, data, "../../../../etc/evil.md")
    rec = lib.list_documents()[0]
    assert rec.original.startswith("originals/") and ".." not in rec.original
    assert (Path(settings.data_dir) / rec.original).read_bytes() == data
    assert not (Path(settings.data_dir).parent / "evil.md").exists()


def test_an_original_cut_short_by_an_old_crash_is_written_whole_again(settings):
    import hashlib

    data = (CORPUS / DOCS[0]).read_bytes()
    # What a process killed while writing the original in place left behind (before writes were atomic).
    cut = Path(settings.data_dir) / "originals" / f"{hashlib.sha256(data).hexdigest()}.md"
    cut.parent.mkdir(parents=True)
    cut.write_bytes(data[: len(data) // 3])
    lib = Library(settings, make_embedder(settings))
    add_bytes(lib, data, "讲话.md")
    rec = lib.list_documents()[0]
    assert (Path(settings.data_dir) / rec.original).read_bytes() == data
    assert not [p for p in cut.parent.iterdir() if p.name.endswith(".tmp")]


def test_bad_file_leaves_library_unchanged(fresh_library):
    before = (fresh_library.chunk_count(), len(fresh_library.list_documents()))
    with pytest.raises(LoadError):
        add_bytes(fresh_library, b"", "empty.txt")
    with pytest.raises(LoadError):
        add_bytes(fresh_library, b"\x00\x01\x02binary\xff" * 50, "fake.txt")
    assert (fresh_library.chunk_count(), len(fresh_library.list_documents())) == before


def test_vectors_cached_by_content_and_forgotten_on_remove(fake_openai, settings, tmp_path):
    emb = CachedEmbedder(
        OpenAICompatibleEmbedder("fake-embedding", "test-key", fake_openai.base_url),
        tmp_path / "cache.sqlite",
    )
    lib = Library(settings, emb)
    add_bytes(lib, (CORPUS / DOCS[2]).read_bytes(), DOCS[2])
    first = len(fake_openai.embedding_requests())
    assert first > 0
    lib.reindex()
    assert len(fake_openai.embedding_requests()) == first  # the same texts cost nothing again
    lib.remove(lib.list_documents()[0].doc_id)
    # A removed document leaves no cached vector of its text behind: adding it again embeds it.
    add_bytes(lib, (CORPUS / DOCS[2]).read_bytes(), DOCS[2])
    assert len(fake_openai.embedding_requests()) == 2 * first


def test_changed_embedding_backend_detected_and_reindexed(fresh_library, settings, fake_openai, tmp_path):
    other = CachedEmbedder(
        OpenAICompatibleEmbedder("fake-embedding", "test-key", fake_openai.base_url),
        tmp_path / "cache2.sqlite",
    )
    switched = Library(settings, other)
    message = switched.embedding_mismatch()
    assert message and "assistant reindex" in message and "ASSISTANT_EMBEDDING_BACKEND" in message
    with pytest.raises(EmbeddingMismatchError):
        switched.search("安全生产事故", k=3)
    with pytest.raises(EmbeddingMismatchError):
        add_bytes(switched, (CORPUS / "land-01.md").read_bytes(), "land-01.md")
    n = switched.reindex()
    assert n == fresh_library.chunk_count()
    assert switched.embedding_mismatch() is None
    assert switched.search("安全生产事故", k=3)
    assert switched.indexed_with == other.id


def test_unknown_embedding_backend_message(monkeypatch):
    from assistant.library.embeddings import EmbeddingError

    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "magic")
    with pytest.raises(EmbeddingError, match="ASSISTANT_EMBEDDING_BACKEND"):
        make_embedder(get_settings())


def test_index_from_older_text_format_asks_for_reindex(fresh_library):
    col = fresh_library._collection
    col.modify(metadata={**col.metadata, "text_format": 1})
    message = fresh_library.embedding_mismatch()
    assert message and "assistant reindex" in message
    with pytest.raises(EmbeddingMismatchError):
        fresh_library.search("安全生产", k=2)
    fresh_library.reindex()
    assert fresh_library.embedding_mismatch() is None
    assert fresh_library.search("安全生产", k=2)


def test_emptied_library_accepts_the_current_model_again(settings, fake_openai, tmp_path):
    lib = Library(settings, make_embedder(settings))
    add_bytes(lib, (CORPUS / DOCS[2]).read_bytes(), DOCS[2])
    lib.remove(lib.list_documents()[0].doc_id)
    other = CachedEmbedder(
        OpenAICompatibleEmbedder("fake-embedding", "test-key", fake_openai.base_url), tmp_path / "c.sqlite"
    )
    switched = Library(settings, other)
    assert switched.embedding_mismatch() is None
    add_bytes(switched, (CORPUS / DOCS[2]).read_bytes(), DOCS[2])
    assert switched.indexed_with == other.id


def _squeeze(text: str) -> str:
    return "".join(text.split())


def test_search_shows_the_whole_point_once(fresh_library):
    hits = fresh_library.search("网格员天天从工地门口经过却从来没有进去看过", k=10)
    top = hits[0]
    # The match is the second half of point (四); the user sees the whole point, marker first,
    # under its numbered section heading, with the matched sentences kept in `matched`.
    assert top.text.startswith("（四）属地和行业监管失之于宽。")
    assert "网格员天天从工地门口经过" in top.text and top.text.endswith("都打了折扣。")
    assert top.matched.startswith("江岸街道认为工地安全是住建部门的事") and top.matched != top.text
    assert top.heading == "二、深挖根源，把事故背后的原因剖析透彻"
    for h in hits:
        assert _squeeze(h.matched) in _squeeze(h.text)
    assert len({h.unit for h in hits}) == len(hits)  # never two hits for one point
    assert len({_squeeze(h.text) for h in hits}) == len(hits)


def _strip_units(library: Library, text_format: int = 2) -> None:
    """Make the library look like one indexed before units were stored."""
    col = library._collection
    got = col.get(include=["metadatas"])
    keep = ("section_number", "unit", "unit_text")
    col.update(ids=got["ids"], metadatas=[{k: v for k, v in m.items() if k not in keep} for m in got["metadatas"]])
    col.modify(metadata={**col.metadata, "text_format": text_format})


def test_old_library_is_told_to_reindex_and_reindex_restores_whole_points(fresh_library, settings):
    _strip_units(fresh_library)
    message = fresh_library.embedding_mismatch()
    assert message and "assistant reindex" in message and "完整的段落" in message
    with pytest.raises(EmbeddingMismatchError):
        fresh_library.search("网格员从来没有进去看过", k=3)
    # One document's parsed copy is missing (e.g. saved by another instance on a shared server).
    petition = next(d for d in fresh_library.list_documents() if d.title.startswith("青石县信访"))
    (Path(settings.data_dir) / "docs" / f"{petition.doc_id}.json").unlink()
    before = fresh_library.chunk_count()
    assert fresh_library.reindex() == before
    assert fresh_library.embedding_mismatch() is None
    top = fresh_library.search("网格员天天从工地门口经过却从来没有进去看过", k=3)[0]
    assert top.text.startswith("（四）属地和行业监管失之于宽。") and top.unit.endswith(":s2:p4")
    # Rebuilt from the stored chunks alone: still one unit per point, each holding its pieces.
    chunks = fresh_library.get_chunks(petition.doc_id)
    assert all(c.unit and _squeeze(c.text) in _squeeze(c.unit_text) for c in chunks)
