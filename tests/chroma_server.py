"""A real `chroma run` server for tests (the command chromadb installs beside the interpreter)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.ports import start_server

CHROMA = Path(sys.executable).parent / "chroma"


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """Run `chroma run --path PATH` on a free port of 127.0.0.1; yields its URL."""
    if not CHROMA.exists():
        pytest.fail(f"chroma command missing at {CHROMA}; chromadb is a declared dependency")

    def launch(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def answers(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/heartbeat", timeout=1):
                return True
        except OSError:
            return False

    port, proc = start_server(launch, answers, 30, "chroma server")
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
