"""Writing a file so that a crash leaves either the old file or the new one, never half of it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic_bytes(path: Path | str, data: bytes) -> Path:
    """Write bytes via a temporary file in the same folder and os.replace (never half-written)."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def write_atomic(path: Path | str, text: str) -> Path:
    """Write UTF-8 text atomically, byte for byte (no newline translation)."""
    return write_atomic_bytes(path, text.encode("utf-8"))
