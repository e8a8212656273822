"""Speeches as they really arrive (tests/fixtures/real_world, written apart from the cleaner):
the clean text, the title, the kind and the sections come out as a person would want them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.intake.parsing import split_paragraphs
from assistant.intake.prepare import prepare_bytes
from assistant.support.config import get_settings

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
# real_world: the set the cleaner was developed on; held_out: written afterwards (see its README).
NAMES = sorted(
    f"{d}/{p.name.removesuffix('.meta.yaml')}" for d in ("real_world", "held_out") for p in (ROOT / d).glob("*.meta.yaml")
)
# The one slip left: "基本农、田" — a 、 inside a word cannot be told from a list without a
# dictionary; the checker (issue 10) is where such slips are caught.
# A Word viewer's page header glued into a paragraph broken across the page: the header is
# not recognised (it is not repeated exactly), so half the paragraph is kept apart.
KNOWN_GAPS = {"real_world/ocr_scan_spaced", "held_out/word_viewer_toc"}


def _prepare(name: str):
    raw = (ROOT / f"{name}.input.txt").read_bytes()
    meta = yaml.safe_load((ROOT / f"{name}.meta.yaml").read_text(encoding="utf-8"))
    expected = (ROOT / f"{name}.expected.txt").read_text(encoding="utf-8")
    return prepare_bytes(raw, f"{Path(name).name}.txt", get_settings()), meta, expected


@pytest.mark.parametrize("name", NAMES)
def test_no_speech_line_is_lost_and_title_kind_sections_are_right(name):
    prepared, meta, expected = _prepare(name)
    got = split_paragraphs(prepared.cleaned.text)
    wanted = split_paragraphs(expected)
    lost = [line for line in wanted if line not in got]
    if name in KNOWN_GAPS:
        assert len(lost) <= 1
    else:
        assert not lost
    assert prepared.speech.title == meta["title"]
    assert prepared.speech.title_derived == bool(meta.get("title_derived"))
    assert prepared.speech.kind == meta["kind"]
    assert len([s for s in prepared.speech.sections if s.heading]) == meta["sections"]
    assert prepared.speech.text() == "\n".join(got)  # the parse loses nothing


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason="a known gap, see KNOWN_GAPS")) if n in KNOWN_GAPS else n for n in NAMES],
)
def test_clean_text_is_exactly_the_speech(name):
    prepared, _, expected = _prepare(name)
    assert split_paragraphs(prepared.cleaned.text) == split_paragraphs(expected)


@pytest.mark.parametrize("name", NAMES)
def test_every_removed_or_changed_line_has_a_reason(name):
    prepared, _, _ = _prepare(name)
    assert all(r.reason for r in prepared.cleaned.removed)
    assert all(c.reason for c in prepared.cleaned.changed)
