"""Reading a ledger (or a rectification checklist) into typed rows, with row numbers and problems.

Empty rows, repeated header rows, 合计/小计 rows and one-text rows (category titles, 填报人
notes) are skipped and said so; a cell that cannot be read becomes a `RowProblem` naming its
row, never an exception. Only a file that cannot be read at all, or a table whose required
columns cannot be found, raises (`LedgerError`, `ColumnsNeeded` with the candidates).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from assistant.ledger.columns import (
    CHECKLIST_FIELDS,
    CHECKLIST_REQUIRED,
    LEDGER_FIELDS,
    LEDGER_REQUIRED,
    apply_mapping,
    column_labels,
    find_header,
    match_columns,
    norm,
)
from assistant.ledger.model import (
    FIELD_NAMES,
    ColumnMap,
    ColumnsNeeded,
    Ledger,
    LedgerError,
    LedgerRow,
    RowProblem,
    SkippedRow,
)
from assistant.ledger.tables import Sheet, read_tables, tables_from_bytes
from assistant.ledger.values import cell_text, parse_date, parse_progress

_TOTAL = re.compile(r"^(合计|小计|总计|累计|总数)")
_AS_OF = re.compile(r"(?:截至|截止到?|统计时间|填报日期|数据截至)\s*[:：]?\s*(\S{3,16})")
_AS_OF_NOTE = re.compile(r"[（(]?\s*(?:截至|截止到?|统计时间|填报日期|数据截至)[^）)]*[）)]?")
_DOC_NUMBER = re.compile(r"〔\d{4}〕\s*\d+\s*号|附件\s*\d*$")  # 临政督〔2026〕15号附件: the 文号 line
_TABLE_NAME = re.compile(r"(台账|表|清单|情况|一览)$")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_CATEGORY = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|（[一二三四五六七八九十]+）)")
_NOTHING = {"无", "/", "-", "—", "--", "——", "暂无", "没有", "无。"}


def read_ledger(
    path: Path | str,
    max_bytes: int,
    *,
    mapping: Mapping[str, str] | None = None,
    as_of: dt.date | None = None,
    checklist: bool = False,
) -> Ledger:
    """A ledger file (.xlsx/.csv) read into rows; ``checklist`` reads a 整改责任清单 instead."""
    sheets = read_tables(path, max_bytes)
    return _read(sheets, Path(path).name, mapping, as_of, checklist)


def ledger_from_bytes(
    data: bytes, name: str, *, mapping: Mapping[str, str] | None = None, as_of: dt.date | None = None,
    checklist: bool = False,
) -> Ledger:
    """The same from an upload's bytes (the page); the name tells .xlsx from .csv."""
    return _read(tables_from_bytes(data, name), name, mapping, as_of, checklist)


def _read(sheets: list[Sheet], name: str, mapping, as_of, checklist: bool) -> Ledger:
    fields = CHECKLIST_FIELDS if checklist else LEDGER_FIELDS
    required = CHECKLIST_REQUIRED if checklist else LEDGER_REQUIRED
    what = "整改责任清单" if checklist else "台账"
    found = [(sheet, find_header(sheet.rows, fields)) for sheet in sheets]
    found = [(s, band) for s, band in found if band]
    if not found:
        # No column name is known: the first row of several texts is taken as the header, so
        # the page (or --column) can say which column is which instead of being refused.
        found = [(s, band) for s in sheets if (band := _plain_header(s))][:1]
    if not found:
        raise LedgerError(
            f"《{name}》的前 12 行中找不到{what}的表头（如“{'、'.join(FIELD_NAMES[f] for f in required)}”），"
            "请确认这是一份表格，表头在前几行。"
        )
    # The sheet whose header names the most required fields.
    scored = []
    for sheet, band in found:
        labels = column_labels([sheet.rows[i][1] for i in band])
        cmap = match_columns(labels, fields, required)
        scored.append((len([f for f in required if f in cmap.fields]), -len(scored), sheet, band, cmap))
    _, _, sheet, band, cmap = max(scored, key=lambda t: (t[0], t[1]))
    cmap.header_rows = tuple(sheet.rows[i][0] for i in band)
    if mapping:
        cmap = apply_mapping(cmap, mapping, fields)
    _progress_by_data(cmap, sheet.rows[band[-1] + 1 :])
    before = [t for _, cells in sheet.rows[: band[0]] for c in cells if (t := cell_text(c))]
    ledger = Ledger(name=name, sheet=sheet.name, columns=cmap, title=_title(before), as_of=_as_of(before))
    if not cmap.ready:
        raise ColumnsNeeded(_columns_message(name, what, cmap), cmap)
    year_hint = as_of or ledger.as_of
    for number, cells in sheet.rows[band[-1] + 1 :]:
        _read_row(ledger, number, cells, cmap, year_hint, required[0])
    return ledger


def _progress_by_data(cmap, rows) -> None:
    """Two columns named like progress (目前进展, 完成比例): the one whose cells read as progress wins."""
    options = cmap.candidates.get("progress")
    if "progress" in cmap.fields or not options or len(options) < 2:
        return
    sample = [cells for _, cells in rows[:30] if any(cell_text(c) for c in cells)]
    if not sample:
        return

    def readable(index: int) -> float:
        cells = [cells[index] if index < len(cells) else None for cells in sample]
        return sum(parse_progress(c).share is not None for c in cells) / len(cells)

    scored = sorted(((readable(c.index), c) for c in options), key=lambda t: -t[0])
    (best, choice), (second, _) = scored[0], scored[1]
    if best >= 0.6 and best - second >= 0.3:
        cmap.fields["progress"] = choice.index
        cmap.confidence["progress"] = 0.7
        del cmap.candidates["progress"]


def _plain_header(sheet: Sheet) -> list[int]:
    for i, (_, cells) in enumerate(sheet.rows[:12]):
        texts = [t for c in cells if (t := cell_text(c))]
        words = [t for t in texts if not any(ch.isdigit() for ch in t)]
        if len(texts) >= 3 and len(words) >= len(texts) - 1:
            return [i]
    return []


def _title(texts: Sequence[str]) -> str:
    found = []
    for text in dict.fromkeys(texts):
        # "……督查台账（截至2026年9月30日）": the title without its as-of note.
        text = _AS_OF_NOTE.sub("", text).replace("\n", "").strip()
        if len(text) >= 4 and not text.startswith(("单位", "填报", "附件")) and not _DOC_NUMBER.search(text):
            found.append(text)
    # A table's name ends like one (……台账, ……推进表, ……情况); a note line above it does not.
    return next((t for t in found if _TABLE_NAME.search(t)), found[0] if found else "")


def _as_of(texts: Sequence[str]) -> dt.date | None:
    for text in dict.fromkeys(texts):
        m = _AS_OF.search(text)
        if m:
            year = _YEAR.search(" ".join(texts))
            hint = dt.date(int(year.group(1)), 1, 1) if year else None
            value = parse_date(m.group(1), hint)
            if value.date:
                return value.date
    return None


def _columns_message(name: str, what: str, cmap: ColumnMap) -> str:
    lines = [f"《{name}》中没有认出{what}必需的列，请用 --column 字段=列名 指定（列名也可写列字母，如 --column 进度=F）："]
    for key in cmap.missing:
        options = cmap.candidates.get(key, [])
        shown = "、".join(f"{c.letter}列“{c.label}”" for c in options[:6]) or "（无）"
        lines.append(f"- {FIELD_NAMES[key]}：可选 {shown}")
    return "\n".join(lines)


def _read_row(ledger: Ledger, number: int, cells: list[object], cmap: ColumnMap, year_hint, key: str) -> None:
    texts = [cell_text(c).replace("\n", "") for c in cells]
    filled = [t for t in texts if t]
    if not filled:
        ledger.empty_rows += 1
        return
    if any(_TOTAL.match(norm(t)) for t in texts[:4] if t):
        ledger.skipped.append(SkippedRow(number, "合计行"))
        return
    header_names = {norm(p) for label in cmap.labels for p in label.split("/") if p}
    if sum(1 for t in dict.fromkeys(filled) if norm(t) in header_names) >= 2:
        ledger.skipped.append(SkippedRow(number, "重复的表头行"))
        return
    if len(set(filled)) == 1 and (not _only_key(texts, cmap, key) or _CATEGORY.match(filled[0])):
        ledger.skipped.append(SkippedRow(number, f"只有一段文字（分类标题或说明）：“{filled[0][:30]}”"))
        return

    def text(name: str) -> str:
        index = cmap.fields.get(name)
        value = texts[index] if index is not None and index < len(texts) else ""
        return "" if value in _NOTHING else value

    def raw(name: str) -> object:
        index = cmap.fields.get(name)
        return cells[index] if index is not None and index < len(cells) else None

    if not text(key):
        ledger.skipped.append(SkippedRow(number, f"没有{FIELD_NAMES[key]}"))
        ledger.problems.append(RowProblem(number, f"没有填写{FIELD_NAMES[key]}（{cmap.label_of(key)}），已跳过这一行"))
        return
    problems: list[str] = []
    deadline = parse_date(raw("deadline"), year_hint)
    progress = parse_progress(raw("progress")) if "progress" in cmap.fields else None
    done = bool(progress and progress.done)
    if deadline.problem:
        problems.append(f"{cmap.label_of('deadline')}{deadline.problem}")
    elif not deadline.text and not done:
        problems.append(f"没有填写{cmap.label_of('deadline')}")
    if progress and progress.problem:
        problems.append(progress.problem)
    if not text("unit"):
        problems.append(f"没有填写{cmap.label_of('unit') or '责任单位'}")
    start = parse_date(raw("start"), year_hint) if "start" in cmap.fields else None
    ledger.problems.extend(RowProblem(number, p) for p in problems)
    ledger.rows.append(
        LedgerRow(
            row=number,
            project=text("project"),
            unit=text("unit"),
            deadline=deadline.date,
            deadline_text=deadline.text,
            progress=progress.share if progress else None,
            progress_text=progress.text if progress else "",
            done=done,
            reason=text("reason"),
            note=text("note"),
            person=text("person"),
            measures=text("measures"),
            start=start.date if start else None,
            issue=text("issue"),
        )
    )


def _only_key(texts: list[str], cmap: ColumnMap, key: str) -> bool:
    # One text in the key column alone is an item with nothing else filled (said as problems);
    # the same text across several columns is a merged category title.
    index = cmap.fields.get(key)
    return index is not None and sum(1 for t in texts if t) == 1 and index < len(texts) and bool(texts[index])
