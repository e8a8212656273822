"""A draft folder on disk: the drafts lock, version file names, and writing a version whole.

Two processes (two app instances, the app and the CLI) may add versions to one draft at once,
so every change to a draft folder runs under one file lock (``<data_dir>/drafts/.drafts.lock``).
A version is written to a temporary file first and then linked to its number, so a process
killed mid-save leaves at most a ``.*.tmp`` file (which `assistant doctor` removes), never an
empty or half-written ``v0001.json``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.support.atomic_files import synced_temp
from assistant.support.config import load_settings_lenient
from assistant.support.errors import UserError

LOCK_NAME = ".drafts.lock"
VERSION_RE = re.compile(r"^v(\d{4,})\.json$")
#: Temporary files of an unfinished write: ours (.v-*.tmp) and write_atomic's (.record.json.*.tmp).
TEMP_RE = re.compile(r"^\..*\.tmp$")
FILE_MODE = 0o644


class DraftLockError(UserError):
    """Another process kept the drafts lock longer than ASSISTANT_LOCK_TIMEOUT (the message is Chinese)."""


def version_name(number: int) -> str:
    """The file name of version ``number``: v0001.json."""
    return f"v{number:04d}.json"


def version_numbers(folder: Path) -> list[int]:
    """Numbers of every v*.json in a draft folder, readable or not (a number is never reused)."""
    try:
        names = [p.name for p in folder.iterdir()]
    except OSError:
        return []
    return sorted(int(m.group(1)) for n in names if (m := VERSION_RE.match(n)))


def _lock_timeout() -> float:
    # Read only when the lock is busy: a version is saved in milliseconds, so waiting is rare.
    return load_settings_lenient()[0].lock_timeout


@contextmanager
def drafts_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the drafts lock for the block; DraftLockError after ``timeout`` seconds (default ASSISTANT_LOCK_TIMEOUT)."""
    root.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(root / LOCK_NAME))  # a fresh instance: flock excludes threads of one process too
    try:
        lock.acquire(timeout=0)
    except Timeout:
        seconds = _lock_timeout() if timeout is None else timeout
        try:
            lock.acquire(timeout=seconds)
        except Timeout:
            raise DraftLockError(
                f"稿件正被另一个进程保存，等待 {seconds:g} 秒仍未结束，本次保存没有完成，请稍后再试"
                f"（锁文件 {root / LOCK_NAME}；如需等待更久，请调大 ASSISTANT_LOCK_TIMEOUT，单位 秒）。"
            ) from None
    try:
        yield
    finally:
        lock.release()


def write_version(folder: Path, data: bytes) -> int:
    """Write ``data`` as the next version of the draft in ``folder`` (call under drafts_lock); its number.

    The bytes go to a temporary file, are synced, and are then linked to the first free
    number: the numbered file appears complete or not at all, and an existing one is never replaced.
    """
    tmp = synced_temp(folder, data, FILE_MODE, prefix=".v-")
    try:
        number = max(version_numbers(folder), default=0) + 1
        while True:
            path = folder / version_name(number)
            try:
                os.link(tmp, path)
                break
            except FileExistsError:
                number += 1
            except OSError:
                # A file system without hard links: rename instead (under the lock nobody else names it).
                if path.exists():
                    number += 1
                    continue
                os.rename(tmp, path)
                break
    finally:
        Path(tmp).unlink(missing_ok=True)
    _sync_folder(folder)
    return number


def _sync_folder(folder: Path) -> None:
    # The new name must survive a power cut as well as the bytes it points to.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
