"""Characters a PDF's font maps to the wrong code point: CJK radicals for ideographs, Latin ligatures,
and the control characters of a font decoded wrongly (garbled text, refused).

Chromium with the Noto CJK fonts, for one, writes 民 as U+2EA0 (a radical drawn with the same glyph)
and "fi" as the ligature U+FB01: the text looks right and matches no search. Only these ranges are
folded; NFKC over the whole text would also turn full-width punctuation half-width.
"""

from __future__ import annotations

import functools
import re
import unicodedata

import yaml

from assistant.data import DATA_DIR

__all__ = ["CONTROL_RE", "garbled", "unify_glyphs"]

#: Control characters a PDF's text never means to hold (tab, line feed, form feed and return aside):
#: counted to spot a wrongly decoded font, and dropped from what is kept.
CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

RADICALS_FILE = DATA_DIR / "cjk_radicals.yaml"  # made by scripts/build_radical_map.py

# Kangxi radicals (NFKC maps each to its ideograph), the supplement (from the fonts), Latin ligatures.
_FOLD_RE = re.compile("[\u2e80-\u2eff\u2f00-\u2fd5\ufb00-\ufb06]")


@functools.cache
def _supplement() -> dict[str, str]:
    return yaml.safe_load(RADICALS_FILE.read_text(encoding="utf-8")) or {}


def _fold(match: re.Match) -> str:
    ch = match.group()
    if "\u2e80" <= ch <= "\u2eff":
        return _supplement().get(ch, ch)
    return unicodedata.normalize("NFKC", ch)


def unify_glyphs(text: str) -> str:
    """The text with radicals standing for ideographs, and ligatures, written as the characters meant."""
    return _FOLD_RE.sub(_fold, text)


def garbled(text: str) -> bool:
    """Whether a page's text carries the control characters of a font decoded wrongly."""
    controls = len(CONTROL_RE.findall(text))
    return controls > max(2, 0.005 * len(text))
