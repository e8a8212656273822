"""The named rules of the checker; each rule module registers its function here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml

from assistant.data import DATA_DIR
from assistant.review.model import CheckInput, Finding

DATA_DIR = DATA_DIR
RuleFunction = Callable[[CheckInput], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    """A named rule: its Chinese label (how the CLI and the page group findings) and its function."""

    name: str
    label: str
    check: RuleFunction


#: Every rule, in the order findings are reported.
RULES: dict[str, Rule] = {}


def rule(name: str, label: str) -> Callable[[RuleFunction], RuleFunction]:
    """Register a rule function under a name."""

    def register(fn: RuleFunction) -> RuleFunction:
        RULES[name] = Rule(name, label, fn)
        return fn

    return register


@lru_cache(maxsize=4)
def load_data(name: str) -> dict[str, Any]:
    """A YAML data file of src/assistant/data (review_rules.yaml, confusables.yaml)."""
    return yaml.safe_load((DATA_DIR / name).read_text(encoding="utf-8")) or {}


def finding(
    ctx: CheckInput,
    rule_name: str,
    severity: str,
    message: str,
    index: int = -1,
    excerpt: str = "",
    column: int = -1,
    suggestion: str | None = None,
) -> Finding:
    """A Finding at 0-based line ``index`` (-1: the whole text)."""
    return Finding(
        rule=rule_name,
        severity=severity,  # type: ignore[arg-type]
        message=message,
        line=index + 1,
        excerpt=excerpt,
        column=column,
        suggestion=suggestion,
    )
