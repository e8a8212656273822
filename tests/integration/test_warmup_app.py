"""The page starts the library's warm-up when it opens the library, and searches even when the warm-up fails."""

from __future__ import annotations

import logging

import pytest
from streamlit.testing.v1 import AppTest

from assistant.library import warmup
from tests.shared import APP

TIMEOUT = 120


@pytest.fixture
def two_speeches(use_corpus):
    """Two bundled speeches as the corpus, so first-start indexing stays quick."""
    return use_corpus("work_safety-01.md", "petition-02.md")


def _warmup_of_this_library(data_dir):
    """The warm-up the page started for the library under data_dir (waiting for it to end)."""
    warmup.wait_all(TIMEOUT)
    found = [w for lib, w in list(warmup._warmups.items()) if lib.data_dir == data_dir]
    assert len(found) == 1, "the page did not start a warm-up for its library"
    return found[0]


def _search(at: AppTest, query: str) -> str:
    at.text_input(key="search_query").input(query).run()
    assert not at.exception, at.exception
    return "\n".join([m.value for m in at.markdown] + [str(e.value) for e in (*at.error, *at.info)])


def test_the_page_warms_its_library_in_the_background(two_speeches, data_dir):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert not at.exception, at.exception
    report = _warmup_of_this_library(data_dir).wait(TIMEOUT)
    assert report is not None and report.ok, report
    assert "高处坠落" in _search(at, "工人从脚手架上摔下来")


def test_a_failed_warmup_is_logged_and_the_page_still_searches(two_speeches, data_dir, monkeypatch, caplog):
    def unreadable(_library) -> None:
        raise OSError("BM25 索引文件损坏")

    monkeypatch.setitem(warmup.PARTS, "bm25", unreadable)
    with caplog.at_level(logging.WARNING, logger="assistant.library.warmup"):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
        assert not at.exception, at.exception
        report = _warmup_of_this_library(data_dir).wait(TIMEOUT)
    assert report is not None and set(report.failed) == {"bm25"}
    assert "loading bm25 failed" in caplog.text
    # The page shows no error for it, and the first search loads the index itself.
    assert not at.error
    assert "高处坠落" in _search(at, "工人从脚手架上摔下来")
