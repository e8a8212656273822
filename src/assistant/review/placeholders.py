"""Rule "placeholders": text left to be filled in (xx, ××, 某某, ＊＊, 【待补充】, [ ], ___ …)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "placeholders"


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern[str], str]]:
    return [(re.compile(p["pattern"]), p["what"]) for p in load_data("review_rules.yaml")["placeholders"]]


@rule(NAME, "占位符")
def check_placeholders(ctx: CheckInput) -> Iterator[Finding]:
    """Every placeholder left in the text is an error: the speech cannot go up like this."""
    for i, line in enumerate(ctx.lines):
        taken: list[tuple[int, int]] = []
        for pattern, what in _patterns():
            for m in pattern.finditer(line):
                if not m.group(0) or any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append(m.span())
                yield finding(
                    ctx, NAME, "error",
                    f"有未填写的占位内容（{what}）“{m.group(0)}”，请补上实际内容。",
                    i, m.group(0), m.start(),
                )  # fmt: skip
