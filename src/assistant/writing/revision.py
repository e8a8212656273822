"""Revising a draft: one part, one passage, or the whole (polish), leaving everything else intact."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel

from assistant.domain.brief import Brief
from assistant.domain.kinds import MeetingKind
from assistant.domain.models import ROLE_LABELS, Draft, DraftPart, SearchHit
from assistant.domain.numbering import heading_line
from assistant.domain.plan import SpeechPlan, plan_for_draft
from assistant.domain.text_diff import text_diff
from assistant.intake.parsing import parse_speech
from assistant.library.protocol import SearchLibrary
from assistant.library.references import DEFAULT_REFS_PER_PART, QUERY_MAX_CHARS, part_references
from assistant.llm import config_of
from assistant.writing.change_guard import ChangeCheck, check_change
from assistant.writing.conformance import broken_by
from assistant.writing.events import (
    DraftError,
    DraftWarning,
    EventCallback,
    PartDone,
    PartStarted,
    PartToken,
)
from assistant.writing.model_calls import ModelCalls, answer_cap
from assistant.writing.prompts.messages import polish_messages, revise_messages
from assistant.writing.prompts.model_text import StreamCleaner, clean_model_text, section_head
from assistant.writing.prompts.templates import PromptSet, resolve_instruction


@dataclass
class RevisionResult:
    """A revised draft (a proposal until ``check`` is ok or the clerk takes it anyway) and its diff."""

    draft: Draft
    old_text: str
    new_text: str
    diff: str
    index: int = 0  # position of the changed part in draft.parts
    warnings: list[DraftWarning] = field(default_factory=list)
    check: ChangeCheck = field(default_factory=ChangeCheck)


@dataclass
class PolishResult:
    """A polished draft, or the original with a warning; ``proposal`` is the polished one either way."""

    draft: Draft
    old_text: str
    new_text: str
    diff: str
    applied: bool
    missing: list[str] = field(default_factory=list)
    warnings: list[DraftWarning] = field(default_factory=list)
    proposal: Draft | None = None  # None when the polished text could not be mapped onto the parts
    check: ChangeCheck = field(default_factory=ChangeCheck)


ORIGINAL, PROPOSAL = "原稿", "修改稿"  # how the marks name the two texts
#: A revision's answer may be this long whatever the part's length ("扩写到3000字" of a short part).
REVISE_CAP_FLOOR = 10_000
#: Used when the model carries no settings: ASSISTANT_LLM_MAX_PROMPT_CHARS' default.
DEFAULT_PROMPT_CHARS = 60_000


def _prompt_budget(model: BaseChatModel) -> int:
    config = config_of(model)
    return config.max_prompt_chars if config else DEFAULT_PROMPT_CHARS


def _sendable(text: str, what: str, budget: int, share: int) -> None:
    """Refuse (Chinese, naming the setting) a text of the user's own too long to send for revision."""
    limit = budget // share
    if len(text) > limit:
        raise DraftError(
            f"{what}有 {len(text)} 字，超过了一次修改可以发给模型的上限（{limit} 字，"
            f"即 ASSISTANT_LLM_MAX_PROMPT_CHARS 的 1/{share}），没有发送，原文未改动。"
            "请先删减或拆分后再修改；若所用模型的上下文足够长，也可调大 ASSISTANT_LLM_MAX_PROMPT_CHARS（单位：字）。"
        )


def draft_context(full: str, part: str, limit: int) -> str:
    """The draft as the context of revising ``part``: whole when short, else the lines around the part."""
    if len(full) <= limit:
        return full
    at = max(full.find(part), 0)
    room = max(limit - len(part), 0) // 2
    start, end = max(at - room, 0), min(at + len(part) + room, len(full))
    if start:
        nl = full.find("\n", start, at)
        start = nl + 1 if nl >= 0 else start  # begin at a line start when one is near
    if end < len(full):
        nl = full.rfind("\n", at + len(part), end)
        end = nl if nl >= 0 else end
    return ("……（前文从略）\n" if start else "") + full[start:end] + ("\n……（后文从略）" if end < len(full) else "")
_SECTION_NAMES = {"opening": 0, "开场": 0, "开场白": 0, "closing": -1, "结束语": -1, "结尾": -1}


def part_position(draft: Draft, index: int | str) -> int:
    """Position in draft.parts of section ``index`` (1..n), 0/"opening" = opening, -1/"closing" = closing."""
    if isinstance(index, str):
        key = index.strip()
        if key in _SECTION_NAMES:
            index = _SECTION_NAMES[key]
        else:
            try:
                index = int(key)
            except ValueError:
                raise DraftError(
                    f"无法识别要修改的部分“{key}”：请填写一级标题序号（1、2……），0 表示开场白，-1 表示结束语。"
                ) from None
    sections = [i for i, p in enumerate(draft.parts) if p.number > 0]
    if index == 0 or index == -1:
        role = "opening" if index == 0 else "closing"
        for i, p in enumerate(draft.parts):
            if p.role == role:
                return i
        raise DraftError(f"这篇讲话稿没有{'开场白' if index == 0 else '结束语'}，无法修改。")
    if 1 <= index <= len(sections):
        return sections[index - 1]
    raise DraftError(
        f"第 {index} 部分不存在：这篇讲话稿共有 {len(sections)} 个一级标题"
        f"（可填 1–{len(sections)}；0 表示开场白，-1 表示结束语）。"
    )


def _revision_refs(
    library: SearchLibrary | None,
    plan: SpeechPlan,
    part: DraftPart,
    instruction: str,
    exclude: Collection[str] = (),
    pinned: Sequence[SearchHit] = (),
) -> list[SearchHit]:
    """The part's references: ``pinned`` first, then found ones; nothing whose chunk or point is in ``exclude``."""
    query = f"{part.heading or ROLE_LABELS.get(part.role, '')}；{instruction}"[:QUERY_MAX_CHARS]
    # select_references skips what is marked used: excluded passages and the pinned ones (no twice).
    used = set(exclude) | {key for h in pinned for key in (h.chunk_id, h.unit) if key}
    found = part_references(library, plan, part.role, query=query, used=used)
    return [*pinned, *found][: max(DEFAULT_REFS_PER_PART, len(pinned))]


def _replace_part(
    draft: Draft, pos: int, text: str, heading: str, hits: Sequence[SearchHit], s: ModelCalls
) -> RevisionResult:
    """A copy of the draft with one part's text replaced; every other part is untouched."""
    part = draft.parts[pos]
    new_part = part.model_copy(
        update={
            "text": text,
            "heading": heading,
            "sources": list(dict.fromkeys([*part.sources, *(h.chunk_id for h in hits if h.chunk_id)])),
        }
    )
    new_draft = draft.model_copy(deep=True)
    new_draft.parts[pos] = new_part
    new_draft.usage = s.usage_with(draft.usage)
    s.emit(PartDone(new_part, pos))
    return RevisionResult(new_draft, part.text, text, text_diff(part.text, text, ORIGINAL, PROPOSAL), pos, s.warnings)


def _guarded(result: RevisionResult, before: Draft, brief: Brief) -> RevisionResult:
    """The result with the change guard's verdict (a warning per problem, the check kept)."""
    check = check_change(before, result.draft, brief)
    result.check = check
    result.warnings = [*result.warnings, *(DraftWarning(p) for p in check.problems)]
    return result


# ---------------------------------------------------------------- polishing


def _polished_parts(draft: Draft, text: str) -> list[DraftPart] | None:
    """Map polished text back onto the draft's parts; None when the structure changed."""
    doc = parse_speech(text)
    secs = [s for s in doc.sections if s.heading]
    old_secs = draft.sections()
    if len(secs) != len(old_secs):
        return None
    roles = {p.role for p in draft.parts}
    if ("opening" in roles and not doc.opening) or ("closing" in roles and not doc.closing):
        return None
    new_secs = iter(secs)
    out: list[DraftPart] = []
    for p in draft.parts:
        if p.number > 0:
            sec = next(new_secs)
            heading = sec.heading.strip().rstrip("。")
            body = "\n".join(sec.paragraphs)
            text_ = heading_line(p.number, heading) + ("\n" + body if body else "")
            out.append(p.model_copy(update={"text": text_, "heading": heading}))
        elif p.role == "title":
            out.append(p.model_copy(update={"text": doc.title or p.text}))
        elif p.role == "opening":
            out.append(p.model_copy(update={"text": doc.opening}))
        elif p.role == "closing":
            out.append(p.model_copy(update={"text": doc.closing}))
        else:
            out.append(p.model_copy())
    return out


@dataclass
class Reviser:
    """Revises drafts with a chat model: one part, one passage, or the whole (polish)."""

    model: BaseChatModel
    prompts: PromptSet
    kinds: dict[str, MeetingKind]

    def part(
        self,
        draft: Draft,
        index: int | str,
        instruction: str,
        *,
        brief: Brief | None = None,
        library: SearchLibrary | None = None,
        on_event: EventCallback | None = None,
        exclude: Collection[str] = (),
        pinned: Sequence[SearchHit] = (),
    ) -> RevisionResult:
        """Rewrite one part (1..n = section, 0 = opening, -1/"closing" = closing); others stay identical.

        ``exclude``: chunk ids (or point ids) never given to the model for this part, and dropped
        from its sources; ``pinned``: passages always given to it, first.
        """
        plan = plan_for_draft(draft, self.kinds, brief)
        pos = part_position(draft, index)
        part = draft.parts[pos]
        if exclude:
            part = part.model_copy(update={"sources": [c for c in part.sources if c not in set(exclude)]})
            draft = draft.model_copy(deep=True)
            draft.parts[pos] = part
        budget = _prompt_budget(self.model)
        _sendable(part.text, "要修改的这一部分", budget, 3)
        text = resolve_instruction(instruction, self.prompts.presets)
        hits = _revision_refs(library, plan, part, text, exclude, pinned)
        # The rest of the draft is context: a quarter of the budget at most, around the part.
        context = draft_context(draft.text, part.text, budget // 4 + len(part.text))
        messages = revise_messages(
            plan, self.prompts, draft=context, part=part.text, instruction=text, references=hits
        )
        s = ModelCalls(self.model, on_event)
        found: list[str] = []
        body = s.write_part(
            messages,
            index=pos,
            role=part.role,
            number=part.number,
            heading=part.heading,
            title=draft.title,
            target=0,
            adjusting=True,
            found_heading=found,
            with_heading=False,
            reask=False,
            max_chars=answer_cap(len(part.text), REVISE_CAP_FLOOR),
        )
        if s.last_cut:
            raise DraftError(
                f"修改结果写到了其他部分（“{s.last_cut}”），会打乱讲话稿的结构，原文未改动。"
                "请重试或换一种修改要求。"
            )
        if not body.strip():
            raise DraftError("模型没有返回修改后的内容，原文未改动。请重试或换一种修改要求。")
        heading = part.heading
        if part.number:
            # The revise prompt allows a reworded heading; its number always stays.
            heading = (found[0] if found else part.heading).strip().rstrip("。")
            body = heading_line(part.number, heading) + "\n" + body
        result = _replace_part(draft, pos, body, heading, hits, s)
        broken = broken_by(draft, result.draft, plan, pos)
        if broken:
            raise DraftError(
                f"修改结果会打乱讲话稿的结构（{broken[0]}），原文未改动。请重试或换一种修改要求。"
            )
        return _guarded(result, draft, plan.brief)

    def passage(
        self,
        draft: Draft,
        passage: str,
        instruction: str,
        *,
        brief: Brief | None = None,
        library: SearchLibrary | None = None,
        on_event: EventCallback | None = None,
    ) -> RevisionResult:
        """Rewrite a selected passage (it must occur exactly once, inside one part)."""
        passage = (passage or "").strip()
        if not passage:
            raise DraftError("请先选中要修改的文字。")
        full = draft.text
        count = full.count(passage)
        if count == 0:
            raise DraftError("所选文字在讲话稿中没有找到，请确认与原文完全一致（包括标点）。")
        if count > 1:
            raise DraftError(f"所选文字在讲话稿中出现了 {count} 次，请多选一些上下文，使它只出现一次。")
        positions = [i for i, p in enumerate(draft.parts) if passage in p.text]
        if not positions:
            raise DraftError("所选文字跨越了两个部分，请只选择同一部分内的文字。")
        pos = positions[0]
        part = draft.parts[pos]
        plan = plan_for_draft(draft, self.kinds, brief)
        budget = _prompt_budget(self.model)
        _sendable(passage, "所选文字", budget, 3)
        text = resolve_instruction(instruction, self.prompts.presets)
        hits = _revision_refs(library, plan, part, text)
        context = draft_context(full, passage, budget // 4 + len(passage))
        messages = revise_messages(
            plan, self.prompts, draft=context, part=passage, instruction=text, references=hits
        )
        s = ModelCalls(self.model, on_event)
        s.emit(PartStarted(part.role, part.number, part.heading, pos, 0, True))

        cleaner = StreamCleaner()

        def on_token(piece: str) -> None:
            out = cleaner.feed(piece)
            if out:
                s.emit(PartToken(out, pos))

        s.chat(messages, on_token, max_chars=answer_cap(len(passage), REVISE_CAP_FLOOR))
        cleaner.flush()
        new_passage = cleaner.text.strip()
        if not new_passage:
            raise DraftError("模型没有返回修改后的内容，原文未改动。请重试或换一种修改要求。")
        new_text = part.text.replace(passage, new_passage, 1)
        heading = part.heading
        if part.number:
            # Keep exactly one correctly numbered heading line even if the passage touched it.
            found: list[str] = []
            body = clean_model_text(new_text, section_head(part.heading, found))
            heading = (found[0] if found else part.heading).strip().rstrip("。")
            new_text = heading_line(part.number, heading) + ("\n" + body if body else "")
        return _guarded(_replace_part(draft, pos, new_text, heading, hits, s), draft, plan.brief)

    def polish(
        self, draft: Draft, *, brief: Brief | None = None, on_event: EventCallback | None = None
    ) -> PolishResult:
        """Polish the whole draft; if a brief fact or the structure is lost, keep the original and warn."""
        plan = plan_for_draft(draft, self.kinds, brief)
        brief = plan.brief
        old = draft.text
        _sendable(old, "讲话稿", _prompt_budget(self.model), 2)
        messages = polish_messages(plan, self.prompts, draft=old)
        s = ModelCalls(self.model, on_event)
        # A polished draft is about as long as the draft: twice that (or the floor) is a runaway.
        result = s.chat(messages, None, max_chars=max(2 * len(old), REVISE_CAP_FLOOR))
        polished = clean_model_text(result.text)
        parts = _polished_parts(draft, polished)
        usage = s.usage_with(draft.usage)
        if parts is None:
            problem = "润色稿的结构（一级标题、开场或结束语）与原稿不一致"
            w = DraftWarning(problem + "，已保留原稿。")
            s.emit(w)
            kept = draft.model_copy(update={"usage": usage})
            diff = text_diff(old, polished, ORIGINAL, PROPOSAL)
            return PolishResult(kept, old, polished, diff, False, [], [w], None, ChangeCheck((problem,)))
        new_draft = draft.model_copy(deep=True)
        new_draft.parts = parts
        new_draft.usage = usage
        new_text = new_draft.text
        check = check_change(draft, new_draft, brief)
        diff = text_diff(old, new_text, ORIGINAL, PROPOSAL)
        if not check.ok:
            w = DraftWarning("润色稿未通过核对：" + check.summary() + "。已保留原稿。")
            s.emit(w)
            kept = draft.model_copy(update={"usage": usage})
            return PolishResult(kept, old, new_text, diff, False, list(check.lost), [w], new_draft, check)
        return PolishResult(new_draft, old, new_text, diff, True, proposal=new_draft, check=check)
