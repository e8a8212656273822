"""A process killed (SIGKILL) in the middle of a write leaves a state `doctor --repair` makes whole."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from tests.shared import CORPUS, REPO, SRC

DOC = "gas_fire-01.md"
OTHER = "petition-02.md"
# A sentence found only in DOC, to look for its text after a remove.
PHRASE = "液化石油气"


@pytest.fixture
def env(data_dir, fake_openai, monkeypatch) -> dict[str, str]:
    """Embeddings from the fake server, for this process and the child processes alike."""
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


def child(env: dict, moment: str, *args: str) -> subprocess.CompletedProcess:
    """Run `assistant ARGS` in a child process that kills itself at `moment`."""
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_worker", moment, *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def cli(*args: str) -> tuple[int, object]:
    result = CliRunner().invoke(main, list(args))
    out = result.output.strip()
    return result.exit_code, (json.loads(out) if out.startswith(("{", "[")) else out)


def files(data_dir: Path) -> set[str]:
    return {p.relative_to(data_dir).as_posix() for sub in ("docs", "originals") for p in (data_dir / sub).glob("*")}


def assert_consistent_with(data_dir: Path, titles: set[str]) -> None:
    code, report = cli("doctor", "--json")
    assert code == 0 and report == {"consistent": True, "problems": [], "repaired": []}
    _, listed = cli("list", "--json")
    assert {d["title"] for d in listed} == titles
    for d in listed:  # every listed document has all its parts
        assert d["chunks"] > 0
        assert (data_dir / "docs" / f"{d['doc_id']}.json").exists() and (data_dir / d["original"]).exists()
    assert len(files(data_dir)) == 2 * len(listed)


def title_of(name: str) -> str:
    code, out = cli("inspect", str(CORPUS / name), "--json")
    return out["title"]


@pytest.mark.parametrize("moment", ["before-chunks", "mid-chunks"])
def test_ingest_killed_part_way_is_undone(env, data_dir, moment):
    assert cli("ingest", "-q", str(CORPUS / OTHER))[0] == 0
    run = child(env, moment, "ingest", "-q", str(CORPUS / DOC))
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


def test_ingest_killed_after_its_last_write_is_kept(env, data_dir):
    run = child(env, "before-journal-end", "ingest", "-q", str(CORPUS / DOC))
    assert run.returncode == -9, run.stderr
    code, report = cli("doctor", "--repair", "--json")
    assert report["consistent"] and any("已确认" in r for r in report["repaired"])
    assert_consistent_with(data_dir, {title_of(DOC)})
    _, again = cli("ingest", "-q", "--json", str(CORPUS / DOC))
    assert len(again["duplicates"]) == 1 and not again["added"]


def test_next_writer_finishes_what_a_killed_one_left(env, data_dir):
    assert child(env, "mid-chunks", "ingest", "-q", str(CORPUS / DOC)).returncode == -9
    # No doctor: the next ingest, holding the lock, undoes the half-written document first.
    code, out = cli("ingest", "-q", "--json", str(CORPUS / DOC), str(CORPUS / OTHER))
    assert code == 0 and len(out["added"]) == 2
    assert_consistent_with(data_dir, {title_of(DOC), title_of(OTHER)})


def _sqlite_mentions(path: Path, phrase: str) -> bool:
    return phrase.encode("utf-8") in path.read_bytes()


def test_remove_killed_part_way_is_finished_and_leaves_no_text(env, data_dir):
    assert cli("ingest", "-q", str(CORPUS / DOC), str(CORPUS / OTHER))[0] == 0
    _, listed = cli("list", "--json")
    doc_id = next(d["doc_id"] for d in listed if d["title"] == title_of(DOC))
    assert _sqlite_mentions(data_dir / "chroma" / "chroma.sqlite3", PHRASE)
    run = child(env, "remove-mid", "remove", doc_id)
    assert run.returncode == -9, run.stderr
    code, report = cli("doctor", "--repair", "--json")
    assert any("删除" in p for p in report["problems"]) and report["consistent"]
    assert_consistent_with(data_dir, {title_of(OTHER)})
    # Its text is nowhere in Chroma's files any more (log, full-text index, free pages).
    for path in (data_dir / "chroma").rglob("*"):
        if path.is_file():
            assert not _sqlite_mentions(path, PHRASE), path


def test_remove_leaves_no_text_in_chroma_log_or_vector_cache(env, data_dir):
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


def test_reindex_killed_before_the_switch_keeps_the_old_index(env, data_dir):
    assert cli("ingest", "-q", str(CORPUS / DOC), str(CORPUS / OTHER))[0] == 0
    run = child(env, "reindex-before-switch", "reindex")
    assert run.returncode == -9, run.stderr
    code, hits = cli("search", "饭店液化气钢瓶", "--json")
    assert code == 0 and hits and hits[0]["title"] == title_of(DOC)
    code, report = cli("doctor", "--json")
    assert code == 1 and any("临时索引" in p for p in report["problems"])
    assert cli("doctor", "--repair", "--json")[1]["consistent"]
    assert_consistent_with(data_dir, {title_of(DOC), title_of(OTHER)})
