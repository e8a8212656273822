"""Writing a file so that a crash leaves either the old file or the new one, never half of it."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path


class NotARegularFile(OSError):
    """A write target that exists and is not a regular file: a device, a pipe, a socket, a folder."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def synced_temp(folder: Path, data: bytes, mode: int, prefix: str) -> str:
    """A new temporary file in ``folder`` holding ``data``, synced to disk; the caller renames or links it."""
    fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return tmp


def write_atomic_bytes(path: Path | str, data: bytes, mode: int | None = None) -> Path:
    """Write bytes via a temporary file in the same folder and os.replace (never half-written).

    A target that exists and is not a regular file (a device such as /dev/null, a pipe, a folder,
    or a link to one) is never replaced: NotARegularFile. The file gets ``mode`` when given, else the mode of the file it replaces, else the usual
    mode of a new file. A file nobody may write (chmod 444: the user protected it) is not
    replaced, although renaming over it would succeed: PermissionError instead.
    """
    p = Path(path)
    try:
        old = os.stat(p)
    except FileNotFoundError:
        old = None
    if old is not None and not stat.S_ISREG(old.st_mode):
        # Renaming over /dev/null or a pipe would replace it with a plain file (as root, for everyone).
        raise NotARegularFile(errno.EINVAL, "not a regular file", str(p))
    if old is not None and not old.st_mode & 0o222:
        raise PermissionError(errno.EACCES, "read-only file", str(p))
    if mode is None:
        mode = stat.S_IMODE(old.st_mode) if old is not None else 0o666 & ~_umask()
    p.parent.mkdir(parents=True, exist_ok=True)
    # A short temporary name: a final name near the 255-byte limit must not fail for its temporary.
    tmp = synced_temp(p.parent, data, mode, prefix=f".{p.name[:16]}.")
    try:
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p


def write_atomic(path: Path | str, text: str, mode: int | None = None) -> Path:
    """Write UTF-8 text atomically, byte for byte (no newline translation)."""
    return write_atomic_bytes(path, text.encode("utf-8"), mode)
