"""Chat messages built from the prompt files, a speech plan and references.

The system message holds only the rules (system.md). Everything about this meeting goes into
the user message: the brief as a labelled block, and each reference inside its own
<参考资料 编号=… 来源=…>…</参考资料> block whose text cannot close the block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from assistant.domain.brief import FIELD_LABELS, Brief
from assistant.domain.models import ROLE_LABELS
from assistant.domain.numbering import cn_number, heading_line, strip_heading_number
from assistant.domain.plan import SpeechPlan, left_out_roles
from assistant.library.references import DEFAULT_REFERENCE_CHARS
from assistant.review.measure_rule import decision_blank
from assistant.writing.prompts.templates import PromptError, PromptSet, resolve_instruction

REFERENCE_TAG = "参考资料"
DEFAULT_WRITTEN_CHARS = 3000

# Block tags used in the templates; user text must not be able to open or close them.
_BLOCK_TAGS = (REFERENCE_TAG, "约谈要素", "讲话提纲", "前文", "讲话全文", "待改写部分", "讲话稿")
_TAG_RE = re.compile(r"<(\s*/?\s*(?:" + "|".join(_BLOCK_TAGS) + r"))")

#: Which brief fields each part of the speech is given.
ROLE_FIELDS: dict[str, tuple[str, ...]] = {
    "opening": ("meeting", "speaker", "targets", "issues", "facts"),
    "harm": ("meeting", "targets", "issues", "facts"),
    "causes": ("meeting", "targets", "issues", "facts"),
    "decisions": ("meeting", "targets", "issues", "decisions"),
    "rectification": ("meeting", "targets", "issues", "facts", "requirements"),
    "closing": ("meeting", "speaker", "targets", "requirements"),
}
BRIEF_FIELDS: tuple[str, ...] = (
    "meeting", "speaker", "title", "targets", "issues", "facts", "decisions", "requirements",
)  # fmt: skip
# The prompt calls the facts block by a fuller name than the form does.
_PROMPT_LABELS = {**FIELD_LABELS, "meeting": "会议", "title": "标题"}


def neutralize_tags(text: str) -> str:
    """Turn '<参考资料', '</约谈要素' … in user-supplied text into full-width '＜…' so blocks stay closed."""
    return _TAG_RE.sub(r"＜\1", str(text))


def _escape_reference(text: str) -> str:
    return str(text).replace("<", "＜").replace(">", "＞")


def _escape_attr(text: str) -> str:
    return _escape_reference(text).replace('"', "”").replace("\n", " ").strip()


def format_brief(
    plan: SpeechPlan,
    prompts: PromptSet,
    fields: Iterable[str] | None = None,
    with_meta: bool = True,
) -> str:
    """The brief as a labelled Chinese block inside <约谈要素>…</约谈要素>."""
    brief: Brief = plan.brief
    chosen = tuple(fields) if fields is not None else BRIEF_FIELDS
    missing = prompts.part("texts", "not_provided")
    lines = ["<约谈要素>"]
    if with_meta:
        lines.append(f"会议类型：{plan.kind.name}")
    for name in BRIEF_FIELDS:
        if name not in chosen:
            continue
        label = _PROMPT_LABELS[name]
        value = getattr(brief, name)
        if isinstance(value, list):
            lines.append(f"{label}：")
            lines.append(
                "\n".join(f"（{i}）{neutralize_tags(v)}" for i, v in enumerate(value, 1)) or missing
            )
        elif name == "title":
            shown = neutralize_tags(value) if value else prompts.part("texts", "title_not_provided")
            lines.append(f"{label}：{shown}")
        else:
            lines.append(f"{label}：{neutralize_tags(value) if value else missing}")
    if with_meta:
        lines.append(f"语气：{neutralize_tags(plan.tone)}")
        lines.append(f"篇幅：约 {plan.length} 字")
    lines.append("</约谈要素>")
    return "\n".join(lines)


def format_measure(plan: SpeechPlan, prompts: PromptSet) -> str:
    """The 问责层级 block of a prompt: the level, its tone, what it must say and may not say."""
    m = plan.measure
    values = {
        "name": m.name,
        "tone": m.tone,
        "must": "、".join(m.must) or "指出问题",
        "beyond": "”“".join(m.beyond),
        "decision": m.decision,
        "blank": decision_blank(m),
        "parts": "、".join(ROLE_LABELS.get(r, r) for r in sorted(left_out_roles(plan.brief))),
    }
    lines = [prompts.part("measure", "level", **values)]
    lines.append(prompts.part("measure", "beyond" if m.beyond else "top", **values))
    if values["parts"]:
        lines.append(prompts.part("measure", "left_out", **values))
    if m.announces:
        lines.append(prompts.part("measure", "announce", **values))
        if not plan.brief.decisions:
            lines.append(prompts.part("measure", "announce_blank", **values))
    return "\n".join(lines)


def _get(ref: Any, name: str) -> str:
    value = ref.get(name, "") if isinstance(ref, Mapping) else getattr(ref, name, "")
    return "" if value is None else str(value)


def reference_source(ref: Any) -> str:
    """'《title》 正视问题部分' for a reference (its section heading when the role is unknown)."""
    title = _get(ref, "title").strip()
    role = _get(ref, "role")
    section = _get(ref, "section").strip()
    if role in ROLE_LABELS and role != "other":
        part = f"{ROLE_LABELS[role]}部分"
    elif section:
        part = f"“{section}”部分"
    else:
        part = ""
    src = f"《{title}》" if title else "范文"
    return f"{src} {part}".strip()


def format_references(
    refs: Iterable[Any], prompts: PromptSet, max_chars: int = DEFAULT_REFERENCE_CHARS
) -> str:
    """Each reference inside <参考资料 编号="n" 来源="《…》 …部分">…</参考资料>, text escaped."""
    blocks = []
    for i, ref in enumerate(refs, 1):
        text = _get(ref, "text").strip()
        if max_chars and len(text) > max_chars:
            text = text[:max_chars] + "……"
        blocks.append(
            f'<{REFERENCE_TAG} 编号="{i}" 来源="{_escape_attr(reference_source(ref))}">\n'
            f"{_escape_reference(text)}\n"
            f"</{REFERENCE_TAG}>"
        )
    return "\n".join(blocks) if blocks else prompts.part("texts", "no_references")


def _marker_rule(prompts: PromptSet, style: str) -> str:
    return prompts.part("markers", style or "none")


def format_structure(plan: SpeechPlan, prompts: PromptSet) -> str:
    """The kind's parts as numbered lines: heading pattern, must-contain, markers, target length."""
    kind = plan.kind
    lines = []
    number = 0
    for spec, chars in zip(kind.roles, plan.part_targets, strict=True):
        must = "；".join(spec.must_contain)
        share = f"约占 {spec.share:.0%}，约 {chars} 字"
        if spec.is_body:
            number += 1
            lines.append(
                f"{heading_line(number, spec.heading_for(kind.topic))}"
                f"（{spec.label}部分，{share}）：必须包含：{must}。层次序号：{_marker_rule(prompts, spec.markers)}。"
            )
        else:
            name = "开场白" if spec.role == "opening" else "结束语"
            lines.append(f"{name}（{share}，不写标题）：必须包含：{must}。")
    return "\n".join(lines)


def bound_text(text: str, prompts: PromptSet, max_chars: int = DEFAULT_WRITTEN_CHARS) -> str:
    """The last `max_chars` characters of a text, cut at a line start, with a note when cut."""
    text = (text or "").strip()
    if len(text) <= max_chars:
        return text
    tail = text[-max_chars:]
    nl = tail.find("\n")
    if 0 <= nl < max_chars // 2:
        tail = tail[nl + 1 :]
    return prompts.part("texts", "written_cut") + "\n" + tail


def _messages(prompts: PromptSet, user: str) -> list[dict]:
    return [
        {"role": "system", "content": prompts["system"].render()},
        {"role": "user", "content": user},
    ]


def outline_messages(plan: SpeechPlan, prompts: PromptSet, references: Iterable[Any] = ()) -> list[dict]:
    """Messages asking for an outline: title, 同志们：, opening gist, 一、二、… with points, closing gist."""
    kind = plan.kind
    user = prompts["outline"].render(
        kind_name=kind.name,
        emphasis=kind.emphasis or "按标准结构撰写",
        tone=neutralize_tags(plan.tone),
        measure=format_measure(plan, prompts),
        length=plan.length,
        brief=format_brief(plan, prompts),
        structure=format_structure(plan, prompts),
        references=format_references(references, prompts),
    )
    return _messages(prompts, user)


def part_label(prompts: PromptSet, role: str, number: int = 0) -> str:
    """How a request names a part: 第二部分（查找原因）, 开场白, 结束语."""
    if role in ("opening", "closing"):
        return prompts.part("labels", role)
    return prompts.part("labels", "section", number=cn_number(number), role=ROLE_LABELS.get(role, role))


def section_messages(
    plan: SpeechPlan,
    prompts: PromptSet,
    *,
    role: str,
    outline: str,
    written: str = "",
    references: Iterable[Any] = (),
    heading: str | None = None,
    number: int | None = None,
    target_chars: int | None = None,
    max_written_chars: int = DEFAULT_WRITTEN_CHARS,
) -> list[dict]:
    """Messages asking for ONE part (opening, a numbered section, or closing) of the speech.

    `heading`/`number` override the kind's heading pattern and position (e.g. from the
    outline); `role` "other" is allowed for extra sections and then needs a heading.
    """
    kind = plan.kind
    spec = plan.spec(role)
    if spec is None and role != "other":
        valid = "、".join([*(r.role for r in kind.roles), "other"])
        raise PromptError(f"未知的讲话部分 {role}，可用：{valid}", template="section.md", variable="role")
    musts = list(spec.must_contain) if spec else ["围绕本部分标题展开，与提纲和前文保持一致"]
    style = spec.markers if spec else "一是"
    chars = target_chars or plan.target(role)
    if role in ("opening", "closing"):
        head = prompts.part("headings", role)
        layout = prompts.part("layouts", role)
    else:
        if number is None:
            body_roles = [r.role for r in kind.body_roles]
            number = body_roles.index(role) + 1 if role in body_roles else len(body_roles) + 1
        text = strip_heading_number(heading or (spec.heading_for(kind.topic) if spec else ""))
        if not text:
            raise PromptError("“other”部分需要给出标题", template="section.md", variable="heading")
        head = prompts.part("headings", "section", number=cn_number(number), heading=neutralize_tags(text))
        layout = prompts.part("layouts", "section", number=cn_number(number))
    written_text = bound_text(written, prompts, max_written_chars)
    user = prompts["section"].render(
        part_label=part_label(prompts, role, number or 0),
        kind_name=kind.name,
        emphasis=kind.emphasis or "按标准结构撰写",
        tone=neutralize_tags(plan.tone),
        measure=format_measure(plan, prompts),
        outline=neutralize_tags(outline.strip()) or prompts.part("texts", "no_outline"),
        written=neutralize_tags(written_text) or prompts.part("texts", "nothing_written"),
        role_label=prompts.part("purposes", role if role in prompts.parts["purposes"] else "other"),
        heading=head,
        must_contain="\n".join(f"（{i}）{m}" for i, m in enumerate(musts, 1)),
        markers=_marker_rule(prompts, style),
        target_chars=chars,
        layout=layout,
        facts=format_brief(plan, prompts, fields=ROLE_FIELDS.get(role, BRIEF_FIELDS), with_meta=False),
        references=format_references(references, prompts),
    )
    return _messages(prompts, user)


def revise_messages(
    plan: SpeechPlan,
    prompts: PromptSet,
    *,
    draft: str,
    part: str,
    instruction: str,
    references: Iterable[Any] = (),
) -> list[dict]:
    """Messages asking to rewrite one part of a draft by an instruction (or a preset label)."""
    if not (part or "").strip():
        raise PromptError("待改写部分不能为空", template="revise.md", variable="part")
    user = prompts["revise"].render(
        kind_name=plan.kind.name,
        tone=neutralize_tags(plan.tone),
        measure=format_measure(plan, prompts),
        instruction=neutralize_tags(resolve_instruction(instruction, prompts.presets)),
        brief=format_brief(plan, prompts),
        draft=neutralize_tags((draft or part).strip()),
        part=neutralize_tags(part.strip()),
        references=format_references(references, prompts),
    )
    return _messages(prompts, user)


def polish_messages(plan: SpeechPlan, prompts: PromptSet, *, draft: str) -> list[dict]:
    """Messages asking to polish a whole draft, keeping every fact and the structure."""
    if not (draft or "").strip():
        raise PromptError("讲话稿不能为空", template="polish.md", variable="draft")
    user = prompts["polish"].render(
        kind_name=plan.kind.name,
        tone=neutralize_tags(plan.tone),
        measure=format_measure(plan, prompts),
        brief=format_brief(plan, prompts),
        draft=neutralize_tags(draft.strip()),
    )
    return _messages(prompts, user)


def outline_again(prompts: PromptSet, problems: Sequence[str], sections: int) -> str:
    """The follow-up request when an outline does not have the kind's sections."""
    return prompts.part(
        "requests", "outline_again", problems="；".join(problems), count=sections, last=cn_number(sections)
    )


def length_instruction(prompts: PromptSet, current: int, wanted: int) -> str:
    """The instruction of the length adjustment pass (expand or condense to ~wanted characters)."""
    key = "expand" if wanted > current else "condense"
    return prompts.part("requests", key, current=current, wanted=wanted)


def fix_part_instruction(prompts: PromptSet, problems: Sequence[str]) -> str:
    """The request that re-asks a part with the specific problems the conformance pass found."""
    listed = "\n".join(f"{n}. {m}" for n, m in enumerate(problems, start=1))
    return prompts.part("requests", "fix_part", problems=listed)
