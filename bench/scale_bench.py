"""Search, start-up, the first search after opening and memory at 1k / 10k / 100k chunks (issue 12, item 5).

    .venv/bin/python bench/scale_bench.py [--sizes 1000 10000 100000] [--dir /tmp/scale] [--runs 3]
    .venv/bin/python bench/scale_bench.py --first-only [--rebuild] ...   (only the first search after opening)

Libraries this large are built synthetically, in bulk: each synthetic speech gets its original
and parsed record like an ingested one, and its chunks (metadata and BM25 tokens as
writes.write_document makes them) are written to Chroma 5,000 rows at a time, with one
revision at the end (the journalled one-document-at-a-time path takes hours at 100k on a busy
2-core machine). Every synthetic speech is a copy of a bundled corpus speech with its places, units and
numbers replaced (so texts differ as real speeches of one office do), and every chunk vector
is the real vector of the chunk it copies (bundled model) plus Gaussian noise, normalised.
Tokens of the copies are those of the original with the same replacements (jieba is not run
100,000 times). Queries are real (bench/queries), embedded by the bundled model at search
time, so latencies include the query embedding. Built libraries are kept in --dir and reused.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from assistant.domain.tokenize import tokenize  # noqa: E402
from assistant.intake.chunking import embedding_text  # noqa: E402
from assistant.intake.prepare import prepare_path  # noqa: E402
from assistant.library.embeddings import make_embedder  # noqa: E402
from assistant.library.ingest import expand_paths  # noqa: E402
from assistant.library.storage.bm25 import TOKENS_KEY  # noqa: E402
from assistant.library.storage.bm25_files import EVERYTHING  # noqa: E402
from assistant.library.storage.chroma import add_rows, chunk_meta  # noqa: E402
from assistant.library.storage.doctor import check_library  # noqa: E402
from assistant.library.store import Library  # noqa: E402
from assistant.support.config import get_settings  # noqa: E402

PLACES = ["临江市", "东湖区", "青石县", "江岸街道", "湖滨街道", "南门街道", "西山县", "北城区"]
NEW_PLACES = [a + b for a in ("云岭", "青川", "白河", "松桥", "梧桐", "金沙", "玉泉", "长汀", "清溪", "石门")
              for b in ("市", "区", "县", "镇", "街道")]  # fmt: skip
ROLES = ["harm", "causes", "decisions", "rectification", "opening"]


def queries() -> list[str]:
    """The retrieval benchmark's queries, written the way a writer searches."""
    out = []
    for f in sorted((REPO / "bench" / "queries").glob("*.yaml")):
        out += [q["query"] for q in yaml.safe_load(f.read_text(encoding="utf-8"))]
    return out


def build(data_dir: Path, target: int, seed: int = 7) -> None:
    """A library of about `target` chunks under data_dir (kept when it already has them)."""
    settings = get_settings(data_dir=data_dir)
    lib = Library(settings, make_embedder(settings))
    if lib.chunk_count() >= target:
        return
    rng = random.Random(seed)
    found, _, _ = expand_paths([REPO / "corpus"])
    bases = [prepare_path(f.path, settings, f.root) for f in found]
    base_vectors = [lib.embed_chunks(b.chunks, None, "") for b in bases]
    base_tokens = [[tokenize(embedding_text(c)) for c in b.chunks] for b in bases]
    n = lib.chunk_count()
    copy = 0
    pending: list = []
    started = time.perf_counter()
    while n < target:
        i = copy % len(bases)
        base = bases[i]
        swap = dict(zip(PLACES, rng.sample(NEW_PLACES, len(PLACES)), strict=True))
        digit = str(rng.randrange(10))

        def vary(text: str, swap=swap, digit=digit) -> str:
            for old, new in swap.items():
                text = text.replace(old, new)
            return re.sub(r"(?<=\d)\d", digit, text)  # other numbers, same shape

        doc_id = f"syn{copy:06d}{rng.randrange(16**6):06x}"
        title = vary(base.speech.title) + f"（{copy // len(bases) + 1}）"
        chunks = [
            c.model_copy(update={"chunk_id": f"{doc_id}-{k:04d}", "doc_id": doc_id, "title": title,
                                 "text": vary(c.text), "unit": c.unit.replace(base.doc_id, doc_id),
                                 "unit_text": vary(c.unit_text), "section": vary(c.section)})
            for k, c in enumerate(base.chunks)
        ]  # fmt: skip
        speech = base.speech.model_copy(update={"title": title})
        prepared = dataclasses.replace(
            base, raw=base.raw + f"\n<!-- {doc_id} -->".encode(), speech=speech, doc_id=doc_id, chunks=chunks
        )
        noise = np.random.default_rng(copy).normal(0, 0.03, base_vectors[i].shape).astype(np.float32)
        vectors = base_vectors[i] + noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        tokens = [[vary(t) for t in toks] + tokenize(title) for toks in base_tokens[i]]
        original = lib.files.save_original(prepared.raw, prepared.filename)
        lib.files.save_parsed(doc_id, speech)
        metas = [chunk_meta(c, prepared, original, "2026-01-01T00:00:00", prepared.chars) for c in chunks]
        for m, toks in zip(metas, tokens, strict=True):
            m.update(origin=lib.origin, **{TOKENS_KEY: " ".join(toks)})
        metas[0]["doc_chunks"] = len(chunks)
        pending.append(([c.chunk_id for c in chunks], vectors, [c.text for c in chunks], metas))
        n += len(chunks)
        copy += 1
        if sum(len(p[0]) for p in pending) >= 5000 or n >= target:
            flush(lib, pending)
            print(f"  {data_dir.name}: {n} chunks, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    lib.bump_revision(EVERYTHING, fresh=True)


def flush(lib: Library, pending: list) -> None:
    """Write the accumulated chunks of several speeches in one Chroma write."""
    ids = [i for p in pending for i in p[0]]
    vectors = np.vstack([p[1] for p in pending])
    add_rows(lib.collection(), lib.max_batch, ids, vectors, [t for p in pending for t in p[2]],
             [m for p in pending for m in p[3]])  # fmt: skip
    pending.clear()


def pct(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, int(round(q * (len(times) - 1))))]


def search_times(lib: Library, qs: list[str], runs: int, **kw) -> tuple[float, float]:
    """Median over runs of each run's p50 and p95, in ms."""
    p50s, p95s = [], []
    for _ in range(runs):
        times = []
        for n, q in enumerate(qs):
            role = ROLES[n % len(ROLES)] if kw.get("role") == "cycle" else kw.get("role")
            t = time.perf_counter()
            lib.search(q, k=5, role=role, mode=kw.get("mode", "hybrid"))
            times.append((time.perf_counter() - t) * 1000)
        p50s.append(pct(times, 0.5))
        p95s.append(pct(times, 0.95))
    return statistics.median(p50s), statistics.median(p95s)


def timed_child(args: list[str], env: dict) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a child process, measured by /usr/bin/time.

    (os.wait4's figure would include this large process, which the child starts as a copy of.)
    """
    out = subprocess.run(["/usr/bin/time", "-f", "TIME %e %M", *args], env=env, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{args} failed: {out.stderr[-2000:]}")
    wall, kb = out.stderr.strip().rsplit("TIME ", 1)[1].split()
    return float(wall), int(kb) / 1024


START = """
import sys, time
t = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
assert not at.exception, at.exception
"""

#: A new process opens the library and answers one search, at once ("cold") or after the
#: warm-up the app starts ("warm"); prints seconds as JSON. argv: mode, query.
FIRST = """
import json, sys, time
from assistant.library.store import Library
from assistant.support.config import get_settings
mode, query = sys.argv[1], sys.argv[2]
t = time.perf_counter()
lib = Library.open(get_settings())
opened = time.perf_counter() - t
warm = lib.warm() if mode == "warm" else None
t = time.perf_counter()
assert lib.search(query, k=5)
first = time.perf_counter() - t
t = time.perf_counter()
lib.search(query + "的要求", k=5)
print(json.dumps({"open": opened, "warm": warm.total if warm else 0.0, "warm_parts": warm.seconds if warm else {},
                  "first": first, "second": time.perf_counter() - t}))
"""

#: The page: app.py's first run, then the first search typed into the 范文库 tab. argv: app,
#: mode (off: no warm-up, as before; now: typed at once, while the warm-up runs; after: typed
#: once it is done), query. Prints seconds of the first run and of the search's run as JSON.
PAGE_FIRST = """
import json, sys, time
from streamlit.testing.v1 import AppTest
from assistant.library import warmup
from assistant.ui import resources
app, mode, query = sys.argv[1:4]
if mode == "off":
    resources.start_warmup = lambda library: None
t = time.perf_counter()
at = AppTest.from_file(app, default_timeout=600).run()
assert not at.exception, at.exception
page = time.perf_counter() - t
if mode == "after":
    warmup.wait_all()
t = time.perf_counter()
at.text_input(key="search_query").input(query).run()
assert not at.exception, at.exception
print(json.dumps({"page": page, "first": time.perf_counter() - t}))
"""


def first_search(args: list[str], env: dict, runs: int) -> dict[str, float]:
    """Medians over `runs` new processes of each number a FIRST / PAGE_FIRST child prints."""
    got = []
    for _ in range(runs):
        out = subprocess.run(args, env=env, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"{args[:3]} failed: {out.stderr[-2000:]}")
        got.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {k: statistics.median(g[k] for g in got) for k in got[0] if not isinstance(got[0][k], dict)}


def first_search_row(data_dir: Path, runs: int, rebuild: bool) -> dict:
    """First search after opening, in new processes: library alone and the page, with and without warm-up."""
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO / "src")}
    env.pop("ASSISTANT_CHROMA_URL", None)
    query = "整改要求和完成时限"
    load = [os.getloadavg()[0]]
    cold = first_search([sys.executable, "-c", FIRST, "cold", query], env, runs)
    warm = first_search([sys.executable, "-c", FIRST, "warm", query], env, runs)
    load.append(os.getloadavg()[0])
    app = str(REPO / "app.py")
    page = {mode: first_search([sys.executable, "-c", PAGE_FIRST, app, mode, query], env, runs)
            for mode in ("off", "now", "after")}  # fmt: skip
    load.append(os.getloadavg()[0])
    row = {
        "open_s": round(cold["open"], 2), "first_cold_s": round(cold["first"], 2),
        "second_s": round(cold["second"], 3), "warmup_s": round(warm["warm"], 2),
        "first_after_warmup_s": round(warm["first"], 3),
        "page_s": round(page["off"]["page"], 2), "page_first_search_off_s": round(page["off"]["first"], 2),
        "page_first_search_now_s": round(page["now"]["first"], 2),
        "page_first_search_after_s": round(page["after"]["first"], 2),
        "load_1min": "–".join(f"{x:.1f}" for x in load),
    }  # fmt: skip
    if rebuild:  # the saved BM25 index gone (a reindex, a bulk write): what loading it costs then
        import shutil

        settings = get_settings(data_dir=data_dir)
        lib = Library(settings, make_embedder(settings))
        shutil.rmtree(data_dir / "bm25", ignore_errors=True)
        t = time.perf_counter()
        lib.bm25_for(lib.collection())
        row["bm25_rebuild_s"] = round(time.perf_counter() - t, 1)
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/scale-bench"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--first-only", action="store_true", help="only the first search after opening")
    ap.add_argument("--rebuild", action="store_true", help="with --first-only: also time a BM25 rebuild")
    args = ap.parse_args()
    if args.build_only:
        for size in args.sizes:
            build(args.dir / f"lib-{size}", size)
        return
    if args.first_only:
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        firsts = []
        for size in args.sizes:
            data_dir = args.dir / f"lib-{size}"
            build(data_dir, size)
            settings = get_settings(data_dir=data_dir)
            lib = Library(settings, make_embedder(settings))
            lib.search(queries()[0], k=5)  # saves the BM25 index once after a bulk build
            row = {"chunks": lib.chunk_count(), **first_search_row(data_dir, args.runs, args.rebuild)}
            del lib
            firsts.append(row)
            print(json.dumps(row), file=sys.stderr)
        cols = list(firsts[0])
        print("| " + " | ".join(cols) + " |")
        print("|" + "---|" * len(cols))
        for r in firsts:
            print("| " + " | ".join(str(r.get(c, "")) for c in cols) + " |")
        return
    qs = queries()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print("load before:", os.getloadavg())
    rows = []
    for size in args.sizes:
        data_dir = args.dir / f"lib-{size}"
        t = time.perf_counter()
        build(data_dir, size)
        built = time.perf_counter() - t
        settings = get_settings(data_dir=data_dir)
        t = time.perf_counter()
        lib = Library(settings, make_embedder(settings))
        lib.search(qs[0], k=5)  # loads the BM25 index (after the bulk write: builds it) and the model
        first = time.perf_counter() - t
        t = time.perf_counter()
        report = check_library(lib, repair=False, thorough=False)
        quick_check = time.perf_counter() - t
        t = time.perf_counter()
        report = check_library(lib, repair=False)
        full_check = time.perf_counter() - t
        assert report.consistent, report.problems
        env = {**os.environ, "ASSISTANT_DATA_DIR": str(data_dir), "PYTHONPATH": str(REPO / "src")}
        env.pop("ASSISTANT_CHROMA_URL", None)
        cli = [sys.executable, "-m", "assistant.cli", "search", "整改要求和完成时限", "--json"]
        cli_runs = sorted(timed_child(cli, env) for _ in range(args.runs))
        cli_s, cli_mb = cli_runs[len(cli_runs) // 2]
        app_s, app_mb = min(
            (timed_child([sys.executable, "-c", START, str(REPO / "app.py")], env) for _ in range(2)), key=lambda x: x[0]
        )
        hybrid = search_times(lib, qs, args.runs)
        role = search_times(lib, qs, args.runs, role="cycle")
        # The same searches with the query vectors computed beforehand: what the library itself
        # costs, apart from the model (whose time depends most on how busy the CPU is).
        vectors = {q: lib.embedder.embed_query(q) for q in qs}
        embed_query, lib.embedder.embed_query = lib.embedder.embed_query, vectors.__getitem__
        store_hybrid = search_times(lib, qs, args.runs)
        store_role = search_times(lib, qs, args.runs, role="cycle")
        lib.embedder.embed_query = embed_query
        t = time.perf_counter()
        for q in qs:
            embed_query(q)
        embed_ms = (time.perf_counter() - t) / len(qs) * 1000
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        row = {
            "chunks": lib.chunk_count(), "docs": len(lib.list_documents()), "build_s": round(built, 1),
            "open_first_search_s": round(first, 2), "start_check_s": round(quick_check, 2),
            "doctor_s": round(full_check, 1), "hybrid_p50": round(hybrid[0], 1), "hybrid_p95": round(hybrid[1], 1),
            "role_p50": round(role[0], 1), "role_p95": round(role[1], 1),
            "store_hybrid_p50": round(store_hybrid[0], 1), "store_hybrid_p95": round(store_hybrid[1], 1),
            "store_role_p50": round(store_role[0], 1), "store_role_p95": round(store_role[1], 1),
            "query_embed_ms": round(embed_ms, 1), "cli_search_s": round(cli_s, 2),
            "cli_rss_mb": round(cli_mb), "app_start_s": round(app_s, 2), "app_rss_mb": round(app_mb), "bench_rss_mb": round(rss),
        }  # fmt: skip
        row.update(first_search_row(data_dir, args.runs, rebuild=False))
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        del lib
    print("load after:", os.getloadavg())
    cols = list(rows[0])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in cols) + " |")


if __name__ == "__main__":
    main()
