"""A real `chroma run` server for tests (the command chromadb installs beside the interpreter)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMA = Path(sys.executable).parent / "chroma"


def free_port() -> int:
    """A TCP port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def chroma_server(path: Path) -> Iterator[str]:
    """Run `chroma run --path PATH` on a free port of 127.0.0.1; yields its URL."""
    if not CHROMA.exists():
        pytest.fail(f"chroma command missing at {CHROMA}; chromadb is a declared dependency")
    port = free_port()
    proc = subprocess.Popen(
        [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
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
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
