"""Text a user reads from the ledger tools: the brief summary, the follow-up report (Markdown and
rows for a table), and the rows saved beside a brief (BRIEF.ledger.json) read back for the check."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from assistant.ledger.followup import STATES, Followup
from assistant.ledger.model import Ledger, LedgerError, LedgerRow, RowProblem
from assistant.ledger.to_brief import LedgerBrief
from assistant.ledger.values import date_text, percent_text
from assistant.support.safe_read import read_file

FOLLOWUP_COLUMNS = ("序号", "问题", "责任单位", "完成时限", "台账对应项目", "当前进度", "状态")
MAX_SIDECAR_BYTES = 5 * 1024 * 1024


def brief_summary(result: LedgerBrief, rows_read: int) -> list[str]:
    """The short Chinese summary `assistant brief --ledger` prints."""
    lines = [
        f"读取台账《{result.source}》：{rows_read} 个项目，截至{date_text(result.as_of)}滞后 {len(result.used)} 项。",
        f"约谈对象（{len(result.brief.targets)} 家）：{'、'.join(result.brief.targets)}",
    ]
    for s in result.used:
        lines.append(f"  第{s.row.row}行 {s.row.project}（{s.row.unit}）：{s.why}")
    if result.skipped:
        lines.append("未计入的行：" + "；".join(f"第{s.row}行 {s.reason}" for s in result.skipped))
    if result.problems:
        lines.append(f"需要核对的问题（{len(result.problems)} 处）：")
        lines.extend(f"  {p}" for p in result.problems)
    return lines


def followup_rows(result: Followup) -> list[list[str]]:
    """The follow-up table's rows (FOLLOWUP_COLUMNS), one per checklist item."""
    out = []
    for n, x in enumerate(result.items, 1):
        row = x.match
        where = f"{row.project}（第{row.row}行）" if row else "—"
        now = ""
        if row:
            now = "已完成" if row.done else (percent_text(row.progress) if row.progress is not None else row.progress_text)
        out.append([str(n), x.item.issue, x.item.unit, date_text(x.deadline) or x.item.deadline_text, where, now or "—", x.state])
    return out


def _cell(text: str) -> str:
    return text.replace("|", "｜").replace("\n", " ")


def followup_markdown(result: Followup, next_brief_name: str = "") -> str:
    """The follow-up report as Markdown: counts, a table, overdue units and the next level."""
    counts = result.counts
    lines = [
        "# 整改落实情况跟踪报告（销号）",
        "",
        f"- 整改责任清单：《{result.checklist_name}》",
        f"- 对照台账：《{result.ledger_name}》，截至{date_text(result.as_of)}",
        f"- 共 {len(result.items)} 项：" + "，".join(f"{s} {counts[s]} 项" for s in STATES),
        "",
        "| " + " | ".join(FOLLOWUP_COLUMNS) + " |",
        "|" + "---|" * len(FOLLOWUP_COLUMNS),
    ]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in followup_rows(result)]
    lines.append("")
    if result.overdue_units:
        lines.append(
            f"逾期单位：{'、'.join(result.overdue_units)}。按问责层级逐级提升，建议由{result.measure}提升为{result.next_measure}"
            + (f"，约谈要素已生成：{next_brief_name}。" if next_brief_name else "。")
        )
    else:
        lines.append("没有逾期事项，无需提级约谈。")
    if result.problems:
        lines += ["", "## 需要核对的问题", ""]
        lines += [f"- 《{name}》{p}" for name, p in result.problems]
    return "\n".join(lines) + "\n"


def load_sidecar(path: Path | str) -> Ledger:
    """The rows saved beside a brief (BRIEF.ledger.json) as a Ledger the check compares with."""
    p = Path(path)
    raw = read_file(p, MAX_SIDECAR_BYTES)
    try:
        return ledger_from_sidecar(json.loads(raw.decode("utf-8-sig")), p.name)
    except ValueError:
        raise LedgerError(
            f"《{p.name}》不是 assistant brief --ledger 保存的台账行文件，请改用台账原文件（.xlsx 或 .csv）。"
        ) from None


def ledger_from_sidecar(data: dict, name: str = "") -> Ledger:
    """A saved sidecar (LedgerBrief.sidecar(), as the page keeps it too) as a Ledger; ValueError when it is not one."""
    try:
        rows = [LedgerRow.from_json(r) for r in data["rows"]]
        as_of = dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ValueError("not a ledger sidecar") from e
    problems = [RowProblem(int(x["row"]), str(x["message"])) for x in data.get("problems", []) if isinstance(x, dict)]
    return Ledger(name=str(data.get("source") or name), title=str(data.get("title") or ""), as_of=as_of,
                  rows=sorted(rows, key=lambda r: r.row), problems=problems)


def ledger_for_check(path: Path | str, max_bytes: int) -> Ledger:
    """The ledger `assistant check --ledger` compares with: a .xlsx/.csv ledger or a saved .ledger.json."""
    from assistant.ledger.reader import read_ledger

    if str(path).lower().endswith(".json"):
        return load_sidecar(path)
    return read_ledger(path, max_bytes)
