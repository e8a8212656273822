"""The checker: named rules over a speech or draft, and applying one suggested fix.

Rules (each in its own module): structure (structure.py), placeholders and confusables
(wording.py), punctuation (punctuation.py), facts (facts_rule.py), ledger (ledger_rule.py: figures
against a progress ledger, when one is given), measure (measure_rule.py:
wording beyond the brief's 问责层级), delivery (delivery.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from assistant.domain.models import Draft, count_chars
from assistant.review import (  # noqa: F401  (importing a rule module registers its rule)
    delivery,
    facts_rule,
    ledger_rule,
    measure_rule,
    placeholders,
    punctuation,
    structure,
    wording,
)
from assistant.review.model import SEVERITY_ORDER, CheckInput, CheckReport, Finding
from assistant.review.registry import RULES
from assistant.support.errors import UserError

if TYPE_CHECKING:
    from assistant.domain.brief import Brief
    from assistant.domain.kinds import MeetingKind
    from assistant.ledger.model import Ledger


#: The order rules run and report in (the order a reviewer reads: form first, then facts).
RULE_ORDER = ("structure", "placeholders", "confusables", "punctuation", "facts", "ledger", "measure", "delivery")
assert set(RULE_ORDER) == set(RULES)


class CheckError(UserError, ValueError):
    """A check cannot run or a suggestion cannot be applied; the message is Chinese."""


def rule_names() -> list[str]:
    """The names of all rules, in report order."""
    return list(RULE_ORDER)


def rule_labels() -> dict[str, str]:
    """Rule name → Chinese label (结构与序号, 错别字 …)."""
    return {name: RULES[name].label for name in RULE_ORDER}


def run_checks(
    text: str,
    *,
    brief: Brief | None = None,
    kind: MeetingKind | None = None,
    previous: str | None = None,
    target_chars: int | None = None,
    rules: Iterable[str] | None = None,
    kinds: Mapping[str, MeetingKind] | None = None,
    ledger: Ledger | None = None,
) -> CheckReport:
    """Check a speech or draft text; ``rules`` limits the check to those rule names.

    ``ledger`` (a read progress ledger) turns on the ledger rule. ``kind`` names the expected parts in messages; without it the brief's kind is used when
    ``kinds`` are given. ``target_chars`` defaults to the brief's length. Raises CheckError
    for an unknown rule name.
    """
    names = list(RULE_ORDER) if rules is None else [n for n in dict.fromkeys(rules)]
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise CheckError(
            f"未知的检查规则：{'、'.join(unknown)}。可用规则：{'、'.join(RULE_ORDER)}。"
        )
    if kind is None and brief is not None and kinds:
        from assistant.domain.brief import choose_kind

        kind = choose_kind(brief, dict(kinds)).kind
    if target_chars is None and brief is not None:
        target_chars = brief.length
    ctx = CheckInput(text, brief=brief, kind=kind, previous=previous, target_chars=target_chars, ledger=ledger)
    findings: list[Finding] = []
    for name in names:
        found = sorted(RULES[name].check(ctx), key=lambda f: (f.line, f.column, SEVERITY_ORDER[f.severity]))
        findings += found
    chars = count_chars(text)
    per_minute = delivery.chars_per_minute()
    return CheckReport(
        findings=findings, rules=names, chars=chars, minutes=round(chars / per_minute, 1)
    )


def apply_suggestion(text: str, finding: Finding) -> str:
    """The text with exactly this finding's suggestion applied at its line; CheckError otherwise."""
    if finding.suggestion is None:
        raise CheckError("这条检查结果没有可直接采用的修改建议，请人工修改。")
    lines = text.split("\n")
    index = finding.line - 1
    if not 0 <= index < len(lines) or not finding.excerpt:
        raise CheckError(f"第 {finding.line} 行不存在，原文可能已经改动，请重新校对。")
    line = lines[index]
    col, old = finding.column, finding.excerpt
    if not (col >= 0 and line[col : col + len(old)] == old):
        if line.count(old) != 1:
            raise CheckError(
                f"第 {finding.line} 行中找不到唯一的“{old}”，原文可能已经改动，请重新校对后再采用建议。"
            )
        col = line.index(old)
    lines[index] = line[:col] + finding.suggestion + line[col + len(old) :]
    return "\n".join(lines)


def apply_to_draft(draft: Draft, finding: Finding) -> Draft:
    """The draft with this finding's suggestion applied inside the part its line belongs to."""
    owners = draft.line_parts()
    if not 0 < finding.line <= len(owners):
        raise CheckError(f"第 {finding.line} 行不存在，稿件可能已经改动，请重新校对。")
    index = owners[finding.line - 1]
    first = owners.index(index)  # the part's first line in the whole text
    part = draft.parts[index]
    body = part.text.strip("\n")
    local = finding.model_copy(update={"line": finding.line - first})
    fixed = apply_suggestion(body, local)
    parts = list(draft.parts)
    parts[index] = part.model_copy(update={"text": part.text.replace(body, fixed, 1)})
    return draft.model_copy(update={"parts": parts})
