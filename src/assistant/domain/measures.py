"""The ladder of measures (提醒谈话 → 约谈 → 通报批评 → 诫勉谈话 → 问责), as data (data/measures.yaml)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, Field

from assistant.data import DATA_DIR
from assistant.support.errors import UserError

MEASURES_FILE = DATA_DIR / "measures.yaml"
DEFAULT_MEASURE = "interview"


class Measure(BaseModel):
    """One step of the ladder: what a speech at this level sounds like and may not say."""

    id: str
    name: str
    aliases: list[str] = Field(default_factory=list)
    tone: str
    must: list[str] = Field(default_factory=list)
    beyond: list[str] = Field(default_factory=list)  # wording only a higher level may use
    optional_parts: list[str] = Field(default_factory=list)  # written only when the brief fills them
    headings: dict[str, str] = Field(default_factory=dict)  # a part's heading at this level
    decision: str = ""  # what the announced decision names; "" = nothing is announced
    decision_words: list[str] = Field(default_factory=list)  # the words that announce it

    @property
    def announces(self) -> bool:
        """Whether a speech at this level announces a decision (通报批评 and up)."""
        return bool(self.decision)

    def beyond_in(self, text: str) -> list[str]:
        """The beyond words of this level that a text uses, longest first where they overlap."""
        return [w for w in sorted(self.beyond, key=len, reverse=True) if w in text]


class MeasureError(UserError, ValueError):
    """An unknown measure (the message lists the known ones)."""


@cache
def ladder(path: Path = MEASURES_FILE) -> tuple[Measure, ...]:
    """The measures, lightest first."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(Measure.model_validate(item) for item in data["levels"])


def find_measure(value: str | None) -> Measure:
    """The measure named by id, name or alias (约谈 when empty); a Chinese refusal when unknown."""
    value = (value or "").strip() or DEFAULT_MEASURE
    for measure in ladder():
        if value in (measure.id, measure.name, *measure.aliases):
            return measure
    names = "、".join(m.name for m in ladder())
    raise MeasureError(f"未知的问责层级“{value}”，可选：{names}。")


def next_measure(measure: Measure) -> Measure:
    """One step up the ladder (问责 stays 问责)."""
    steps = ladder()
    index = next(i for i, m in enumerate(steps) if m.id == measure.id)
    return steps[min(index + 1, len(steps) - 1)]


def level(measure: Measure) -> int:
    """0 for the lightest measure, rising."""
    return next(i for i, m in enumerate(ladder()) if m.id == measure.id)
