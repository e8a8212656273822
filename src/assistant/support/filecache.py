"""Load a folder of data files once, and again only when one of them changes."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class FolderCache(Generic[T]):
    """``loader(folder)`` cached per folder, keyed on the names, mtimes and sizes of its files.

    Prompts and meeting kinds are edited by users while the app runs; a stamp check costs a
    few stat calls, while reloading YAML/Markdown on every draft would cost far more.
    """

    def __init__(self, loader: Callable[[Path], T], files: Callable[[Path], Iterable[Path]]):
        self._loader = loader
        self._files = files
        self._lock = threading.Lock()
        self._key: tuple | None = None
        self._value: T | None = None

    def get(self, folder: Path | str) -> T:
        """The loaded value for this folder, reloaded when a file was added, removed or changed."""
        d = Path(folder).resolve()
        stamps = []
        for f in sorted(self._files(d)):
            st = f.stat() if f.is_file() else None
            stamps.append((f.name, st.st_mtime_ns if st else 0, st.st_size if st else -1))
        key = (str(d), tuple(stamps))
        with self._lock:
            if key != self._key:
                self._value = self._loader(d)
                self._key = key
            return self._value  # type: ignore[return-value]
