"""First start: the bundled corpus is indexed once, in the background, and resumed if cut short."""

from __future__ import annotations

import socket

import pytest
from streamlit.testing.v1 import AppTest

from assistant.library.corpus import (
    MARKER,
    STARTED,
    SeedJob,
    needs_seeding,
    seed_corpus,
    seeding_job,
)
from assistant.library.ingest import add_bytes
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.shared import APP, CORPUS

SMALL = ("work_safety-01.md", "petition-02.md", "food_market-01.md")


def _texts(at: AppTest) -> list[str]:
    return [str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning)]


def test_job_indexes_in_the_background_with_progress(use_corpus, data_dir):
    corpus = use_corpus(*SMALL)
    library = Library.open(get_settings())
    assert needs_seeding(library, corpus)
    job = seeding_job(library, corpus)
    assert seeding_job(library, corpus) is job  # a second page does not start another
    seen = []
    while not job.wait(0.01):
        seen.append(job.state().fraction)
    state = job.state()
    assert state.finished and not state.error and state.fraction == 1.0
    assert [a.title for a in state.report.added] and len(state.report.added) == len(SMALL)
    assert seen == sorted(seen), "the bar never goes back"
    assert (data_dir / MARKER).exists() and not (data_dir / STARTED).exists()
    assert not needs_seeding(library, corpus)
    assert seeding_job(library, corpus) is job  # finished, not started again


def test_first_start_cut_short_is_resumed(use_corpus, data_dir):
    corpus = use_corpus(*SMALL)
    library = Library.open(get_settings())
    # As if the program stopped after the first file: started, not finished, one document in.
    (data_dir / STARTED).parent.mkdir(parents=True, exist_ok=True)
    (data_dir / STARTED).write_text("{}", encoding="utf-8")
    add_bytes(library, (corpus / SMALL[0]).read_bytes(), SMALL[0])
    assert needs_seeding(library, corpus)
    report = seed_corpus(library, corpus)
    assert len(report.added) == len(SMALL) - 1 and len(report.duplicates) == 1
    assert len(library.list_documents()) == len(SMALL)
    assert not needs_seeding(library, corpus)


def test_a_library_emptied_by_the_user_is_not_refilled(use_corpus, data_dir):
    corpus = use_corpus(SMALL[0])
    library = Library.open(get_settings())
    seed_corpus(library, corpus)
    for doc in library.list_documents():
        library.remove(doc.doc_id)
    assert library.chunk_count() == 0 and not needs_seeding(library, corpus)


def test_failed_job_says_why_in_chinese(use_corpus, monkeypatch):
    corpus = use_corpus(SMALL[0])
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_API_KEY", "test-key")
    job = SeedJob(Library.open(get_settings()), corpus).start()
    assert job.wait(60)
    state = job.state()
    assert state.report is None and "无法连接向量模型服务" in state.error


def test_page_shows_the_form_and_the_finished_library(use_corpus, data_dir):
    use_corpus(*SMALL[:2])
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    # The run that saw indexing end reran: the whole library, and a notice above the tabs.
    assert at.metric[0].value == "2 篇"
    assert "内置范文导入完成：2 篇。" in _texts(at)
    assert all("内置范文导入完成" not in str(e.value) for tab in at.tabs for e in tab.success)
    assert at.text_input(key="brief_meeting") is not None  # the draft form
    assert (data_dir / MARKER).exists()
    # The notice is said once; a later start adds nothing and says nothing.
    at.run()
    assert not any("内置范文" in t for t in _texts(at))
    again = AppTest.from_file(APP, default_timeout=120)
    again.run()
    assert again.metric[0].value == "2 篇" and not any("内置范文" in t for t in _texts(again))


def test_page_keeps_saying_why_indexing_failed(use_corpus, monkeypatch):
    use_corpus(SMALL[0])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "openai")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BASE_URL", f"http://127.0.0.1:{port}/v1")
    monkeypatch.setenv("ASSISTANT_EMBEDDING_API_KEY", "test-key")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    assert any("无法连接向量模型服务" in t for t in _texts(at))
    assert at.text_input(key="brief_meeting") is not None
    at.run()
    assert any("无法连接向量模型服务" in t for t in _texts(at))


@pytest.mark.parametrize("name", ["README.md", "vectors.npz"])
def test_corpus_folder_extras_are_not_speeches(name):
    from assistant.library.ingest import expand_paths

    files, skipped, failed = expand_paths([CORPUS])
    assert str(CORPUS / name) in {s.path for s in skipped}
    assert CORPUS / name not in {f.path for f in files} and not failed
