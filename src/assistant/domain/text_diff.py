"""A diff of two Chinese texts a reader can follow: one sentence per diff line."""

from __future__ import annotations

import difflib
import re

__all__ = ["text_diff"]

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？；])")


def _diff_units(text: str) -> list[str]:
    units: list[str] = []
    for line in text.split("\n"):
        units.extend(u for u in _SENTENCE_SPLIT_RE.split(line) if u)
    return units


def text_diff(old: str, new: str) -> str:
    """Unified diff of two Chinese texts, one sentence per diff line."""
    return "\n".join(
        difflib.unified_diff(
            _diff_units(old), _diff_units(new), "修改前", "修改后", lineterm="", n=1
        )
    )
