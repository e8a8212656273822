"""Shared fixtures: every test gets its own data dir; LLM tests get a fake OpenAI server."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.fakes.server import FakeOpenAI

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory) -> Path:
    """One embedding cache for the session: the same corpus text is embedded only once."""
    return tmp_path_factory.mktemp("vector-cache")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch, vector_cache) -> Path:
    """A temporary ASSISTANT_DATA_DIR; no test touches real data or a real endpoint."""
    d = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(d))
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(vector_cache))
    for var in (
        "ASSISTANT_CHROMA_URL",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "ASSISTANT_MODEL",
        "ASSISTANT_PROVIDER",
        "ASSISTANT_EMBEDDING_BACKEND",
        "ASSISTANT_EMBEDDING_API_KEY",
        "ASSISTANT_EMBEDDING_BASE_URL",
        "ASSISTANT_EMBEDDING_MODEL",
    ):
        monkeypatch.delenv(var, raising=False)
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
