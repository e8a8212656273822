"""A process killed (SIGKILL) in the middle of a write leaves a state `doctor --repair` makes whole."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests import processes
from tests.processes import assert_consistent_with, child, cli
from tests.shared import CORPUS

DOC = "gas_fire-01.md"
OTHER = "petition-02.md"
# A sentence found only in DOC, to look for its text after a remove.
PHRASE = "液化石油气"


def title_of(name: str) -> str:
    return processes.title_of(CORPUS / name)


@pytest.mark.parametrize("moment", ["before-chunks", "mid-chunks"])
def test_ingest_killed_part_way_is_undone(child_env, data_dir, moment):
    assert cli("ingest", "-q", str(CORPUS / OTHER))[0] == 0
    run = child(child_env, moment, "ingest", "-q", str(CORPUS / DOC))
    assert run.returncode == -9, run.stderr
    code, report = cli("doctor", "--json")
    assert code == 1 and not report["consistent"] and report["repaired"] == []
    assert any("导入" in p and "中断" in p for p in report["problems"])
    code, report = cli("doctor", "--repair", "--json")
    assert code == 0 and report["consistent"] and any("已撤销" in r for r in report["repaired"])
    assert_consistent_with(data_dir, {title_of(OTHER)})
    # The file can be imported again, and is then present exactly once.
    code, added = cli("ingest", "-q", "--json", str(CORPUS / DOC))
    assert code == 0 and len(added["added"]) == 1
    assert_consistent_with(data_dir, {title_of(OTHER), title_of(DOC)})


def test_ingest_killed_after_its_last_write_is_kept(child_env, data_dir):
    run = child(child_env, "before-journal-end", "ingest", "-q", str(CORPUS / DOC))
    assert run.returncode == -9, run.stderr
    code, report = cli("doctor", "--repair", "--json")
    assert report["consistent"] and any("已确认" in r for r in report["repaired"])
    assert_consistent_with(data_dir, {title_of(DOC)})
    _, again = cli("ingest", "-q", "--json", str(CORPUS / DOC))
    assert len(again["duplicates"]) == 1 and not again["added"]


def test_next_writer_finishes_what_a_killed_one_left(child_env, data_dir):
    assert child(child_env, "mid-chunks", "ingest", "-q", str(CORPUS / DOC)).returncode == -9
    # No doctor: the next ingest, holding the lock, undoes the half-written document first.
    code, out = cli("ingest", "-q", "--json", str(CORPUS / DOC), str(CORPUS / OTHER))
    assert code == 0 and len(out["added"]) == 2
    assert_consistent_with(data_dir, {title_of(DOC), title_of(OTHER)})


def _sqlite_mentions(path: Path, phrase: str) -> bool:
    return phrase.encode("utf-8") in path.read_bytes()


def test_remove_killed_part_way_is_finished_and_leaves_no_text(child_env, data_dir):
    assert cli("ingest", "-q", str(CORPUS / DOC), str(CORPUS / OTHER))[0] == 0
    _, listed = cli("list", "--json")
    doc_id = next(d["doc_id"] for d in listed if d["title"] == title_of(DOC))
    local = data_dir / "chroma" / "chroma.sqlite3"
    assert _sqlite_mentions(local, PHRASE) if local.exists() else os.environ["ASSISTANT_CHROMA_URL"]
    run = child(child_env, "remove-mid", "remove", doc_id)
    assert run.returncode == -9, run.stderr
    code, report = cli("doctor", "--repair", "--json")
    assert any("删除" in p for p in report["problems"]) and report["consistent"]
    # Its text is nowhere in Chroma's files any more (log, full-text index, free pages, the
    # unused space of the vector files). Checked at once: Chroma may later save that unused
    # space again from whatever this test process still holds in memory.
    for path in (data_dir / "chroma").rglob("*"):
        if path.is_file():
            assert not _sqlite_mentions(path, PHRASE), path
    assert_consistent_with(data_dir, {title_of(OTHER)})


def test_remove_leaves_no_text_in_chroma_log_or_vector_cache(child_env, data_dir):
    assert cli("ingest", "-q", str(CORPUS / DOC), str(CORPUS / OTHER))[0] == 0
    _, listed = cli("list", "--json")
    doc_id = next(d["doc_id"] for d in listed if d["title"] == title_of(DOC))
    cache = Path(os.environ["ASSISTANT_CACHE_DIR"]) / "embeddings.sqlite"
    before = sqlite3.connect(cache).execute("SELECT count(*) FROM vec").fetchone()[0]
    assert cli("remove", doc_id)[0] == 0
    for path in (data_dir / "chroma").rglob("*"):
        if path.is_file():
            assert not _sqlite_mentions(path, PHRASE), path
    after = sqlite3.connect(cache).execute("SELECT count(*) FROM vec").fetchone()[0]
    assert after < before  # its cached vectors went with it
    assert_consistent_with(data_dir, {title_of(OTHER)})


def test_reindex_killed_before_the_switch_keeps_the_old_index(child_env, data_dir):
    assert cli("ingest", "-q", str(CORPUS / DOC), str(CORPUS / OTHER))[0] == 0
    run = child(child_env, "reindex-before-switch", "reindex")
    assert run.returncode == -9, run.stderr
    code, hits = cli("search", "饭店液化气钢瓶", "--json")
    assert code == 0 and hits and hits[0]["title"] == title_of(DOC)
    code, report = cli("doctor", "--json")
    assert code == 1 and any("临时索引" in p for p in report["problems"])
    assert cli("doctor", "--repair", "--json")[1]["consistent"]
    assert_consistent_with(data_dir, {title_of(DOC), title_of(OTHER)})


def test_freed_memory_cannot_carry_a_documents_text_to_disk():
    """What Chroma's index buffers start with: freed blocks are overwritten (library/heap.py)."""
    import ctypes

    from assistant.library.storage.heap import wipe_freed_memory

    assert wipe_freed_memory()  # what the CLI, the app and every Library do first

    libc = ctypes.CDLL(None)
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    text = (PHRASE * 200).encode("utf-8")
    block = libc.malloc(len(text) + 256)
    ctypes.memmove(block + 128, text, len(text))
    libc.free(block)
    again = libc.malloc(len(text) + 256)  # glibc hands the same block back
    try:
        assert PHRASE.encode("utf-8") not in ctypes.string_at(again, len(text) + 256)
    finally:
        libc.free(again)


def test_ctrl_c_in_a_folder_ingest_keeps_what_was_imported_and_says_so(child_env, data_dir):
    import json as _json
    import signal
    import subprocess
    import sys

    from tests.shared import REPO

    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant.cli", "ingest", str(CORPUS)],
        env=child_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith("[4/"):
            proc.send_signal(signal.SIGINT)  # what Ctrl-C in the terminal sends
            break
    rest = proc.stderr.read()
    proc.stdout.read()
    assert proc.wait(timeout=120) == 130
    assert "已取消" in rest and "已在范文库中" in rest and "Traceback" not in rest, rest
    done = int(rest.split("取消前导入的 ")[1].split(" 篇")[0])
    _, listed = cli("list", "--json")
    assert len(listed) == done >= 3
    code, report = cli("doctor", "--json")
    assert code == 0 and report["consistent"], report
    # Running the same command again imports the rest; the first ones are duplicates.
    code, again = cli("ingest", "-q", "--json", str(CORPUS))
    assert code == 0 and len(again["duplicates"]) == done and len(again["added"]) == 32 - done
    assert _json.dumps(again)  # the report (with its not_reached list) is plain JSON


def test_a_long_lived_process_that_removed_a_document_leaves_no_text_when_it_exits(child_env, data_dir):
    """What the app does (ui/library_page: atexit → Library.close): remove, keep serving, exit."""
    import subprocess
    import sys

    from tests.shared import REPO

    script = (
        "import atexit\n"
        "from pathlib import Path\n"
        "from assistant.support.config import get_settings\n"
        "from assistant.library.ingest import add_bytes\n"
        "from assistant.library.store import Library\n"
        "lib = Library.open(get_settings())\n"
        "atexit.register(lib.close)\n"
        f"ids = [add_bytes(lib, Path(p).read_bytes(), Path(p).name).doc_id for p in {[str(CORPUS / DOC), str(CORPUS / OTHER)]!r}]\n"
        "lib.remove(ids[0])\n"
        "for q in ('燃气安全', '信访积案', '整改时限'):\n"
        "    lib.search(q, k=3)\n"
        "print(len(lib.list_documents()))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], env=child_env, cwd=REPO, capture_output=True, text=True,
                         timeout=300)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "1", out.stderr
    if not os.environ.get("ASSISTANT_CHROMA_URL"):
        for path in (data_dir / "chroma").rglob("*"):
            if path.is_file():
                assert not _sqlite_mentions(path, PHRASE), path
    assert_consistent_with(data_dir, {title_of(OTHER)})
