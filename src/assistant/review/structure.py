"""Rule "structure": title, salutation, the kind's parts, and GB/T 9704 numbering.

Top-level headings 一、二、三 run without gap or repeat; （一）/1./（1） keep their order of depth
and count on; paragraph-initial 一是/二是 and 一要/二要 count on and are not mixed in one part.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from assistant.domain.models import BODY_ROLES, ROLE_LABELS
from assistant.domain.numbering import (
    FAMILY_LEVELS,
    NUMERAL,
    PAREN_HEADING_RE,
    POINT_FAMILIES,
    TOP_HEADING_RE,
    cn_number,
    cn_to_int,
    marker_for,
)
from assistant.domain.plan import left_out_roles
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, rule

NAME = "structure"
_LEAD_RE = re.compile(r"^[\s\u3000]*(?:#{1,6}\s*|[*_]{2}|>\s*)?[\s\u3000]*")
#: Depth of the numbered levels below the top-level heading.
_LEVELS = {family: level - 1 for family, level in FAMILY_LEVELS.items()}
_LEVEL_NAMES = {"paren_cn": "（一）", "arabic": "1.", "paren_arabic": "（1）"}
#: Families of paragraph-initial runs whose numbers must count on.
_RUNS = {"shi": "一是", "yao": "一要", "di": "第一，"}
_INLINE = {
    "shi": re.compile(rf"[。；！？]\s*({NUMERAL})是"),
    "yao": re.compile(rf"[。；！？]\s*({NUMERAL})要"),
    "di": re.compile(rf"[。；！？]\s*第({NUMERAL})\s*[，,、：:]"),
}


@dataclass
class _Marker:
    index: int  # 0-based line
    family: str
    value: int
    text: str  # the marker as written: "（三）", "4.", "五是"
    column: int
    ambiguous: bool = False  # "2.5家企业": the marker 2. or the number 2.5


def _content(line: str) -> tuple[str, int]:
    """A line without its indentation and Markdown prefix, and where that text starts."""
    m = _LEAD_RE.match(line)
    offset = m.end() if m else 0
    return line[offset:], offset


def _marker(index: int, line: str) -> _Marker | None:
    text, offset = _content(line)
    for family, pattern in POINT_FAMILIES:
        m = pattern.match(text)
        if not m:
            continue
        if family == "order":
            return None
        ambiguous = family == "arabic" and text[m.end() : m.end() + 1].isdigit()
        return _Marker(index, family, cn_to_int(m.group(1)), m.group(0).rstrip("，,：: "), offset, ambiguous)
    return None


def _numbered(family: str, n: int, like: str) -> str:
    """The marker of ``family`` numbered n, written like ``like`` (its brackets and stop)."""
    if family == "paren_cn":
        return f"{like[0]}{cn_number(n)}{like[-1]}"
    if family == "paren_arabic":
        return f"{like[0]}{n}{like[-1]}"
    if family == "arabic":
        return re.sub(r"^\d{1,2}", str(n), like)
    if family == "shi":
        return marker_for("一是", n)
    if family == "yao":
        return marker_for("一要", n)
    return f"第{cn_number(n)}"


def _order_finding(ctx: CheckInput, m: _Marker, expected: int, what: str) -> Finding:
    right = _numbered(m.family, expected, m.text)
    problem = "重复" if m.value == expected - 1 else "不连续"
    return finding(
        ctx, NAME, "error", f"{what}序号{problem}：此处应为“{right}”，实为“{m.text}”。",
        m.index, m.text, m.column, right,
    )  # fmt: skip


def _headings(ctx: CheckInput) -> tuple[list[_Marker], str]:
    """Top-level heading lines (一、…, or （一）… when a speech has no 一、 headings) and their family."""
    top, paren = [], []
    for i, line in enumerate(ctx.lines):
        text, offset = _content(line)
        if m := TOP_HEADING_RE.match(text):
            sep = text[m.end(1) :].lstrip()[:1]
            top.append(_Marker(i, "top", cn_to_int(m.group(1)), m.group(1) + sep, offset))
        elif m := PAREN_HEADING_RE.match(text):
            paren.append(_Marker(i, "paren_cn", cn_to_int(m.group(1)), m.group(0)[: m.end(1) + 1], offset))
    if len(top) < 2 and len(paren) >= 2:
        return paren, "paren_cn"
    return top, "top"


def _check_headings(ctx: CheckInput, heads: list[_Marker], family: str) -> Iterator[Finding]:
    expected = 1
    for m in heads:
        if m.value != expected:
            if family == "top":
                right = cn_number(expected) + m.text[len(m.text) - 1 :]
                problem = "重复" if m.value == expected - 1 else "不连续"
                yield finding(
                    ctx, NAME, "error",
                    f"一级标题序号{problem}：此处应为“{cn_number(expected)}、”，实为“{m.text}”。",
                    m.index, m.text, m.column, right,
                )  # fmt: skip
            else:
                yield _order_finding(ctx, m, expected, "一级标题")
        expected += 1


def _check_body(ctx: CheckInput, lines: range, top_family: str) -> Iterator[Finding]:
    """Numbering inside one top-level part: levels keep their order, runs count on, no mixed runs."""
    stack: list[list] = []  # [depth, family, last value]
    run_expected: dict[str, int] = {}
    first_run: dict[str, _Marker] = {}
    for i in lines:
        m = _marker(i, ctx.lines[i])
        if m and m.ambiguous:
            # "1.8月31日前" is marker 1. when a 1. is due here, "12.5%的项目" is a number.
            due = next((v + 1 for d, _, v in stack if d == _LEVELS[m.family]), 1)
            m = m if m.value in (1, due) else None
        if m and m.family in _LEVELS and not (top_family == "paren_cn" and m.family == "paren_cn"):
            depth = _LEVELS[m.family]
            run_expected.clear()  # 一是 … counts again under every numbered point
            if any(d == depth for d, _, _ in stack):
                while stack[-1][0] > depth:
                    stack.pop()
                if m.value >= 2 and m.value != stack[-1][2] + 1:
                    yield _order_finding(ctx, m, stack[-1][2] + 1, f"“{_LEVEL_NAMES[m.family]}”层级")
                    stack[-1][2] += 1
                else:
                    stack[-1][2] = m.value
            elif not stack or depth > stack[-1][0]:
                if m.value != 1:
                    yield _order_finding(ctx, m, 1, f"“{_LEVEL_NAMES[m.family]}”层级")
                stack.append([depth, m.family, max(1, m.value)])
            else:
                deeper = stack[-1][1]
                yield finding(
                    ctx, NAME, "warning",
                    f"层次序号用反了：“{m.text}”比上文的“{_LEVEL_NAMES[deeper]}”高一级，"
                    f"按 GB/T 9704 应为 一、→（一）→1.→（1）。",
                    m.index, m.text, m.column,
                )  # fmt: skip
                while stack and stack[-1][0] >= depth:
                    stack.pop()
                stack.append([depth, m.family, m.value])
            continue
        if m and m.family in _RUNS:
            first_run.setdefault(m.family, m)
            expected = run_expected.get(m.family, 1)
            if m.value >= 2 and m.value != expected:
                yield _order_finding(ctx, m, expected, f"“{_RUNS[m.family]}”")
                run_expected[m.family] = expected + 1
            else:
                run_expected[m.family] = m.value + 1
        # Markers inside the paragraph ("……；二是……") continue its run.
        for family, pattern in _INLINE.items():
            if family in run_expected:
                for x in pattern.finditer(ctx.lines[i]):
                    if cn_to_int(x.group(1)) == run_expected[family]:
                        run_expected[family] += 1
    if "shi" in first_run and "yao" in first_run:
        later = max(first_run["shi"], first_run["yao"], key=lambda x: x.index)
        yield finding(
            ctx, NAME, "warning",
            "同一部分中“一是、二是”和“一要、二要”混用，宜统一为一种。",
            later.index, later.text, later.column,
        )  # fmt: skip


def _line_index(ctx: CheckInput, paragraph: str, default: int = 0) -> int:
    i = ctx.line_of(paragraph) if paragraph else -1
    return i if i >= 0 else default


@rule(NAME, "结构与序号")
def check_structure(ctx: CheckInput) -> Iterator[Finding]:
    """Title, salutation, the kind's parts and the numbering of headings and points."""
    doc = ctx.doc
    first = ctx.paragraph_lines[0] if ctx.paragraph_lines else 0
    if not doc.title or doc.title_derived:
        yield finding(ctx, NAME, "warning", "缺少标题（如“在……约谈会上的讲话”）。", first)
    if not doc.salutation and "提纲" not in doc.title:
        at = _line_index(ctx, doc.opening, first)
        yield finding(ctx, NAME, "warning", "缺少称谓：正文前应有单独一行“同志们：”。", at)
    heads, family = _headings(ctx)
    if len(heads) < 2:
        yield finding(ctx, NAME, "warning", "没有分部分的一级标题（一、二、三……），不是约谈讲话的标准结构。", first)
    else:
        if not doc.opening and "提纲" not in doc.title:  # an outline may go straight to 一、
            yield finding(ctx, NAME, "warning", "缺少开场白：一级标题前应说明约谈的缘由、对象和依据。", heads[0].index)
        if not doc.closing and "提纲" not in doc.title:
            yield finding(
                ctx, NAME, "warning", "缺少结束语：正文最后应有以“同志们，”开头的简短号召。", len(ctx.lines) - 1
            )
        roles = {s.role for s in doc.sections}
        # A part the brief's 问责层级 leaves out (no 约谈决定 in a 提醒谈话) is not missing.
        skipped = left_out_roles(ctx.brief)
        for role in BODY_ROLES:
            if role in roles or role in skipped:
                continue
            spec = ctx.kind.role_spec(role) if ctx.kind else None
            typical = f"，如“{spec.heading_for(ctx.kind.topic)}”" if spec and ctx.kind else ""
            yield finding(
                ctx, NAME, "warning",
                f"缺少“{ROLE_LABELS[role]}”部分{typical}。", heads[0].index,
            )  # fmt: skip
        yield from _check_headings(ctx, heads, family)
        closing_at = _line_index(ctx, doc.closing, len(ctx.lines)) if doc.closing else len(ctx.lines)
        for n, head in enumerate(heads):
            end = heads[n + 1].index if n + 1 < len(heads) else closing_at
            yield from _check_body(ctx, range(head.index + 1, end), family)
