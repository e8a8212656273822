"""The bundled corpus: every speech parses into the standard structure; queries point at real text."""

from __future__ import annotations

import re

import pytest
import yaml

from assistant.intake.parsing import parse_speech
from assistant.intake.prepare import prepare_path
from assistant.support.config import get_settings
from tests.shared import CORPUS, KINDS, REPO, STRUCTURES

FILES = sorted(CORPUS.glob("*-*.md"))
WS = re.compile(r"\s+")


def test_corpus_size_and_variety():
    assert len(FILES) >= 30
    metas = [prepare_path(f, get_settings()).loaded.metadata for f in FILES]
    assert len({m["kind"] for m in metas}) >= 8
    assert {m["form"] for m in metas} == {"讲话稿", "讲话提纲"}
    assert {m["level"] for m in metas} >= {"市", "县", "区", "乡镇"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_speech_parses_into_standard_structure(path):
    prepared = prepare_path(path, get_settings())
    doc, meta = prepared.speech, prepared.loaded.metadata
    assert doc.title == meta["title"]
    assert meta["kind"] in KINDS
    # The kind is detected from the text, not copied from the front matter.
    text_only = {k: v for k, v in meta.items() if k != "kind"}
    detected = parse_speech(prepared.cleaned.text, text_only, STRUCTURES)
    assert detected.kind == meta["kind"]
    assert len(doc.sections) >= 3
    assert all(s.role != "other" for s in doc.sections), [s.heading for s in doc.sections]
    assert [s.number for s in doc.sections] == list(range(1, len(doc.sections) + 1))
    assert doc.opening
    assert 1500 <= prepared.chars <= 5000
    assert not prepared.cleaned.removed, "cleaning must not touch a clean speech"
    for field in ("speaker", "level", "date", "tags"):
        assert meta.get(field), field


def test_no_two_speeches_share_long_passages():
    # 24 characters in a row is far beyond stock phrases like "下面，我讲几点意见。".
    window = 24
    seen: dict[str, str] = {}
    for f in FILES:
        body = WS.sub("", f.read_text(encoding="utf-8").split("---", 2)[2])
        for i in range(0, len(body) - window):
            piece = body[i : i + window]
            owner = seen.setdefault(piece, f.stem)
            assert owner == f.stem, f"{f.stem} repeats a passage of {owner}: {piece}"


def test_eval_queries_point_at_real_passages():
    queries = []
    for q in sorted((REPO / "bench" / "queries").glob("*.yaml")):
        queries += yaml.safe_load(q.read_text(encoding="utf-8"))
    assert len(queries) >= 60
    for q in queries:
        text = WS.sub("", (CORPUS / f"{q['doc']}.md").read_text(encoding="utf-8"))
        assert WS.sub("", q["expect"]) in text, q
