"""Shared fixtures: every test gets its own data dir; LLM tests get a fake OpenAI server."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.domain.brief import Brief, parse_brief
from assistant.library.store import Library
from assistant.library.vector_file import CORPUS_VECTORS
from assistant.support.config import Settings
from tests.chroma_server import chroma_server
from tests.fakes.chat_model import ScriptedChatModel
from tests.fakes.server import FakeOpenAI
from tests.fixtures.cli_run import cli_env
from tests.scenario import BRIEF, DOCS
from tests.shared import CORPUS, REPO, SRC, build_library, isolated_settings, settings_vars

# ASSISTANT_TEST_STORE=server runs every test's library on one real `chroma run` server (each
# test in a collection of its own) instead of embedded Chroma; CI runs the store suite both ways.
# Read here, at import, because the data_dir fixture clears every ASSISTANT_* variable.
STORE_MODE = os.environ.get("ASSISTANT_TEST_STORE", "embedded")
if STORE_MODE not in ("embedded", "server"):
    raise pytest.UsageError(f"ASSISTANT_TEST_STORE={STORE_MODE!r}: use embedded or server")


@pytest.fixture(scope="session")
def vector_cache(tmp_path_factory) -> Path:
    """One embedding cache for the session: the same corpus text is embedded only once."""
    return tmp_path_factory.mktemp("vector-cache")


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch, vector_cache, request) -> Path:
    """A temporary ASSISTANT_DATA_DIR; no test touches real data or a real endpoint.

    Every ASSISTANT_* variable of the environment (and OPENAI_API_KEY, OPENAI_BASE_URL) is
    removed, so a developer's settings never leak into a test. Variables that steer the test
    run itself are read at import time by the module that needs them (test_browser.py reads
    ASSISTANT_REQUIRE_BROWSER and CHROMIUM_PATH before any fixture runs), so CI's
    ASSISTANT_REQUIRE_BROWSER=1 still makes a missing browser a failure.
    """
    for var in settings_vars():
        monkeypatch.delenv(var)
    d = tmp_path / "data"
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(d))
    monkeypatch.setenv("ASSISTANT_CACHE_DIR", str(vector_cache))
    monkeypatch.chdir(tmp_path)  # so a developer's .env is never read
    if STORE_MODE == "server":
        monkeypatch.setenv("ASSISTANT_CHROMA_URL", request.getfixturevalue("shared_chroma_url"))
        monkeypatch.setenv("ASSISTANT_COLLECTION", f"t{uuid.uuid4().hex}")
    return d


@pytest.fixture(autouse=True)
def local_streamlit_address():
    """AppTest reads no .streamlit/config.toml (tests run in a temp dir), so the address would be
    unset, which Streamlit takes as "every interface" and the access gate refuses without a
    password. Tests are the local case, as `make run` is; test_access.py changes it on purpose."""
    from streamlit import config

    old = config.get_option("server.address")
    config.set_option("server.address", "127.0.0.1")
    yield
    config.set_option("server.address", old)


@pytest.fixture
def use_corpus(tmp_path, monkeypatch) -> Callable[..., Path]:
    """use_corpus("a.md", "b.md"): a small bundled corpus (ASSISTANT_CORPUS_DIR) for quick first starts.

    The shipped vectors file comes along (as it would with a corpus folder of one's own), unless
    with_vectors=False.
    """

    def make(*names: str, with_vectors: bool = True) -> Path:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name in names:
            shutil.copy(CORPUS / name, corpus / name)
        if with_vectors:
            shutil.copy(CORPUS / CORPUS_VECTORS, corpus / CORPUS_VECTORS)
        monkeypatch.setenv("ASSISTANT_CORPUS_DIR", str(corpus))
        return corpus

    return make


@pytest.fixture
def fake_openai():
    """A running fake OpenAI-compatible server (real HTTP on 127.0.0.1)."""
    with FakeOpenAI(api_key="test-key") as srv:
        yield srv


@pytest.fixture
def child_env(data_dir, fake_openai, monkeypatch) -> dict[str, str]:
    """Embeddings from the fake server for this process and, through the returned environment, its children."""
    values = {
        "ASSISTANT_DATA_DIR": str(data_dir),
        "ASSISTANT_EMBEDDING_BACKEND": "openai",
        "ASSISTANT_EMBEDDING_BASE_URL": fake_openai.base_url,
        "ASSISTANT_EMBEDDING_API_KEY": "test-key",
        "ASSISTANT_EMBEDDING_MODEL": "fake-embedding",
    }
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    return {**os.environ, **values, "PYTHONPATH": str(SRC) + os.pathsep + str(REPO)}


@pytest.fixture
def llm(fake_openai, monkeypatch) -> FakeOpenAI:
    """The chat model configured through the environment, as a user would: the fake server.

    Only the key, the address and the model are set; provider, retries and timeout are the
    client's own defaults (the page tests). See llm_env for the strict variant.
    """
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    return fake_openai


@pytest.fixture
def llm_env(llm, monkeypatch) -> FakeOpenAI:
    """``llm``, plus ASSISTANT_PROVIDER=custom, no retries and a 5 s timeout.

    A failure the fake server is scripted to give then reaches the test at once, not after
    the client's own retries and waits.
    """
    monkeypatch.setenv("ASSISTANT_PROVIDER", "custom")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "5")
    return llm


@pytest.fixture
def small_corpus(use_corpus) -> Path:
    """Two bundled speeches as the corpus: a quick first start for the page tests."""
    return use_corpus("project_delay-01.md", "petition-02.md")


@pytest.fixture
def cli_run_env(tmp_path, fake_openai) -> dict[str, str]:
    """The environment for run_cli (tests/fixtures/cli_run.py): a fresh data dir under tmp_path,
    embeddings from this test's fake server."""
    return cli_env(tmp_path / "data", fake_openai)


@pytest.fixture
def scenario_brief() -> Brief:
    """The brief of the speech every drafting test writes (tests/scenario.py BRIEF), parsed."""
    return parse_brief(BRIEF)


@pytest.fixture
def chat() -> ScriptedChatModel:
    """An in-process chat model answering from scripted replies (no HTTP); see tests/fakes."""
    return ScriptedChatModel()


# --- a small library over the scenario's speeches, built once per module -----------------


@pytest.fixture(scope="module")
def embed_srv():
    """Embeddings for the module's library: the fake server's deterministic vectors are fast."""
    with FakeOpenAI(api_key="test-key") as srv:
        yield srv


@pytest.fixture(scope="module")
def lib_settings(tmp_path_factory, embed_srv) -> Settings:
    """Settings of the module's library: its own data dir, embeddings from embed_srv."""
    return isolated_settings(
        data_dir=tmp_path_factory.mktemp("lib"),
        embedding_backend="openai",
        embedding_base_url=embed_srv.base_url,
        embedding_api_key="test-key",
        embedding_model="fake-embedding",
    )


@pytest.fixture(scope="module")
def library(lib_settings) -> Library:
    """A real Library (Chroma + BM25) over the scenario's three corpus speeches."""
    return build_library(lib_settings, DOCS)


# --- a real Chroma server ------------------------------------------------------------------


@pytest.fixture
def chroma_url(tmp_path):
    """A `chroma run` server of this test's own."""
    with chroma_server(tmp_path / "server") as url:
        yield url


@pytest.fixture(scope="session")
def shared_chroma_url(tmp_path_factory):
    """One `chroma run` server for the session (tests keep apart by collection name)."""
    with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url
