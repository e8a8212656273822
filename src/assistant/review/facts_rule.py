"""Rule "facts": the draft's numbers, dates, amounts, places and units against the brief.

In the draft but not the brief → 请核实; in the brief but not the draft → 要点未写入; changed
between the previous version and this one → listed. What a specific is: `assistant.domain.facts`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from assistant.domain.facts import (
    Fact,
    FactIndex,
    brief_facts,
    char_pairs,
    compact,
    one_in_words,
    specifics,
)
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, rule

NAME = "facts"
COMPARED = ("number", "percent", "amount", "date", "deadline", "place", "unit")
#: Share of an item's character pairs a paragraph must contain for the item to count as written.
ITEM_COVERAGE = 0.7
_KIND_LABELS = {
    "number": "数字", "percent": "百分比", "amount": "金额", "date": "日期",
    "deadline": "时限", "place": "地名", "unit": "单位名称",
}  # fmt: skip
_FIELD_LABELS = {
    "targets": "约谈对象", "issues": "存在问题", "facts": "有关事实和数据",
    "decisions": "约谈决定", "requirements": "整改要求",
}  # fmt: skip
# Common shortenings of unit names, so that 东湖区住建局 counts as naming 东湖区住房和城乡建设局.
_SHORT_FORMS = (
    ("住房和城乡建设局", "住建局"), ("人民政府", "政府"), ("市场监督管理局", "市场监管局"),
    ("交通运输局", "交通局"), ("自然资源和规划局", "自然资源局"), ("发展和改革委员会", "发改委"),
    ("人力资源和社会保障局", "人社局"), ("生态环境局", "环保局"), ("应急管理局", "应急局"),
    ("有限责任公司", "公司"), ("有限公司", "公司"), ("街道办事处", "街道"), ("办事处", ""),
    ("卫生健康委员会", "卫健委"), ("农业农村局", "农业农村局"),
)  # fmt: skip


def _line_facts(ctx: CheckInput, text_lines: list[str]) -> list[tuple[int, Fact]]:
    """Specifics of each line, without a date that is only the date of a deadline around it."""
    out = []
    for i, line in enumerate(text_lines):
        found = specifics(line, COMPARED)
        spans = [(f.start, f.end) for f in found if f.kind == "deadline"]
        for f in found:
            if f.kind == "date" and any(a <= f.start and f.end <= b for a, b in spans):
                continue
            out.append((i, f))
    return out


def _not_in_brief(ctx: CheckInput, index: FactIndex) -> Iterator[Finding]:
    seen: Counter[str] = Counter()
    first: dict[str, tuple[int, Fact]] = {}
    for i, f in _line_facts(ctx, ctx.lines):
        if index.covers(f):
            continue
        seen[f.value] += 1
        first.setdefault(f.value, (i, f))
    for value, (i, f) in first.items():
        more = f"（全文共 {seen[value]} 处）" if seen[value] > 1 else ""
        yield finding(
            ctx, NAME, "warning",
            f"请核实：{_KIND_LABELS[f.kind]}“{f.text}”不在约谈要素中{more}。"
            "确是本次约谈的事实请补入约谈要素，否则删除或改正。",
            i, f.text, f.start,
        )  # fmt: skip


def _item_written(item: str, paragraphs: list[set[str]]) -> bool:
    wanted = char_pairs(item)
    if not wanted:
        return True
    return any(len(wanted & p) >= ITEM_COVERAGE * len(wanted) for p in paragraphs)


def _target_named(target: str, draft: str) -> bool:
    t = compact(target)
    forms = {t}
    # 白沙镇人民政府和镇统计站: the place named once, then left off before the next unit.
    places = specifics(t, ("place",))
    if places and places[0].start == 0 and places[0].value[:2] in draft and len(t) - places[0].end >= 3:
        forms.add(t[places[0].end - 1 :])
    for long, short in _SHORT_FORMS:
        forms |= {f.replace(long, short) for f in forms if long in f}
    return any(f and f in draft for f in forms)


def _missing(ctx: CheckInput) -> Iterator[Finding]:
    brief = ctx.brief
    assert brief is not None
    draft = compact(ctx.text)
    drafted = FactIndex.of([ctx.text])
    paragraphs = [char_pairs(line) for line in ctx.lines if line.strip()]
    items = brief_facts(brief)
    deadlines = {f.value for f in items if f.kind == "deadline"}
    for item in items:
        if item.kind == "date" and item.value + "前" in deadlines:
            continue  # reported with its deadline
        label = _FIELD_LABELS.get(item.field)
        if label is None:
            continue  # the meeting's name, the speaker and the title are not points of the speech
        missing = None
        if item.kind == "target":
            if not _target_named(item.text, draft):
                missing = f"要点未写入：约谈对象“{item.text}”在稿中没有出现。"
        elif item.kind in ("decision", "requirement"):
            if not _item_written(item.text, paragraphs):
                missing = f"要点未写入：{label}“{item.text}”在稿中找不到对应的表述。"
        elif item.kind in COMPARED and not drafted.covers(item) and not one_in_words(item, draft):
            missing = f"要点未写入：{label}中的{_KIND_LABELS[item.kind]}“{item.text}”在稿中没有出现。"
        if missing:
            found = finding(ctx, NAME, "warning", missing)
            found.field = item.field
            yield found


def _brief_index(ctx: CheckInput) -> FactIndex:
    """The brief's specifics, and the number of its targets (这三家单位, 3个单位 count them)."""
    brief = ctx.brief
    assert brief is not None
    n = len(brief.targets)
    return FactIndex.of([*brief.all_facts(), f"{n}家、{n}个"])


def _unit_of(f: Fact) -> str:
    """What a specific measures, numbers left out: "number#个", "deadline#-#前"."""
    return f.kind + re.sub(r"\d+(?:\.\d+)?", "#", f.value)


def _changes(ctx: CheckInput, previous: str) -> Iterator[Finding]:
    old_lines = previous.split("\n")
    old = [(i, f) for i, f in _line_facts(ctx, old_lines) if f.kind != "place"]
    new = [(i, f) for i, f in _line_facts(ctx, ctx.lines) if f.kind != "place"]
    old_count = Counter(f.value for _, f in old)
    new_count = Counter(f.value for _, f in new)
    removed = [(i, f) for i, f in old if old_count[f.value] > new_count[f.value]]
    added = [(i, f) for i, f in new if new_count[f.value] > old_count[f.value]]
    used: set[int] = set()

    def context(lines: list[str], i: int, f: Fact) -> str:
        return lines[i][max(0, f.start - 4) : f.start]

    for ri, r in removed:
        match = next(
            (
                n for n, (ai, a) in enumerate(added)
                if n not in used and _unit_of(a) == _unit_of(r)
                and context(ctx.lines, ai, a) == context(old_lines, ri, r)
            ),
            None,
        )  # fmt: skip
        if match is None:
            yield finding(ctx, NAME, "warning", f"与上一稿相比，{_KIND_LABELS[r.kind]}“{r.text}”没有了。")
            continue
        used.add(match)
        ai, a = added[match]
        yield finding(
            ctx, NAME, "warning", f"与上一稿相比，“{r.text}”改为“{a.text}”，请核实。", ai, a.text, a.start
        )
    for n, (ai, a) in enumerate(added):
        if n not in used:
            yield finding(
                ctx, NAME, "hint", f"与上一稿相比，新增{_KIND_LABELS[a.kind]}“{a.text}”。", ai, a.text, a.start
            )


@rule(NAME, "事实核对")
def check_facts(ctx: CheckInput) -> Iterator[Finding]:
    """Specifics against the brief (when there is one) and against the previous version (when given)."""
    if ctx.brief is not None:
        yield from _not_in_brief(ctx, _brief_index(ctx))
        yield from _missing(ctx)
    if ctx.previous is not None:
        yield from _changes(ctx, ctx.previous)
