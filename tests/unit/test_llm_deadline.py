"""One overall deadline per model call (ASSISTANT_LLM_TIMEOUT), retries included (issue 12, item 7)."""

from __future__ import annotations

import socket
import time

import pytest

from assistant.llm import LLMConfig, LLMError, make_chat_model, resolve_llm, stream_chat
from assistant.support.config import Settings
from tests.fakes.server import Reply

MESSAGES = [("user", "请写约谈讲话的开场白。")]


def _model(srv, timeout: float, retries: int, base_url: str | None = None):
    config = LLMConfig(
        provider="custom", base_url=base_url or srv.base_url, model="fake-model", api_key="test-key",
        timeout=timeout, max_retries=retries,
    )  # fmt: skip
    return make_chat_model(config)


def _fails(model) -> tuple[LLMError, float]:
    started = time.monotonic()
    with pytest.raises(LLMError) as info:
        stream_chat(model, MESSAGES)
    return info.value, time.monotonic() - started


def test_a_silent_endpoint_fails_at_the_deadline_not_after_every_retry(fake_openai):
    fake_openai.queue(*[Reply(text="太慢", delay=30)] * 3)
    err, took = _fails(_model(fake_openai, timeout=2, retries=2))
    # Before: each of the 3 tries waited the full timeout (3 × 2 s) and the message said 2 s.
    assert 1.5 < took < 3.5, took
    assert err.kind == "timeout"
    assert "2 秒内没有响应" in err.message and "含重试" in err.message


def test_retries_fit_inside_the_deadline(fake_openai):
    fake_openai.queue(Reply(status=500), Reply(status=503), Reply(text="第三次成功"))
    started = time.monotonic()
    result = stream_chat(_model(fake_openai, timeout=20, retries=2), MESSAGES)
    assert result.text == "第三次成功"
    assert len(fake_openai.chat_requests()) == 3
    assert time.monotonic() - started < 10


def test_a_retry_that_cannot_finish_before_the_deadline_is_not_started(fake_openai):
    fake_openai.queue(Reply(status=429, headers={"retry-after": "30"}), Reply(text="不该等到"))
    err, took = _fails(_model(fake_openai, timeout=3, retries=2))
    assert err.kind == "rate_limit" and took < 2.5
    assert len(fake_openai.chat_requests()) == 1


def test_refused_connection_says_how_many_tries():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    err, took = _fails(_model(None, timeout=10, retries=2, base_url=f"http://127.0.0.1:{port}/v1"))
    assert err.kind == "connection"
    assert "共尝试 3 次" in err.message and took < 10


def test_default_deadline_is_at_most_two_minutes():
    config = resolve_llm(Settings(provider="deepseek", openai_api_key="k"))
    assert config.timeout <= 120 and config.max_retries >= 1
