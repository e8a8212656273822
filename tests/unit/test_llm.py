"""Tests for assistant.llm against the fake OpenAI-compatible server."""

from __future__ import annotations

import time

import pytest
from langchain_openai import ChatOpenAI

from assistant.llm import (
    CONTINUE_PROMPT,
    LLMConfig,
    LLMError,
    continue_chat,
    explain,
    load_providers,
    make_chat_model,
    resolve_llm,
    stream_chat,
    strip_think,
)
from assistant.llm.streaming import ThinkFilter, trim_overlap
from assistant.support.config import Settings
from tests.fakes.server import Reply, count_tokens
from tests.ports import refused_port

MESSAGES = [("system", "你是公文写作助手。"), ("user", "请写约谈讲话的开场白。")]
SPEECH = "同志们：今天，市政府召开约谈会，约谈进度滞后的三家单位。下面，我讲几点意见。"


def _config(srv, **kw) -> LLMConfig:
    values = {
        "provider": "custom",
        "base_url": srv.base_url,
        "model": "fake-model",
        "api_key": "test-key",
        "timeout": 5.0,
        "max_retries": 0,
    }
    values.update(kw)
    return LLMConfig(**values)


def _model(srv, **kw) -> ChatOpenAI:
    return make_chat_model(_config(srv, **kw))


def _stream_error(srv, reply: Reply | None = None, **kw) -> LLMError:
    if reply is not None:
        srv.queue(reply)
    with pytest.raises(LLMError) as info:
        stream_chat(_model(srv, **kw), MESSAGES)
    err = info.value
    assert "Traceback" not in err.message
    assert err.message == str(err)
    return err


# --- presets and resolution -----------------------------------------------------------

EXPECTED = {
    "openai": ("https://api.openai.com/v1", "gpt-4o-mini"),
    "deepseek": ("https://api.deepseek.com/v1", "deepseek-chat"),
    "qwen": ("https://dashscope.aliyuncs.com/compatible-mode/v1", "qwen-plus"),
    "moonshot": ("https://api.moonshot.cn/v1", "moonshot-v1-32k"),
    "zhipu": ("https://open.bigmodel.cn/api/paas/v4", "glm-4-flash"),
    "ollama": ("http://localhost:11434/v1", "qwen2.5:7b"),
}


@pytest.mark.parametrize("provider", sorted(EXPECTED))
def test_presets_resolve(provider):
    cfg = resolve_llm(Settings(provider=provider, openai_api_key="sk-123"))
    assert cfg is not None
    assert (cfg.base_url, cfg.model) == EXPECTED[provider]
    assert cfg.provider == provider
    assert cfg.api_key == "sk-123"
    assert cfg.timeout == 120 and cfg.max_retries == 2
    assert "sk-123" not in repr(cfg)


def test_preset_data_has_labels_and_key_flags():
    presets = load_providers()
    assert set(presets) >= {*EXPECTED, "vllm", "custom"}
    assert presets["qwen"].label.startswith("通义千问")
    assert all(p.label for p in presets.values())
    assert [n for n, p in presets.items() if not p.requires_key] == ["ollama", "vllm", "custom"]
    assert resolve_llm(Settings(provider="kimi", openai_api_key="k")).provider == "moonshot"


def test_no_key_means_offline():
    assert resolve_llm(Settings()) is None
    assert resolve_llm(Settings(provider="deepseek")) is None
    assert resolve_llm(Settings(provider="custom", model="m")) is None  # no OPENAI_BASE_URL


def test_local_providers_need_no_key():
    cfg = resolve_llm(Settings(provider="ollama"))
    assert cfg.api_key == "ollama"
    assert cfg.base_url == "http://localhost:11434/v1"
    vllm = resolve_llm(Settings(provider="vllm", model="Qwen2.5-7B-Instruct"))
    assert (vllm.base_url, vllm.model, vllm.api_key) == (
        "http://localhost:8000/v1",
        "Qwen2.5-7B-Instruct",
        "EMPTY",
    )
    with pytest.raises(LLMError) as info:
        resolve_llm(Settings(provider="vllm"))
    assert info.value.kind == "config"
    assert "ASSISTANT_MODEL" in info.value.message


def test_env_overrides_preset(monkeypatch):
    monkeypatch.setenv("ASSISTANT_PROVIDER", "deepseek")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1/")
    monkeypatch.setenv("ASSISTANT_MODEL", "deepseek-reasoner")
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "30")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
    cfg = resolve_llm(Settings())
    assert cfg.provider == "deepseek"
    assert cfg.base_url == "http://127.0.0.1:9/v1"
    assert cfg.model == "deepseek-reasoner"
    assert (cfg.api_key, cfg.timeout, cfg.max_retries) == ("sk-env", 30, 0)


def test_base_url_without_key_uses_placeholder(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    cfg = resolve_llm(Settings())
    assert cfg.base_url == "http://127.0.0.1:8080/v1"
    assert cfg.model == "gpt-4o-mini"
    assert cfg.api_key == "EMPTY"


def test_unknown_provider_names_variable_and_choices():
    with pytest.raises(LLMError) as info:
        resolve_llm(Settings(provider="baidu", openai_api_key="k"))
    msg = info.value.message
    assert info.value.kind == "config"
    assert "ASSISTANT_PROVIDER" in msg and "baidu" in msg
    for name in ("openai", "deepseek", "qwen", "moonshot", "zhipu", "ollama", "vllm"):
        assert name in msg


def test_make_chat_model_parameters(fake_openai):
    model = _model(fake_openai, max_retries=4, timeout=7)
    assert isinstance(model, ChatOpenAI)
    assert model.model_name == "fake-model"
    assert model.openai_api_base == fake_openai.base_url
    assert model.temperature == 0.7
    assert model.stream_usage is True
    assert model.max_retries == 0  # one SDK attempt: retries happen inside the deadline (llm/retry.py)
    assert model.llm_config.max_retries == 4
    assert model.request_timeout == 7
    assert make_chat_model(_config(fake_openai), temperature=0.2).temperature == 0.2
    assert model.llm_config.timeout == 7
    assert make_chat_model(_config(fake_openai), model="x").llm_config.model == "x"


# --- streaming ------------------------------------------------------------------------


def test_stream_end_to_end_with_usage(fake_openai):
    fake_openai.queue(Reply(text=SPEECH, chunk_size=5, delay=0.2))
    pieces: list[str] = []
    result = stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    assert len(pieces) >= 5
    assert "".join(pieces) == SPEECH == result.text
    assert result.finish_reason == "stop"
    assert result.model == "fake-model"
    assert result.usage["completion_tokens"] == count_tokens(SPEECH)
    assert result.usage["prompt_tokens"] > 0
    assert result.continuations == 0
    assert result.elapsed_s >= 0.2  # the time shown to the user includes the model's wait
    (req,) = fake_openai.chat_requests()
    assert req.json["stream"] is True
    assert req.json["stream_options"] == {"include_usage": True}
    assert req.json["temperature"] == 0.7
    assert req.json["messages"][0] == {"role": "system", "content": "你是公文写作助手。"}


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 200])
def test_stream_strips_think_blocks(fake_openai, chunk_size):
    text = "<think>先分析约谈对象，\n再确定语气。</think>\n\n" + SPEECH
    fake_openai.queue(Reply(text=text, chunk_size=chunk_size))
    pieces: list[str] = []
    result = stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    assert result.text == SPEECH == "".join(pieces)
    assert result.reasoning == "先分析约谈对象，\n再确定语气。"
    assert not any("<" in p or ">" in p for p in pieces)


def test_stream_unterminated_think_is_reasoning(fake_openai):
    fake_openai.queue(Reply(text="<think>还在思考，没有结论", chunk_size=2))
    pieces: list[str] = []
    result = stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    assert result.text == "" and pieces == []
    assert result.reasoning == "还在思考，没有结论"


def test_think_filter_edge_cases():
    f = ThinkFilter()
    out = [f.feed(p) for p in ["正文<", "thi", "nk>推", "理</th", "ink>后文", "a<b", "<thinking>"]]
    out.append(f.flush())
    assert "".join(v for v, _ in out) == "正文后文a<b<thinking>"
    assert "".join(r for _, r in out) == "推理"
    assert strip_think("推理</think>\n答案") == ("推理答案", "")  # stray close tag dropped
    assert strip_think("  <think>x</think>  答<think>y</think>案") == ("答案", "xy")
    assert strip_think("结尾是<thin") == ("结尾是<thin", "")


def test_reasoning_content_collected_not_in_text(fake_openai):
    fake_openai.queue(Reply(text=SPEECH, reasoning="首先梳理问题，其次分析原因。", chunk_size=3))
    pieces: list[str] = []
    result = stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    assert result.text == SPEECH == "".join(pieces)
    assert result.reasoning == "首先梳理问题，其次分析原因。"
    assert "首先" not in result.text


def test_auto_continue_on_length(fake_openai):
    first, second = SPEECH[:20], SPEECH[20:]
    fake_openai.queue(
        Reply(text=first, finish_reason="length", chunk_size=4), Reply(text=second, chunk_size=4)
    )
    pieces: list[str] = []
    result = stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    assert result.text == SPEECH == "".join(pieces)
    assert result.continuations == 1
    assert result.finish_reason == "stop"
    assert result.usage["completion_tokens"] == count_tokens(first) + count_tokens(second)
    req1, req2 = fake_openai.chat_requests()
    assert len(req2.json["messages"]) == len(req1.json["messages"]) + 2
    assert req2.json["messages"][-2] == {"role": "assistant", "content": first}
    assert req2.json["messages"][-1] == {"role": "user", "content": CONTINUE_PROMPT}


def test_auto_continue_stops_at_limit_and_trims_repeats(fake_openai):
    fake_openai.queue(
        Reply(text="一是项目进度严重滞后，", finish_reason="length"),
        Reply(text="项目进度严重滞后，二是质量不高，", finish_reason="length"),
        Reply(text="三是", finish_reason="length"),
        Reply(text="不应请求"),
    )
    result = stream_chat(_model(fake_openai), MESSAGES, max_continuations=2)
    assert result.text == "一是项目进度严重滞后，二是质量不高，三是"
    assert result.finish_reason == "length"
    assert result.continuations == 2
    assert len(fake_openai.chat_requests()) == 3
    assert trim_overlap("甲乙丙丁戊己庚辛", "戊己庚辛壬癸") == "戊己庚辛壬癸"  # < 8 chars kept
    assert trim_overlap("前文：加强安全生产监督", "加强安全生产监督检查") == "检查"


# --- failures -------------------------------------------------------------------------


def test_wrong_key(fake_openai):
    err = _stream_error(fake_openai, api_key="wrong")
    assert err.kind == "auth"
    assert err.status == 401
    assert "OPENAI_API_KEY" in err.message and "“设置”页面" in err.message


def test_unknown_model(fake_openai):
    err = _stream_error(fake_openai, model="no-such-model")
    assert err.kind == "model_not_found"
    assert "ASSISTANT_MODEL" in err.message and "no-such-model" in err.message


def test_rate_limit_then_success(fake_openai):
    fake_openai.queue(Reply(status=429, headers={"retry-after-ms": "10"}), Reply(text="重试成功"))
    result = stream_chat(_model(fake_openai, max_retries=2), MESSAGES)
    assert result.text == "重试成功"
    assert len(fake_openai.chat_requests()) == 2


def test_rate_limit_exhausted(fake_openai):
    err = _stream_error(fake_openai, Reply(status=429, headers={"retry-after-ms": "10"}))
    assert err.kind == "rate_limit"
    assert "频率" in err.message


def test_server_error_without_retries(fake_openai):
    err = _stream_error(fake_openai, Reply(status=500))
    assert err.kind == "server"
    assert "500" in err.message and "稍后重试" in err.message
    assert len(fake_openai.chat_requests()) == 1


def test_timeout(fake_openai):
    t0 = time.monotonic()
    err = _stream_error(fake_openai, Reply(delay=10, text="太慢"), timeout=0.5)
    assert time.monotonic() - t0 < 5.0  # the 0.5 s timeout fired, not the 10 s reply
    assert err.kind == "timeout"
    assert "ASSISTANT_LLM_TIMEOUT" in err.message


def test_connection_refused():
    with refused_port() as port:
        base_url = f"http://127.0.0.1:{port}/v1"
        model = make_chat_model(
            LLMConfig(provider="ollama", base_url=base_url, model="m", api_key="x", max_retries=0)
        )
        with pytest.raises(LLMError) as info:
            stream_chat(model, MESSAGES)
    err = info.value
    assert err.kind == "connection"
    assert base_url in err.message
    assert "若使用 Ollama，请确认已运行 ollama serve" in err.message
    assert err.partial_text == ""
    assert "Traceback" not in err.message


def test_stream_cut_keeps_partial_then_continue(fake_openai):
    fake_openai.queue(Reply(text=SPEECH, chunk_size=4, cut_after=3))
    pieces: list[str] = []
    with pytest.raises(LLMError) as info:
        stream_chat(_model(fake_openai), MESSAGES, on_token=pieces.append)
    err = info.value
    assert err.kind == "connection"
    assert err.partial_text == SPEECH[:12] == "".join(pieces)
    assert "中断" in err.message and "Traceback" not in err.message
    # nothing in the app offers to resume, so the message must not promise it
    assert err.message.endswith("已收到的 12 字内容已保留。") and "继续生成" not in err.message

    fake_openai.queue(Reply(text=SPEECH[12:], chunk_size=4))
    more: list[str] = []
    result = continue_chat(_model(fake_openai), MESSAGES, err.partial_text, on_token=more.append)
    assert result.text == SPEECH
    assert err.partial_text + "".join(more) == SPEECH
    assert result.continuations == 1
    last = fake_openai.chat_requests()[-1].json["messages"]
    assert last[-2] == {"role": "assistant", "content": SPEECH[:12]}
    assert last[-1] == {"role": "user", "content": CONTINUE_PROMPT}


def test_cut_during_continuation_keeps_everything(fake_openai):
    fake_openai.queue(Reply(text=SPEECH[10:], chunk_size=4, cut_after=2))
    with pytest.raises(LLMError) as info:
        continue_chat(_model(fake_openai), MESSAGES, SPEECH[:10])
    assert info.value.partial_text == SPEECH[:18]


@pytest.mark.parametrize(
    "error",
    [
        {
            "message": "This model's maximum context length is 8192 tokens.",
            "type": "invalid_request_error",
            "code": "context_length_exceeded",
        },
        {"message": "输入长度超过模型限制", "type": "invalid_request_error", "code": None},
    ],
)
def test_context_length(fake_openai, error):
    err = _stream_error(fake_openai, Reply(status=400, error=error))
    assert err.kind == "context_length"
    assert "请减少参考范文条数后重试" in err.message


def test_explain_unknown_and_passthrough():
    err = explain(ValueError("boom"), None)
    assert err.kind == "unknown" and "ValueError" in err.message
    assert "Traceback" not in err.message
    # an LLMError is passed on with its message; the text written so far is attached
    passed = explain(LLMError("已有说明", "timeout"), partial_text="已写的半段")
    assert (passed.message, passed.kind, passed.partial_text) == ("已有说明", "timeout", "已写的半段")


def test_plain_bad_request(fake_openai):
    err = _stream_error(
        fake_openai,
        Reply(status=400, error={"message": "temperature out of range", "code": None}),
    )
    assert err.kind == "bad_request"
    assert "temperature out of range" in err.message


def test_quota_and_ollama_hints(fake_openai):
    err = _stream_error(fake_openai, Reply(status=402, error={"message": "Insufficient Balance"}))
    assert err.kind == "rate_limit" and "余额" in err.message
    err = _stream_error(fake_openai, provider="ollama", model="qwen3:8b")
    assert err.kind == "model_not_found"
    assert "ollama pull qwen3:8b" in err.message
    zhipu = {"message": "模型不存在，请检查模型代码。", "code": "1211"}
    err = _stream_error(fake_openai, Reply(status=400, error=zhipu))
    assert err.kind == "model_not_found" and "ASSISTANT_MODEL" in err.message


def test_callback_exception_propagates_unchanged(fake_openai):
    class Stop(Exception):
        pass

    def on_token(piece):
        raise Stop

    fake_openai.queue(Reply(text=SPEECH, chunk_size=2, chunk_delay=0.01))
    with pytest.raises(Stop):
        stream_chat(_model(fake_openai), MESSAGES, on_token=on_token)
    fake_openai.queue(Reply(text="之后照常"))
    assert stream_chat(_model(fake_openai), MESSAGES).text == "之后照常"
