"""Rule "placeholders": text left to be filled in (xx, ××, 某某, ＊＊, 【待补充】, [ ], ___ …).

The patterns are data (review_rules.yaml, ``placeholders``) loaded here once; the offline
composer asks ``has_placeholder`` before it reuses a reference sentence.

A *marked blank* (``FILL_MARK``, 〔待填〕) is different: the companion documents (companion/) put it
where only the office can know the value (文号, 联系人, 责任人). It is told apart from a forgotten
"XX": never an error, only a warning to fill it before printing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "placeholders"

#: The one visible marker of a field left for the office to fill, in every companion document.
FILL_MARK = "〔待填〕"


@lru_cache(maxsize=1)
def placeholder_patterns() -> list[tuple[re.Pattern[str], str]]:
    """(pattern, what it is) for every placeholder of review_rules.yaml, in file order."""
    return [(re.compile(p["pattern"]), p["what"]) for p in load_data("review_rules.yaml")["placeholders"]]


def has_placeholder(text: str) -> bool:
    """Whether the text holds anything left to be filled in (the rule would report it)."""
    return FILL_MARK in text or bool(forgotten_placeholders(text))


def forgotten_placeholders(text: str) -> list[tuple[int, int, str]]:
    """(start, end, what) of every forgotten placeholder in one line; marked blanks are not among them."""
    # The marker's span is overwritten first (a private-use character, which no pattern names and
    # \s does not match), so no pattern, now or added later, matches in or around it: "（〔待填〕）".
    masked = text.replace(FILL_MARK, "\ue000" * len(FILL_MARK))
    taken: list[tuple[int, int, str]] = []
    for pattern, what in placeholder_patterns():
        for m in pattern.finditer(masked):
            if m.group(0) and not any(a < m.end() and m.start() < b for a, b, _ in taken):
                taken.append((m.start(), m.end(), what))
    return taken


@rule(NAME, "占位符")
def check_placeholders(ctx: CheckInput) -> Iterator[Finding]:
    """Every placeholder left in the text is an error: the speech cannot go up like this."""
    for i, line in enumerate(ctx.lines):
        found = [(a, b, what, "error") for a, b, what in forgotten_placeholders(line)]
        start = line.find(FILL_MARK)
        while start >= 0:
            found.append((start, start + len(FILL_MARK), "", "warning"))
            start = line.find(FILL_MARK, start + len(FILL_MARK))
        for a, b, what, severity in sorted(found):
            if severity == "warning":
                message = f"“{FILL_MARK}”是标注的待填项（文号、联系人、责任人等），印发前请填写实际内容。"
            else:
                message = f"有未填写的占位内容（{what}）“{line[a:b]}”，请补上实际内容。"
            yield finding(ctx, NAME, severity, message, i, line[a:b], a)
