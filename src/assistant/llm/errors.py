"""LLMError and the mapping of openai/httpx/langchain exceptions to Chinese what-to-do messages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin

from assistant.llm.presets import LLMConfig
from assistant.support.errors import UserError

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
    "redirect",
    "bad_response",
    "unknown",
)


class LLMError(UserError):
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
# langchain's words when a stream ended without a single event (a page, a plain JSON answer, nothing)
_NO_CHUNKS = "no generation chunks"


class NotAStreamError(Exception):
    """A 2xx answer whose type cannot be the streamed answer asked for (raised by the HTTP client)."""

    def __init__(self, media_type: str) -> None:
        """Keep the answer's media type (e.g. ``text/html``) for the message."""
        super().__init__(f"answer of type {media_type!r} is not an event stream")
        self.media_type = media_type


_CONNECT_NAMES = ("ConnectError", "ConnectionRefusedError", "gaierror", "ProxyError")
_CUT_NAMES = ("RemoteProtocolError", "ReadError")


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


def _printable(text: str, limit: int = 200) -> str:
    # the address comes from the server: no control or bidi characters into a message
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def _redirect_target(exc: BaseException) -> str:
    """Where a 3xx answer pointed, as an absolute address ("" when it did not say)."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    location = headers.get("location", "") if headers is not None else ""
    if not location:
        return ""
    try:
        base = str(response.request.url)  # type: ignore[union-attr]
    except (AttributeError, RuntimeError):  # a response built without its request
        base = ""
    return _printable(urljoin(base, location) if base else location)


def _with_partial(message: str, partial_text: str) -> str:
    if partial_text:
        return f"{message}已收到的 {len(partial_text)} 字内容已保留。"
    return message


@dataclass(frozen=True)
class _Facts:
    """Everything the rules may look at, gathered once per failure."""

    exc_name: str
    status: int | None
    detail: str
    low: str  # detail, lower-cased
    code: str
    names: tuple[str, ...]  # type names along the cause/context chain
    media_type: str  # the type of an answer that was not a stream ("" otherwise)
    location: str  # where a 3xx answer pointed ("" otherwise)
    is_a: frozenset[str]  # which of _known_classes() the exception is an instance of
    base_url: str
    model: str
    provider: str
    timeout: str
    tries: str
    partial_text: str


def _known_classes() -> dict[str, type[BaseException]]:
    # imported here, not at the top: the SDK takes a second to import and most runs never fail
    import openai

    return {
        "APITimeoutError": openai.APITimeoutError,
        "APIConnectionError": openai.APIConnectionError,
        "AuthenticationError": openai.AuthenticationError,
        "PermissionDeniedError": openai.PermissionDeniedError,
        "NotFoundError": openai.NotFoundError,
        "BadRequestError": openai.BadRequestError,
        "UnprocessableEntityError": openai.UnprocessableEntityError,
        "RateLimitError": openai.RateLimitError,
        "InternalServerError": openai.InternalServerError,
        "TimeoutError": TimeoutError,
        "ConnectionError": ConnectionError,
    }


def _facts(
    exc: BaseException, config: LLMConfig | None, partial_text: str, attempts: int
) -> _Facts:
    detail = _server_message(exc)
    not_stream = next((e for e in _chain(exc) if isinstance(e, NotAStreamError)), None)
    return _Facts(
        exc_name=type(exc).__name__,
        status=getattr(exc, "status_code", None),
        detail=detail,
        low=detail.lower(),
        code=_error_code(exc),
        names=tuple(type(e).__name__ for e in _chain(exc)),
        media_type=not_stream.media_type if not_stream is not None else "",
        location=_redirect_target(exc),
        is_a=frozenset(n for n, cls in _known_classes().items() if isinstance(exc, cls)),
        base_url=config.base_url if config else "（未知地址）",
        model=config.model if config else "（未知模型）",
        provider=config.provider if config else "",
        timeout=f"{config.timeout:g}" if config else "?",
        tries=f"（共尝试 {attempts} 次）" if attempts > 1 else "",
        partial_text=partial_text,
    )


def _redirected(f: _Facts) -> bool:
    return f.status is not None and 300 <= f.status < 400


def _no_events(f: _Facts) -> bool:
    return f.exc_name == "ValueError" and _NO_CHUNKS in f.low


def _timed_out(f: _Facts) -> bool:
    return bool(f.is_a & {"APITimeoutError", "TimeoutError"}) or any(
        n in _TIMEOUT_NAMES or n.endswith("TimeoutError") for n in f.names
    )


def _cut_off(f: _Facts) -> bool:
    # read-side failures: the connection was up, so the answer was cut rather than never started
    return any(n in _CUT_NAMES for n in f.names)


def _unreachable(f: _Facts) -> bool:
    return (
        bool(f.is_a & {"APIConnectionError", "ConnectionError"})
        or _cut_off(f)
        or any(n in _CONNECT_NAMES for n in f.names)
    )


def _missing_model(f: _Facts) -> bool:
    # Zhipu answers an unknown model with a 400 in Chinese rather than a 404
    return (
        f.code == "model_not_found"
        or "模型不存在" in f.detail
        or ("model" in f.low and any(p in f.low for p in ("not exist", "not found", "does not")))
    )


def _not_found(f: _Facts) -> bool:
    return "NotFoundError" in f.is_a or f.status == 404 or (f.status == 400 and _missing_model(f))


def _too_long(f: _Facts) -> bool:
    rejected = "BadRequestError" in f.is_a or f.status in (400, 413)
    overflow = f.code == "context_length_exceeded" or any(p in f.low for p in _CONTEXT_PATTERNS)
    return (rejected and overflow) or any(n.endswith("ContextOverflowError") for n in f.names)


def _limited(f: _Facts) -> bool:
    return "RateLimitError" in f.is_a or f.status in (402, 429)


def _out_of_quota(f: _Facts) -> bool:
    return _limited(f) and (
        f.status == 402 or f.code == "insufficient_quota" or "quota" in f.low or "余额" in f.detail
    )


def _model_hint(f: _Facts) -> str:
    return f"若使用 Ollama，请先运行 ollama pull {f.model}。" if f.provider == "ollama" else ""


@dataclass(frozen=True)
class _Rule:
    """One row of the table: when it applies, the error kind and the Chinese message."""

    kind: str
    applies: Callable[[_Facts], bool]
    message: Callable[[_Facts], str]


# First match wins, so the order is the precedence. Timeouts come before connection errors
# because APITimeoutError subclasses APIConnectionError; the catch-all 400/422 rule comes last
# so that the specific 400s (missing model, context length) win over it.
_RULES: tuple[_Rule, ...] = (
    # Broken answers first (a redirect not followed, a body that is no stream): retrying cannot
    # help, and they must win over any rule below that a cause or context of theirs would match.
    _Rule(
        "redirect",
        _redirected,
        lambda f: (
            f"模型接口把请求转到了另一个地址（{f.location or '服务端未给出新地址'}），"
            "为保护讲话内容，没有跟随转发。请把 OPENAI_BASE_URL（或“设置”页面中的接口地址）"
            "改成最终地址后重试。"
        ),
    ),
    _Rule(
        "bad_response",
        lambda f: bool(f.media_type),
        lambda f: (
            f"模型接口返回的不是流式数据（收到的是 {f.media_type}），{f.base_url} 可能不是模型接口地址。"
            "请检查 OPENAI_BASE_URL（通常以 /v1 结尾），并确认服务端支持流式输出。"
        ),
    ),
    _Rule(
        "bad_response",
        _no_events,
        lambda f: (
            f"模型接口（{f.base_url}）没有返回任何流式数据（可能是网页、普通回答或空内容）。"
            "请检查 OPENAI_BASE_URL 是否为模型接口地址（通常以 /v1 结尾），并确认服务端支持流式输出。"
        ),
    ),
    _Rule(
        "bad_response",
        lambda f: "UnicodeDecodeError" in f.names,
        lambda f: (
            f"模型接口（{f.base_url}）返回的内容不是有效的 UTF-8 文本，无法读取。"
            "请确认 OPENAI_BASE_URL 直接指向模型服务（中间的代理或网关可能改动了内容），然后重试。"
        ),
    ),
    _Rule(
        "bad_response",
        lambda f: "JSONDecodeError" in f.names,
        lambda f: (
            f"模型接口（{f.base_url}）返回的数据无法解析（JSON 错误）。"
            "请检查 OPENAI_BASE_URL 是否为兼容 OpenAI 的模型接口地址；若地址无误，多半是服务端出错，请稍后重试。"
        ),
    ),
    _Rule(
        "timeout",
        lambda f: _timed_out(f) and bool(f.partial_text),
        lambda f: (
            f"模型服务（{f.base_url}）在生成过程中超过 {f.timeout} 秒没有输出新内容。"
            "请稍后重试或继续生成；若经常如此，可调大 ASSISTANT_LLM_TIMEOUT（单位：秒）。"
        ),
    ),
    _Rule(
        "timeout",
        _timed_out,
        lambda f: (
            f"模型服务在 {f.timeout} 秒内没有响应（{f.base_url}）{f.tries}。"
            "ASSISTANT_LLM_TIMEOUT 是等待模型开始回答的总时限（含重试）。"
            "请稍后重试；若模型经常来不及开始回答，可调大 ASSISTANT_LLM_TIMEOUT（单位：秒）。"
        ),
    ),
    _Rule(
        "connection",
        lambda f: _unreachable(f) and (bool(f.partial_text) or _cut_off(f)),
        lambda f: f"与模型服务（{f.base_url}）的连接在生成过程中中断。请检查网络后重试。",
    ),
    _Rule(
        "connection",
        _unreachable,
        lambda f: (
            f"无法连接模型服务：{f.base_url}{f.tries}。请检查网络和 OPENAI_BASE_URL 是否正确；"
            "若使用 Ollama，请确认已运行 ollama serve。"
        ),
    ),
    _Rule(
        "auth",
        lambda f: (
            bool(f.is_a & {"AuthenticationError", "PermissionDeniedError"})
            or f.status in (401, 403)
        ),
        lambda f: (
            "API 密钥无效、已过期或无权访问该服务。请检查 OPENAI_API_KEY，"
            "或在“设置”页面重新填写密钥。"
        ),
    ),
    _Rule(
        "model_not_found",
        lambda f: _not_found(f) and (_missing_model(f) or "model" in f.low),
        lambda f: (
            f"模型“{f.model}”不存在或当前密钥无权使用。"
            f"请检查 ASSISTANT_MODEL（当前为 {f.model}）是否填写正确。{_model_hint(f)}"
        ),
    ),
    _Rule(
        "bad_request",
        _not_found,
        lambda f: f"接口地址不存在：{f.base_url}。请检查 OPENAI_BASE_URL（通常以 /v1 结尾）。",
    ),
    _Rule(
        "context_length",
        _too_long,
        lambda f: (
            "输入内容超过了模型的上下文长度限制。请减少参考范文条数后重试，或换用上下文更长的模型。"
        ),
    ),
    _Rule(
        "rate_limit",
        _out_of_quota,
        lambda f: "账户余额不足或已超出用量配额。请到模型服务商控制台充值或更换 OPENAI_API_KEY。",
    ),
    _Rule(
        "rate_limit",
        _limited,
        lambda f: f"请求过于频繁，已被模型服务限流{f.tries}。请等待一会儿再试，或降低调用频率。",
    ),
    _Rule(
        "server",
        lambda f: "InternalServerError" in f.is_a or (f.status is not None and f.status >= 500),
        lambda f: f"模型服务暂时出错（HTTP {f.status}）{f.tries}。这通常是服务端问题，请稍后重试。",
    ),
    _Rule(
        "bad_request",
        lambda f: (
            bool(f.is_a & {"BadRequestError", "UnprocessableEntityError"}) or f.status in (400, 422)
        ),
        lambda f: f"模型服务拒绝了本次请求：{f.detail}。请检查模型设置（ASSISTANT_MODEL）后重试。",
    ),
)
_UNKNOWN = _Rule(
    "unknown",
    lambda f: True,
    lambda f: (
        f"调用模型时出错（未能识别的错误，类型 {f.exc_name}；详情已记入数据目录的 logs/errors.log）。"
        "请稍后重试，或检查“设置”页面中的模型配置。"
    ),
)


def explain(
    exc: BaseException,
    config: LLMConfig | None = None,
    *,
    partial_text: str = "",
    attempts: int = 1,
) -> LLMError:
    """Map an openai/httpx/langchain exception to an LLMError with a Chinese what-to-do message.

    ``attempts`` is how many requests were made before giving up (said in the message when > 1).
    """
    if isinstance(exc, LLMError):
        if partial_text and not exc.partial_text:
            exc.partial_text = partial_text
        return exc
    facts = _facts(exc, config, partial_text, attempts)
    rule = next((r for r in _RULES if r.applies(facts)), _UNKNOWN)
    if rule is _UNKNOWN:  # its words are the library's, in English: kept for whoever fixes it
        logging.getLogger("assistant.llm").warning("未能识别的模型错误 %s：%s", facts.exc_name, facts.detail)
    return LLMError(
        _with_partial(rule.message(facts), partial_text),
        rule.kind,
        partial_text=partial_text,
        status=facts.status,
        detail=facts.detail,
    )


def unfinished(config: LLMConfig | None, partial_text: str) -> LLMError:
    """The error for an answer that ended without a finish reason (the connection gave up)."""
    base_url = config.base_url if config else "（未知地址）"
    return LLMError(
        _with_partial(
            f"模型服务（{base_url}）的回答在中途结束，没有收到结束标记，内容不完整。请稍后重试或继续生成。",
            partial_text,
        ),
        "connection",
        partial_text=partial_text,
    )
