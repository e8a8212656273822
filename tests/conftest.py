"""Shared fixtures: every test gets its own data dir; LLM tests get a fake OpenAI server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.server import FakeOpenAI

REPO = Path(__file__).resolve().parents[1]

# Variables the autouse fixture removes besides every ASSISTANT_* one: with them set, a test
# could reach a developer's real model endpoint.
CLEARED_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory) -> Path:
    """One embedding cache for the session: the same corpus text is embedded only once."""
    return tmp_path_factory.mktemp("vector-cache")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch, vector_cache) -> Path:
    """A temporary ASSISTANT_DATA_DIR; no test touches real data or a real endpoint.

    Every ASSISTANT_* variable of the environment is removed, so a developer's settings never
    leak into a test. Variables that steer the test run itself are read at import time by the
    test module that needs them (tests/test_browser.py reads ASSISTANT_REQUIRE_BROWSER and
    CHROMIUM_PATH before any fixture runs), so CI's ASSISTANT_REQUIRE_BROWSER=1 still counts.
    """
    for var in list(os.environ):
        if var.startswith("ASSISTANT_") or var in CLEARED_VARS:
            monkeypatch.delenv(var)
    d = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(d))
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(vector_cache))
    monkeypatch.chdir(tmp_path)  # so a developer's .env is never read
    return d


@pytest.fixture
def use_corpus(tmp_path, monkeypatch) -> Callable[..., Path]:
    """use_corpus("a.md", "b.md"): a small bundled corpus (ASSISTANT_CORPUS_DIR) for quick first starts."""

    def make(*names: str) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(REPO / "corpus" / name, corpus / name)
        monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
        return corpus

    return make


@pytest.fixture
def fake_openai():
    """A running fake OpenAI-compatible server (real HTTP on 127.0.0.1)."""
    with FakeOpenAI(api_key="test-key") as srv:
        yield srv
