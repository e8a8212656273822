"""The bundled example corpus: indexed once, on first start, into an empty library; its vectors file."""

from __future__ import annotations

import json
import logging
import sys
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from assistant.domain.models import IngestReport
from assistant.intake.chunking import embedding_text
from assistant.intake.prepare import prepare_path
from assistant.library.embeddings import BundledE5Embedder, Embedder
from assistant.library.ingest import expand_paths, ingest_paths
from assistant.library.storage.errors import LibraryError
from assistant.library.store import Library, Progress
from assistant.library.vector_file import PrecomputedVectors, corpus_vectors_path
from assistant.support.config import Settings, get_settings
from assistant.support.errors import UserError

log = logging.getLogger(__name__)

MARKER = "corpus_seeded.json"  # written when the corpus has been indexed once
STARTED = "corpus_seeding.json"  # written before: a first start cut short is resumed next time


def needs_seeding(library: Library, corpus_dir: Path) -> bool:
    """True on a first start (empty library, corpus never indexed) or after one that was cut short."""
    data_dir = Path(library.settings.data_dir)
    if (data_dir / MARKER).exists() or not any(Path(corpus_dir).glob("*.md")):
        return False
    return (data_dir / STARTED).exists() or library.chunk_count() == 0


def _write_json(path: Path, payload: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")


def seed_corpus(
    library: Library,
    corpus_dir: Path,
    progress: Progress | None = None,
    on_file: Callable[[int, int, Path], None] | None = None,
) -> IngestReport:
    """Index the bundled corpus and remember that it was done (a user may later delete it).

    Documents already in the library are skipped as duplicates, so a resumed start adds the rest.
    """
    data_dir = Path(library.settings.data_dir)
    _write_json(data_dir / STARTED, {"at": datetime.now().isoformat(timespec="seconds")})
    report = ingest_paths(library, [Path(corpus_dir)], progress=progress, on_file=on_file)
    if report.failed and not report.added and not report.duplicates:
        # Nothing went in (the embedding service is down, say): not done, tried again next start.
        raise LibraryError(report.failed[0].error)
    _write_json(
        data_dir / MARKER,
        {"at": datetime.now().isoformat(timespec="seconds"), "added": len(report.added),
         "failed": [f.model_dump() for f in report.failed]},
    )  # fmt: skip
    (data_dir / STARTED).unlink(missing_ok=True)
    return report


@dataclass(frozen=True)
class SeedState:
    """A snapshot of a seeding job, for a progress bar."""

    files_done: int
    files_total: int
    current: str  # file being indexed
    fraction: float  # 0..1, files and characters embedded in the current file
    finished: bool
    report: IngestReport | None  # when finished without error
    error: str  # Chinese, when it failed


class SeedJob:
    """Indexing the corpus in a background thread, so a page can be used meanwhile."""

    def __init__(self, library: Library, corpus_dir: Path):
        self.library = library
        self.corpus_dir = Path(corpus_dir)
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._files = (0, 0, "")
        self._chars = 0.0
        self._report: IngestReport | None = None
        self._error = ""
        self._thread = threading.Thread(target=self._run, name="corpus-seed", daemon=True)

    def start(self) -> SeedJob:
        """Start indexing; returns self."""
        self._thread.start()
        return self

    def _on_file(self, n: int, total: int, path: Path) -> None:
        with self._lock:
            self._files, self._chars = (n, total, path.name), 0.0

    def _on_chars(self, done: int, total: int, _message: str) -> None:
        with self._lock:
            self._chars = done / total if total else 1.0

    def _run(self) -> None:
        report, error = None, ""
        try:
            report = seed_corpus(self.library, self.corpus_dir, self._on_chars, self._on_file)
        except UserError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - a thread's exception would vanish otherwise
            log.exception("indexing the bundled corpus failed")
            error = f"导入内置范文时出现意外错误（{type(e).__name__}），详细信息已写入运行日志。重启程序会接着导入。"
        with self._lock:
            self._report, self._error = report, error
        self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait up to ``timeout`` seconds; True once the job has finished."""
        return self._done.wait(timeout)

    def state(self) -> SeedState:
        """Where the job is now."""
        with self._lock:
            n, total, name = self._files
            finished = self._done.is_set()
            fraction = 1.0 if finished or not total else min((n + self._chars) / total, 1.0)
            return SeedState(n, total, name, fraction, finished, self._report, self._error)


_jobs: weakref.WeakKeyDictionary[Library, SeedJob] = weakref.WeakKeyDictionary()
_jobs_lock = threading.Lock()


def seeding_job(library: Library, corpus_dir: Path) -> SeedJob | None:
    """This library's seeding job: started when the library needs the corpus, else the last one (or None).

    One job per library in the process, however many pages ask; a failed job is not restarted
    (its error stays visible) until the program restarts.
    """
    with _jobs_lock:
        job = _jobs.get(library)
        if job is None and needs_seeding(library, corpus_dir):
            job = _jobs[library] = SeedJob(library, corpus_dir).start()
        return job


def corpus_texts(corpus_dir: Path, settings: Settings) -> list[str]:
    """The exact texts that indexing the corpus embeds: every chunk of every file, in order."""
    files, _, _ = expand_paths([Path(corpus_dir)])
    return [embedding_text(c) for f in files for c in prepare_path(f.path, settings, f.root).chunks]


def write_corpus_vectors(corpus_dir: Path, settings: Settings, embedder: Embedder) -> PrecomputedVectors:
    """Embed every chunk of the corpus afresh and write the corpus's vectors file."""
    texts = corpus_texts(corpus_dir, settings)
    vectors = PrecomputedVectors.from_texts(embedder.id, texts, embedder.embed_passages(texts))
    vectors.save(corpus_vectors_path(corpus_dir))
    return vectors


def main() -> None:
    """`make corpus-vectors`: regenerate corpus/vectors.npz with the bundled model."""
    settings = get_settings()
    print(f"正在用内置模型为 {settings.corpus_dir} 的全部片段计算向量（机器空闲时约需 2 分钟）……", file=sys.stderr)
    started = time.monotonic()
    # Never from a cache or an old file: the point is to recompute what the model gives now.
    vectors = write_corpus_vectors(settings.corpus_dir, settings, BundledE5Embedder())
    path = corpus_vectors_path(settings.corpus_dir)
    print(
        f"已写入 {path}：{len(vectors)} 个向量（{vectors.model_id}），{path.stat().st_size / 1024:.0f} KB，"
        f"用时 {time.monotonic() - started:.0f} 秒。",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
