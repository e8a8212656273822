"""What the checker works on (CheckInput) and what it gives back (Finding, CheckReport)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from assistant.domain.models import SpeechDoc
from assistant.intake.parsing import parse_speech, split_paragraphs

if TYPE_CHECKING:
    from assistant.domain.brief import Brief
    from assistant.domain.kinds import MeetingKind
    from assistant.ledger.model import Ledger

Severity = Literal["error", "warning", "hint"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "hint": 2}
SEVERITY_LABELS: dict[str, str] = {"error": "错误", "warning": "警告", "hint": "提示"}


class Finding(BaseModel):
    """One thing the checker found: where (1-based line; 0 = the whole text), what, and a safe fix.

    ``excerpt`` is the exact text the finding is about, found at ``column`` (0-based) of that
    line; ``suggestion``, when there is one, replaces exactly that text.
    """

    rule: str
    severity: Severity
    message: str
    line: int = 0
    excerpt: str = ""
    suggestion: str | None = None
    column: int = -1
    field: str = ""  # the brief's field a "要点未写入" finding is about (targets, decisions …)

    def public(self) -> dict:
        """The `assistant check --json` shape of one finding."""
        return self.model_dump(include={"rule", "severity", "message", "line", "excerpt", "suggestion", "column"})


class CheckReport(BaseModel):
    """All findings of one check, with the draft's length and speaking time."""

    findings: list[Finding] = Field(default_factory=list)
    rules: list[str] = Field(default_factory=list)  # the rules that ran, in order
    chars: int = 0
    minutes: float = 0.0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def hints(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hint"]

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    def by_rule(self) -> dict[str, list[Finding]]:
        """Findings grouped by rule, rules in the order they ran (rules with no finding left out)."""
        out: dict[str, list[Finding]] = {}
        for name in self.rules:
            found = [f for f in self.findings if f.rule == name]
            if found:
                out[name] = found
        return out

    def public(self) -> dict:
        """The `assistant check --json` shape: {"findings": [...]}."""
        return {"findings": [f.public() for f in self.findings]}


_HAN_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class CheckInput:
    """The text under check, split into lines, with what the rules compare it against."""

    text: str
    brief: Brief | None = None
    kind: MeetingKind | None = None
    previous: str | None = None
    target_chars: int | None = None
    ledger: Ledger | None = None  # the progress ledger the speech's facts came from (ledger_rule.py)
    lines: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.lines = [line.rstrip("\r") for line in self.text.split("\n")]

    @cached_property
    def doc(self) -> SpeechDoc:
        """The text parsed by the project's parser (title, salutation, sections, closing)."""
        return parse_speech(self.text)

    @cached_property
    def paragraph_lines(self) -> list[int]:
        """0-based line index of each paragraph `split_paragraphs` gives (blank lines skipped)."""
        out = []
        for i, line in enumerate(self.lines):
            if split_paragraphs(line):
                out.append(i)
        return out

    def line_of(self, paragraph: str, start: int = 0) -> int:
        """0-based index of the first line at or after ``start`` whose text contains ``paragraph``'s start."""
        head = paragraph.strip()[:20]
        for i in range(start, len(self.lines)):
            if head and head in self.lines[i]:
                return i
        return -1

    def words(self, index: int) -> list[tuple[str, int, int]]:
        """jieba's words of line ``index`` with their spans (cached per line)."""
        cache = self.__dict__.setdefault("_words", {})
        if index not in cache:
            from assistant.domain import lexicon

            cache[index] = lexicon.words(self.lines[index])
        return cache[index]

    @staticmethod
    def has_han(text: str) -> bool:
        return bool(_HAN_RE.search(text))
