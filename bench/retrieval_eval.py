"""Retrieval evaluation on the bundled corpus: Recall@1/3/5/10 and MRR for dense, BM25 and hybrid,
with the structure-aware chunker and with LangChain's RecursiveCharacterTextSplitter.

    .venv/bin/python bench/retrieval_eval.py [--queries bench/queries] [--work bench/results/eval]
    .venv/bin/python bench/retrieval_eval.py --set unseen-test   # or unseen-dev, seed

`--set` compares our hybrid search with a LangChain-default RAG (RecursiveCharacterTextSplitter
500/50 with its default separators, the chunk text embedded alone with the same bundled model,
nearest k by cosine) on one query set: `seed` is bench/queries over the corpus; `unseen-dev` and
`unseen-test` are bench/unseen/<dev|test>/queries.yaml over the corpus plus that folder's speeches
(written after the ranking was tuned; see BENCHMARKS.md).

A hit is relevant when it comes from the labelled speech and contains the labelled passage
(`expect`, a verbatim substring), so both chunkers are judged by the same rule. A hit shows the
whole point or paragraph its best chunk belongs to; `--level chunk` judges the matched chunk
alone instead (the rule before hits showed whole points), `--level both` prints both tables.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from assistant.domain.models import Chunk  # noqa: E402
from assistant.intake.chunking import CHUNK_MAX_CHARS, chunk_speech  # noqa: E402
from assistant.intake.prepare import prepare_path  # noqa: E402
from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.ingest import expand_paths  # noqa: E402
from assistant.library.ranking import RankingParams  # noqa: E402
from assistant.library.storage.chroma import all_rows  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402

_WS = re.compile(r"\s+")


@dataclass
class Query:
    query: str
    doc: str
    section: int
    expect: str


def load_queries(path: Path) -> list[Query]:
    """All queries from one YAML file or every YAML file in a folder."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    out: list[Query] = []
    for f in files:
        for q in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            out.append(Query(str(q["query"]), str(q["doc"]), int(q.get("section", 0)), str(q["expect"])))
    return out


def recursive_chunks(prepared, chunk_size: int, overlap: int) -> list[Chunk]:
    """Plain-splitter chunks of the cleaned text, for the side-by-side comparison."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", "。", "；", "，", ""],
        keep_separator="end",
    )
    return [
        Chunk(chunk_id=f"{prepared.doc_id}-{i:04d}", doc_id=prepared.doc_id, title=prepared.speech.title,
              kind=prepared.speech.kind, section="", role="other", point_index=0, text=t)
        for i, t in enumerate(splitter.split_text(prepared.cleaned.text))
    ]


def build(
    work: Path,
    corpus: Path,
    chunker: str,
    chunk_size: int,
    ranking: RankingParams | None = None,
    extra: tuple[Path, ...] = (),
) -> tuple[Library, dict[str, str]]:
    """A library of the corpus (and the speeches in `extra`) under work/<chunker>; reused when it exists."""
    settings = get_settings(data_dir=work / chunker)
    lib = Library(settings, make_embedder(settings), ranking=ranking)
    files = expand_paths([corpus, *extra])[0]
    names: dict[str, str] = {}
    for found in files:
        f = found.path
        prepared = prepare_path(f, settings, found.root)
        if chunker.startswith("recursive"):
            prepared.chunks = recursive_chunks(prepared, chunk_size, overlap=chunk_size // 10)
        elif chunk_size != CHUNK_MAX_CHARS:
            prepared.chunks = chunk_speech(prepared.speech, prepared.doc_id, max_chars=chunk_size)
        names[f.stem] = prepared.doc_id
        if not lib.has_document(prepared.doc_id):
            lib.add_prepared(prepared)
    return lib, names


def evaluate(
    lib: Library, names: dict[str, str], queries: list[Query], mode: str, k: int = 10, level: str = "unit"
) -> dict:
    """Recall@1/3/5/10 and MRR@10 for one library (or baseline) and one search mode.

    level "unit": the hit's whole point or paragraph must contain the passage; "chunk": the
    matched chunk must.
    """
    ranks: list[int | None] = []
    latencies = []
    for q in queries:
        t = time.perf_counter()
        hits = lib.search(q.query, k=k, mode=mode)
        latencies.append(time.perf_counter() - t)
        want_doc = names[q.doc]
        want = _WS.sub("", q.expect)
        rank = next(
            (i + 1 for i, h in enumerate(hits) if h.doc_id == want_doc and want in _WS.sub("", _judged(h, level))),
            None,
        )
        ranks.append(rank)
    n = len(queries)

    def recall(c: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= c) / n

    return {
        "R@1": recall(1),
        "R@3": recall(3),
        "R@5": recall(5),
        "R@10": recall(10),
        "MRR": sum(1 / r for r in ranks if r) / n,
        "p50_ms": sorted(latencies)[n // 2] * 1000,
        "misses": [q.query for q, r in zip(queries, ranks, strict=True) if r is None or r > 5],
        "ranks": ranks,
    }


@dataclass
class PlainHit:
    """A hit of the LangChain-default baseline: one splitter chunk."""

    doc_id: str
    text: str
    matched: str = ""


class LangChainDefault:
    """LangChain's default RAG recipe over the same cleaned speeches, as a tester would set it up.

    RecursiveCharacterTextSplitter(chunk_size=500, chunk_overlap=50) with its default separators,
    each chunk embedded alone (no title) with the same bundled model, the k nearest by cosine.
    An exact nearest-neighbour search, which is what Chroma returns at this size.
    """

    def __init__(self, settings, files, chunk_size: int = 500, overlap: int = 50):
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(chunk_size=chunk_size, chunk_overlap=overlap)
        self.embedder = make_embedder(settings)
        self.rows: list[tuple[str, str]] = []
        self.names: dict[str, str] = {}
        for found in files:
            prepared = prepare_path(found.path, settings, found.root)
            self.names[found.path.stem] = prepared.doc_id
            self.rows += [(prepared.doc_id, t) for t in splitter.split_text(prepared.cleaned.text)]
        self.vectors = self.embedder.embed_passages([t for _, t in self.rows])

    def search(self, query: str, k: int = 10, mode: str = "dense") -> list[PlainHit]:
        """The k chunks nearest to the query."""
        sims = self.vectors @ self.embedder.embed_query(query)
        return [PlainHit(*self.rows[i]) for i in sims.argsort()[::-1][:k]]


#: Query sets for --set: (queries, folders of speeches added to the corpus).
SETS = {
    "seed": (REPO / "bench" / "queries", ()),
    "unseen-dev": (REPO / "bench" / "unseen" / "dev" / "queries.yaml", (REPO / "bench" / "unseen" / "dev",)),
    "unseen-test": (REPO / "bench" / "unseen" / "test" / "queries.yaml", (REPO / "bench" / "unseen" / "test",)),
}


def compare_on_set(name: str, corpus: Path, work: Path, ranking: RankingParams | None = None) -> list[dict]:
    """Our search (hybrid, dense, BM25) and the LangChain default on one query set, unit-level."""
    queries_path, extra = SETS[name]
    queries = load_queries(queries_path)
    work = work / name
    lib, names = build(work, corpus, f"structure-{CHUNK_MAX_CHARS}", CHUNK_MAX_CHARS, ranking, extra)
    rows = []
    for mode in ("hybrid", "dense", "bm25"):
        rows.append({"setup": f"ours ({mode})", **evaluate(lib, names, queries, mode)})
    files = expand_paths([corpus, *extra])[0]
    baseline = LangChainDefault(get_settings(data_dir=work / "langchain-default"), files)
    rows.append({"setup": "LangChain default (500/50, dense)", **evaluate(baseline, baseline.names, queries, "dense")})
    for r in rows:
        r["queries"] = [q.query for q in queries]
    return rows


def _judged(hit, level: str) -> str:
    return hit.text if level == "unit" else (hit.matched or hit.text)


#: The search settings before tuning, with chunks of up to UNTUNED_CHUNK_CHARS.
UNTUNED = RankingParams(rrf_k=60, role_boost=0.0, max_per_doc=2)
UNTUNED_CHUNK_CHARS = 320


def _avg_len(lib: Library) -> float:
    _, _, docs = all_rows(lib.collection(), include_documents=True)
    return sum(len(d) for d in docs) / max(len(docs), 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--queries", type=Path, default=REPO / "bench" / "queries")
    ap.add_argument("--corpus", type=Path, default=REPO / "corpus")
    ap.add_argument("--work", type=Path, default=REPO / "bench" / "results" / "eval")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--show-misses", action="store_true")
    ap.add_argument("--level", choices=["unit", "chunk", "both"], default="both")
    ap.add_argument("--set", choices=sorted(SETS), help="ours vs the LangChain default on one query set")
    args = ap.parse_args()
    if args.set:
        rows = compare_on_set(args.set, args.corpus, args.work)
        if args.json:
            print(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        print(f"set {args.set}: {len(rows[0]['ranks'])} queries")
        print("| setup | Recall@1 | Recall@3 | Recall@5 | Recall@10 | MRR@10 |")
        print("|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['setup']} | {r['R@1']:.3f} | {r['R@3']:.3f} | {r['R@5']:.3f} | {r['R@10']:.3f} | {r['MRR']:.3f} |")
        if args.show_misses:
            for r in rows:
                print(r["setup"])
                for q, rank in zip(r["queries"], r["ranks"], strict=True):
                    if rank is None or rank > 3:
                        print(f"  rank {rank}: {q}")
        return
    queries = load_queries(args.queries)
    size = CHUNK_MAX_CHARS
    rows = []
    libs = {
        "structure (tuned)": build(args.work, args.corpus, f"structure-{size}", size),
        f"RecursiveCharacterTextSplitter {size}": build(args.work, args.corpus, f"recursive-{size}", size),
        "structure (untuned)": build(
            args.work, args.corpus, "structure-untuned", UNTUNED_CHUNK_CHARS, UNTUNED
        ),
    }
    levels = ["unit", "chunk"] if args.level == "both" else [args.level]
    for level in levels:
        for name, (lib, names) in libs.items():
            for mode in ("dense", "bm25", "hybrid"):
                r = evaluate(lib, names, queries, mode, level=level)
                rows.append({"setup": name, "level": level, "mode": mode, "chunks": lib.chunk_count(),
                             "avg_chars": round(_avg_len(lib)), **r})
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    print(f"{len(queries)} queries over {len(libs['structure (tuned)'][1])} speeches")
    print("| setup | judged | method | chunks (avg chars) | Recall@1 | Recall@3 | Recall@5 | MRR@10 | p50 ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['setup']} | {r['level']} | {r['mode']} | {r['chunks']} ({r['avg_chars']}) | {r['R@1']:.3f} | "
              f"{r['R@3']:.3f} | {r['R@5']:.3f} | {r['MRR']:.3f} | {r['p50_ms']:.0f} |")
    if args.show_misses:
        for r in rows:
            print(r["setup"], r["level"], r["mode"], "misses:", *r["misses"], sep="\n  ")


if __name__ == "__main__":
    main()
