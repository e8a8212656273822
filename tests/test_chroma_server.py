"""Scale-out: with ASSISTANT_CHROMA_URL two app instances share one library on a Chroma server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from assistant.config import get_settings
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.store import Library, LibraryError
from tests.shared import CORPUS

CHROMA = Path(sys.executable).parent / "chroma"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def chroma_url(tmp_path):
    if not CHROMA.exists():
        pytest.fail(f"chroma command missing at {CHROMA}; chromadb is a declared dependency")
    port = _free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def test_two_instances_share_one_library(chroma_url, tmp_path):
    a = Library(s := get_settings(data_dir=tmp_path / "a", chroma_url=chroma_url), make_embedder(s))
    b = Library(s := get_settings(data_dir=tmp_path / "b", chroma_url=chroma_url), make_embedder(s))
    add_bytes(a, (CORPUS / "gas_fire-01.md").read_bytes(), "gas_fire-01.md")
    # Instance b sees the document and finds it, BM25 included, without a restart.
    assert [d.title for d in b.list_documents()] == [d.title for d in a.list_documents()]
    hits = b.search("饭店液化气钢瓶", k=3, mode="bm25")
    assert hits and hits[0].kind == "gas_fire"
    # A duplicate uploaded through b is recognised.
    assert add_bytes(b, (CORPUS / "gas_fire-01.md").read_bytes(), "again.md").duplicate
    shutil.rmtree(tmp_path / "a")  # local files of a are not needed for b to search
    assert b.search("燃气安全", k=2)


def test_unreachable_server_is_a_clear_error(tmp_path):
    settings = get_settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{_free_port()}")
    with pytest.raises(LibraryError, match="ASSISTANT_CHROMA_URL"):
        Library(settings, make_embedder(settings))
