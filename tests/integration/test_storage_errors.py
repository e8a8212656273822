"""A full or read-only disk is told in Chinese, naming ASSISTANT_DATA_DIR, not as an "unexpected error"."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from assistant.library.storage.errors import storage_problem
from tests.shared import CORPUS, SRC


def _sqlite_error(tmp_path: Path, setup: str, uri: str = "") -> sqlite3.Error:
    db = tmp_path / f"{uuid.uuid4().hex}.sqlite3"
    sqlite3.connect(db).executescript("CREATE TABLE t (v BLOB); INSERT INTO t VALUES (zeroblob(10));").close()
    con = sqlite3.connect(uri.format(db=db) if uri else db, uri=bool(uri))
    with pytest.raises(sqlite3.Error) as info:
        con.executescript(setup)
    return info.value


def test_real_sqlite_errors_of_a_full_and_a_read_only_disk(tmp_path):
    full = _sqlite_error(tmp_path, "PRAGMA max_page_count = 2; INSERT INTO t VALUES (zeroblob(100000));")
    assert "磁盘已满" in storage_problem(full) and "ASSISTANT_DATA_DIR" in storage_problem(full)
    read_only = _sqlite_error(tmp_path, "INSERT INTO t VALUES (1);", uri="file:{db}?mode=ro")
    assert "只读" in storage_problem(read_only)
    # Raised from inside another library's error (as chromadb wraps it): still recognised.
    try:
        try:
            raise full
        except sqlite3.Error as inner:
            raise RuntimeError("InternalError: error returned from database") from inner
    except RuntimeError as wrapped:
        assert "磁盘已满" in storage_problem(wrapped)
    assert storage_problem(ValueError("something else")) is None


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True)
    return subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                          capture_output=True).returncode == 0  # fmt: skip


def test_cli_on_a_full_disk_says_so_and_the_library_survives(tmp_path):
    disk = tmp_path / "disk"
    if os.geteuid() != 0 or not shutil.which("mount") or not _mount_tmpfs(disk, "48m"):
        pytest.skip("needs root and a tmpfs mount to make a real full disk")
    try:
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(SRC), "ASSISTANT_DATA_DIR": str(disk / "data"),
               "ASSISTANT_CACHE_DIR": str(tmp_path / "cache"), "HOME": str(tmp_path)}  # fmt: skip

        def run(*args):
            return subprocess.run([sys.executable, "-m", "assistant.cli", *args], env=env, capture_output=True,
                                  text=True, timeout=300)  # fmt: skip

        assert run("ingest", "-q", str(CORPUS / "petition-02.md")).returncode == 0
        filler = disk / "filler"
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=1M"], capture_output=True)
        out = run("ingest", str(CORPUS / "gas_fire-01.md"), str(CORPUS / "land-01.md"))
        said = out.stdout + out.stderr
        assert out.returncode != 0 and "磁盘已满" in said and "意外错误" not in said and "Traceback" not in said, said
        filler.unlink()
        listed = run("list", "--json")
        assert listed.returncode == 0 and "petition" not in listed.stderr
        assert run("doctor", "--repair", "--json").returncode == 0
        assert '"consistent": true' in run("doctor", "--json").stdout
    finally:
        subprocess.run(["umount", "-l", str(disk)], capture_output=True)
