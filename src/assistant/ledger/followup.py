"""The follow-up (销号): each item of a rectification checklist against a later ledger.

Each checklist item is matched to the ledger row whose project its text names (or shares most
of its characters with), preferring a row of the same unit. Its state, as of the date:
已完成 (the later ledger says done or 100%), 逾期 (its 完成时限 has passed and it is not
done), 按期推进 (not done, time left), 未找到 (no ledger row matches). Units with overdue
items get a brief for the next meeting one level up the ladder (`next_measure`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.measures import find_measure, next_measure
from assistant.ledger.model import Ledger, LedgerRow, RowProblem
from assistant.ledger.to_brief import (
    DEFAULT_KIND,
    NEW_DEADLINE,
    PLAN_DEADLINE,
    meeting_name,
    split_units,
)
from assistant.ledger.values import date_text, percent_text

FollowState = Literal["已完成", "按期推进", "逾期", "未找到"]
STATES: tuple[FollowState, ...] = ("已完成", "按期推进", "逾期", "未找到")
#: Below this share of the ledger project's characters found in the item's text, it is not the same item.
MIN_MATCH = 0.6


@dataclass(frozen=True)
class FollowItem:
    """One checklist item, the ledger row it was matched to (with the match score), and its state."""

    item: LedgerRow  # the checklist row (issue, unit, measures, deadline, person)
    state: FollowState
    match: LedgerRow | None = None
    score: float = 0.0

    @property
    def deadline(self) -> dt.date | None:
        """The checklist's 完成时限, else the ledger row's planned date."""
        return self.item.deadline or (self.match.deadline if self.match else None)


@dataclass
class Followup:
    """The follow-up of one checklist: per item, counts, the overdue units and the next-level brief."""

    as_of: dt.date
    items: list[FollowItem] = field(default_factory=list)
    problems: list[tuple[str, RowProblem]] = field(default_factory=list)  # (file name, problem)
    measure: str = "约谈"  # the level the checklist came from
    next_measure: str = "通报批评"
    next_brief: Brief | None = None
    checklist_name: str = ""
    ledger_name: str = ""

    def count(self, state: FollowState) -> int:
        return sum(1 for x in self.items if x.state == state)

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in STATES}

    @property
    def overdue_units(self) -> list[str]:
        return list(dict.fromkeys(u for x in self.items if x.state == "逾期" for u in split_units(x.item.unit)))


def _bigrams(text: str) -> set[str]:
    text = "".join(ch for ch in text if ch.isalnum())
    return {text[i : i + 2] for i in range(len(text) - 1)}


def similarity(item: LedgerRow, row: LedgerRow) -> float:
    """How much of the ledger project's name the checklist item's text holds (0..1), plus the unit."""
    text = f"{item.project} {item.issue}"
    if row.project and row.project in text:
        score = 1.0
    else:
        grams = _bigrams(row.project)
        score = len(grams & _bigrams(text)) / len(grams) if grams else 0.0
    same_unit = bool(set(split_units(item.unit)) & set(split_units(row.unit)))
    return score + (0.2 if same_unit else 0.0)


def match_row(item: LedgerRow, rows: list[LedgerRow]) -> tuple[LedgerRow | None, float]:
    """The best ledger row for a checklist item, or None below MIN_MATCH."""
    best, score = None, 0.0
    for row in rows:
        s = similarity(item, row)
        if s > score:
            best, score = row, s
    return (best, round(score, 2)) if best is not None and score >= MIN_MATCH else (None, round(score, 2))


def follow_state(item: LedgerRow, match: LedgerRow | None, as_of: dt.date) -> FollowState:
    """已完成 / 逾期 / 按期推进 / 未找到 for one item as of a date."""
    if match is None:
        return "未找到"
    if match.done or (match.progress is not None and match.progress >= 1.0):
        return "已完成"
    deadline = item.deadline or match.deadline
    return "逾期" if deadline is not None and deadline <= as_of else "按期推进"


def follow_up(
    checklist: Ledger,
    ledger: Ledger,
    *,
    as_of: dt.date | None = None,
    measure: str = "",
    kind: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Followup:
    """Each checklist item against the later ledger; a next-level brief when some are overdue."""
    day = as_of or ledger.as_of or dt.date.today()
    level = find_measure(measure)
    result = Followup(
        as_of=day, measure=level.name, next_measure=next_measure(level).name,
        checklist_name=checklist.name, ledger_name=ledger.name,
        problems=[(checklist.name, p) for p in checklist.problems] + [(ledger.name, p) for p in ledger.problems],
    )  # fmt: skip
    for n, item in enumerate(checklist.rows, 1):
        match, score = match_row(item, ledger.rows)
        result.items.append(FollowItem(item, follow_state(item, match, day), match, score))
        if progress:
            progress(n, len(checklist.rows))
    if result.overdue_units:
        result.next_brief = parse_brief(next_brief_data(result, ledger.title, kind), checklist.name)
    return result


def overdue_line(x: FollowItem, as_of: dt.date) -> str:
    """One overdue item as an issue of the next brief, with its deadline and the ledger's figure."""
    row = x.match
    assert row is not None
    now = percent_text(row.progress) if row.progress is not None else (row.progress_text or "未填写进度")
    due = date_text(x.deadline) if x.deadline else "清单所定时限"
    return (
        f"{x.item.unit}负责的{row.project}整改事项要求{due}前完成，"
        f"截至{date_text(as_of)}完成率{now}，已逾期（台账第{row.row}行）"
    )


def next_brief_data(result: Followup, title: str, kind: str) -> dict:
    """The brief for the next meeting: overdue units, one level up the ladder."""
    overdue = [x for x in result.items if x.state == "逾期"]
    units = result.overdue_units
    counts = result.counts
    facts = [
        f"整改责任清单共{len(result.items)}项，截至{date_text(result.as_of)}已完成{counts['已完成']}项、"
        f"按期推进{counts['按期推进']}项、逾期{counts['逾期']}项、台账中未找到{counts['未找到']}项",
        *(f"{x.item.issue}（原整改措施：{x.item.measures}）" for x in overdue if x.item.measures),
    ]
    decisions = {
        "通报批评": "对{u}予以通报批评",
        "诫勉谈话": "对{u}主要负责人进行诫勉谈话",
        "问责": "依规依纪对{u}有关责任人启动问责程序",
        "约谈": "对{u}进行约谈",
    }
    decision = decisions.get(result.next_measure, "对{u}进行" + result.next_measure).format(u="、".join(units))
    return {
        "kind": kind or DEFAULT_KIND,
        "meeting": meeting_name(title, result.next_measure).replace("推进滞后单位", "整改逾期单位"),
        "measure": result.next_measure,
        "targets": units,
        "issues": [overdue_line(x, result.as_of) for x in overdue],
        "facts": facts,
        "decisions": [decision],
        "requirements": [
            *(f"{x.item.unit}要在{NEW_DEADLINE}前完成{x.match.project if x.match else x.item.issue}整改" for x in overdue),
            f"各被约谈单位于{PLAN_DEADLINE}前报送逾期原因说明和整改方案",
        ],
    }
