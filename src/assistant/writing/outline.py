"""The outline: parsed with the speech parser into the parts to write, or the kind's skeleton."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.domain.numbering import cn_number, heading_line, marker_for
from assistant.domain.plan import SpeechPlan
from assistant.domain.titles import SPEECH_TITLE_RE
from assistant.intake.parsing import parse_speech
from assistant.writing.prompts.model_text import clean_model_text

MIN_PART_CHARS = 60


@dataclass
class PlannedPart:
    """One part to write: role, position, heading and target length."""

    role: str
    number: int = 0
    heading: str = ""
    target: int = 0


@dataclass
class OutlinePlan:
    """The parsed outline: title, parts to write and what (if anything) is wrong with it."""

    text: str
    title: str
    parts: list[PlannedPart]
    problems: list[str] = field(default_factory=list)
    fallback: bool = False  # True: the kind's skeleton replaced an unusable outline


def _problems(headings: Sequence[str], plan: SpeechPlan) -> list[str]:
    n = len(plan.kind.body_roles)
    if not headings:
        return [f"没有一级标题（应有“一、”至“{cn_number(n)}、”共 {n} 个）"]
    if len(headings) != n:
        return [f"应有 {n} 个一级标题，实际有 {len(headings)} 个"]
    return []


def _targets(plan: SpeechPlan, roles: Sequence[str]) -> list[int]:
    """Target characters per planned part: the plan's part lengths, rescaled to the total."""
    raw = [plan.target(r) for r in roles]
    factor = plan.length / sum(raw) if sum(raw) else 1.0
    return [max(MIN_PART_CHARS, round(t * factor)) for t in raw]


def _parts(plan: SpeechPlan, sections: Sequence[tuple[str, str]]) -> list[PlannedPart]:
    roles = ["opening", *(r for r, _ in sections), "closing"]
    targets = _targets(plan, roles)
    parts = [PlannedPart("opening", target=targets[0])]
    for n, ((role, heading), target) in enumerate(zip(sections, targets[1:-1], strict=True), 1):
        parts.append(PlannedPart(role, n, heading, target))
    parts.append(PlannedPart("closing", target=targets[-1]))
    return parts


def skeleton_outline(plan: SpeechPlan) -> str:
    """An outline built from the kind's structure alone (used when the model's is unusable)."""
    kind = plan.kind
    lines = [plan.title, "同志们："]
    opening = kind.role_spec("opening")
    lines.append("开场：" + "；".join(opening.must_contain if opening else ["说明约谈缘由"]) + "。")
    for n, spec in enumerate(kind.body_roles, 1):
        lines.append(heading_line(n, spec.heading_for(kind.topic)))
        for i, must in enumerate(spec.must_contain, 1):
            lines.append(f"{marker_for(spec.markers, i)}{must}。")
    closing = kind.role_spec("closing")
    lines.append("同志们，" + "；".join(closing.must_contain if closing else ["提出希望和要求"]) + "。")
    return "\n".join(lines)


def plan_outline(
    text: str, plan: SpeechPlan, *, lenient: bool = True, edited: bool = False
) -> OutlinePlan:
    """Parse an outline into parts to write, with roles by position when the count matches.

    ``lenient``: an outline with a different number of sections is still used (extra sections
    become "other") as long as every part of the kind is recognised; otherwise, or when it
    has no 一、 headings at all, the kind's skeleton is used and ``fallback`` is set.
    ``edited``: the user's own outline; any outline with 一、 headings is followed as written.
    """
    kind, brief = plan.kind, plan.brief
    cleaned = clean_model_text(text)
    doc = parse_speech(cleaned)
    secs = [s for s in doc.sections if s.heading]
    headings = [s.heading.strip().rstrip("。") for s in secs]
    problems = _problems(headings, plan)
    title = brief.title or (doc.title if SPEECH_TITLE_RE.search(doc.title or "") else "")
    title = title or plan.title
    body = [r.role for r in kind.body_roles]
    if not problems:
        return OutlinePlan(cleaned, title, _parts(plan, list(zip(body, headings, strict=True))))
    sections = []
    used: set[str] = set()
    for s, h in zip(secs, headings, strict=True):
        role = s.role if s.role in body and s.role not in used else "other"
        used.add(role)
        sections.append((role, h))
    if secs and (edited or (lenient and set(body) <= used)):
        return OutlinePlan(cleaned, title, _parts(plan, sections), problems)
    skeleton = [(r.role, r.heading_for(kind.topic)) for r in kind.body_roles]
    return OutlinePlan(
        skeleton_outline(plan), title, _parts(plan, skeleton), problems, fallback=True
    )
