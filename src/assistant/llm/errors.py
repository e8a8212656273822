"""LLMError and the mapping of openai/httpx/langchain exceptions to Chinese what-to-do messages."""

from __future__ import annotations

from collections.abc import Iterator

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
        return f"{message}已收到的 {len(partial_text)} 字内容已保留。"
    return message


def explain(
    exc: BaseException, config: LLMConfig | None = None, *, partial_text: str = "", attempts: int = 1
) -> LLMError:
    """Map an openai/httpx/langchain exception to an LLMError with a Chinese what-to-do message.

    ``attempts`` is how many requests were made before giving up (said in the message when > 1).
    """
    import openai  # here, not at the top: the SDK takes a second to import and most runs never fail

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

    tries = f"（共尝试 {attempts} 次）" if attempts > 1 else ""

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
        if partial_text:
            return err(
                "timeout",
                f"模型服务（{base_url}）在生成过程中超过 {timeout} 秒没有输出新内容。"
                "请稍后重试或继续生成；若经常如此，可调大 ASSISTANT_LLM_TIMEOUT（单位：秒）。",
            )
        return err(
            "timeout",
            f"模型服务在 {timeout} 秒内没有响应（{base_url}）{tries}。"
            "ASSISTANT_LLM_TIMEOUT 是等待模型开始回答的总时限（含重试）。"
            "请稍后重试；若模型经常来不及开始回答，可调大 ASSISTANT_LLM_TIMEOUT（单位：秒）。",
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
            f"无法连接模型服务：{base_url}{tries}。请检查网络和 OPENAI_BASE_URL 是否正确；"
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
            f"请求过于频繁，已被模型服务限流{tries}。请等待一会儿再试，或降低调用频率。",
        )
    if isinstance(exc, openai.InternalServerError) or (status is not None and status >= 500):
        return err(
            "server",
            f"模型服务暂时出错（HTTP {status}）{tries}。这通常是服务端问题，请稍后重试。",
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
