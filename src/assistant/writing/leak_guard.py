"""Specifics of the reference speeches that turn up in a draft although the brief never gave them.

A model told to borrow only wording sometimes carries over a place, a number, a date or a quoted
remark of the speech it was shown. Such strings are flagged for the writer to check.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_NUMBER_RE = re.compile(
    r"\d+(?:\.\d+)?\s*(?:%|％|个百分点|个|家|起|人|名|项|万元|亿元|元|吨|亩|天|次|处|件|户|公里|米|台|辆)"
)
_DATE_RE = re.compile(r"\d{4}年(?:\d{1,2}月(?:\d{1,2}日)?)?|\d{1,2}月\d{1,2}日|\d{1,2}月(?:底|中旬|上旬|下旬)")
_QUOTE_RE = re.compile(r"“([^“”]{2,20})”")
# A place or unit named in a reference: two characters before an administrative suffix.
_PLACE_RE = re.compile(r"([\u4e00-\u9fff]{2})(?:市|县|区|镇|乡|街道)")
_NOT_A_PLACE = set("全本该我各此这那某辖城市县区镇乡")


def _specifics(text: str) -> set[str]:
    found = {m.group(0).replace(" ", "") for m in _NUMBER_RE.finditer(text)}
    found |= {m.group(0) for m in _DATE_RE.finditer(text)}
    found |= {m.group(1) for m in _QUOTE_RE.finditer(text)}
    for m in _PLACE_RE.finditer(text):
        if not (set(m.group(1)) & _NOT_A_PLACE):
            found |= {m.group(0), m.group(1)}
    return found


def leaked_specifics(draft_text: str, references: Iterable[str], brief_text: str) -> list[str]:
    """Places, numbers, dates and quotations of the references found in the draft but not in the brief."""
    brief = re.sub(r"\s", "", brief_text)
    draft = re.sub(r"\s", "", draft_text)
    candidates: set[str] = set()
    for ref in references:
        candidates |= _specifics(ref)
    return sorted(s for s in candidates if s in draft and s not in brief)
