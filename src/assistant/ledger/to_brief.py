"""Ledger → brief: the lagging rows' units are summoned, each lagging item is an issue with its numbers.

Nothing is invented: a new deadline the ledger does not give stays a visible marked blank
(〔待填〕, the checker's marked blank), and the rows used keep their row numbers (`LedgerBrief.used`), so the
fact check and the follow-up can go back to them.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.measures import find_measure
from assistant.ledger.model import Ledger, LedgerError, LedgerRow, RowProblem, SkippedRow
from assistant.ledger.status import RowStatus, as_of_date, assess
from assistant.ledger.values import date_text, parse_date, percent_text

#: The companion documents' and the checker's marked blank (review/placeholders.FILL_MARK): a date
#: the ledger does not give is left for the office to fill, and the checker warns until it is.
NEW_DEADLINE = "〔待填〕"
PLAN_DEADLINE = NEW_DEADLINE
DEFAULT_KIND = "project_delay"
_TITLE_TAIL = re.compile(r"(?:推进|进展|完成|落实)?(?:情况)?(?:督查|督办|调度|进度|统计|汇总|工作)?(?:台账|一览表|统计表|汇总表|进度表|情况表|表)$")
_UNIT_SPLIT = re.compile(r"[、，,；;/\n]+")
_UNIT_NOTE = re.compile(r"[（(](?:牵头|配合|责任|主责|协办)[）)]")
_NEW_DATE = re.compile(r"(?:延期至|调整至|调整为|推迟至|顺延至|力争|确保|预计)\s*(\S{2,14})")
_DECISIONS = {
    "提醒谈话": "对{units}进行提醒谈话",
    "约谈": "对{units}进行约谈",
    "通报批评": "对{units}予以通报批评",
    "诫勉谈话": "对{units}主要负责人进行诫勉谈话",
    "问责": "依规依纪对{units}有关责任人启动问责程序",
}


@dataclass
class LedgerBrief:
    """The brief a ledger gives, with the rows it came from and those it left out, and why."""

    brief: Brief
    as_of: dt.date
    used: list[RowStatus] = field(default_factory=list)  # the lagging rows, in ledger order
    not_summoned: list[RowStatus] = field(default_factory=list)  # done or on track
    skipped: list[SkippedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    source: str = ""
    title: str = ""

    def sidecar(self) -> dict:
        """What is written next to the brief (BRIEF.ledger.json): the source and every row with its state."""
        return {
            "source": self.source,
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "rows": [{**s.row.to_json(), "state": s.state, "why": s.why} for s in (*self.used, *self.not_summoned)],
            "used": [s.row.row for s in self.used],
            "skipped": [{"row": s.row, "reason": s.reason} for s in self.skipped],
            "problems": [{"row": p.row, "message": p.message} for p in self.problems],
        }

    def sidecar_json(self) -> str:
        return json.dumps(self.sidecar(), ensure_ascii=False, indent=2) + "\n"


def split_units(text: str) -> list[str]:
    """A unit cell as separate units: "东湖区住建局（牵头）、东湖区城管局" → two names."""
    return [u for part in _UNIT_SPLIT.split(text) if (u := _UNIT_NOTE.sub("", part).strip())]


def short_date(day: dt.date, same_year_as: dt.date | None) -> str:
    """6月30日 when the year is the other date's, else 2026年6月30日."""
    if same_year_as is not None and same_year_as.year == day.year:
        return f"{day.month}月{day.day}日"
    return date_text(day)


def issue_line(status: RowStatus, as_of: dt.date) -> str:
    """One lagging item as a brief issue, carrying the ledger's numbers and dates as written."""
    row = status.row
    who = f"{row.unit}牵头的" if row.unit else ""
    plan = f"计划{date_text(row.deadline)}完成" if row.deadline else "未明确完成时间"
    when = f"截至{short_date(as_of, row.deadline)}"
    due = row.deadline is not None and row.deadline <= as_of
    if row.progress == 0:
        now = f"{when}仍未开工"
    elif row.progress is not None:
        now = f"{when}完成率{'仅' if due else ''}{percent_text(row.progress)}"
        if status.expected is not None and not due:
            now += f"，低于时序进度{percent_text(round(status.expected, 3))}"
    else:
        now = f"{when}尚未完成（台账记为“{row.progress_text}”）" if row.progress_text else f"{when}尚未完成"
    return f"{who}{row.project}{plan}，{now}"


def new_deadline(row: LedgerRow, as_of: dt.date) -> str:
    """A new deadline the ledger itself states (延期至9月30日 in a note or the measures), else the marked blank."""
    for text in (row.measures, row.note, row.reason):
        m = _NEW_DATE.search(text or "")
        if m and parse_date(m.group(1), as_of).date:
            return date_text(parse_date(m.group(1), as_of).date)
    return NEW_DEADLINE


def meeting_name(title: str, measure_name: str) -> str:
    """"2026年重点项目推进情况督查台账" → "2026年重点项目推进滞后单位约谈会"."""
    topic = _TITLE_TAIL.sub("", re.sub(r"[（(].*?[）)]", "", title or "").strip()) or "重点项目"
    suffix = {"通报批评": "约谈通报会", "问责": "约谈问责会"}.get(measure_name, f"{measure_name}会")
    return f"{topic}推进滞后单位{suffix}"


def targets_of(rows: list[RowStatus]) -> list[str]:
    """The units of the rows, each once, in ledger order."""
    return list(dict.fromkeys(u for s in rows for u in split_units(s.row.unit)))


def build_brief_data(used: list[RowStatus], as_of: dt.date, title: str, kind: str, measure: str) -> dict:
    """The brief as a mapping (the JSON `assistant draft --brief` reads)."""
    level = find_measure(measure)
    targets = targets_of(used)
    facts = [f"{s.row.project}滞后原因：{s.row.reason}" for s in used if s.row.reason]
    facts.insert(0, f"截至{date_text(as_of)}，台账所列项目中有{len(used)}项进度滞后，涉及{len(targets)}家责任单位")
    requirements = []
    for unit in dict.fromkeys(s.row.unit for s in used):
        items = [s.row for s in used if s.row.unit == unit]
        for row in items:
            requirements.append(f"{unit}要倒排工期、压实责任，确保{row.project}在{new_deadline(row, as_of)}前完成")
    requirements.append(f"各被约谈单位于{PLAN_DEADLINE}前报送整改方案")
    return {
        "kind": kind or DEFAULT_KIND,
        "meeting": meeting_name(title, level.name),
        "measure": level.name,
        "targets": targets,
        "issues": [issue_line(s, as_of) for s in used],
        "facts": facts,
        "decisions": [_DECISIONS.get(level.name, "对{units}进行约谈").format(units="、".join(targets))],
        "requirements": requirements,
    }


def ledger_brief(ledger: Ledger, *, as_of: dt.date | None = None, kind: str = "", measure: str = "") -> LedgerBrief:
    """The brief for summoning the ledger's lagging units; LedgerError when nothing is behind."""
    day = as_of_date(ledger, as_of)
    states = assess(ledger, day)
    used = [s for s in states if s.behind]
    if not used:
        raise LedgerError(
            f"截至{date_text(day)}，《{ledger.name}》中的 {len(states)} 个项目没有滞后的（均已完成或按期推进），无需约谈。"
            "如判断日期不对，请用 --as-of 指定。"
        )
    data = build_brief_data(used, day, ledger.title, kind, measure)
    brief = parse_brief(data, ledger.name)
    return LedgerBrief(
        brief=brief,
        as_of=day,
        used=used,
        not_summoned=[s for s in states if not s.behind],
        skipped=list(ledger.skipped),
        problems=list(ledger.problems),
        source=ledger.name,
        title=ledger.title,
    )
