"""Child processes running `assistant` (tests/crash_worker.py), and checks of a data dir after them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from assistant.cli import main
from tests.shared import CORPUS, REPO

SPEECHES = sorted(p for p in CORPUS.glob("*.md") if p.name != "README.md")


def child(env: dict, moment: str, *args: str) -> subprocess.CompletedProcess:
    """Run `assistant ARGS` in a child process that kills itself at `moment`."""
    return subprocess.run(
        [sys.executable, "-m", "tests.crash_worker", moment, *args],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def start(env: dict, moment: str, *args: str) -> subprocess.Popen:
    """`assistant ARGS` in a child process, not waited for (see tests/crash_worker.py for the moments)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", moment, *args],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def finish(proc: subprocess.Popen) -> str:
    """Wait for a child; it must succeed. Its stdout."""
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err
    return out


def cli(*args: str) -> tuple[int, object]:
    """`assistant ARGS` in this process: (exit code, parsed JSON or text)."""
    result = CliRunner().invoke(main, list(args))
    out = result.stdout.strip()  # stderr may say that it waited for the lock
    return result.exit_code, (json.loads(out) if out.startswith(("{", "[")) else out)


def files(data_dir: Path) -> set[str]:
    """Records and originals in a data dir."""
    return {p.relative_to(data_dir).as_posix() for sub in ("docs", "originals") for p in (data_dir / sub).glob("*")}


def assert_consistent_with(data_dir: Path, titles: set[str]) -> None:
    """doctor finds nothing, and exactly these documents are listed, each with all its parts."""
    code, report = cli("doctor", "--json")
    assert code == 0 and report == {"consistent": True, "problems": [], "repaired": []}, report
    _, listed = cli("list", "--json")
    assert sorted(d["title"] for d in listed) == sorted(titles)
    for d in listed:
        assert d["chunks"] > 0
        assert (data_dir / "docs" / f"{d['doc_id']}.json").exists() and (data_dir / d["original"]).exists()
    assert len(files(data_dir)) == 2 * len(listed)


def title_of(path: Path) -> str:
    """The title `inspect` gives a file."""
    return cli("inspect", str(path), "--json")[1]["title"]


def titles(paths) -> set[str]:
    """Titles of several files."""
    return {title_of(p) for p in paths}
