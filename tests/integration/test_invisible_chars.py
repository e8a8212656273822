"""Zero-width and bidi characters sprinkled through a speech (web-page copy protection) are dropped, not refused."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from assistant.intake.admission import prose_problem
from assistant.intake.normalize import FORMAT_CHARS, drop_invisible
from assistant.intake.prepare import prepare_bytes
from assistant.support.config import Settings
from tests.fixtures import hostile as H
from tests.fixtures.cli_run import run_cli
from tests.shared import CORPUS

SPEECH = H.speech_text()
_CF = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cf"]


def _sprinkle(text: str, marks: str, every: int) -> str:
    """``marks`` after every ``every``-th character, as copy-protected pages do."""
    return "".join(c + (marks if i % every == 0 else "") for i, c in enumerate(text))


def _bidi_runs(text: str) -> str:
    """Runs of the text wrapped in bidi overrides and isolates, as some pages do to scramble copying."""
    pairs = [("\u202e", "\u202c"), ("\u202d", "\u202c"), ("\u2066", "\u2069"), ("\u2067", "\u2069"), ("\u200f", "")]
    out, i = [], 0
    while i < len(text):
        start, end = pairs[i % len(pairs)]
        out.append(start + text[i : i + 3 + i % 5] + end)
        i += 3 + i % 5
    return "".join(out)


CASES = {
    **{f"zwsp-every-{n}": _sprinkle(SPEECH, "\u200b", n) for n in (1, 2, 5, 9, 15)},
    "bom-every-3": _sprinkle(SPEECH, "\ufeff", 3),
    "zwj-every-4": _sprinkle(SPEECH, "\u200d", 4),
    "zwnj-and-word-joiner-every-2": _sprinkle(SPEECH, "\u200c\u2060", 2),
    "soft-hyphen-every-3": _sprinkle(SPEECH, "\u00ad", 3),
    "bidi-every-3": _sprinkle(SPEECH, "\u202e\u2066", 3),
    "bidi-runs": _bidi_runs(SPEECH),
    "whole-text-overridden": "\u202e" + "\u200b".join(SPEECH) + "\u202c",
}


def test_format_chars_are_exactly_unicodes_cf_set():
    assert drop_invisible("".join(_CF)) == ""
    kept = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) not in ("Cf", "Cc", "Cs")]
    assert drop_invisible("".join(kept)) == "".join(kept), FORMAT_CHARS


@pytest.mark.parametrize("name", CASES)
def test_speech_with_invisible_characters_is_accepted_and_stored_without_them(name):
    text = CASES[name]
    assert prose_problem(text) is None
    prepared = prepare_bytes(text.encode("utf-8"), f"{name}.txt", Settings())
    stored = prepared.cleaned.text + prepared.speech.text()
    assert not [c for c in stored if unicodedata.category(c) == "Cf"]
    plain = prepare_bytes(SPEECH.encode("utf-8"), "plain.txt", Settings())
    assert prepared.cleaned.text == plain.cleaned.text
    assert prepared.doc_id == plain.doc_id


@pytest.mark.parametrize("path", [p for p in sorted(CORPUS.glob("*.md")) if p.stem != "README"][::5], ids=lambda p: p.stem)
@pytest.mark.parametrize("every", [1, 3, 7])
def test_every_corpus_speech_survives_zero_width_spaces(path, every):
    text = path.read_text(encoding="utf-8").split("---", 2)[2].strip()
    assert prose_problem(_sprinkle(text, "\u200b\u200d", every)) is None


def test_invisible_characters_alone_are_still_not_a_speech():
    assert "几乎没有中文" in prose_problem("\u200b" * 5000 + "\u202e" * 100)
    assert "没有成句" in prose_problem(_sprinkle("张三 李四 王五\n" * 20, "\u200b", 2))


def test_cli_ingests_a_copy_protected_page_and_lists_it(cli_run_env, tmp_path):
    path = tmp_path / "网页复制.txt"
    path.write_text(_sprinkle(SPEECH, "\u200b", 3), encoding="utf-8")
    r = run_cli(cli_run_env, "ingest", str(path), timeout=120)
    assert r.code == 0, r.err
    shown = run_cli(cli_run_env, "inspect", "--json", str(path), timeout=120)
    assert shown.code == 0, shown.err
    assert "\u200b" not in shown.out and "\\u200b" not in shown.out
    assert shown.json()["title"] in SPEECH


def test_invisible_characters_do_not_count_toward_the_length_limit(tmp_path):
    from assistant.intake.admission import FileLimits
    from assistant.intake.loaders import load_path

    path = tmp_path / "每字零宽.txt"
    path.write_text(_sprinkle(SPEECH, "\u200b", 1), encoding="utf-8")  # twice as many code points
    limits = FileLimits(max_chars=len(SPEECH) + 10)
    assert load_path(path, limits=limits).text.replace("\u200b", "") == SPEECH
