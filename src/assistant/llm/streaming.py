"""Streaming and non-streaming calls: <think> stripping, auto-continuation and overlap trimming.

Every failure of a model call surfaces as :class:`~assistant.llm.errors.LLMError` with a
Chinese message saying what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, convert_to_messages

from assistant.llm.chat_model import config_of
from assistant.llm.errors import explain, unfinished
from assistant.llm.presets import LLMConfig
from assistant.llm.retry import open_stream

CONTINUE_PROMPT = "请从中断处继续，不要重复已写内容。"
MAX_CONTINUATIONS = 3

TokenCallback = Callable[[str], Any]


# --- <think> stripping ------------------------------------------------------------------

_OPEN, _CLOSE = "<think>", "</think>"


def _held_suffix(text: str, tags: Sequence[str]) -> int:
    """Length of the longest suffix of ``text`` that is a proper prefix of one of ``tags``."""
    best = 0
    for tag in tags:
        for n in range(min(len(tag) - 1, len(text)), best, -1):
            if text.endswith(tag[:n]):
                best = n
                break
    return best


class ThinkFilter:
    """Incrementally split text into visible text and ``<think>…</think>`` reasoning."""

    def __init__(self, strip_leading: bool = True) -> None:
        """``strip_leading`` drops whitespace before the first visible character."""
        self.inside = False
        self.buf = ""
        self.strip_leading = strip_leading

    def _visible(self, text: str) -> str:
        if self.strip_leading:
            text = text.lstrip()
            if text:
                self.strip_leading = False
        return text

    def feed(self, piece: str) -> tuple[str, str]:
        """Add a piece of model output; return (visible, reasoning) that is now certain."""
        self.buf += piece
        visible: list[str] = []
        reasoning: list[str] = []
        while True:
            if self.inside:
                idx = self.buf.find(_CLOSE)
                if idx < 0:
                    keep = _held_suffix(self.buf, (_CLOSE,))
                    reasoning.append(self.buf[: len(self.buf) - keep])
                    self.buf = self.buf[len(self.buf) - keep :]
                    break
                reasoning.append(self.buf[:idx])
                self.buf = self.buf[idx + len(_CLOSE) :]
                self.inside = False
                self.strip_leading = True
                continue
            open_idx, close_idx = self.buf.find(_OPEN), self.buf.find(_CLOSE)
            if open_idx < 0 and close_idx < 0:
                keep = _held_suffix(self.buf, (_OPEN, _CLOSE))
                visible.append(self._visible(self.buf[: len(self.buf) - keep]))
                self.buf = self.buf[len(self.buf) - keep :]
                break
            if close_idx >= 0 and (open_idx < 0 or close_idx < open_idx):
                # stray closing tag (model omitted the opening one): drop the tag itself
                visible.append(self._visible(self.buf[:close_idx]))
                self.buf = self.buf[close_idx + len(_CLOSE) :]
                self.strip_leading = True
                continue
            visible.append(self._visible(self.buf[:open_idx]))
            self.buf = self.buf[open_idx + len(_OPEN) :]
            self.inside = True
        return "".join(visible), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        """End of output: release held text (an unterminated <think> stays reasoning)."""
        rest, self.buf = self.buf, ""
        if self.inside:
            return "", rest
        return self._visible(rest), ""


def strip_think(text: str) -> tuple[str, str]:
    """Split a complete answer into (visible text, reasoning from <think> blocks)."""
    f = ThinkFilter()
    v1, r1 = f.feed(text)
    v2, r2 = f.flush()
    return v1 + v2, r1 + r2


# --- continuation overlap ---------------------------------------------------------------

_OVERLAP_HOLD = 80
_OVERLAP_MIN = 8


def trim_overlap(previous: str, new: str, min_overlap: int = _OVERLAP_MIN) -> str:
    """Drop the start of ``new`` when it repeats the end of ``previous`` (>= min_overlap chars)."""
    for k in range(min(len(previous), len(new)), min_overlap - 1, -1):
        if previous.endswith(new[:k]):
            return new[k:]
    return new


class _OverlapGate:
    """Hold the first characters of a continuation until repeated text can be trimmed."""

    def __init__(self, previous: str) -> None:
        self.previous = previous
        self.active = bool(previous)
        self.buf = ""

    def feed(self, text: str) -> str:
        if not self.active:
            return text
        self.buf += text
        return self._release() if len(self.buf) >= _OVERLAP_HOLD else ""

    def flush(self) -> str:
        return self._release() if self.active else ""

    def _release(self) -> str:
        out, self.buf, self.active = trim_overlap(self.previous, self.buf), "", False
        return out


# --- results and message helpers --------------------------------------------------------


@dataclass
class ChatResult:
    """A finished answer: visible text, separated reasoning and call statistics."""

    text: str
    reasoning: str = ""
    finish_reason: str | None = None
    usage: dict[str, int] = field(
        default_factory=lambda: {"prompt_tokens": 0, "completion_tokens": 0}
    )
    model: str | None = None
    elapsed_s: float = 0.0
    continuations: int = 0


def _split_message(msg: BaseMessage) -> tuple[str, str]:
    """(text, reasoning) of a message or chunk, from content blocks or additional_kwargs."""
    content = msg.content
    text: list[str] = []
    reasoning: list[str] = []
    if isinstance(content, str):
        text.append(content)
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, str):
                text.append(block)
            elif isinstance(block, dict):
                kind = block.get("type")
                if kind == "text":
                    text.append(str(block.get("text") or ""))
                elif kind in ("reasoning", "thinking"):
                    value = block.get("reasoning") or block.get("thinking") or block.get("text")
                    reasoning.append(str(value or ""))
    if not reasoning:
        extra = msg.additional_kwargs.get("reasoning_content")
        if isinstance(extra, str):
            reasoning.append(extra)
    return "".join(text), "".join(reasoning)


def _add_usage(total: dict[str, int], msg: BaseMessage) -> None:
    usage = getattr(msg, "usage_metadata", None)
    if usage:
        total["prompt_tokens"] += int(usage.get("input_tokens") or 0)
        total["completion_tokens"] += int(usage.get("output_tokens") or 0)


def _continue_messages(messages: list[BaseMessage], text: str) -> list[BaseMessage]:
    return [*messages, AIMessage(content=text), HumanMessage(content=CONTINUE_PROMPT)]


# --- streaming --------------------------------------------------------------------------


def _stream_round(
    model: BaseChatModel,
    messages: list[BaseMessage],
    prefix: str,
    on_token: TokenCallback | None,
    result: ChatResult,
    config: LLMConfig | None,
) -> str:
    """Stream one response; update ``result`` and return the visible text of this round."""
    think = ThinkFilter(strip_leading=not prefix)
    gate = _OverlapGate(prefix)
    parts: list[str] = []
    result.finish_reason = None

    def emit(visible: str, reasoning: str) -> None:
        result.reasoning += reasoning
        visible = gate.feed(visible)
        if visible:
            parts.append(visible)
            if on_token is not None:
                on_token(visible)

    def release() -> None:
        emit(*think.flush())
        tail = gate.flush()
        if tail:
            parts.append(tail)
            if on_token is not None:
                on_token(tail)

    stream = open_stream(model, messages, config)  # retries within the deadline, until the answer starts
    try:
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                break
            except Exception as exc:  # every failure becomes an LLMError
                release()
                raise explain(exc, config, partial_text=prefix + "".join(parts)) from exc
            text, reasoning = _split_message(chunk)
            visible, think_reasoning = think.feed(text) if text else ("", "")
            emit(visible, reasoning + think_reasoning)  # on_token errors propagate unchanged
            _add_usage(result.usage, chunk)
            meta = chunk.response_metadata or {}
            if meta.get("finish_reason"):
                result.finish_reason = meta["finish_reason"]
            if meta.get("model_name"):
                result.model = meta["model_name"]
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # releases the HTTP response when the caller stops early
    release()
    return "".join(parts)


def _run(
    model: BaseChatModel,
    messages: Any,
    prefix: str,
    on_token: TokenCallback | None,
    max_continuations: int,
    resumed: bool,
) -> ChatResult:
    """Stream, auto-continuing while the answer stops on the length limit."""
    started = time.monotonic()
    config = config_of(model)
    base = convert_to_messages(messages)
    result = ChatResult(text=prefix, model=getattr(model, "model_name", None))
    request = _continue_messages(base, prefix) if resumed else base
    if resumed:
        result.continuations = 1
    try:
        while True:
            result.text += _stream_round(model, request, result.text, on_token, result, config)
            if result.finish_reason is None and result.text.strip():
                # The answer stopped without saying why: a cut, not a finished answer.
                raise unfinished(config, result.text)
            if (
                result.finish_reason != "length"
                or not result.text
                or result.continuations - int(resumed) >= max_continuations
            ):
                break
            result.continuations += 1
            request = _continue_messages(base, result.text)
    finally:
        result.elapsed_s = time.monotonic() - started
    return result


def stream_chat(
    model: BaseChatModel,
    messages: Any,
    on_token: TokenCallback | None = None,
    *,
    max_continuations: int = MAX_CONTINUATIONS,
) -> ChatResult:
    """Stream an answer, calling ``on_token`` with visible text; auto-continue on length."""
    return _run(model, messages, "", on_token, max_continuations, resumed=False)


def continue_chat(
    model: BaseChatModel,
    messages: Any,
    partial_text: str,
    on_token: TokenCallback | None = None,
    *,
    max_continuations: int = MAX_CONTINUATIONS,
) -> ChatResult:
    """Resume an interrupted answer; the result's text is ``partial_text`` plus the rest."""
    if not partial_text:
        return stream_chat(model, messages, on_token, max_continuations=max_continuations)
    return _run(model, messages, partial_text, on_token, max_continuations, resumed=True)
