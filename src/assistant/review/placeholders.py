"""Rule "placeholders": text left to be filled in (xx, ××, 某某, ＊＊, 【待补充】, [ ], ___ …).

The patterns are data (review_rules.yaml, ``placeholders``) loaded here once; the offline
composer asks ``has_placeholder`` before it reuses a reference sentence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "placeholders"


@lru_cache(maxsize=1)
def placeholder_patterns() -> list[tuple[re.Pattern[str], str]]:
    """(pattern, what it is) for every placeholder of review_rules.yaml, in file order."""
    return [(re.compile(p["pattern"]), p["what"]) for p in load_data("review_rules.yaml")["placeholders"]]


def has_placeholder(text: str) -> bool:
    """Whether the text holds anything left to be filled in (the rule would report it)."""
    return any(m.group(0) for pattern, _ in placeholder_patterns() for m in pattern.finditer(text))


@rule(NAME, "占位符")
def check_placeholders(ctx: CheckInput) -> Iterator[Finding]:
    """Every placeholder left in the text is an error: the speech cannot go up like this."""
    for i, line in enumerate(ctx.lines):
        taken: list[tuple[int, int]] = []
        for pattern, what in placeholder_patterns():
            for m in pattern.finditer(line):
                if not m.group(0) or any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append(m.span())
                yield finding(
                    ctx, NAME, "error",
                    f"有未填写的占位内容（{what}）“{m.group(0)}”，请补上实际内容。",
                    i, m.group(0), m.start(),
                )  # fmt: skip
