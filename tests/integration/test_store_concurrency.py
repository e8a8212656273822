"""Several processes writing one library: every document lands exactly once, searches keep working."""

from __future__ import annotations

import time

from filelock import FileLock, Timeout

from assistant.library.embeddings import make_embedder
from assistant.library.store import Library
from assistant.support.config import get_settings
from tests.processes import SPEECHES, assert_consistent_with, cli, finish, start, titles


def test_two_processes_ingesting_into_one_data_dir(child_env, data_dir):
    first, second = SPEECHES[:10], SPEECHES[6:16]  # four files given to both
    a = start(child_env, "slow-writes", "ingest", "-q", "--json", *map(str, first))
    b = start(child_env, "slow-writes", "ingest", "-q", "--json", *map(str, second))
    finish(a), finish(b)
    both = sorted(set(first) | set(second))
    assert_consistent_with(data_dir, titles(both))
    _, listed = cli("list", "--json")
    assert len(listed) == len(both)  # each document once, none lost
    # Every chunk is found by the vector index too (no process overwrote another's index).
    lib = Library(s := get_settings(), make_embedder(s))
    assert lib.chunk_count() == sum(d["chunks"] for d in listed)
    for d in listed:
        hits = lib.search(d["title"], k=3, mode="dense", doc_ids=[d["doc_id"]])
        assert hits and hits[0].doc_id == d["doc_id"]


def test_ingest_and_search_during_a_reindex(child_env, data_dir):
    assert cli("ingest", "-q", *map(str, SPEECHES[:6]))[0] == 0
    reader = Library(s := get_settings(), make_embedder(s))
    assert reader.search("安全生产", k=3)
    reindex = start(child_env, "slow-writes", "reindex")
    # Once the reindex holds the lock (it writes slowly), a reader must still be answered.
    wait_until(lambda: reindex_holds_the_lock(reader) or reindex.poll() is not None, "the reindex to take the lock")
    assert reindex.poll() is None, "the reindex ended before it could be watched: " + finish(reindex)
    assert reader.search("整改要求和完成时限", k=3), "a search while the reindex held the lock found nothing"
    assert reindex_holds_the_lock(reader)  # the search above ran inside the reindex, not after it
    ingest = start(child_env, "none", "ingest", "-q", "--json", *map(str, SPEECHES[6:9]))
    while reindex.poll() is None or ingest.poll() is None:
        # Searching another process's library while it is being rebuilt: the old index answers.
        assert reader.search("整改要求和完成时限", k=3), "a search during the reindex found nothing"
    finish(reindex), finish(ingest)
    assert_consistent_with(data_dir, titles(SPEECHES[:9]))
    # The reader switches to the new index and sees the documents ingested meanwhile.
    _, listed = cli("list", "--json")
    added_later = [d for d in listed if d["title"] in titles(SPEECHES[6:9])]
    for d in added_later:
        assert reader.search(d["title"], k=1, doc_ids=[d["doc_id"]])
    assert reader.chunk_count() == sum(d["chunks"] for d in listed)


def reindex_holds_the_lock(reader: Library) -> bool:
    """The library lock is taken, and by the reindex (its holder record names what holds it)."""
    if reader.server:  # a lease on the Chroma server: present while held
        return "重建索引" in str(reader.meta.lease().get("holder", ""))
    data_dir = reader.data_dir
    lock = FileLock(str(data_dir / "library.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return "重建索引" in (data_dir / "library.lock.json").read_text(encoding="utf-8")
    lock.release()
    return False


def wait_until(condition, what: str, timeout: float = 120) -> None:
    """Poll a condition (no fixed sleeps: machines differ); fail naming what never happened."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout:.0f} s for {what}"
        time.sleep(0.05)
