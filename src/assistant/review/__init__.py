"""The checker (校对): structure, placeholders, confusables, punctuation, facts and delivery."""

from assistant.review.checks import (
    CheckError,
    apply_suggestion,
    rule_labels,
    rule_names,
    run_checks,
)
from assistant.review.model import CheckReport, Finding

__all__ = [
    "CheckError",
    "CheckReport",
    "Finding",
    "apply_suggestion",
    "rule_labels",
    "rule_names",
    "run_checks",
]
