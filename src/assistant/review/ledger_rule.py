"""The ledger fact check: a speech's progress figures and planned dates against the ledger rows.

Runs only when a ledger is given (`assistant check DRAFT --ledger FILE`). Each sentence (up to
。；！？) that names a ledger project or unit is compared with that row: a progress percentage
(after 完成/进度/完成率…, not 投资 or 时序进度) or a planned completion date that differs
from the row is an error quoting both; a unit named with another unit's project, and not with
its own, is a warning. Numbers and dates the ledger has no column for are not findings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from assistant.domain.facts import specifics
from assistant.ledger.model import Ledger, LedgerRow
from assistant.ledger.to_brief import split_units
from assistant.ledger.values import date_text, parse_date, percent_text
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, rule

NAME = "ledger"
_CLAUSE = re.compile(r"[^。；;！!？?\n]+")
_PROGRESS_BEFORE = re.compile(r"(完成率?|进度|形象进度|完成了|仅完成|达到?|推进到)[^，,、]{0,6}$")
_NOT_PROGRESS = re.compile(r"(投资|时序|计划进度|序时|年度计划|资金|支付|拨付|同比|增长|下降)[^，,、]{0,8}$")
_DATE_BEFORE = re.compile(r"(计划|原定|应于|应在|要求|时限|完成时间|竣工时间|定于)\s*$")
_DATE_AFTER = re.compile(r"^\s*(完成|竣工|完工|建成|投用|交付|办结)")
_AS_OF_BEFORE = re.compile(r"(截至|截止到?|到|至)\s*$")


def _named(clause: str, ledger: Ledger) -> tuple[list[LedgerRow], list[str]]:
    projects = [r for r in ledger.rows if r.project and r.project in clause]
    units = sorted({u for r in ledger.rows for u in split_units(r.unit) if u in clause}, key=len, reverse=True)
    # "东湖区住建局" inside "东湖区住建局局长" is one unit; a short name inside a longer one is not another.
    units = [u for u in units if not any(u != o and u in o for o in units)]
    return projects, units


def _same_day(written: str, row_date: dt.date) -> bool:
    value = parse_date(written, row_date).date
    return value is not None and value == row_date


@rule(NAME, "台账核对")
def check_ledger(ctx: CheckInput) -> Iterator[Finding]:
    """Progress figures and planned dates that differ from the ledger row they sit with."""
    ledger = ctx.ledger
    if ledger is None or not ledger.rows:
        return
    for i, line in enumerate(ctx.lines):
        for m in _CLAUSE.finditer(line):
            clause, offset = m.group(0), m.start()
            projects, units = _named(clause, ledger)
            if not projects and not units:
                continue
            yield from _wrong_unit(ctx, i, clause, offset, projects, units)
            rows = projects or [r for r in ledger.rows if any(u in split_units(r.unit) for u in units)]
            for fact in specifics(clause, ("percent", "date")):
                before = clause[: fact.start]
                if fact.kind == "percent":
                    yield from _percent(ctx, i, offset, fact, before, rows)
                elif projects:
                    yield from _date(ctx, i, offset, fact, clause, projects, ledger.as_of)


def _wrong_unit(ctx, i: int, clause: str, offset: int, projects: list[LedgerRow], units: list[str]):
    for row in projects:
        own = split_units(row.unit)
        others = [u for u in units if u not in own]
        if others and not any(u in units for u in own):
            at = clause.find(others[0])
            yield finding(
                ctx, NAME, "warning",
                f"“{others[0]}”与“{row.project}”写在一起，但台账第{row.row}行该项目的责任单位是“{row.unit}”，请核对。",
                i, others[0], offset + at,
            )  # fmt: skip


def _percent(ctx, i: int, offset: int, fact, before: str, rows: list[LedgerRow]):
    if not _PROGRESS_BEFORE.search(before) or _NOT_PROGRESS.search(before):
        return
    known = [r for r in rows if r.progress is not None]
    if not known:
        return
    written = float(fact.value.rstrip("%")) / 100
    if any(abs(written - r.progress) < 0.0005 for r in known):
        return
    row = known[0]
    lead = re.search(r"(完成率|形象进度|进度|完成)[^，,、]{0,6}$", before)
    quoted = (lead.group(0) if lead else "") + fact.text
    yield finding(
        ctx, NAME, "error",
        f"讲话稿写“{quoted}”，台账第{row.row}行（{row.project}）为{percent_text(row.progress)}。",
        i, fact.text, offset + fact.start, percent_text(row.progress) if len(known) == 1 else None,
    )  # fmt: skip


def _date(ctx, i: int, offset: int, fact, clause: str, projects: list[LedgerRow], as_of: dt.date | None):
    before, after = clause[: fact.start], clause[fact.end :]
    if _AS_OF_BEFORE.search(before) or after.lstrip().startswith(("前", "之前", "以前", "以来", "起")):
        return  # 截至6月30日 is the as-of date; 9月30日前 is a (new) deadline, not the planned one
    if not (_DATE_BEFORE.search(before[-8:]) or _DATE_AFTER.search(after)):
        return
    known = [r for r in projects if r.deadline is not None]
    if not known or any(_same_day(fact.text, r.deadline) for r in known):
        return
    if as_of is not None and _same_day(fact.text, as_of):
        return
    row = known[0]
    yield finding(
        ctx, NAME, "error",
        f"讲话稿写“{fact.text}”，台账第{row.row}行（{row.project}）计划完成时间为{date_text(row.deadline)}。",
        i, fact.text, offset + fact.start,
    )  # fmt: skip
