"""The brief against the final speech: a figure the speech changed, a figure or unit it left out.

The companion documents follow the brief (the source of facts); where the speech says otherwise
the result carries a warning, so the minutes never silently disagree with the speech.
"""

from __future__ import annotations

import re

from assistant.domain.brief import Brief
from assistant.domain.facts import Fact, FactIndex, char_pairs, compact, specifics

#: Kinds of figures the documents must carry as the speech says them.
FIGURE_KINDS = ("number", "percent", "amount", "date", "deadline")
_FIELDS = (("issues", "存在问题"), ("facts", "有关事实和数据"), ("decisions", "约谈决定"), ("requirements", "整改要求"))
# A line of the speech says the same item as a brief item when it shares this share of its pairs.
_SAME_ITEM = 0.35


def _family(f: Fact) -> str:
    """What a figure can be confused with: a percent with a percent, 42个 with 40个, a date with a date."""
    if f.kind in ("date", "deadline"):
        return "date"
    return f.kind + ":" + re.sub(r"[\d.,，．多余第\s]", "", f.value)


def _outer(found: list[Fact]) -> list[Fact]:
    """The figures not inside another one (9月30日前 holds the date 9月30日: one figure)."""
    return [
        f for f in found
        if not any(g is not f and g.start <= f.start and f.end <= g.end and (g.end - g.start) > (f.end - f.start) for g in found)
    ]  # fmt: skip


def _best_line(item: str, lines: list[str]) -> str:
    wanted = char_pairs(item)
    if not wanted:
        return ""
    scored = [(len(wanted & char_pairs(line)) / len(wanted), line) for line in lines]
    share, line = max(scored, default=(0.0, ""))
    return line if share >= _SAME_ITEM else ""


def speech_warnings(brief: Brief, speech: str) -> list[str]:
    """Chinese warnings for every unit and figure of the brief the speech leaves out or states otherwise."""
    warnings: list[str] = []
    flat = compact(speech)
    for unit in dict.fromkeys(brief.targets):
        if compact(unit) not in flat:
            warnings.append(f"讲话稿中没有提到约谈对象“{unit}”，配套文书按约谈要素列出，请核对。")
    if not speech.strip():
        return warnings
    lines = [x for x in speech.split("\n") if x.strip()]
    whole = FactIndex.of([speech])
    brief_index = FactIndex.of(brief.all_facts())
    for name, label in _FIELDS:
        for item in getattr(brief, name):
            figures = _outer(specifics(item, FIGURE_KINDS))
            if not figures:
                continue
            line = _best_line(item, lines)
            in_line = specifics(line, FIGURE_KINDS) if line else []
            line_index = FactIndex.of([line]) if line else None
            for fig in figures:
                if line_index is not None and line_index.covers(fig):
                    continue
                # The speech's line about this item holds another figure of the same sort, one the
                # brief does not give anywhere: the speech changed it.
                changed = [
                    f for f in _outer(in_line)
                    if _family(f) == _family(fig) and not brief_index.covers(f)
                ]  # fmt: skip
                if changed:
                    warnings.append(
                        f"讲话稿写作“{changed[0].text}”，约谈要素（{label}）为“{fig.text}”：{item}。"
                        f"配套文书按约谈要素写“{fig.text}”，请核对讲话稿或约谈要素，使两者一致。"
                    )
                elif not whole.covers(fig):
                    warnings.append(
                        f"讲话稿中没有“{fig.text}”（约谈要素·{label}：{item}），配套文书按约谈要素写入，请核对。"
                    )
    return list(dict.fromkeys(warnings))
