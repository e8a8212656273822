"""Finding the header row of a ledger and which column holds which field, flexibly.

The header is the row among the first dozen with the most known column names; a header split
over two rows (merged "完成情况" above "计划完成时间 | 当前进度") is read as one band. A column's
name matches a field exactly (confidence 1.0) or by containing one of its names (0.8); two
columns equally good for one required field, or none, leave the field to the user's mapping.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.ledger.model import FIELD_NAMES, ColumnChoice, ColumnMap, LedgerError
from assistant.ledger.values import cell_text

#: Names offices give each field's column; the first ones are the usual ones.
LEDGER_FIELDS: dict[str, tuple[str, ...]] = {
    "project": ("项目名称", "项目", "工程名称", "项目（工程）名称", "建设项目", "任务名称", "重点任务", "工作任务", "项目内容",
                "任务事项", "工作事项", "重点事项", "实事项目", "民生实事", "实事项目名称"),
    "unit": ("责任单位", "牵头单位", "实施单位", "责任部门", "主体责任单位", "牵头部门", "建设单位", "业主单位",
             "承办单位", "牵头责任单位"),
    "deadline": ("计划完成时间", "完成时限", "时限", "计划竣工时间", "完成时间", "截止时间", "办结时限", "整改时限",
                 "计划完成时限", "竣工时间"),
    "progress": ("当前进度", "完成率", "形象进度", "进度", "完成进度", "完成比例", "完成情况", "进展情况",
                 "工作进展", "推进情况", "目前进展", "整改进展", "整改进度"),
    "reason": ("滞后原因", "存在问题", "问题", "主要问题", "存在的问题", "困难问题", "原因分析", "未完成原因", "滞后原因分析",
               "存在困难", "存在的困难", "困难和问题", "存在困难和问题", "存在问题和困难"),
    "note": ("备注", "说明"),
    "person": ("责任人", "具体责任人", "责任领导", "联系人"),
    "measures": ("整改措施", "推进措施", "下步措施", "下一步措施", "工作措施", "整改举措"),
    "start": ("开工时间", "计划开工时间", "开始时间", "起始时间", "实际开工时间"),
}
LEDGER_REQUIRED = ("project", "unit", "deadline", "progress")

#: The rectification checklist (整改责任清单): 问题 is the item itself there, not a lag reason.
CHECKLIST_FIELDS: dict[str, tuple[str, ...]] = {
    "issue": ("问题", "存在问题", "问题描述", "整改问题", "主要问题", "问题清单"),
    "unit": LEDGER_FIELDS["unit"],
    "measures": LEDGER_FIELDS["measures"],
    "deadline": ("完成时限", "整改时限", "计划完成时间", "时限", "完成时间", "办结时限"),
    "person": LEDGER_FIELDS["person"],
    "project": ("项目名称", "项目", "工程名称"),
}
CHECKLIST_REQUIRED = ("issue", "unit", "deadline")

_HEADER_ONLY = ("序号", "编号", "排名")
_SCAN_ROWS = 12
_BRACKETS = re.compile(r"[（(【\[].*?[）)】\]]")
_SPACE = re.compile(r"[\s　:：*＊]+")


def norm(label: object) -> str:
    """A header cell as compared: no spaces, no bracketed unit like （%） or （万元）."""
    text = _SPACE.sub("", cell_text(label))
    return _BRACKETS.sub("", text) or text


def _score(label: str, names: Sequence[str]) -> float:
    if not label:
        return 0.0
    if label in names:
        return 1.0
    if any(n in label for n in names if len(n) >= 2):
        return 0.8
    return 0.0


def _row_hits(cells: Sequence[object], fields: Mapping[str, Sequence[str]]) -> int:
    hits = 0
    for cell in dict.fromkeys(norm(c) for c in cells):  # a merged cell repeats its text: count it once
        if cell in _HEADER_ONLY or any(_score(cell, names) > 0 for names in fields.values()):
            hits += 1
    return hits


def find_header(rows: Sequence[tuple[int, list[object]]], fields: Mapping[str, Sequence[str]]) -> list[int]:
    """Indexes (into ``rows``) of the header band: the best row, with a sub-header row below it."""
    scan = rows[:_SCAN_ROWS]
    hits = [_row_hits(cells, fields) for _, cells in scan]
    if not hits or max(hits) < 2:
        return []
    best = hits.index(max(hits))
    band = [best]
    # A two-row header: the row above holds group names over merged cells, or the row below
    # holds the names under a merged group ("完成情况" → "计划完成时间 | 当前进度").
    for other in (best - 1, best + 1):
        if 0 <= other < len(scan) and hits[other] >= 1 and _differs(scan[best][1], scan[other][1]):
            band.append(other)
    return sorted(band)


def _differs(a: Sequence[object], b: Sequence[object]) -> bool:
    same = sum(1 for x, y in zip(a, b, strict=False) if norm(x) == norm(y) and norm(x))
    filled = sum(1 for y in b if norm(y))
    return filled > 0 and same < filled and same >= 1


def letter(index: int) -> str:
    """0 → 'A', 26 → 'AA' (the column letters Excel shows)."""
    out = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


def column_labels(band: Sequence[Sequence[object]]) -> list[str]:
    """One header text per column from the band's rows (a group name and its sub-name joined)."""
    width = max((len(r) for r in band), default=0)
    labels = []
    for c in range(width):
        parts = list(dict.fromkeys(t for r in band if c < len(r) and (t := cell_text(r[c]).replace("\n", ""))))
        labels.append("/".join(parts))
    return labels


def match_columns(
    labels: Sequence[str], fields: Mapping[str, Sequence[str]], required: Sequence[str]
) -> ColumnMap:
    """Each field's best column; candidates kept for required fields that are missing or ambiguous."""
    cmap = ColumnMap(labels=list(labels), required=tuple(required))
    scores: dict[str, list[ColumnChoice]] = {}
    rank: dict[tuple[str, int], float] = {}  # the score plus a little for the sub-header part
    for index, label in enumerate(labels):
        pieces = [norm(p) for p in label.split("/")] + [norm(label.replace("/", ""))]
        for name, names in fields.items():
            # The part nearest the data (the sub-header) names the column best.
            best = max(((sc + 0.01 * i) if (sc := _score(p, names)) else 0.0 for i, p in enumerate(pieces)), default=0.0)
            if best > 0:
                scores.setdefault(name, []).append(ColumnChoice(index, label, letter(index), round(best, 1)))
                rank[(name, index)] = round(best, 2)
    taken: set[int] = set()
    # Exact names first, then the required fields, so a contained name never steals a column.
    order = sorted(fields, key=lambda n: (-max((c.score for c in scores.get(n, [])), default=0), n not in required))
    for name in order:
        choices = sorted((c for c in scores.get(name, []) if c.index not in taken), key=lambda c: -rank[(name, c.index)])
        if not choices:
            continue
        top = [c for c in choices if rank[(name, c.index)] == rank[(name, choices[0].index)]]
        if len(top) > 1 and name in required:
            cmap.candidates[name] = choices
            continue
        cmap.fields[name] = top[0].index
        cmap.confidence[name] = top[0].score
        taken.add(top[0].index)
    for name in required:
        if name not in cmap.fields and name not in cmap.candidates:
            cmap.candidates[name] = [
                ColumnChoice(i, label, letter(i), 0.0) for i, label in enumerate(labels) if label and i not in taken
            ]
    return cmap


def field_id(name: str, fields: Mapping[str, Sequence[str]]) -> str | None:
    """A field named by id (unit), Chinese name (责任单位) or one of its column names (牵头单位)."""
    name = name.strip()
    if name in fields:
        return name
    for key, label in FIELD_NAMES.items():
        if key in fields and name == label:
            return key
    for key, names in fields.items():
        if name in names:
            return key
    return None


def apply_mapping(cmap: ColumnMap, mapping: Mapping[str, str], fields: Mapping[str, Sequence[str]]) -> ColumnMap:
    """The map with the user's choices (字段 → column name or letter) in force; LedgerError when one fits nothing."""
    for raw_field, raw_column in mapping.items():
        key = field_id(raw_field, fields)
        if key is None:
            known = "、".join(FIELD_NAMES[k] for k in fields if k in FIELD_NAMES)
            raise LedgerError(f"--column 中的字段“{raw_field}”不认识，可用的字段：{known}。")
        index = _column_index(cmap.labels, raw_column)
        if index is None:
            shown = "、".join(f"{letter(i)}列“{t}”" for i, t in enumerate(cmap.labels) if t)
            raise LedgerError(f"台账中没有名为“{raw_column}”的列（可用列名或列字母）。表头各列：{shown}。")
        for other, held in list(cmap.fields.items()):
            if held == index and other != key:
                del cmap.fields[other]  # the user's choice wins over a guess
        cmap.fields[key] = index
        cmap.confidence[key] = 1.0
        cmap.candidates.pop(key, None)
    return cmap


def _column_index(labels: Sequence[str], wanted: str) -> int | None:
    wanted = wanted.strip()
    for i, label in enumerate(labels):
        if wanted and (wanted == label or norm(wanted) == norm(label) or norm(wanted) in label.split("/")):
            return i
    if re.fullmatch(r"[A-Za-z]{1,2}", wanted):
        index = 0
        for ch in wanted.upper():
            index = index * 26 + ord(ch) - 64
        return index - 1 if index - 1 < max(len(labels), 1) else None
    return None


def parse_mapping(options: Sequence[str]) -> dict[str, str]:
    """CLI `--column 项目=工程名称` options → {'项目': '工程名称'}; LedgerError on a malformed one."""
    out: dict[str, str] = {}
    for option in options:
        key, sep, value = option.replace("＝", "=").partition("=")
        if not sep or not key.strip() or not value.strip():
            raise LedgerError(f"--column “{option}”的写法不对，应写作 字段=列名，例如 --column 项目=工程名称。")
        out[key.strip()] = value.strip()
    return out
