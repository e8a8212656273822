"""Model calls for one writing task: events forwarded, usage and model time totalled, parts cleaned."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.domain.models import ROLE_LABELS, Draft
from assistant.domain.numbering import cn_number, heading_line
from assistant.llm import ChatResult, LLMError, continue_chat, stream_chat
from assistant.writing.events import (
    DraftInterrupted,
    DraftWarning,
    Event,
    EventCallback,
    PartStarted,
    PartToken,
)
from assistant.writing.prompts.model_text import ResumeJoin, StreamCleaner, head_rule

#: A part's answer is cut (its text so far kept) past this many times its target length: models
#: overshoot by half at most, and a part started over is written twice; more is a model repeating
#: itself or never ending. Never below PART_CAP_FLOOR characters (short parts, a heading or two of
#: chatter), never above ASSISTANT_LLM_MAX_ANSWER_CHARS (llm/streaming.py applies it).
PART_CAP_FACTOR = 4
PART_CAP_FLOOR = 4000


def answer_cap(target: int, floor: int = PART_CAP_FLOOR) -> int | None:
    """The size cap of an answer asked to be about ``target`` characters (None: no target, the setting's cap)."""
    return max(PART_CAP_FACTOR * target, floor) if target > 0 else None


class ModelCalls:
    """Model calls with event forwarding, usage totals and model-time accounting."""

    def __init__(self, model: BaseChatModel, on_event: EventCallback | None) -> None:
        self.model = model
        self.on_event = on_event
        self.usage = {"prompt_tokens": 0, "completion_tokens": 0}
        self.calls = 0
        self.llm_s = 0.0
        self.warnings: list[DraftWarning] = []
        self.last_cut = ""  # heading of another part the last part's reply went on to

    def emit(self, event: Event) -> None:
        """Pass an event to the caller's callback."""
        if self.on_event is not None:
            self.on_event(event)

    def warn(self, message: str) -> None:
        """Record a warning and pass it on."""
        w = DraftWarning(message)
        self.warnings.append(w)
        self.emit(w)

    def chat(
        self,
        messages: Any,
        on_token: Callable[[str], Any] | None,
        resume_from: str = "",
        max_chars: int | None = None,
    ) -> ChatResult:
        """One streamed model answer (or the rest of one cut at resume_from), counted in the totals.

        ``max_chars``: the answer's size cap (see answer_cap); ASSISTANT_LLM_MAX_ANSWER_CHARS when None.
        """
        started = time.monotonic()
        try:
            if resume_from:
                result = continue_chat(self.model, messages, resume_from, on_token, max_chars=max_chars)
            else:
                result = stream_chat(self.model, messages, on_token, max_chars=max_chars)
        finally:
            self.llm_s += time.monotonic() - started
            self.calls += 1
        for key in ("prompt_tokens", "completion_tokens"):
            self.usage[key] += int(result.usage.get(key, 0))
        return result

    def usage_with(self, earlier: dict[str, int] | None = None) -> dict[str, int]:
        """Token and call totals of this session, added to an earlier draft's usage."""
        usage = dict(earlier or {})
        for key in ("prompt_tokens", "completion_tokens"):
            usage[key] = usage.get(key, 0) + self.usage[key]
        usage["total_tokens"] = usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0)
        usage["calls"] = usage.get("calls", 0) + self.calls
        return usage

    def write_part(
        self,
        messages: Any,
        *,
        index: int,
        role: str,
        number: int,
        heading: str,
        title: str,
        target: int,
        adjusting: bool = False,
        found_heading: list[str] | None = None,
        with_heading: bool = True,
        resume_from: str = "",
        reask: bool = True,
        max_chars: int | None = None,
    ) -> str:
        """Stream one part; the result is cleaned and starts with its heading line if a section.

        The answer is capped at ``max_chars`` (default: answer_cap of ``target``); past it, or past
        the call's total deadline, the LLMError keeps the cleaned text so far.

        ``resume_from``: the cleaned text of this part written before an interruption; the
        model is asked to go on from there and the result is that text plus the rest.
        A reply that goes on to another part's heading is cut there (``last_cut`` names that
        heading) and, with ``reask``, asked for once more with the reason.
        """
        attempts = 2 if reask and not resume_from else 1
        cap = max_chars or answer_cap(target)
        own = (number, heading) if number else None
        bare = heading_line(number, heading) if number else ""
        for attempt in range(attempts):
            if resume_from:
                stream = _PartStream(self, index, (role, number, heading, target), resume_from, bare)
            else:
                prefix = bare if with_heading else ""
                rule = head_rule(role, number, heading, title, found_heading)
                stream = _PartStream(self, index, (role, number, heading, target))
                # A closing's 同志们： line is a chatty habit, dropped; elsewhere the conformance
                # pass and the revision's structure check ask again or refuse.
                stream.start(StreamCleaner(rule, prefix, cut_at_heading=True, own=own, drop_salutation=role == "closing"))
            # A second attempt rewrites a part already on screen.
            self.emit(PartStarted(role, number, heading, index, target, adjusting or attempt > 0))
            if stream.shown:
                self.emit(PartToken(stream.shown, index))
            try:
                self.chat(messages, stream.feed, resume_from, max_chars=cap)
            except LLMError as e:
                e.partial_text = stream.finish(emit=False)  # cleaned, for the partial draft
                raise
            text = stream.finish()
            self.last_cut = stream.cut
            if not self.last_cut or attempt + 1 == attempts:
                break
            label = stage_label(role, number)
            self.warn(f"模型在{label}中写到了其他部分（“{self.last_cut}”），已截去并重新生成{label}。")
            messages = [
                *messages,
                {"role": "assistant", "content": text},
                {
                    "role": "user",
                    "content": f"你的回答写到了其他部分（“{self.last_cut}”）。请只重新输出{label}的内容，"
                    "不要写其他部分的标题和内容，也不要加任何说明。",
                },
            ]
        return text


class _PartStream:
    """One part's answer as it streams: cleaned, joined to a kept text when resumed, shown as events.

    When the text already shown changes (the model started the part over, or a resumed answer
    restated the kept text), the part is shown again from its start.
    """

    def __init__(
        self, calls: ModelCalls, index: int, part: tuple[str, int, str, int], kept: str = "", heading: str = ""
    ) -> None:
        self.calls, self.index, self.part = calls, index, part
        self.cleaner: StreamCleaner | None = None
        self.joiner = ResumeJoin(kept, heading) if kept else None
        self.own = (part[1], part[2]) if part[1] else None
        self.shown = kept  # what the page shows of the part so far
        self.restarts = 0

    def start(self, cleaner: StreamCleaner) -> None:
        self.cleaner = cleaner
        self.shown = cleaner.text

    @property
    def cut(self) -> str:
        return self.cleaner.cut if self.cleaner else ""

    def feed(self, piece: str) -> None:
        """Pass a piece of the model's answer on (the token callback of the model call)."""
        if self.cleaner is None:
            assert self.joiner is not None
            rest = self.joiner.feed(piece)
            if rest is None:
                return
            self._joined()
            piece = rest
        self._put(self.cleaner.feed(piece))  # type: ignore[union-attr]

    def finish(self, emit: bool = True) -> str:
        """End of the answer (or of a failed call, without events): the part's cleaned text."""
        if self.cleaner is None:
            assert self.joiner is not None
            rest = self.joiner.flush()
            self._joined(emit)
            assert self.cleaner is not None
            out = self.cleaner.feed(rest)
            if emit:
                self._put(out)
        assert self.cleaner is not None
        tail = self.cleaner.flush()
        if emit:
            self._put(tail)
        return self.cleaner.text

    def _joined(self, emit: bool = True) -> None:
        assert self.joiner is not None
        j = self.joiner
        self.cleaner = StreamCleaner(
            None, j.prefix, open_line=j.open_line, cut_at_heading=True, own=self.own,
            drop_salutation=self.part[0] == "closing",
        )  # fmt: skip
        if emit and j.prefix != self.shown:
            self._show_again()

    def _put(self, out: str) -> None:
        c = self.cleaner
        assert c is not None
        if c.restarts != self.restarts:
            self.restarts = c.restarts
            self._show_again()
        elif out:
            self.shown += out
            self.calls.emit(PartToken(out, self.index))

    def _show_again(self) -> None:
        assert self.cleaner is not None
        role, number, heading, target = self.part
        self.shown = self.cleaner.text
        self.calls.emit(PartStarted(role, number, heading, self.index, target, True))
        if self.shown:
            self.calls.emit(PartToken(self.shown, self.index))


def stage_label(role: str, number: int) -> str:
    """How messages to the user name a part: 第二部分（查找原因）, 开场白, 结束语."""
    if number:
        return f"第{cn_number(number)}部分（{ROLE_LABELS.get(role, role)}）"
    return {"opening": "开场白", "closing": "结束语"}.get(role, ROLE_LABELS.get(role, role))


def interrupted(e: LLMError, stage: str, draft: Draft, partial_text: str) -> DraftInterrupted:
    """The interruption of a draft at a stage, keeping what was written."""
    return DraftInterrupted(
        f"{stage}时出错：{e.message}",
        e.kind,
        draft=draft,
        partial_text=partial_text,
        status=e.status,
        detail=e.detail,
    )
