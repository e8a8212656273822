"""Several processes opening one new, empty data dir at the same moment (the app and the CLI started together)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.shared import REPO, SRC

# Each child imports everything first, then waits for the same go signal, so the opens overlap.
CHILD = r"""
import os, sys, time
from pathlib import Path
from assistant.library.store import Library
from assistant.support.config import get_settings

class Embedder:
    id = "fake:open-race"

go = Path(sys.argv[1])
print("ready", flush=True)
while not go.exists():
    time.sleep(0.001)
lib = Library(get_settings(), Embedder())
print("opened", lib.chunk_count(), flush=True)
"""

PROCESSES = 4


@pytest.mark.parametrize("attempt", range(3))
def test_processes_opening_a_new_data_dir_at_once_all_succeed(tmp_path, data_dir, attempt):
    go = tmp_path / "go"
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": f"{SRC}{os.pathsep}{REPO}"}
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(go)], env=env, cwd=tmp_path,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
        for _ in range(PROCESSES)
    ]
    for child in children:  # every child has imported chromadb and waits
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    go.touch()
    results = [child.communicate(timeout=120) for child in children]
    failures = [err.strip().splitlines()[-1] for (out, err), child in zip(results, children, strict=True)
                if child.returncode != 0]  # fmt: skip
    assert not failures, failures
    assert all(out.strip().endswith("opened 0") for out, _ in results)
