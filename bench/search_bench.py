"""Hybrid search latency (p50/p95) at about 1k and 10k chunks.

    .venv/bin/python bench/search_bench.py [--queries 100]

The bundled corpus gives ~760 real chunks with real vectors. Larger libraries are made by
adding synthetic chunks: text recombined from corpus sentences, vectors mixed from two real
vectors plus noise (so HNSW sees a realistic spread). Queries are embedded by the real model,
so the latency includes the ~25 ms query embedding, Chroma, BM25 and fusion.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from assistant.intake.chunking import split_sentences  # noqa: E402
from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.ingest import ingest_paths  # noqa: E402
from assistant.library.ranking import RankingParams  # noqa: E402
from assistant.library.storage.bm25_files import EVERYTHING  # noqa: E402
from assistant.library.storage.chroma import all_rows  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402

QUERIES = [
    "对群众承诺没兑现的危害怎么说", "安全生产约谈开场白", "干部不作为慢作为的主观原因",
    "整改期限和报送整改报告的要求", "约谈决定通报批评", "举一反三建立长效机制",
    "信访积案久拖不决的原因", "耕地保护红线意识不强", "统计数据弄虚作假的危害",
    "营商环境排名下滑", "食堂食品安全主体责任", "燃气安全隐患排查整治",
]


def grow(lib: Library, target: int, rng: random.Random) -> None:
    """Add synthetic chunks until the library holds `target` chunks."""
    ids, metas, docs = all_rows(lib.collection(), include_documents=True)
    vecs = np.array(lib.collection().get(ids=ids, include=["embeddings"])["embeddings"], dtype=np.float32)
    sentences = [s for d in docs for s in split_sentences(d)]
    n = lib.chunk_count()
    batch_ids, batch_docs, batch_metas, batch_vecs = [], [], [], []
    while n + len(batch_ids) < target:
        i, j = rng.randrange(len(ids)), rng.randrange(len(ids))
        text = "".join(rng.sample(sentences, 3))
        v = vecs[i] + 0.5 * vecs[j] + 0.05 * np.asarray([rng.gauss(0, 1) for _ in range(vecs.shape[1])])
        meta = dict(metas[i])
        meta["doc_id"] = f"synthetic-{(n + len(batch_ids)) // 25}"
        batch_ids.append(f"syn-{n + len(batch_ids)}")
        batch_docs.append(text)
        batch_metas.append(meta)
        batch_vecs.append((v / np.linalg.norm(v)).tolist())
        if len(batch_ids) == 1000:
            lib.collection().add(ids=batch_ids, documents=batch_docs, metadatas=batch_metas, embeddings=batch_vecs)
            n += len(batch_ids)
            batch_ids, batch_docs, batch_metas, batch_vecs = [], [], [], []
    if batch_ids:
        lib.collection().add(ids=batch_ids, documents=batch_docs, metadatas=batch_metas, embeddings=batch_vecs)
    lib.bump_revision(EVERYTHING)  # rows written directly: every reader re-reads them


def measure(lib: Library, n_queries: int, **kw) -> tuple[float, float]:
    lib.search(QUERIES[0], k=5, **kw)  # warm-up: BM25 index build, model load
    times = []
    for i in range(n_queries):
        t = time.perf_counter()
        lib.search(QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}"), k=5, **kw)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    for f in fields(RankingParams):  # --rrf-k, --max-per-doc, ...: defaults as in the app
        ap.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)
    args = ap.parse_args()
    ranking = RankingParams(**{f.name: getattr(args, f.name) for f in fields(RankingParams)})
    rng = random.Random(7)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("| chunks | hybrid p50 ms | hybrid p95 ms | hybrid + role filter p50 ms | BM25 index build s |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as d:
        settings = get_settings(data_dir=Path(d))
        lib = Library(settings, make_embedder(settings), ranking=ranking)
        ingest_paths(lib, [REPO / "corpus"])
        for size in args.sizes:
            grow(lib, size, rng)
            t = time.perf_counter()
            lib.bm25_for(lib.collection())
            build = time.perf_counter() - t
            p50, p95 = measure(lib, args.queries)
            r50, _ = measure(lib, args.queries, role="rectification")
            print(f"| {lib.chunk_count()} | {p50:.1f} | {p95:.1f} | {r50:.1f} | {build:.2f} |")


if __name__ == "__main__":
    main()
