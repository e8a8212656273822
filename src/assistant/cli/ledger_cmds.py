"""Ledger commands: a progress ledger → a brief (brief), a checklist's follow-up (followup)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from assistant.cli.common import Ctx, echo, fail
from assistant.support.safe_read import os_error_message

_RULE = (
    "滞后的判定：已完成（完成、已竣工、已销号或100%）的不算；计划完成时间在判断日期当天或之前而未完成的算滞后；"
    "台账有开工时间列时，进度低于已过时间占比（时序进度）的也算滞后；没有开工时间时，尚未到期的只有"
    "台账写明滞后原因（滞后原因、存在问题）且未完成的才算滞后。判断日期：--as-of，否则台账标题中的"
    "“截至……”日期，否则今天。"
)


def _as_of(value: str | None) -> dt.date | None:
    if not value:
        return None
    from assistant.ledger.values import parse_date

    day = parse_date(value, dt.date.today())
    if day.date is None:
        fail(f"--as-of “{value}”不是日期，请写作 2026-06-30 或 2026年6月30日。", code=2)
    return day.date


def _write(path: Path, text: str | bytes) -> None:
    from assistant.support.atomic_files import write_atomic, write_atomic_bytes

    try:
        if isinstance(text, bytes):
            write_atomic_bytes(path, text)
        else:
            write_atomic(path, text)
    except OSError as e:
        fail(f"无法写入 {path}：{os_error_message(e, writing=True)}")


def _brief_json(brief) -> str:
    data = brief.model_dump(mode="json", exclude_defaults=True)
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _beside(out: Path, tail: str) -> Path:
    """BRIEF.json → BRIEF.ledger.json; F.md → F.next_brief.json."""
    return out.with_name(out.stem + tail)


@click.command(help=f"从督查台账（.xlsx、.csv）生成约谈要素：滞后项目的责任单位为约谈对象。\n\n{_RULE}")
@click.option("--ledger", "ledger_path", type=click.Path(path_type=Path), required=True, help="台账文件（.xlsx 或 .csv）。")
@click.option("--as-of", "as_of", default=None, help="判断日期，如 2026-06-30（默认取台账“截至”日期）。")
@click.option("--kind", default="", help="约谈类型（默认 project_delay，见 prompts/structures）。")
@click.option("--measure", default="", help="问责层级：提醒谈话、约谈、通报批评、诫勉谈话、问责（默认约谈）。")
@click.option("--column", "columns", multiple=True, help="指定列：字段=列名或列字母，如 --column 项目=工程名称（可多次）。")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="约谈要素文件（.json），旁边另存 .ledger.json。")
@click.pass_obj
def brief(obj: Ctx, ledger_path: Path, as_of: str | None, kind: str, measure: str, columns: tuple[str, ...], out: Path) -> None:
    from assistant.ledger.columns import parse_mapping
    from assistant.ledger.reader import read_ledger
    from assistant.ledger.report import brief_summary
    from assistant.ledger.to_brief import ledger_brief

    if out.suffix.lower() != ".json":
        fail(f"--out {out} 应为 .json 文件（assistant draft --brief 读取的格式）。", code=2)
    day = _as_of(as_of)
    ledger = read_ledger(ledger_path, obj.settings.max_upload_bytes, mapping=parse_mapping(columns), as_of=day)
    result = ledger_brief(ledger, as_of=day, kind=kind, measure=measure)
    _write(out, _brief_json(result.brief))
    sidecar = _beside(out, ".ledger.json")
    _write(sidecar, result.sidecar_json())
    for line in brief_summary(result, len(ledger.rows)):
        echo(line)
    echo(f"约谈要素已写入：{out}（台账行另存于 {sidecar}）")
    echo(f"下一步：assistant draft --brief {out}；校对：assistant check 稿件 --ledger {ledger_path}")


@click.command()
@click.option("--checklist", "checklist_path", type=click.Path(path_type=Path), required=True,
              help="整改责任清单（.xlsx 或 .csv，列：序号、问题、责任单位、整改措施、完成时限、责任人）。")
@click.option("--ledger", "ledger_path", type=click.Path(path_type=Path), required=True, help="更新后的台账（.xlsx 或 .csv）。")
@click.option("--as-of", "as_of", default=None, help="判断日期（默认取台账“截至”日期，否则今天）。")
@click.option("--measure", default="", help="这次整改源自的问责层级（默认约谈）；逾期单位的约谈要素提升一级。")
@click.option("--kind", default="", help="下一次约谈的类型（默认 project_delay）。")
@click.option("--column", "columns", multiple=True, help="台账的列：字段=列名，如 --column 进度=完成率（可多次）。")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="跟踪报告（.md 或 .docx）。")
@click.pass_obj
def followup(obj: Ctx, checklist_path: Path, ledger_path: Path, as_of: str | None, measure: str, kind: str,
             columns: tuple[str, ...], out: Path) -> None:
    """整改销号跟踪：逐项对照更新后的台账，报告已完成、按期推进、逾期、未找到；逾期单位生成提级约谈要素。"""
    from assistant.ledger.columns import parse_mapping
    from assistant.ledger.followup import STATES, follow_up
    from assistant.ledger.reader import read_ledger
    from assistant.ledger.report import followup_markdown

    suffix = out.suffix.lower()
    if suffix not in (".md", ".docx"):
        fail(f"--out {out} 应为 .md 或 .docx 文件。", code=2)
    day = _as_of(as_of)
    limit = obj.settings.max_upload_bytes
    checklist = read_ledger(checklist_path, limit, as_of=day, checklist=True)
    ledger = read_ledger(ledger_path, limit, mapping=parse_mapping(columns), as_of=day)
    result = follow_up(checklist, ledger, as_of=day, measure=measure, kind=kind)
    next_path = _beside(out, ".next_brief.json") if result.next_brief else None
    text = followup_markdown(result, str(next_path) if next_path else "")
    if suffix == ".docx":
        from assistant.companion.followup_report import followup_docx

        _write(out, followup_docx(result, text))
    else:
        _write(out, text)
    if next_path and result.next_brief:
        _write(next_path, _brief_json(result.next_brief))
    counts = result.counts
    echo(f"整改责任清单 {len(result.items)} 项（截至{result.as_of.year}年{result.as_of.month}月{result.as_of.day}日）："
         + "，".join(f"{s} {counts[s]} 项" for s in STATES))
    for x in result.items:
        if x.state in ("逾期", "未找到"):
            echo(f"  [{x.state}] 第{x.item.row}行 {x.item.unit}：{x.item.issue[:40]}")
    for name, p in result.problems:
        echo(f"  《{name}》{p}")
    echo(f"跟踪报告已写入：{out}")
    if next_path:
        echo(f"逾期单位（{'、'.join(result.overdue_units)}）提级为{result.next_measure}，约谈要素已写入：{next_path}")


COMMANDS = (brief, followup)
