"""Rule "delivery": length against the target, speaking time, sentences too long to read aloud."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.domain.models import count_chars
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "delivery"
# Sentences end at 。！？； — or at a half-width stop after a Chinese character (text pasted from the web).
_SENTENCE_RE = re.compile(r"(?:[^。！？；.?!;]|(?<![\u4e00-\u9fff])[.?!;])+(?:[。！？；.?!;]|$)")
_CLAUSE_RE = re.compile(r"[^，、：；。！？,;:!?“”（）()]+")


@lru_cache(maxsize=1)
def _limits() -> dict[str, float]:
    return {k: float(v) for k, v in load_data("review_rules.yaml")["delivery"].items()}


def chars_per_minute() -> float:
    """Speaking pace used for the estimated time (review_rules.yaml, about 220 characters a minute)."""
    return _limits()["chars_per_minute"]


@rule(NAME, "篇幅与宣读")
def check_delivery(ctx: CheckInput) -> Iterator[Finding]:
    """Length and speaking time of the whole text; sentences and clauses that leave no breath."""
    limits = _limits()
    chars = count_chars(ctx.text)
    minutes = chars / limits["chars_per_minute"]
    target = ctx.target_chars
    if target and abs(chars - target) > target * limits["length_tolerance"]:
        share = round(abs(chars - target) / target * 100)
        way = "偏长" if chars > target else "偏短"
        yield finding(
            ctx, NAME, "warning",
            f"篇幅{way}：全文约 {chars} 字，目标 {target} 字，{way} {share}%"
            f"（宣读约 {minutes:.1f} 分钟，目标约 {target / limits['chars_per_minute']:.1f} 分钟）。",
        )  # fmt: skip
    else:
        yield finding(
            ctx, NAME, "hint",
            f"全文约 {chars} 字，按每分钟约 {limits['chars_per_minute']:.0f} 字计，宣读约需 {minutes:.1f} 分钟。",
        )  # fmt: skip
    for i, line in enumerate(ctx.lines):
        for s in _SENTENCE_RE.finditer(line):
            n = count_chars(s.group(0))
            start = s.start() + len(s.group(0)) - len(s.group(0).lstrip())
            if n > limits["max_sentence_chars"]:
                yield finding(
                    ctx, NAME, "hint",
                    f"句子较长（{n} 字），宣读时难以一口气读完，可拆成几句。",
                    i, line[start : start + 12], start,
                )  # fmt: skip
                continue
            for c in _CLAUSE_RE.finditer(s.group(0)):
                if count_chars(c.group(0)) > limits["max_clause_chars"]:
                    at = s.start() + c.start()
                    yield finding(
                        ctx, NAME, "hint",
                        f"一处 {count_chars(c.group(0))} 字没有停顿，宣读时没有换气的地方，可加标点或拆分。",
                        i, line[at : at + 12], at,
                    )  # fmt: skip
