"""Loopback ports for tests, without "find a free port, then bind it later" races."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

__all__ = ["refused_port", "start_server"]


@contextmanager
def refused_port() -> Iterator[int]:
    """A 127.0.0.1 port that refuses connections: bound for the whole block (nobody else gets it), never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    launch: Callable[[int], subprocess.Popen],
    answers: Callable[[int], bool],
    timeout: float,
    what: str,
    tries: int = 3,
) -> tuple[int, subprocess.Popen]:
    """Start a server process that binds the port it is given; (port, process) once it answers.

    A server can only be told a port number, so one is picked, and if another process took it
    in the meantime our server exits (address in use): then another port is tried. The server
    counts as up only when it answers and is still running, so an answer from someone else's
    server on that port never passes for ours.
    """
    for _ in range(tries):
        port = _unused_port()
        proc = launch(port)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if answers(port) and proc.poll() is None:
                return port, proc
            time.sleep(0.1)
        if proc.poll() is None:  # neither up nor gone: a real failure, not a port taken
            proc.kill()
            proc.wait()
            break
    pytest.fail(f"{what} did not start")
