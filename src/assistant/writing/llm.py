"""Chat model from settings: provider presets, ChatOpenAI factory, streaming and error mapping.

Any OpenAI-compatible endpoint works (OpenAI, DeepSeek, DashScope, Kimi, GLM, Ollama, vLLM).
``resolve_llm`` returns ``None`` when nothing is configured; callers then use the offline
composer. Every failure surfaces as :class:`LLMError` with a Chinese message saying what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import openai
import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, convert_to_messages
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, Field

from assistant.config import Settings

PROVIDERS_FILE = Path(__file__).resolve().parents[1] / "data" / "providers.yaml"

CONTINUE_PROMPT = "请从中断处继续，不要重复已写内容。"
DEFAULT_TEMPERATURE = 0.7
MAX_CONTINUATIONS = 3

ERROR_KINDS = (
    "config",
    "auth",
    "model_not_found",
    "connection",
    "timeout",
    "rate_limit",
    "context_length",
    "server",
    "bad_request",
    "unknown",
)

TokenCallback = Callable[[str], Any]


# --- errors -----------------------------------------------------------------------------


class LLMError(Exception):
    """A model call failed; ``message`` (Chinese) says what to do, ``kind`` what went wrong."""

    def __init__(
        self,
        message: str,
        kind: str = "unknown",
        *,
        partial_text: str = "",
        status: int | None = None,
        detail: str = "",
    ) -> None:
        """Keep the user-facing message, the error kind and any text received before it."""
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.partial_text = partial_text
        self.status = status
        self.detail = detail  # the server's own (usually English) message, for logs

    def __str__(self) -> str:
        """The Chinese message."""
        return self.message


# --- provider presets -------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderPreset:
    """One entry of ``data/providers.yaml``."""

    name: str
    label: str
    base_url: str | None
    model: str | None
    requires_key: bool
    placeholder_key: str = "EMPTY"
    aliases: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def load_providers() -> dict[str, ProviderPreset]:
    """Provider presets keyed by name, read from ``data/providers.yaml``."""
    raw = yaml.safe_load(PROVIDERS_FILE.read_text(encoding="utf-8")) or {}
    presets: dict[str, ProviderPreset] = {}
    for name, item in raw.items():
        presets[name] = ProviderPreset(
            name=name,
            label=item.get("label") or name,
            base_url=item.get("base_url"),
            model=item.get("model"),
            requires_key=bool(item.get("requires_key", True)),
            placeholder_key=item.get("placeholder_key") or "EMPTY",
            aliases=tuple(item.get("aliases") or ()),
        )
    return presets


def get_preset(provider: str) -> ProviderPreset:
    """The preset for a provider name or alias; LLMError naming ASSISTANT_PROVIDER otherwise."""
    key = (provider or "").strip().lower()
    presets = load_providers()
    if key in presets:
        return presets[key]
    for preset in presets.values():
        if key in preset.aliases:
            return preset
    valid = "、".join(presets)
    raise LLMError(
        f"ASSISTANT_PROVIDER 的值“{provider}”无法识别。可选值：{valid}。"
        "请修改 ASSISTANT_PROVIDER，或在“设置”页面重新选择模型服务。",
        "config",
    )


class LLMConfig(BaseModel):
    """Resolved chat-model connection settings."""

    provider: str
    base_url: str
    model: str
    api_key: str = Field(repr=False)
    timeout: float = 120.0
    max_retries: int = 2

    @property
    def label(self) -> str:
        """Human-readable provider and model, e.g. ``DeepSeek 深度求索 · deepseek-chat``."""
        presets = load_providers()
        name = presets[self.provider].label if self.provider in presets else self.provider
        return f"{name} · {self.model}"


def resolve_llm(settings: Settings) -> LLMConfig | None:
    """Connection settings for the chat model, or None when no LLM is configured (offline)."""
    preset = get_preset(settings.provider)
    key = (settings.openai_api_key or "").strip()
    base_url = (settings.openai_base_url or "").strip() or None
    if not key and preset.requires_key and not base_url:
        return None
    base_url = base_url or preset.base_url
    if not base_url:  # "custom" without OPENAI_BASE_URL
        return None
    model = (settings.model or "").strip() or preset.model
    if not model:
        raise LLMError(
            f"使用“{preset.label}”时需要指定模型名称。"
            "请设置 ASSISTANT_MODEL（例如服务端加载的模型名），或在“设置”页面填写。",
            "config",
        )
    return LLMConfig(
        provider=preset.name,
        base_url=base_url.rstrip("/"),
        model=model,
        api_key=key or preset.placeholder_key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
    )


# --- chat model -------------------------------------------------------------------------


class ReasoningChatOpenAI(ChatOpenAI):
    """ChatOpenAI that keeps DeepSeek/Qwen ``reasoning_content`` in ``additional_kwargs``.

    langchain-openai 1.7 drops non-standard delta fields, so reasoning models would lose
    their reasoning (or, worse, it would never be separated from the answer).
    """

    llm_config: LLMConfig | None = Field(default=None, exclude=True)

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> Any:
        generation = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        choices = chunk.get("choices") or chunk.get("chunk", {}).get("choices") or []
        if generation is not None and choices:
            delta = choices[0].get("delta") or {}
            reasoning = delta.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                generation.message.additional_kwargs["reasoning_content"] = reasoning
        return generation

    def _create_chat_result(self, response: Any, generation_info: dict | None = None) -> Any:
        result = super()._create_chat_result(response, generation_info)
        data = response if isinstance(response, dict) else response.model_dump()
        for generation, choice in zip(result.generations, data.get("choices") or [], strict=False):
            reasoning = (choice.get("message") or {}).get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                generation.message.additional_kwargs["reasoning_content"] = reasoning
        return result


def make_chat_model(config: LLMConfig, **kw: Any) -> ChatOpenAI:
    """A ChatOpenAI for ``config``; SDK retries with backoff on 429/5xx, usage while streaming."""
    params: dict[str, Any] = {
        "model": config.model,
        "base_url": config.base_url,
        "api_key": config.api_key,
        "timeout": config.timeout,
        "max_retries": config.max_retries,
        "temperature": DEFAULT_TEMPERATURE,
        "stream_usage": True,
    }
    params.update(kw)
    fields = ("model", "base_url", "api_key", "timeout", "max_retries")
    overrides = {k: kw[k] for k in fields if k in kw}
    attached = config.model_copy(update=overrides) if overrides else config
    return ReasoningChatOpenAI(llm_config=attached, **params)


def config_of(model: BaseChatModel) -> LLMConfig | None:
    """Best-effort LLMConfig describing an existing chat model (for error messages)."""
    attached = getattr(model, "llm_config", None)
    if isinstance(attached, LLMConfig):
        return attached
    base_url = getattr(model, "openai_api_base", None)
    name = getattr(model, "model_name", None)
    if not base_url or not name:
        return None
    provider = "custom"
    for preset in load_providers().values():
        if preset.base_url and base_url.rstrip("/") == preset.base_url:
            provider = preset.name
            break
    timeout = getattr(model, "request_timeout", None)
    return LLMConfig(
        provider=provider,
        base_url=base_url,
        model=name,
        api_key="",
        timeout=timeout if isinstance(timeout, int | float) else 120.0,
        max_retries=getattr(model, "max_retries", None) or 0,
    )


# --- error mapping ----------------------------------------------------------------------

_CONTEXT_PATTERNS = (
    "context_length_exceeded",
    "maximum context length",
    "context length",
    "context window",
    "input length",
    "too long",
    "too many tokens",
    "token limit",
    "长度",
    "超出上下文",
)
_TIMEOUT_NAMES = (
    "TimeoutException",
    "ReadTimeout",
    "ConnectTimeout",
    "WriteTimeout",
    "PoolTimeout",
)
_CONNECT_NAMES = ("ConnectError", "ConnectionRefusedError", "gaierror", "ProxyError")


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """The exception and its causes/contexts, outermost first."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _server_message(exc: BaseException) -> str:
    """The provider's own error text (one line, shortened)."""
    body = getattr(exc, "body", None)
    text = ""
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        text = str(inner.get("message") or "")
    if not text:
        text = str(getattr(exc, "message", "") or exc)
    text = " ".join(text.split())
    return text[:300]


def _error_code(exc: BaseException) -> str:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error") if isinstance(body.get("error"), dict) else body
        return str(inner.get("code") or "")
    return ""


def _with_partial(message: str, partial_text: str) -> str:
    if partial_text:
        return f"{message}已收到的 {len(partial_text)} 字内容已保留，可稍后从中断处继续生成。"
    return message


def explain(
    exc: BaseException, config: LLMConfig | None = None, *, partial_text: str = ""
) -> LLMError:
    """Map an openai/httpx/langchain exception to an LLMError with a Chinese what-to-do message."""
    if isinstance(exc, LLMError):
        if partial_text and not exc.partial_text:
            exc.partial_text = partial_text
        return exc
    base_url = config.base_url if config else "（未知地址）"
    model = config.model if config else "（未知模型）"
    provider = config.provider if config else ""
    timeout = f"{config.timeout:g}" if config else "?"
    status = getattr(exc, "status_code", None)
    detail = _server_message(exc)
    code = _error_code(exc)
    names = [type(e).__name__ for e in _chain(exc)]
    low = detail.lower()

    def err(kind: str, message: str) -> LLMError:
        return LLMError(
            _with_partial(message, partial_text),
            kind,
            partial_text=partial_text,
            status=status,
            detail=detail,
        )

    # timeouts first: APITimeoutError is a subclass of APIConnectionError
    if isinstance(exc, openai.APITimeoutError | TimeoutError) or any(
        n in _TIMEOUT_NAMES or n.endswith("TimeoutError") for n in names
    ):
        return err(
            "timeout",
            f"模型服务在 {timeout} 秒内没有响应（{base_url}）。"
            "请稍后重试；若生成长文经常超时，可调大 ASSISTANT_LLM_TIMEOUT（单位：秒）。",
        )
    if isinstance(exc, openai.APIConnectionError | ConnectionError) or any(
        n in _CONNECT_NAMES or n in ("RemoteProtocolError", "ReadError") for n in names
    ):
        if partial_text or any(n in ("RemoteProtocolError", "ReadError") for n in names):
            return err(
                "connection",
                f"与模型服务（{base_url}）的连接在生成过程中中断。请检查网络后重试。",
            )
        return err(
            "connection",
            f"无法连接模型服务：{base_url}。请检查网络和 OPENAI_BASE_URL 是否正确；"
            "若使用 Ollama，请确认已运行 ollama serve。",
        )
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError) or status in (
        401,
        403,
    ):
        return err(
            "auth",
            "API 密钥无效、已过期或无权访问该服务。请检查 OPENAI_API_KEY，"
            "或在“设置”页面重新填写密钥。",
        )
    missing_model = (
        code == "model_not_found"
        or "模型不存在" in detail
        or ("model" in low and any(p in low for p in ("not exist", "not found", "does not")))
    )
    is_not_found = isinstance(exc, openai.NotFoundError) or status == 404
    if is_not_found or (status == 400 and missing_model):
        if missing_model or "model" in low:
            hint = f"若使用 Ollama，请先运行 ollama pull {model}。" if provider == "ollama" else ""
            return err(
                "model_not_found",
                f"模型“{model}”不存在或当前密钥无权使用。"
                f"请检查 ASSISTANT_MODEL（当前为 {model}）是否填写正确。{hint}",
            )
        return err(
            "bad_request",
            f"接口地址不存在：{base_url}。请检查 OPENAI_BASE_URL（通常以 /v1 结尾）。",
        )
    is_context = code == "context_length_exceeded" or any(p in low for p in _CONTEXT_PATTERNS)
    is_bad_request = isinstance(exc, openai.BadRequestError) or status in (400, 413)
    if (is_bad_request and is_context) or any(n.endswith("ContextOverflowError") for n in names):
        return err(
            "context_length",
            "输入内容超过了模型的上下文长度限制。请减少参考范文条数后重试，"
            "或换用上下文更长的模型。",
        )
    if isinstance(exc, openai.RateLimitError) or status in (402, 429):
        if status == 402 or code == "insufficient_quota" or "quota" in low or "余额" in detail:
            return err(
                "rate_limit",
                "账户余额不足或已超出用量配额。请到模型服务商控制台充值或更换 OPENAI_API_KEY。",
            )
        return err(
            "rate_limit",
            "请求过于频繁，已被模型服务限流。请等待一会儿再试，或降低调用频率。",
        )
    if isinstance(exc, openai.InternalServerError) or (status is not None and status >= 500):
        return err(
            "server",
            f"模型服务暂时出错（HTTP {status}）。这通常是服务端问题，请稍后重试。",
        )
    if isinstance(exc, openai.BadRequestError | openai.UnprocessableEntityError) or status in (
        400,
        422,
    ):
        return err(
            "bad_request",
            f"模型服务拒绝了本次请求：{detail}。请检查模型设置（ASSISTANT_MODEL）后重试。",
        )
    return err(
        "unknown",
        f"调用模型时出错（{type(exc).__name__}：{detail}）。请稍后重试，或检查“设置”页面中的模型配置。",
    )


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

    stream = model.stream(messages)
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


def invoke_text(
    model: BaseChatModel, messages: Any, *, max_continuations: int = MAX_CONTINUATIONS
) -> ChatResult:
    """Non-streaming call with the same <think> stripping, continuation and error mapping."""
    started = time.monotonic()
    config = config_of(model)
    base = convert_to_messages(messages)
    result = ChatResult(text="", model=getattr(model, "model_name", None))
    request = base
    try:
        while True:
            try:
                msg = model.invoke(request)
            except Exception as exc:  # every failure becomes an LLMError
                raise explain(exc, config, partial_text=result.text) from exc
            text, reasoning = _split_message(msg)
            f = ThinkFilter(strip_leading=not result.text)
            v1, r1 = f.feed(text)
            v2, r2 = f.flush()
            result.text += trim_overlap(result.text, v1 + v2)
            result.reasoning += reasoning + r1 + r2
            _add_usage(result.usage, msg)
            meta = msg.response_metadata or {}
            result.finish_reason = meta.get("finish_reason")
            result.model = meta.get("model_name") or result.model
            if (
                result.finish_reason != "length"
                or not result.text
                or result.continuations >= max_continuations
            ):
                break
            result.continuations += 1
            request = _continue_messages(base, result.text)
    finally:
        result.elapsed_s = time.monotonic() - started
    return result
