"""The bundled example corpus: indexed once, on first start, into an empty library."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from assistant.library.ingest import ingest_paths
from assistant.library.store import Library, Progress
from assistant.models import IngestReport

MARKER = "corpus_seeded.json"


def needs_seeding(library: Library, corpus_dir: Path) -> bool:
    """True on a first start: the library is empty and the bundled corpus was never indexed."""
    marker = Path(library.settings.data_dir) / MARKER
    return not marker.exists() and library.chunk_count() == 0 and any(Path(corpus_dir).glob("*.md"))


def seed_corpus(
    library: Library,
    corpus_dir: Path,
    progress: Progress | None = None,
    on_file: Callable[[int, int, Path], None] | None = None,
) -> IngestReport:
    """Index the bundled corpus and remember that it was done (a user may later delete it)."""
    report = ingest_paths(library, [Path(corpus_dir)], progress=progress, on_file=on_file)
    marker = Path(library.settings.data_dir) / MARKER
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(
        json.dumps(
            {"at": datetime.now().isoformat(timespec="seconds"), "added": len(report.added),
             "failed": [f.model_dump() for f in report.failed]},
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    return report
