"""The LLM pipeline: references per part → outline → each part in turn (streamed) → one length pass.

Every model call goes through :class:`ModelCalls`, so streaming, <think> stripping, automatic
continuation on ``finish_reason == "length"`` and Chinese error messages come from one place.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from langchain_core.language_models import BaseChatModel

from assistant.domain.kinds import MeetingKind
from assistant.domain.models import Draft, DraftPart, SearchHit, count_chars, shortfall
from assistant.domain.numbering import heading_line
from assistant.domain.plan import SpeechPlan
from assistant.library.protocol import SearchLibrary
from assistant.library.references import (
    DEFAULT_REF_CHARS,
    DEFAULT_REFS_PER_PART,
    outline_references,
    part_references,
    retrieve_references,
)
from assistant.llm import LLMError, config_of
from assistant.writing.conformance import conform
from assistant.writing.events import (
    DraftError,
    DraftFinished,
    DraftInterrupted,
    EventCallback,
    OutlineDone,
    OutlineStarted,
    OutlineToken,
    PartDone,
    PartStarted,
    PartToken,
)
from assistant.writing.length_pass import adjust_length
from assistant.writing.model_calls import ModelCalls, interrupted, stage_label
from assistant.writing.outline import OutlinePlan, PlannedPart, plan_outline
from assistant.writing.prompts.messages import (
    DEFAULT_WRITTEN_CHARS,
    outline_again,
    outline_messages,
    section_messages,
)
from assistant.writing.prompts.model_text import StreamCleaner
from assistant.writing.prompts.templates import PromptSet

#: Characters per token assumed for Chinese text when estimating prompt sizes.
CHARS_PER_TOKEN = 1.5
SALUTATION = "同志们："


def estimate_tokens(text_or_chars: str | int) -> int:
    """Estimated tokens of Chinese text at ~1.5 characters per token."""
    n = text_or_chars if isinstance(text_or_chars, int) else len(text_or_chars)
    return math.ceil(n / CHARS_PER_TOKEN)


def _outline(
    s: ModelCalls,
    plan: SpeechPlan,
    prompts: PromptSet,
    refs: dict[str, list[SearchHit]],
    max_ref_chars: int,
    kinds: Mapping[str, MeetingKind] | None = None,
) -> OutlinePlan:
    """The model's outline, asked again once when it lacks the kind's sections or is about another subject."""
    messages = outline_messages(plan, prompts, outline_references(refs, max_ref_chars))
    result_plan: OutlinePlan | None = None
    for attempt in (1, 2):
        s.emit(OutlineStarted(attempt))
        cleaner = StreamCleaner()

        def on_outline(piece: str, c: StreamCleaner = cleaner) -> None:
            out = c.feed(piece)
            if out:
                s.emit(OutlineToken(out))

        try:
            result = s.chat(messages, on_outline)
        except LLMError as e:
            cleaner.flush()
            e.partial_text = cleaner.text
            raise
        tail = cleaner.flush()
        if tail:
            s.emit(OutlineToken(tail))
        result_plan = plan_outline(cleaner.text, plan, lenient=attempt == 2, kinds=kinds)
        if not result_plan.problems:
            break
        if attempt == 1:
            s.warn(f"提纲不符合要求（{'；'.join(result_plan.problems)}），正在重新生成提纲。")
            messages = [
                *messages,
                {"role": "assistant", "content": result.text},
                {
                    "role": "user",
                    "content": outline_again(prompts, result_plan.problems, len(plan.kind.body_roles)),
                },
            ]
    assert result_plan is not None
    if result_plan.fallback:
        s.warn(
            f"重新生成的提纲仍不符合要求（{'；'.join(result_plan.problems)}），"
            "已改用本类约谈的标准结构和标题起草。"
        )
    elif result_plan.problems:
        s.warn(f"提纲与标准结构不完全一致（{'；'.join(result_plan.problems)}），已按提纲起草。")
    return result_plan


def draft_speech(
    plan: SpeechPlan,
    library: SearchLibrary | None,
    model: BaseChatModel,
    prompts: PromptSet,
    on_event: EventCallback | None = None,
    outline: str | None = None,
    *,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_ref_chars: int = DEFAULT_REF_CHARS,
    max_written_chars: int = DEFAULT_WRITTEN_CHARS,
    adjust_length: bool = True,
    outline_only: bool = False,
    fix_parts: bool = True,
    kinds: Mapping[str, MeetingKind] | None = None,
) -> Draft:
    """Write a speech: retrieve per role, outline (or use ``outline``), write part by part, adjust length.

    ``outline_only`` stops after the outline (Draft.outline), so the user can edit it first.
    ``kinds``: every meeting kind, to tell an outline about another subject (default: the bundled ones).
    Raises DraftInterrupted (an LLMError) with the partial draft when the model fails.
    """
    started = time.monotonic()
    s = ModelCalls(model, on_event)
    cfg = config_of(model)
    base = Draft(
        kind=plan.kind.id,
        mode="llm",
        label=f"大模型起草（{cfg.label}）" if cfg else "大模型起草",
        provider=cfg.provider if cfg else "",
        model=cfg.model if cfg else str(getattr(model, "model_name", "")),
        created_at=datetime.now().isoformat(timespec="seconds"),
        brief=plan.brief.model_dump(mode="json"),
        target_chars=plan.length,
    )
    used: set[str] = set()
    refs = retrieve_references(
        plan, library, per_part=per_part, max_chars=max_ref_chars, used=used, warn=s.warn
    )

    if outline is not None:
        outlined = plan_outline(outline, plan, edited=True)
        if outlined.fallback:
            raise DraftError("提纲中没有找到一级标题（一、二、三……），无法按提纲起草。请检查提纲格式。")
        if outlined.problems:
            s.warn(f"提纲与本类约谈的标准结构不完全一致（{'；'.join(outlined.problems)}），已按提纲起草。")
    else:
        try:
            outlined = _outline(s, plan, prompts, refs, max_ref_chars, kinds)
        except LLMError as e:
            # An outline cut short is not followed: resuming starts the draft over.
            partial = base.model_copy(update={"status": "interrupted"})
            raise interrupted(e, "生成提纲", partial, e.partial_text) from e
    s.emit(OutlineDone(outlined.text, outlined.title))
    if outline_only:
        return base.model_copy(
            update={"outline": outlined.text, "title": outlined.title, "usage": s.usage_with()}
        )

    parts: list[DraftPart] = []
    for role, text in (("title", outlined.title), ("salutation", SALUTATION)):
        parts.append(DraftPart(role=role, text=text))
        _show(s, parts[-1], len(parts) - 1)
    options = _Options(per_part, max_ref_chars, max_written_chars, adjust_length, fix_parts)
    w = _Writing(s, plan, library, prompts, options, base, outlined, refs, used, started)
    return _write_parts(w, parts)


def resume_draft(
    partial: Draft,
    plan: SpeechPlan,
    library: SearchLibrary | None,
    model: BaseChatModel,
    prompts: PromptSet,
    on_event: EventCallback | None = None,
    *,
    per_part: int = DEFAULT_REFS_PER_PART,
    max_ref_chars: int = DEFAULT_REF_CHARS,
    max_written_chars: int = DEFAULT_WRITTEN_CHARS,
    adjust_length: bool = True,
    fix_parts: bool = True,
) -> Draft:
    """Go on with an interrupted draft: finish the part that was cut, then write the rest.

    Parts already complete are kept byte for byte; without an outline the draft starts over.
    """
    if not partial.outline.strip():
        return draft_speech(
            plan, library, model, prompts, on_event, adjust_length=adjust_length, fix_parts=fix_parts
        )
    started = time.monotonic()
    s = ModelCalls(model, on_event)
    base = partial.model_copy(update={"parts": [], "status": "done", "target_chars": partial.target_chars or plan.length})
    outlined = plan_outline(partial.outline, plan, edited=True)
    if partial.title:
        outlined.title = partial.title
    used: set[str] = {c for p in partial.parts for c in p.sources}
    refs = retrieve_references(
        plan, library, per_part=per_part, max_chars=max_ref_chars, used=used, warn=s.warn
    )
    parts = [p.model_copy() for p in partial.parts]
    if not parts or parts[0].role != "title":
        parts = [DraftPart(role="title", text=outlined.title), DraftPart(role="salutation", text=SALUTATION)]
    for i, p in enumerate(parts):
        if p.complete:  # a cut part is shown again as it is finished
            _show(s, p, i)
    options = _Options(per_part, max_ref_chars, max_written_chars, adjust_length, fix_parts)
    w = _Writing(s, plan, library, prompts, options, base, outlined, refs, used, started)
    return _write_parts(w, parts)


def _show(s: ModelCalls, part: DraftPart, index: int) -> None:
    """Report a part that is already written (no model call) as the streamed parts are reported."""
    s.emit(PartStarted(part.role, part.number, part.heading, index, 0))
    s.emit(PartToken(part.text, index))
    s.emit(PartDone(part, index))


@dataclass(frozen=True)
class _Options:
    """The caller's settings of one run of :func:`draft_speech` or :func:`resume_draft`."""

    per_part: int
    max_ref_chars: int
    max_written_chars: int
    adjust_length: bool
    fix_parts: bool


@dataclass(frozen=True)
class _Writing:
    """What writing the parts of one draft needs at every step, built once its outline is known."""

    s: ModelCalls
    plan: SpeechPlan
    library: SearchLibrary | None
    prompts: PromptSet
    options: _Options
    base: Draft  # kind, model, brief and the usage of an interrupted run: the same in every result
    outlined: OutlinePlan
    refs: dict[str, list[SearchHit]]
    used: set[str]  # shared with the searches, so no two parts are given the same passage
    started: float

    def draft(self, parts: list[DraftPart]) -> Draft:
        """The draft with these parts, its usage and its time so far."""
        base = self.base
        return base.model_copy(
            update={
                "title": self.outlined.title,
                "outline": self.outlined.text,
                "parts": list(parts),
                "usage": self.s.usage_with(base.usage),
                "elapsed_s": round(base.elapsed_s + time.monotonic() - self.started, 3),
            }
        )


def _write_parts(w: _Writing, parts: list[DraftPart]) -> Draft:
    """Write every planned part after the ones in ``parts`` (finishing an incomplete last one)."""
    head = 2  # title and salutation
    cut = parts.pop() if len(parts) > head and not parts[-1].complete else None
    part_refs: list[list[SearchHit]] = []
    for n, planned in enumerate(w.outlined.parts):
        if n < len(parts) - head:
            part_refs.append([])  # written before an interruption
            continue
        part, hits = _write_part(w, planned, parts, cut)
        cut = None
        parts.append(part)
        part_refs.append(hits)
        w.s.emit(PartDone(part, len(parts) - 1))
    return _complete(w, parts, part_refs)


def _part_hits(w: _Writing, planned: PlannedPart) -> list[SearchHit]:
    """The references of a planned part: its role's, or a search by its heading for an extra part."""
    hits = w.refs.get(planned.role)
    if hits is None or planned.role == "other":
        hits = part_references(
            w.library, w.plan, "other", heading=planned.heading, used=w.used,
            per_part=w.options.per_part, max_chars=w.options.max_ref_chars, warn=w.s.warn,
        )  # fmt: skip
    return hits


def _write_part(
    w: _Writing, planned: PlannedPart, parts: list[DraftPart], cut: DraftPart | None
) -> tuple[DraftPart, list[SearchHit]]:
    """Stream one planned part after ``parts``; returns it and the references it was given.

    ``cut`` is the part an interruption cut short: the model goes on from its text. Raises
    DraftInterrupted with everything written so far when the model fails.
    """
    hits = _part_hits(w, planned)
    messages = section_messages(
        w.plan,
        w.prompts,
        role=planned.role,
        outline=w.outlined.text,
        written="\n".join(p.text for p in parts),
        references=hits,
        heading=planned.heading if planned.number else None,
        number=planned.number or None,
        target_chars=planned.target,
        max_written_chars=w.options.max_written_chars,
    )
    sources = [h.chunk_id for h in hits if h.chunk_id]
    resume_from = ""
    if cut is not None:
        resume_from, sources = cut.text, cut.sources or sources
    try:
        text = w.s.write_part(
            messages,
            index=len(parts),
            role=planned.role,
            number=planned.number,
            heading=planned.heading,
            title=w.outlined.title,
            target=planned.target,
            resume_from=resume_from,
        )
    except LLMError as e:
        raise _cut_short(w, planned, parts, sources, e) from e
    bare = heading_line(planned.number, planned.heading) if planned.number else ""
    if count_chars(text) <= count_chars(bare):
        w.s.warn(f"模型没有返回{stage_label(planned.role, planned.number)}的内容。")
    part = DraftPart(
        role=planned.role, number=planned.number, heading=planned.heading,
        text=text, sources=sources,
    )  # fmt: skip
    return part, hits


def _cut_short(
    w: _Writing, planned: PlannedPart, parts: list[DraftPart], sources: list[str], e: LLMError
) -> DraftInterrupted:
    """The interruption of a part: the draft so far, keeping what the model wrote of the part."""
    done = list(parts)
    if e.partial_text.strip():
        done.append(
            DraftPart(
                role=planned.role, number=planned.number, heading=planned.heading,
                text=e.partial_text, sources=sources, complete=False,
            )  # fmt: skip
        )
    partial = w.draft(done).model_copy(update={"status": "interrupted"})
    stage = f"撰写{stage_label(planned.role, planned.number)}"
    return interrupted(e, stage, partial, partial.text)


def _complete(w: _Writing, parts: list[DraftPart], part_refs: list[list[SearchHit]]) -> Draft:
    """The written parts as a finished draft: one length pass, the form checked, DraftFinished sent."""
    s = w.s
    draft = w.draft(parts)
    if w.options.adjust_length:
        try:
            draft = adjust_length(draft, w.plan, w.prompts, w.outlined, s, part_refs)
        except LLMError as e:
            s.warn(f"篇幅调整失败，保留调整前的稿子：{e.message}")
        draft = w.draft(draft.parts)
    shown = [h for hits in [*w.refs.values(), *part_refs] for h in hits]
    offset = len(draft.parts) - len(part_refs)  # title and salutation come first

    def hits_of(index: int) -> Sequence[SearchHit]:
        return part_refs[index - offset] if 0 <= index - offset < len(part_refs) else []

    references = [f"{h.title}\n{h.text}" for h in shown]
    draft = conform(draft, w.plan, w.prompts, s, references, hits_of, reask=w.options.fix_parts)
    draft = w.draft(draft.parts).model_copy(update={"warnings": draft.warnings})
    short = shortfall(draft)
    if short is not None:
        # Said once here and again in the version's reason: a clerk must not take it for a full draft.
        message = f"全文约 {short.chars:,} 字，要求 {short.target:,} 字，未达篇幅（仅 {short.share:.0%}），请补写或重新生成。"
        s.warn(message)
        draft = draft.model_copy(update={"warnings": [*draft.warnings, message]})
    s.emit(DraftFinished(draft, s.llm_s, max(0.0, time.monotonic() - w.started - s.llm_s), s.calls))
    return draft
