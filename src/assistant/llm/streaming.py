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
from assistant.llm.errors import LLMError, explain, unfinished
from assistant.llm.presets import LLMConfig
from assistant.llm.retry import GuardedStream, Halted, open_stream

CONTINUE_PROMPT = "请从中断处继续，不要重复已写内容。"
MAX_CONTINUATIONS = 3
STOPPED = "已按要求停止生成。"
#: Used when a model carries no LLMConfig (the settings' defaults).
DEFAULT_TOTAL_TIMEOUT = 600.0
DEFAULT_MAX_ANSWER_CHARS = 60_000
DEFAULT_MAX_PROMPT_CHARS = 60_000

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
        # Positions, not slices: a 0.4 MB piece full of tags is walked once (linear time).
        buf = self.buf + piece
        pos = 0
        found = {_OPEN: -2, _CLOSE: -2}  # next occurrence at or after pos; -1: none left

        def find(tag: str) -> int:
            if found[tag] != -1 and found[tag] < pos:
                found[tag] = buf.find(tag, pos)
            return found[tag]

        def held(tags: Sequence[str]) -> int:
            return _held_suffix(buf[max(pos, len(buf) - len(_CLOSE)) :], tags)

        visible: list[str] = []
        reasoning: list[str] = []
        while True:
            if self.inside:
                idx = find(_CLOSE)
                if idx < 0:
                    end = len(buf) - held((_CLOSE,))
                    reasoning.append(buf[pos:end])
                    pos = end
                    break
                reasoning.append(buf[pos:idx])
                pos = idx + len(_CLOSE)
                self.inside = False
                self.strip_leading = True
                continue
            open_idx, close_idx = find(_OPEN), find(_CLOSE)
            if open_idx < 0 and close_idx < 0:
                end = len(buf) - held((_OPEN, _CLOSE))
                visible.append(self._visible(buf[pos:end]))
                pos = end
                break
            if close_idx >= 0 and (open_idx < 0 or close_idx < open_idx):
                # stray closing tag (model omitted the opening one): drop the tag itself
                visible.append(self._visible(buf[pos:close_idx]))
                pos = close_idx + len(_CLOSE)
                self.strip_leading = True
                continue
            visible.append(self._visible(buf[pos:open_idx]))
            pos = open_idx + len(_OPEN)
            self.inside = True
        self.buf = buf[pos:]
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
#: The longest repeat looked for: each length tried costs its length, so an unbounded search of a
#: 0.4 MB continuation took minutes; a model restating more than this is not trimmed.
_OVERLAP_MAX = 2000


def trim_overlap(previous: str, new: str, min_overlap: int = _OVERLAP_MIN) -> str:
    """Drop the start of ``new`` when it repeats the end of ``previous`` (>= min_overlap chars)."""
    for k in range(min(len(previous), len(new), _OVERLAP_MAX), min_overlap - 1, -1):
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


@dataclass
class _Limits:
    """What one call may take: a total deadline, answer and reasoning characters; what it took so far."""

    deadline: float | None
    total_timeout: float
    max_chars: int
    max_reasoning: int
    hard_max: int
    received: int = 0
    reasoning: int = 0


def _service(config: LLMConfig | None) -> str:
    return config.base_url if config else "（未知地址）"


def _kept(partial_text: str) -> str:
    return f"已收到的 {len(partial_text)} 字内容已保留。" if partial_text else ""


def _halted(reason: str, config: LLMConfig | None, limits: _Limits, partial_text: str) -> LLMError:
    """The Chinese error of a call given up at its total deadline or on 停止, keeping the text so far."""
    if reason == "stop":
        return LLMError(STOPPED, "stopped", partial_text=partial_text)
    return LLMError(
        f"模型服务（{_service(config)}）在 {limits.total_timeout:g} 秒内没有写完回答，已停止接收。"
        + _kept(partial_text)
        + "ASSISTANT_LLM_TOTAL_TIMEOUT 是一次回答的总时限（含重试和续写）；若模型本来就写得慢，"
        "可调大 ASSISTANT_LLM_TOTAL_TIMEOUT（单位：秒）。",
        "timeout",
        partial_text=partial_text,
    )


def _too_long(limits: _Limits, partial_text: str, thinking: bool) -> LLMError:
    """The Chinese error of an answer cut at its size cap (the model repeats itself or never ends)."""
    what, cap = ("思考过程", limits.max_reasoning) if thinking else ("回答", limits.max_chars)
    return LLMError(
        f"模型的{what}超过了本次 {cap} 字的上限，已停止接收（模型可能在重复输出或没有按要求收尾）。"
        + _kept(partial_text)
        + f"一个部分的回答最多为其要求字数的 4 倍，任何回答最多为 ASSISTANT_LLM_MAX_ANSWER_CHARS"
        f"（当前 {limits.hard_max} 字）；请重试，若确实需要更长的回答，可调大 ASSISTANT_LLM_MAX_ANSWER_CHARS（单位：字）。",
        "too_long",
        partial_text=partial_text,
    )


def _stream_round(
    model: BaseChatModel,
    messages: list[BaseMessage],
    prefix: str,
    on_token: TokenCallback | None,
    result: ChatResult,
    config: LLMConfig | None,
    limits: _Limits,
) -> str:
    """Stream one response; update ``result`` and return the visible text of this round."""
    think = ThinkFilter(strip_leading=not prefix)
    gate = _OverlapGate(prefix)
    parts: list[str] = []
    reasonings: list[str] = []
    result.finish_reason = None

    def emit(visible: str, reasoning: str) -> None:
        if reasoning:
            reasonings.append(reasoning)
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
        result.reasoning += "".join(reasonings)
        reasonings.clear()

    # Read in a worker thread: the total deadline and 停止 hold even while a read hangs.
    stream = GuardedStream(model, lambda: open_stream(model, messages, config), limits.deadline)
    try:
        while True:
            try:
                chunk = next(stream)
            except StopIteration:
                break
            except Halted as halt:
                release()
                raise _halted(halt.reason, config, limits, prefix + "".join(parts)) from None
            except Exception as exc:  # every failure becomes an LLMError
                release()
                raise explain(exc, config, partial_text=prefix + "".join(parts)) from exc
            text, reasoning = _split_message(chunk)
            visible, think_reasoning = think.feed(text) if text else ("", "")
            limits.received += len(visible)
            limits.reasoning += len(reasoning) + len(think_reasoning)
            if limits.received > limits.max_chars or limits.reasoning > limits.max_reasoning:
                # An answer that never ends (or repeats itself) stops here, its text so far kept.
                release()
                thinking = limits.reasoning > limits.max_reasoning
                raise _too_long(limits, prefix + "".join(parts), thinking)
            emit(visible, reasoning + think_reasoning)  # on_token errors propagate unchanged
            _add_usage(result.usage, chunk)
            meta = chunk.response_metadata or {}
            if meta.get("finish_reason"):
                result.finish_reason = meta["finish_reason"]
            if meta.get("model_name"):
                result.model = meta["model_name"]
    finally:
        stream.close()  # the worker ends and the HTTP response is released when we stop early
    release()
    return "".join(parts)


def _prompt_chars(messages: Sequence[BaseMessage]) -> int:
    return sum(len(m.content) if isinstance(m.content, str) else len(str(m.content)) for m in messages)


def _check_prompt(messages: Sequence[BaseMessage], config: LLMConfig | None) -> None:
    """Refuse (in Chinese, naming the setting) a request larger than ASSISTANT_LLM_MAX_PROMPT_CHARS."""
    limit = config.max_prompt_chars if config else DEFAULT_MAX_PROMPT_CHARS
    size = _prompt_chars(messages)
    if size > limit:
        raise LLMError(
            f"本次要发给模型的内容约 {size} 字，超过了 ASSISTANT_LLM_MAX_PROMPT_CHARS（{limit} 字）的上限，没有发送。"
            "请缩短讲话稿、提纲或约谈要素中过长的文字后重试；若所用模型的上下文足够长，"
            "也可调大 ASSISTANT_LLM_MAX_PROMPT_CHARS（单位：字）。",
            "context_length",
        )


def _run(
    model: BaseChatModel,
    messages: Any,
    prefix: str,
    on_token: TokenCallback | None,
    max_continuations: int,
    resumed: bool,
    max_chars: int | None = None,
) -> ChatResult:
    """Stream, auto-continuing while the answer stops on the length limit, within one total deadline."""
    started = time.monotonic()
    config = config_of(model)
    base = convert_to_messages(messages)
    total = config.total_timeout if config else DEFAULT_TOTAL_TIMEOUT
    hard_max = config.max_answer_chars if config else DEFAULT_MAX_ANSWER_CHARS
    limits = _Limits(
        deadline=started + total, total_timeout=total, max_chars=min(max_chars or hard_max, hard_max),
        max_reasoning=hard_max, hard_max=hard_max,
    )  # fmt: skip
    result = ChatResult(text=prefix, model=getattr(model, "model_name", None))
    request = _continue_messages(base, prefix) if resumed else base
    if resumed:
        result.continuations = 1
    try:
        while True:
            _check_prompt(request, config)
            result.text += _stream_round(model, request, result.text, on_token, result, config, limits)
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
    max_chars: int | None = None,
) -> ChatResult:
    """Stream an answer, calling ``on_token`` with visible text; auto-continue on length.

    ``max_chars``: the answer's size cap (at most ASSISTANT_LLM_MAX_ANSWER_CHARS, the default).
    The call ends within ASSISTANT_LLM_TOTAL_TIMEOUT and at 停止 (``retry.stop_signal``), its
    text so far in the LLMError's ``partial_text``.
    """
    return _run(model, messages, "", on_token, max_continuations, resumed=False, max_chars=max_chars)


def continue_chat(
    model: BaseChatModel,
    messages: Any,
    partial_text: str,
    on_token: TokenCallback | None = None,
    *,
    max_continuations: int = MAX_CONTINUATIONS,
    max_chars: int | None = None,
) -> ChatResult:
    """Resume an interrupted answer; the result's text is ``partial_text`` plus the rest (capped as stream_chat)."""
    if not partial_text:
        return stream_chat(model, messages, on_token, max_continuations=max_continuations, max_chars=max_chars)
    return _run(model, messages, partial_text, on_token, max_continuations, resumed=True, max_chars=max_chars)
