"""Warm-up: load what the first search needs (BM25 index, jieba, the embedding model, the vector index) ahead of it.

A search loads these on demand, which on a large library made the first one after opening
wait seconds (the BM25 index, rebuilt when its saved copy is missing or stale, the longest).
The app starts a warm-up in a daemon thread when it opens the library, so that time passes
while the clerk fills in the form. Every part loads under the same lock a search takes
(Bm25Files, JIEBA_LOCK, the bundled model's lock), so a search arriving meanwhile waits for
the part being loaded instead of loading it a second time, and finds the rest ready. A part
that fails is logged and left to the search, which loads it on demand or says why in Chinese.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain.tokenize import tokenize
from assistant.library.storage.handle import LibraryHandle

log = logging.getLogger(__name__)

#: Any text: tokenising it loads jieba's dictionary.
_PROBE = "整改落实情况"


@dataclass(frozen=True)
class WarmReport:
    """What a warm-up loaded: seconds per part, and the parts that failed (part → error)."""

    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Every part loaded."""
        return not self.failed

    @property
    def total(self) -> float:
        """Seconds of the whole warm-up."""
        return sum(self.seconds.values())


def _jieba(_lib: LibraryHandle) -> None:
    tokenize(_PROBE)


def _model(lib: LibraryHandle) -> None:
    # Only a local model has something to load; a remote API would be billed for a probe.
    load = getattr(getattr(lib.embedder, "inner", None), "load", None)
    if load is not None:
        load()


def _vectors(lib: LibraryHandle) -> None:
    # One nearest-neighbour query with a stored vector: no model call, any dimension.
    col = lib.collection()
    col.count()  # a search's first call: its first time reads Chroma's files
    got = col.get(limit=1, include=["embeddings"])
    vectors = got.get("embeddings")
    if vectors is not None and len(vectors):
        col.query(query_embeddings=[list(map(float, vectors[0]))], n_results=1, include=[])


def _bm25(lib: LibraryHandle) -> None:
    index = lib.bm25_for(lib.collection())
    index.arrays()  # the filter arrays a role-filtered search reads


#: In this order: the quick parts first, so a search that comes during a long BM25 rebuild
#: waits for that alone (it reads the index first anyway) and finds the rest loaded.
PARTS: dict[str, Callable[[LibraryHandle], None]] = {
    "jieba": _jieba,
    "model": _model,
    "vectors": _vectors,
    "bm25": _bm25,
}


class Warmup:
    """One library's warm-up: runs once; later callers get its report (waiting while it runs)."""

    def __init__(self, library: LibraryHandle):
        self._library = weakref.ref(library)  # a warm-up does not keep a closed library alive
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._started = False
        self._report: WarmReport | None = None

    def start(self) -> Warmup:
        """Run in a daemon thread (once); returns self at once."""
        with self._lock:
            if self._started:
                return self
            self._started = True
        threading.Thread(target=self._run, name="library-warmup", daemon=True).start()
        return self

    def run(self) -> WarmReport:
        """Run now in this thread, or wait for the run already started; its report."""
        with self._lock:
            started, self._started = self._started, True
        if not started:
            self._run()
        self._done.wait()
        assert self._report is not None
        return self._report

    def wait(self, timeout: float | None = None) -> WarmReport | None:
        """The report once finished (None when not finished within ``timeout`` seconds)."""
        return self._report if self._done.wait(timeout) else None

    @property
    def finished(self) -> bool:
        """The warm-up has ended (loaded, or failed in part)."""
        return self._done.is_set()

    def _run(self) -> None:
        seconds: dict[str, float] = {}
        failed: dict[str, str] = {}
        try:
            library = self._library()
            for name, part in PARTS.items():
                if library is None:
                    break
                started = time.perf_counter()
                try:
                    part(library)
                except Exception as e:  # noqa: BLE001 - a thread's error would vanish; the search retries
                    log.warning("library warm-up: loading %s failed; the first search loads it", name, exc_info=True)
                    failed[name] = f"{type(e).__name__}: {e}"
                seconds[name] = round(time.perf_counter() - started, 3)
        finally:
            self._report = WarmReport(seconds, failed)
            self._done.set()
        log.info("library warm-up done in %.1f s: %s", sum(seconds.values()), seconds)


_warmups: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_warmups_lock = threading.Lock()


def warmup_of(library: LibraryHandle) -> Warmup:
    """This library's one Warmup in the process (made on first ask, not started)."""
    with _warmups_lock:
        found = _warmups.get(library)
        if found is None:
            found = _warmups[library] = Warmup(library)
        return found


def start_warmup(library: LibraryHandle) -> Warmup:
    """Start this library's warm-up in the background (once per library); returns it."""
    return warmup_of(library).start()


def wait_all(timeout: float | None = None) -> list[WarmReport]:
    """Wait for every warm-up started in this process (benchmarks); the reports of those finished."""
    with _warmups_lock:
        started = [w for w in _warmups.values() if w._started]
    reports = [w.wait(timeout) for w in started]
    return [r for r in reports if r is not None]
