"""Specifics of the reference speeches that turn up in a draft although the brief never gave them.

A model told to borrow only wording sometimes carries over a place, a number, a date or a quoted
remark of the speech it was shown. Such strings are flagged for the writer to check; what counts
as a specific is decided in `assistant.domain.facts`.
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.domain.facts import compact, reference_specifics


def leaked_specifics(draft_text: str, references: Iterable[str], brief_text: str) -> list[str]:
    """Places, numbers, dates and quotations of the references found in the draft but not in the brief."""
    brief = compact(brief_text)
    draft = compact(draft_text)
    candidates: set[str] = set()
    for ref in references:
        candidates |= reference_specifics(ref)
    return sorted(s for s in candidates if s in draft and s not in brief)
