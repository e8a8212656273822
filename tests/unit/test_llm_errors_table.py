"""explain() on real openai/httpx exception objects: the rule that wins and its key phrase."""

import httpx
import openai
import pytest

from assistant.llm.errors import explain
from assistant.llm.presets import LLMConfig

URL = "http://127.0.0.1:11434/v1/chat/completions"
CONFIG = LLMConfig(
    provider="ollama", base_url="http://127.0.0.1:11434/v1", model="qwen3:8b", api_key="EMPTY"
)


def _request() -> httpx.Request:
    return httpx.Request("POST", URL)


def _status(cls, status: int, message: str, code: str | None = None):
    body = {"error": {"message": message, "code": code}}
    response = httpx.Response(status, request=_request())
    return cls(f"Error code: {status}", response=response, body=body)


def _case(kind, exc, phrase, partial="", *, id):
    return pytest.param(kind, exc, partial, phrase, id=id)


CASES = [
    # APITimeoutError subclasses APIConnectionError: must still read as a timeout
    _case("timeout", openai.APITimeoutError(request=_request()), "秒内没有响应", id="timeout"),
    _case(
        "timeout",
        openai.APITimeoutError(request=_request()),
        "没有输出新内容",
        "半段",
        id="timeout-partial",
    ),
    _case("timeout", httpx.ReadTimeout("slow"), "ASSISTANT_LLM_TIMEOUT", id="read-timeout"),
    _case(
        "connection", openai.APIConnectionError(request=_request()), "ollama serve", id="refused"
    ),
    _case("connection", httpx.RemoteProtocolError("closed"), "在生成过程中中断", id="cut"),
    _case(
        "connection",
        openai.APIConnectionError(request=_request()),
        "在生成过程中中断",
        "半段",
        id="cut-partial",
    ),
    _case("auth", _status(openai.AuthenticationError, 401, "bad"), "OPENAI_API_KEY", id="401"),
    _case("auth", _status(openai.PermissionDeniedError, 403, "no"), "OPENAI_API_KEY", id="403"),
    _case(
        "model_not_found",
        _status(openai.NotFoundError, 404, "model x not found"),
        "ollama pull qwen3:8b",
        id="no-model",
    ),
    _case(
        "bad_request",
        _status(openai.NotFoundError, 404, "Not Found"),
        "通常以 /v1 结尾",
        id="no-route",
    ),
    _case(
        "model_not_found",
        _status(openai.BadRequestError, 400, "模型不存在", "1211"),
        "ASSISTANT_MODEL（当前为",
        id="zhipu-400",
    ),
    _case(
        "context_length",
        _status(openai.BadRequestError, 400, "too big", "context_length_exceeded"),
        "请减少参考范文条数",
        id="context",
    ),
    _case(
        "rate_limit",
        _status(openai.RateLimitError, 429, "gone", "insufficient_quota"),
        "账户余额不足",
        id="quota",
    ),
    _case("rate_limit", _status(openai.RateLimitError, 429, "slow"), "请求过于频繁", id="429"),
    _case("server", _status(openai.InternalServerError, 503, "busy"), "HTTP 503", id="503"),
    _case(
        "bad_request",
        _status(openai.UnprocessableEntityError, 422, "bad field"),
        "bad field",
        id="422",
    ),
    _case("unknown", ValueError("boom"), "未能识别的错误，类型 ValueError", id="unknown"),
]


@pytest.mark.parametrize(("kind", "exc", "partial", "phrase"), CASES)
def test_rule(kind, exc, partial, phrase):
    err = explain(exc, CONFIG, partial_text=partial)
    assert err.kind == kind
    assert phrase in err.message
    assert err.partial_text == partial
    assert err.message.endswith(f"已收到的 {len(partial)} 字内容已保留。") == bool(partial)


def test_attempts_are_counted_only_when_retried():
    exc = _status(openai.RateLimitError, 429, "slow down")
    assert "（共尝试 3 次）" in explain(exc, CONFIG, attempts=3).message
    assert "共尝试" not in explain(exc, CONFIG, attempts=1).message


def test_without_config():
    err = explain(openai.APIConnectionError(request=_request()))
    assert err.kind == "connection" and "（未知地址）" in err.message
