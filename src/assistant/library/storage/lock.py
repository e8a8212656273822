"""The library lock: one writer at a time (ingest, remove, reindex, repair), across processes.

Locally a file lock under the data dir (filelock); on a Chroma server a lease record in the
library's bookkeeping collection, renewed while held, so app instances on other machines
wait for each other too. A process that dies loses a file lock at once; its lease goes at
once when the waiter runs on the same host (the holder's pid is gone), else when it expires.
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from assistant.library.storage.errors import LibraryError
from assistant.library.storage.meta import MetaStore

#: on_wait(message): told once when the lock is busy and we start waiting.
OnWait = Callable[[str], None]

LEASE_SECONDS = 30.0


def _process_start(pid: int) -> str:
    """The kernel's start time of a process ('' when unknown), so a reused pid is not taken for its holder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _holder(what: str) -> str:
    pid = os.getpid()
    return json.dumps(
        {"host": socket.gethostname(), "pid": pid, "start": _process_start(pid), "what": what}, ensure_ascii=False
    )


def holder_is_gone(raw: str) -> bool:
    """True when the holder ran on this host and its process no longer exists (killed, crashed)."""
    try:
        info = json.loads(raw)
        pid = int(info["pid"])
    except (TypeError, ValueError, KeyError):
        return False
    if info.get("host") != socket.gethostname() or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return bool(info.get("start")) and _process_start(pid) not in ("", info["start"])


def describe_holder(raw: str) -> str:
    """'主机 h 上的进程 123（导入《…》）' from a holder record, '' when unknown."""
    try:
        info = json.loads(raw)
    except (TypeError, ValueError):
        return ""
    what = f"（{info['what']}）" if info.get("what") else ""
    return f"主机 {info.get('host', '?')} 上的进程 {info.get('pid', '?')}{what}"


def _timeout_error(seconds: float, holder: str) -> LibraryError:
    who = f"{holder}" if holder else "另一个进程"
    return LibraryError(
        f"范文库正被{who}修改，等待 {seconds:g} 秒仍未结束，本次操作没有执行。"
        "请稍后再试；如需等待更久，请调大 ASSISTANT_LOCK_TIMEOUT（单位 秒）。"
    )


class FileLibraryLock:
    """library.lock under the data dir; the holder is described in library.lock.json."""

    def __init__(self, data_dir: Path):
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(data_dir / "library.lock"))
        self._owner_file = data_dir / "library.lock.json"

    @contextmanager
    def hold(self, timeout: float, what: str, on_wait: OnWait | None = None) -> Iterator[None]:
        """Hold the lock for the block; LibraryError after ``timeout`` seconds of waiting."""
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            holder = self.holder()
            if on_wait:
                on_wait(f"范文库正被{holder or '另一个进程'}修改，正在等待……")
            try:
                self._lock.acquire(timeout=timeout)
            except Timeout:
                raise _timeout_error(timeout, holder) from None
        try:
            self._owner_file.write_text(_holder(what), encoding="utf-8")
            yield
        finally:
            self._lock.release()

    def try_hold(self) -> bool:
        """Take the lock without waiting; True when taken (release with release())."""
        try:
            self._lock.acquire(timeout=0)
            return True
        except Timeout:
            return False

    def release(self) -> None:
        """Release a lock taken with try_hold."""
        self._lock.release()

    def holder(self) -> str:
        """Who holds (or last held) the lock, in Chinese."""
        try:
            return describe_holder(self._owner_file.read_text(encoding="utf-8"))
        except OSError:
            return ""


class LeaseLibraryLock:
    """A lease in the bookkeeping collection on the Chroma server, renewed by a thread while held."""

    def __init__(self, meta: MetaStore, seconds: float = LEASE_SECONDS):
        self.meta = meta
        self.seconds = seconds
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._owner = ""
        self._stop = threading.Event()

    def _acquire(self, timeout: float, what: str, on_wait: OnWait | None) -> None:
        owner = uuid.uuid4().hex
        holder = _holder(what)
        deadline = time.monotonic() + timeout
        told = False
        while not self.meta.try_take_lease(owner, self.seconds, holder, holder_is_gone):
            if time.monotonic() > deadline:
                raise _timeout_error(timeout, describe_holder(str(self.meta.lease().get("holder", ""))))
            if on_wait and not told:
                told = True
                on_wait(f"范文库正被{describe_holder(str(self.meta.lease().get('holder', ''))) or '另一个实例'}修改，正在等待……")
            time.sleep(0.25)
        self._owner = owner
        self._stop.clear()
        threading.Thread(target=self._renew, args=(owner, holder), daemon=True).start()

    def _renew(self, owner: str, holder: str) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if not self.meta.renew_lease(owner, self.seconds, holder):
                    return
            except Exception:  # the server is briefly unreachable: try again next round
                continue

    @contextmanager
    def hold(self, timeout: float, what: str, on_wait: OnWait | None = None) -> Iterator[None]:
        """Hold the lease for the block (re-entrant within this process)."""
        with self._thread_lock:
            if self._depth == 0:
                self._acquire(timeout, what, on_wait)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._stop.set()
                    self.meta.release_lease(self._owner)

    def try_hold(self) -> bool:
        """Nothing to take for a reader on a server: it never needs to reload files."""
        return True

    def release(self) -> None:
        """Counterpart of try_hold."""

    def holder(self) -> str:
        """Who holds the lease, in Chinese."""
        return describe_holder(str(self.meta.lease().get("holder", "")))
