"""Recall on speeches and queries the ranking was never tuned on (bench/unseen/test), against a
LangChain-default RAG over the same library (bench/retrieval_eval.py, BENCHMARKS.md "Unseen material").

The library is the three unseen speeches plus a few corpus speeches on near topics as distractors
(the whole corpus would make the baseline embed ~220 long chunks: minutes on two cores).
"""

from __future__ import annotations

import pytest

from assistant.intake.prepare import prepare_path
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import FoundFile
from assistant.library.store import Library
from tests.integration.test_retrieval_regression import _eval_module
from tests.shared import CORPUS, REPO, isolated_settings

# Its module fixture is costly (real files, the model): built once, on one worker (make test: --dist loadgroup).
pytestmark = pytest.mark.xdist_group("unseen_recall")

UNSEEN = REPO / "bench" / "unseen" / "test"
# Distractors that share words with the unseen speeches: water, canteens, fire, public works, safety.
DISTRACTORS = ["eco_env-02", "food_market-01", "gas_fire-02", "project_delay-02", "work_safety-03"]


@pytest.fixture(scope="module")
def unseen(tmp_path_factory, vector_cache):
    ev = _eval_module()
    queries = ev.load_queries(UNSEEN / "queries.yaml")
    paths = [CORPUS / f"{stem}.md" for stem in DISTRACTORS] + sorted(UNSEEN.glob("*.md"))
    settings = isolated_settings(data_dir=tmp_path_factory.mktemp("unseen"), cache_dir=vector_cache)
    lib = Library(settings, make_embedder(settings))
    names = {}
    for path in paths:
        prepared = prepare_path(path, settings)
        lib.add_prepared(prepared)
        names[path.stem] = prepared.doc_id
    base_settings = isolated_settings(data_dir=tmp_path_factory.mktemp("langchain"), cache_dir=vector_cache)
    baseline = ev.LangChainDefault(base_settings, [FoundFile(p) for p in paths])
    ours = ev.evaluate(lib, names, queries, "hybrid")
    theirs = ev.evaluate(baseline, baseline.names, queries, "dense")
    return ours, theirs


def test_every_query_targets_an_unseen_speech():
    ev = _eval_module()
    queries = ev.load_queries(UNSEEN / "queries.yaml")
    assert len(queries) == 15
    assert {q.doc for q in queries} == {p.stem for p in UNSEEN.glob("*.md")}


def test_hybrid_recall_on_unseen_speeches(unseen):
    ours, theirs = unseen
    # Measured 2026-12-06 on this subset: R@3 0.867 and R@10 0.867 (13 of 15), the same with
    # ASSISTANT_TEST_CPU_NOISE=0.0015. The floors leave one query of margin for another CPU.
    assert ours["R@3"] >= 0.80, ours
    assert ours["R@10"] >= 0.80, ours


def test_hybrid_not_worse_than_the_langchain_default(unseen):
    # On this subset the two tie at R@3 (0.867 each; the baseline finds more by R@10, 1.000, since
    # our per-speech cap of 3 drops a fourth passage of the same speech). Whole corpus: 0.933 vs 0.800.
    # Counts of 15 are coarse and another CPU may move one query either way on each side: ours may
    # not fall behind by more than that one query.
    ours, theirs = unseen
    assert ours["R@3"] >= theirs["R@3"] - 1 / 15 - 1e-9, (ours, theirs)
