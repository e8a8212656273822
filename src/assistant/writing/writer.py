"""One entry point for writing: the core decides between the LLM and the offline composer.

The page and the CLI call :func:`choose_writer` (and :func:`choose_reviser`) and never decide
themselves; a writer resolves the brief into one :class:`SpeechPlan` and writes from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from langchain_core.language_models import BaseChatModel

from assistant.domain.brief import Brief
from assistant.domain.kinds import MeetingKind, default_kinds
from assistant.domain.models import Draft, shortfall
from assistant.domain.plan import SpeechPlan, make_plan, plan_for_draft
from assistant.library.protocol import SearchLibrary
from assistant.llm import LLMConfig, make_chat_model, resolve_llm
from assistant.support.config import Settings
from assistant.writing.change_guard import check_change, guard_warnings
from assistant.writing.conformance import check_draft, with_warnings
from assistant.writing.drafting import draft_speech, resume_draft
from assistant.writing.events import DraftError, DraftWarning, EventCallback, Notice
from assistant.writing.offline import OFFLINE_LABEL, OFFLINE_MODE, compose_offline
from assistant.writing.prompts.templates import PromptSet, default_prompts
from assistant.writing.revision import Reviser

NO_LLM_NOTICE = (
    "未配置大模型，使用离线组稿：按约谈要素和范文库拼接初稿，请务必人工修改"
    "（如需大模型起草，请设置 OPENAI_API_KEY，或 ASSISTANT_PROVIDER / OPENAI_BASE_URL，或在“设置”页填写）。"
)
OFFLINE_CHOSEN_NOTICE = "使用离线组稿（未使用大模型）。"
REVISION_NEEDS_LLM = (
    "未配置大模型，无法按要求修改：请设置 OPENAI_API_KEY（或 ASSISTANT_PROVIDER / OPENAI_BASE_URL），"
    "或在“设置”页填写模型服务后重试。"
)


class Writer(Protocol):
    """Writes a speech from a brief; ``mode`` is "llm" or "offline"."""

    mode: str
    label: str
    notice: str  # why this writer was chosen, shown once ("" when nothing needs saying)
    can_outline: bool  # whether an outline can be proposed and edited before the speech

    def write(
        self,
        brief: Brief,
        library: SearchLibrary | None,
        on_event: EventCallback | None = None,
        *,
        outline: str | None = None,
        outline_only: bool = False,
    ) -> Draft:
        """The draft (or, with outline_only, a draft holding just the proposed outline)."""
        ...

    def resume(
        self, partial: Draft, library: SearchLibrary | None, on_event: EventCallback | None = None
    ) -> Draft:
        """Finish an interrupted draft."""
        ...


def _plan(brief: Brief, kinds: dict[str, MeetingKind], on_event: EventCallback | None) -> SpeechPlan:
    plan = make_plan(brief, kinds)
    if plan.kind_notice and on_event is not None:
        on_event(Notice(plan.kind_notice))
    return plan


@dataclass
class LLMWriter:
    """Drafts with a chat model: outline first, then part by part, streamed."""

    model: BaseChatModel
    prompts: PromptSet
    kinds: dict[str, MeetingKind]
    config: LLMConfig | None = None
    notice: str = ""
    mode: str = "llm"
    can_outline: bool = True

    @property
    def label(self) -> str:
        """大模型起草（provider · model）."""
        return f"大模型起草（{self.config.label}）" if self.config else "大模型起草"

    def write(
        self,
        brief: Brief,
        library: SearchLibrary | None,
        on_event: EventCallback | None = None,
        *,
        outline: str | None = None,
        outline_only: bool = False,
    ) -> Draft:
        """Draft with the model; DraftInterrupted carries the partial draft when the model fails."""
        plan = _plan(brief, self.kinds, on_event)
        return draft_speech(
            plan, library, self.model, self.prompts, on_event, outline, outline_only=outline_only,
            kinds=self.kinds,
        )  # fmt: skip

    def resume(
        self, partial: Draft, library: SearchLibrary | None, on_event: EventCallback | None = None
    ) -> Draft:
        """Finish an interrupted draft from where it was cut (parts already written stay as they are)."""
        plan = plan_for_draft(partial, self.kinds)
        resumed = resume_draft(partial, plan, library, self.model, self.prompts, on_event)
        return guard_warnings(partial, resumed, plan.brief, on_event)


@dataclass
class OfflineWriter:
    """Assembles a draft from the brief and the library; deterministic, no model."""

    kinds: dict[str, MeetingKind]
    notice: str = ""
    mode: str = OFFLINE_MODE
    label: str = OFFLINE_LABEL
    can_outline: bool = False

    def write(
        self,
        brief: Brief,
        library: SearchLibrary | None,
        on_event: EventCallback | None = None,
        *,
        outline: str | None = None,
        outline_only: bool = False,
    ) -> Draft:
        """The offline draft (an outline cannot be proposed or followed without a model)."""
        if outline is not None or outline_only:
            raise DraftError("按提纲起草需要大模型；离线组稿直接按本类约谈的标准结构成稿。")
        plan = _plan(brief, self.kinds, on_event)
        created = datetime.now().isoformat(timespec="seconds")
        return _checked(compose_offline(plan, library, self.kinds, created_at=created), plan, on_event)

    def resume(
        self, partial: Draft, library: SearchLibrary | None, on_event: EventCallback | None = None
    ) -> Draft:
        """The offline composer is never cut off: the draft is composed again from its brief."""
        plan = plan_for_draft(partial, self.kinds)
        created = datetime.now().isoformat(timespec="seconds")
        return _checked(compose_offline(plan, library, self.kinds, created_at=created), plan, on_event)


def _checked(draft: Draft, plan: SpeechPlan, on_event: EventCallback | None) -> Draft:
    """The offline draft with what the conformance pass finds as warnings (nothing to re-ask)."""
    draft = draft.model_copy(update={"target_chars": plan.length})
    found = check_draft(draft, plan)
    for notice in draft.warnings:  # the composer's own (a length it could not reach, and why)
        found.add(None, notice)
    for problem in check_change(None, draft, plan.brief).problems:
        found.add(None, problem)  # the composer's output goes through the same guard as any change
    short = shortfall(draft)
    if short is not None and not any("篇幅" in w for w in draft.warnings):
        found.add(None, f"全文约 {short.chars:,} 字，要求 {short.target:,} 字，未达篇幅（仅 {short.share:.0%}）。")
    if on_event is not None:
        for m in found.all():
            on_event(DraftWarning(m))
    return with_warnings(draft, found)


def choose_writer(settings: Settings, *, offline: bool = False) -> Writer:
    """The LLM writer when a chat model is configured (and offline is not asked), else offline.

    Raises LLMError (Chinese, naming the variable) when the model settings are inconsistent.
    """
    kinds = default_kinds(settings.structures_dir)
    if offline:
        return OfflineWriter(kinds, notice=OFFLINE_CHOSEN_NOTICE)
    config = resolve_llm(settings)
    if config is None:
        return OfflineWriter(kinds, notice=NO_LLM_NOTICE)
    return LLMWriter(make_chat_model(config), default_prompts(settings.prompts_dir), kinds, config)


def choose_reviser(settings: Settings) -> Reviser:
    """The reviser for the configured chat model; DraftError (Chinese) when none is configured."""
    config = resolve_llm(settings)
    if config is None:
        raise DraftError(REVISION_NEEDS_LLM)
    return Reviser(
        make_chat_model(config),
        default_prompts(settings.prompts_dir),
        default_kinds(settings.structures_dir),
    )


def revision_presets(settings: Settings) -> dict[str, str]:
    """Revision preset labels and instructions (shown even before a model is configured)."""
    return dict(default_prompts(settings.prompts_dir).presets)
