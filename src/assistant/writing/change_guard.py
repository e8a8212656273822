"""One guard for every change to a speech's text: what was true stays, nothing foreign comes in.

Every path that changes a draft's text (a part revision, a passage, regeneration from chosen
references, 整体润色, the length pass, resuming, a checker suggestion, the offline composer)
asks :func:`check_change` before the change is kept. It compares each changed part with what it
was: the brief's facts the part carried (numbers with units, dates, deadlines, units, targets,
decisions) are still there; no number, date, place or unit comes in that neither the brief nor
the old text gave; the part keeps its place, number and role; no sentence of it repeats another
part. A change with problems is a proposal: the page shows it beside the original and keeps the
original unless the clerk chooses to take it anyway; the CLI refuses it unless ``--force``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.domain.brief import Brief
from assistant.domain.facts import Fact, FactIndex, char_pairs, compact, one_in_words, specifics
from assistant.domain.models import Draft, DraftPart
from assistant.review.checks import apply_to_draft
from assistant.review.model import Finding
from assistant.writing.conformance import long_sentences
from assistant.writing.events import DraftWarning, EventCallback
from assistant.writing.model_calls import stage_label

#: What a change must not lose or bring in. Quotes are left out: a model may add a common
#: slogan ("一岗双责") that is no meeting's fact; a deadline without a digit ("年底前") likewise.
KEPT_KINDS = ("number", "percent", "amount", "date", "deadline", "place", "unit")
ITEM_COVERAGE = 0.6  # share of a brief item's character pairs that says "this item is written here"
SHOW_AT_MOST = 6


@dataclass(frozen=True)
class ChangeCheck:
    """What a change to a draft did wrong, in Chinese; ``ok`` when nothing."""

    problems: tuple[str, ...] = ()
    lost: tuple[str, ...] = ()  # brief facts a changed part carried and lost
    added: tuple[str, ...] = ()  # specifics in neither the brief nor the old text
    repeated: tuple[str, ...] = ()  # sentences now said in two parts

    @property
    def ok(self) -> bool:
        """True when the change may be kept without asking."""
        return not self.problems

    def summary(self) -> str:
        """One Chinese line for a warning or a refusal."""
        return "；".join(self.problems)


def _listed(items: Iterable[str]) -> str:
    items = list(dict.fromkeys(items))
    shown = "、".join(f"“{x}”" for x in items[:SHOW_AT_MOST])
    return shown + (f"等 {len(items)} 处" if len(items) > SHOW_AT_MOST else "")


def part_name(part: DraftPart) -> str:
    """A part as the guard's messages name it: 第一部分（…）, 开场白, 结束语, 标题."""
    if part.role == "title":
        return "标题"
    return stage_label(part.role, part.number)


def _item_written(item: str, text: str) -> bool:
    """True when a paragraph of ``text`` says most of the brief item (its character pairs)."""
    wanted = char_pairs(item)
    if not wanted:
        return False
    return any(len(wanted & char_pairs(line)) >= ITEM_COVERAGE * len(wanted) for line in text.split("\n"))


def _brief_texts(brief: Brief | None) -> list[str]:
    if brief is None:
        return []
    return [brief.meeting, brief.speaker, brief.title or "", *brief.all_facts()]


def _kept_facts(part: str, brief_index: FactIndex, has_brief_facts: bool) -> list[Fact]:
    """The specifics of a part a change must keep: the brief's (all of them when there is no brief)."""
    found = [f for f in specifics(part, KEPT_KINDS) if f.kind != "deadline" or re.search(r"\d", f.text)]
    if not has_brief_facts:
        return found
    return [f for f in found if brief_index.covers(f)]


def _lost(before: str, after: str, brief: Brief | None, brief_index: FactIndex, has_facts: bool) -> list[str]:
    now, flat = FactIndex.of([after]), compact(after)
    lost = [
        f.text for f in _kept_facts(before, brief_index, has_facts) if not now.covers(f) and not one_in_words(f, flat)
    ]
    if brief is not None:
        flat_before, flat_after = compact(before), compact(after)
        for target in brief.targets:
            t = compact(target)
            if t and t in flat_before and t not in flat_after:
                lost.append(target)
        for decision in brief.decisions:
            if _item_written(decision, before) and not _item_written(decision, after):
                lost.append(decision)
    return list(dict.fromkeys(lost))


def _added(after: str, known: FactIndex) -> list[str]:
    out = []
    for f in specifics(after, KEPT_KINDS):
        if f.kind == "deadline" and not re.search(r"\d", f.text):
            continue
        if not known.covers(f):
            out.append(f.text)
    return list(dict.fromkeys(out))


def _repeats(parts: list[DraftPart], i: int, old_parts: list[DraftPart] | None) -> list[str]:
    """Long sentences of part ``i`` said again in another part, or twice in it (and not so before)."""

    def said(ps: list[DraftPart], j: int) -> dict[str, str]:
        mine = long_sentences(ps[j])
        keys = [k for _, k in mine]
        others = {k for n, p in enumerate(ps) if n != j for _, k in long_sentences(p)}
        return {k: s for s, k in mine if k in others or keys.count(k) > 1}

    now = said(parts, i)
    if old_parts is not None and i < len(old_parts):
        for k in said(old_parts, i):
            now.pop(k, None)
    return list(now.values())


def _aligned(before: Draft | None, after: Draft) -> list[tuple[DraftPart | None, DraftPart]]:
    """Each part of ``after`` with the part of ``before`` it replaces (None: a new part)."""
    if before is None:
        return [(None, p) for p in after.parts]
    by_key: dict[tuple[str, int], DraftPart] = {}
    for p in before.parts:
        by_key.setdefault((p.role, p.number), p)
    if len(before.parts) == len(after.parts):
        return list(zip(before.parts, after.parts, strict=True))
    return [(by_key.get((p.role, p.number)), p) for p in after.parts]


def check_change(before: Draft | None, after: Draft, brief: Brief | None = None) -> ChangeCheck:
    """What the change from ``before`` (None: a new draft) to ``after`` lost, added or repeated."""
    brief_texts = _brief_texts(brief)
    brief_index = FactIndex.of(brief_texts)
    has_facts = bool(brief_index.values)
    known = FactIndex.of([*brief_texts, before.text if before is not None else ""])
    problems: list[str] = []
    lost_all: list[str] = []
    added_all: list[str] = []
    repeated_all: list[str] = []
    old_parts = before.parts if before is not None and len(before.parts) == len(after.parts) else None
    if before is not None:
        was = [(p.role, p.number) for p in before.parts if p.number]
        now = [(p.role, p.number) for p in after.parts if p.number]
        # a resumed draft goes on after its last part; any other change keeps the sections as they were
        kept = now[: len(was)] == was if before.status == "interrupted" else now == was
        if not kept:
            problems.append("一级标题的数量、序号或顺序变了，讲话稿的结构被打乱")
    for i, (old, new) in enumerate(_aligned(before, after)):
        if old is not None and old.text.strip() == new.text.strip():
            continue
        if new.role == "title":
            continue  # the title is the meeting's (writing/outline decides it), not a fact carrier
        name = part_name(new)
        if old is not None:
            lost = _lost(old.text, new.text, brief, brief_index, has_facts)
            if lost:
                lost_all += lost
                problems.append(f"{name}丢掉了原有的事实：{_listed(lost)}")
        added = _added(new.text, known)
        if added:
            added_all += added
            problems.append(f"{name}加入了约谈要素和原稿中都没有的内容：{_listed(added)}")
        repeated = _repeats(after.parts, i, old_parts)
        if repeated:
            repeated_all += repeated
            problems.append(f"{name}有句子与别处重复：{_listed(s[:24] for s in repeated)}")
    return ChangeCheck(tuple(problems), tuple(lost_all), tuple(added_all), tuple(repeated_all))


def guard_warnings(before: Draft, after: Draft, brief: Brief, on_event: EventCallback | None = None) -> Draft:
    """``after`` with the guard's problems as warnings (said as events too): for a resumed draft."""
    check = check_change(before, after, brief)
    if check.ok:
        return after
    if on_event is not None:
        for p in check.problems:
            on_event(DraftWarning(p))
    return after.model_copy(update={"warnings": [*after.warnings, *check.problems]})


def suggestion_change(draft: Draft, finding: Finding, brief: Brief | None) -> tuple[Draft, ChangeCheck]:
    """The draft with a checker suggestion applied, and the guard's verdict on that change."""
    fixed = apply_to_draft(draft, finding)
    return fixed, check_change(draft, fixed, brief)
