"""Ingest throughput on the bundled corpus: characters per second, and the share of time spent
outside the embedding model (loading, cleaning, parsing, chunking, Chroma, BM25 bookkeeping).

    .venv/bin/python bench/ingest_bench.py [--runs 3]

Each run starts from an empty data dir and an empty vector cache, and ignores the corpus's shipped
vectors (corpus/vectors.npz), so every chunk is embedded. A final run re-ingests into a fresh
library with a warm cache (what re-ingesting costs); another uses the shipped vectors with an
empty cache (what a first start costs).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.ingest import ingest_paths  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402


class _Timed:
    """Wraps the embedding backend and adds up the time spent inside it."""

    def __init__(self, inner):
        self.inner = inner
        self.seconds = 0.0

    @property
    def id(self) -> str:
        return self.inner.id

    def embed_passages(self, texts):
        t = time.perf_counter()
        try:
            return self.inner.embed_passages(texts)
        finally:
            self.seconds += time.perf_counter() - t

    def embed_query(self, text):
        return self.inner.embed_query(text)


def one_run(cache_dir: Path, shipped: bool = False) -> dict:
    with tempfile.TemporaryDirectory() as d:
        settings = get_settings(data_dir=Path(d), cache_dir=cache_dir)
        embedder = make_embedder(settings)
        if not shipped:
            embedder.precomputed = None  # measure the model, not the file
        timed = _Timed(embedder.inner)
        embedder.inner = timed
        lib = Library(settings, embedder)
        t = time.perf_counter()
        report = ingest_paths(lib, [REPO / "corpus"])
        total = time.perf_counter() - t
        chars = sum(d.chars for d in lib.list_documents())
        return {
            "docs": len(report.added),
            "chunks": lib.chunk_count(),
            "chars": chars,
            "seconds": total,
            "embed_seconds": timed.seconds,
        }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as cache:
            runs.append(one_run(Path(cache)))
    with tempfile.TemporaryDirectory() as cache:
        one_run(Path(cache))
        warm = one_run(Path(cache))
    with tempfile.TemporaryDirectory() as cache:
        first = one_run(Path(cache), shipped=True)
    med = statistics.median
    seconds = med(r["seconds"] for r in runs)
    outside = med((r["seconds"] - r["embed_seconds"]) / r["seconds"] for r in runs)
    r0 = runs[0]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"corpus: {r0['docs']} speeches, {r0['chars']} characters, {r0['chunks']} chunks")
    print("| measure | value |")
    print("|---|---|")
    print(f"| ingest, cold vector cache (median of {args.runs}) | {seconds:.1f} s, "
          f"{r0['chars'] / seconds:.0f} characters/s |")
    print(f"| share of ingest time outside the embedding model | {outside:.1%} |")
    print(f"| embedding model alone | {r0['chars'] / med(r['embed_seconds'] for r in runs):.0f} characters/s |")
    print(f"| re-ingest into a new library, warm vector cache | {warm['seconds']:.2f} s, "
          f"{warm['chars'] / warm['seconds']:.0f} characters/s |")
    print(f"| ingest with the shipped vectors, empty cache (first start) | {first['seconds']:.2f} s, "
          f"model time {first['embed_seconds']:.2f} s |")


if __name__ == "__main__":
    main()
