"""Scale-out: with ASSISTANT_CHROMA_URL two app instances share one library on a Chroma server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import pytest

from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.storage.doctor import check_library
from assistant.library.store import Library, LibraryError
from assistant.support.config import get_settings
from tests.ports import refused_port
from tests.processes import SPEECHES, finish, start, titles
from tests.shared import CORPUS


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
    with refused_port() as port:
        settings = get_settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{port}")
        with pytest.raises(LibraryError, match="ASSISTANT_CHROMA_URL"):
            Library(settings, make_embedder(settings))


def _instance_env(env: dict, data_dir, url: str) -> dict:
    return {**env, "ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_CHROMA_URL": url}


def test_two_app_instances_ingest_and_reindex_on_one_server(child_env, chroma_url, tmp_path):
    a_env = _instance_env(child_env, tmp_path / "a", chroma_url)
    b_env = _instance_env(child_env, tmp_path / "b", chroma_url)
    first, second = SPEECHES[:8], SPEECHES[5:12]  # three files given to both instances
    a = start(a_env, "slow-writes", "ingest", "-q", "--json", *map(str, first))
    b = start(b_env, "slow-writes", "ingest", "-q", "--json", *map(str, second))
    finish(a), finish(b)
    # Then instance a rebuilds the index while instance b ingests more and searches.
    reindex = start(a_env, "slow-writes", "reindex")
    ingest = start(b_env, "none", "ingest", "-q", "--json", *map(str, SPEECHES[12:15]))
    reader = Library(s := get_settings(data_dir=tmp_path / "c", chroma_url=chroma_url), make_embedder(s))
    while reindex.poll() is None or ingest.poll() is None:
        assert reader.search("整改要求和完成时限", k=3)
    finish(reindex), finish(ingest)
    expected = titles(SPEECHES[:15])
    listed = reader.list_documents()
    assert sorted(d.title for d in listed) == sorted(expected)  # each once, none lost
    assert reader.chunk_count() == sum(d.chunks for d in listed)
    for d in listed:
        assert reader.search(d.title, k=1, mode="dense", doc_ids=[d.doc_id])
    # Each instance's doctor finds its own files complete and nothing half-written.
    for data_dir in (tmp_path / "a", tmp_path / "b"):
        report = check_library(Library(s := get_settings(data_dir=data_dir, chroma_url=chroma_url), make_embedder(s)), False)
        assert report.consistent, report.problems


def test_a_lease_left_by_a_dead_instance_expires(chroma_url, tmp_path):
    settings = get_settings(data_dir=tmp_path / "a", chroma_url=chroma_url)
    lib = Library(settings, make_embedder(settings))
    # A lease taken by an instance that then died: nobody renews it.
    assert lib.meta.try_take_lease("dead-instance", 1.0, '{"host": "pc-2", "pid": 4242}')
    waited: list[str] = []
    with lib.writing("测试", on_wait=waited.append):
        assert lib.meta.lease().get("owner") != "dead-instance"
    assert waited and "pc-2" in waited[0] and "4242" in waited[0]
    assert lib.meta.lease() == {}
    # A live holder is waited for, up to the timeout, with a Chinese reason naming the setting.
    assert lib.meta.try_take_lease("live", 60.0, '{"host": "pc-3", "pid": 7}')
    with pytest.raises(LibraryError, match="ASSISTANT_LOCK_TIMEOUT"), lib.writing("测试", timeout=1.0):
        pass


def test_a_lease_left_by_a_killed_process_on_this_host_is_taken_at_once(chroma_url, tmp_path):
    settings = get_settings(data_dir=tmp_path / "a", chroma_url=chroma_url)
    lib = Library(settings, make_embedder(settings))
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    holder = f'{{"host": "{socket.gethostname()}", "pid": {gone.pid}, "what": "导入"}}'
    assert lib.meta.try_take_lease("killed", 60.0, holder)
    started = time.monotonic()
    with lib.writing("测试", timeout=20.0):
        assert lib.meta.lease().get("owner") != "killed"
    assert time.monotonic() - started < 5  # not the lease's 60 s
    # A live process on this host (this test's own parent) is still waited for.
    assert lib.meta.try_take_lease("alive", 60.0, f'{{"host": "{socket.gethostname()}", "pid": {os.getppid()}}}')
    with pytest.raises(LibraryError, match="ASSISTANT_LOCK_TIMEOUT"), lib.writing("测试", timeout=1.0):
        pass
