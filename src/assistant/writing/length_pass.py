"""The one length pass of a finished draft: the part furthest from its target rewritten, if that helps."""

from __future__ import annotations

from collections.abc import Sequence

from assistant.domain.models import Draft, SearchHit, count_chars, speech_chars
from assistant.domain.plan import SpeechPlan
from assistant.writing.change_guard import check_change
from assistant.writing.conformance import broken_by
from assistant.writing.events import PartDone
from assistant.writing.model_calls import ModelCalls, stage_label
from assistant.writing.outline import MIN_PART_CHARS, OutlinePlan
from assistant.writing.prompts.messages import length_instruction, revise_messages
from assistant.writing.prompts.templates import PromptSet

__all__ = ["LENGTH_TOLERANCE", "adjust_length"]

#: Share of the target length the finished speech may miss by before one adjustment pass.
LENGTH_TOLERANCE = 0.15


def adjust_length(
    draft: Draft,
    plan: SpeechPlan,
    prompts: PromptSet,
    outlined: OutlinePlan,
    s: ModelCalls,
    part_refs: Sequence[Sequence[SearchHit]],
) -> Draft:
    """One pass: when the total is more than ±15% off, rewrite the part furthest from its target."""
    target = plan.length
    actual = speech_chars(draft)
    if abs(actual - target) <= LENGTH_TOLERANCE * target:
        return draft
    offset = len(draft.parts) - len(outlined.parts)  # title and salutation come first
    worst = max(
        range(len(outlined.parts)),
        key=lambda i: abs(count_chars(draft.parts[offset + i].text) - outlined.parts[i].target),
    )
    planned, part = outlined.parts[worst], draft.parts[offset + worst]
    current = count_chars(part.text)
    wanted = max(MIN_PART_CHARS, current + target - actual)
    label = stage_label(planned.role, planned.number)
    s.warn(
        f"全文约 {actual} 字，与目标 {target} 字相差 {abs(actual - target) / target:.0%}，"
        f"正在{'扩写' if wanted > current else '压缩'}{label}。"
    )
    messages = revise_messages(
        plan,
        prompts,
        draft=draft.text,
        part=part.text,
        instruction=length_instruction(prompts, current, wanted),
        references=part_refs[worst] if worst < len(part_refs) else [],
    )
    text = s.write_part(
        messages,
        index=offset + worst,
        role=planned.role,
        number=planned.number,
        heading=planned.heading,
        title=draft.title,
        target=wanted,
        adjusting=True,
    )
    candidate = draft.model_copy(deep=True)
    candidate.parts[offset + worst] = part.model_copy(update={"text": text})
    new_total = speech_chars(candidate)
    broken = broken_by(draft, candidate, plan, offset + worst)
    if broken:
        s.warn(f"篇幅调整的结果打乱了结构（{broken[0]}），保留调整前的{label}。")
        s.emit(PartDone(part, offset + worst))
        return draft
    guarded = check_change(draft, candidate, plan.brief)
    if not guarded.ok:
        s.warn(f"篇幅调整的结果未通过核对（{guarded.summary()}），保留调整前的{label}。")
        s.emit(PartDone(part, offset + worst))
        return draft
    if abs(new_total - target) >= abs(actual - target):
        s.warn(f"篇幅调整没有改善（调整后约 {new_total} 字），保留调整前的{label}。")
        s.emit(PartDone(part, offset + worst))
        return draft
    s.emit(PartDone(candidate.parts[offset + worst], offset + worst))
    if abs(new_total - target) > LENGTH_TOLERANCE * target:
        s.warn(f"调整后全文约 {new_total} 字，仍与目标 {target} 字相差较大，请按需手动修改。")
    return candidate
