"""Tests for the fake OpenAI-compatible server, driven by the real openai SDK and langchain."""

from __future__ import annotations

import json
import math
import socket
import threading
import time
import urllib.error
import urllib.request

import openai
import pytest
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

from tests.fakes.server import FakeOpenAI, Reply, fake_embedding

MESSAGES = [{"role": "user", "content": "请写一段约谈开场白"}]


@pytest.fixture
def srv():
    """A started fake server with api key ``test-key``."""
    with FakeOpenAI(api_key="test-key") as server:
        yield server


@pytest.fixture
def client(srv):
    """An openai SDK client pointed at the fake server, without retries."""
    with openai.OpenAI(base_url=srv.base_url, api_key="test-key", max_retries=0) as c:
        yield c


def _chat(client, **kwargs):
    return client.chat.completions.create(model="fake-model", messages=MESSAGES, **kwargs)


def _raw(srv, method, path, body=None, key="test-key"):
    """Plain urllib request; returns (status, parsed JSON body)."""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(srv.url + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if key is not None:
        req.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# --- lifecycle ------------------------------------------------------------------------


def test_binds_loopback_and_frees_its_port_on_stop():
    for _ in range(10):
        server = FakeOpenAI()
        server.start()
        assert server.base_url.startswith("http://127.0.0.1:")
        port = server.port
        assert server.base_url == f"http://127.0.0.1:{port}/v1"
        server.stop()
        with pytest.raises(ConnectionRefusedError):  # nothing listens on the port any more
            socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_stop_with_pending_delayed_request_and_keepalive_is_fast():
    server = FakeOpenAI().start()
    c = openai.OpenAI(base_url=server.base_url, api_key="test-key", max_retries=0)
    _chat(c)  # leaves a keep-alive connection open
    server.queue(Reply(delay=30.0))
    errors = []

    def call():
        try:
            _chat(c)
        except openai.APIError as exc:
            errors.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 2
    while len(server.chat_requests()) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    t0 = time.monotonic()
    server.stop()
    worker.join(timeout=3)
    c.close()
    assert time.monotonic() - t0 < 3.0  # far below the 30 s the request would wait
    assert not worker.is_alive()
    assert errors and isinstance(errors[0], openai.APIConnectionError)


# --- chat: plain ----------------------------------------------------------------------


def test_non_stream_text_usage_and_recording(srv, client):
    srv.queue(Reply(text="同志们，今天约谈的主要目的是……"))
    resp = _chat(client, temperature=0.3)
    assert resp.object == "chat.completion"
    assert resp.model == "fake-model"
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content == "同志们，今天约谈的主要目的是……"
    assert resp.choices[0].finish_reason == "stop"
    usage = resp.usage
    assert usage.completion_tokens == 8  # 16 chars // 2
    assert usage.prompt_tokens == 5  # ceil(9 / 2)
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens

    (rec,) = srv.chat_requests()
    assert rec.path == "/v1/chat/completions"
    assert rec.headers["authorization"] == "Bearer test-key"
    assert rec.json["messages"] == MESSAGES
    assert rec.json["temperature"] == 0.3
    assert rec.time <= time.time()


def test_default_reply_and_custom_default(srv, client):
    assert _chat(client).choices[0].message.content == "好的。"
    srv.default = lambda request: Reply(text="回声：" + request["messages"][-1]["content"])
    assert _chat(client).choices[0].message.content == "回声：请写一段约谈开场白"


def test_queue_is_fifo(srv, client):
    srv.queue(Reply(text="一"), Reply(text="二"))
    srv.queue(Reply(text="三"))
    assert srv.pending() == 3
    assert [_chat(client).choices[0].message.content for _ in range(4)] == [
        "一",
        "二",
        "三",
        "好的。",
    ]


def test_reasoning_content_non_stream(srv, client):
    srv.queue(Reply(text="结论", reasoning="先分析问题"))
    msg = _chat(client).choices[0].message
    assert msg.content == "结论"
    assert msg.reasoning_content == "先分析问题"


def test_finish_reason_length(srv, client):
    srv.queue(Reply(text="未完", finish_reason="length"))
    assert _chat(client).choices[0].finish_reason == "length"
    srv.queue(Reply(text="未完的流", finish_reason="length"))
    chunks = list(_chat(client, stream=True))
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "length"


# --- chat: streaming ------------------------------------------------------------------


def test_stream_text_assembled_and_usage(srv, client):
    text = "一、正视问题。二、查找原因。三、约谈意见。四、整改落实。"
    srv.queue(Reply(text=text, chunk_size=5))
    chunks = list(_chat(client, stream=True, stream_options={"include_usage": True}))
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert "".join(pieces) == text
    assert all(len(p) <= 5 for p in pieces)
    assert len(pieces) == math.ceil(len(text) / 5)
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == (len(text) + 1) // 2


def test_stream_without_include_usage_has_no_usage_chunk(srv, client):
    chunks = list(_chat(client, stream=True))
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_stream_reasoning_before_content(srv, client):
    srv.queue(Reply(text="正文内容", reasoning="推理过程很长", chunk_size=2))
    deltas = [c.choices[0].delta for c in _chat(client, stream=True) if c.choices]
    reasoning = [getattr(d, "reasoning_content", None) for d in deltas]
    content = [d.content for d in deltas]
    assert "".join(r for r in reasoning if r) == "推理过程很长"
    assert "".join(c for c in content if c) == "正文内容"
    last_reasoning = max(i for i, r in enumerate(reasoning) if r)
    first_content = min(i for i, c in enumerate(content) if c)
    assert last_reasoning < first_content


def test_stream_is_really_incremental(srv, client):
    srv.queue(Reply(text="abcdefghij", chunk_size=2, chunk_delay=0.2))
    t0 = time.monotonic()
    first = None
    for chunk in _chat(client, stream=True):
        if first is None and chunk.choices and chunk.choices[0].delta.content:
            first = time.monotonic() - t0
    total = time.monotonic() - t0
    assert first is not None
    # Sleeps only give lower bounds, so this holds on a loaded machine too: at least four more
    # delayed events arrived after the first piece, i.e. it was not buffered until the end.
    assert total - first >= 0.75


def test_stream_cut_mid_way(srv, client):
    srv.queue(Reply(text="abcdefghijklmnopqrstuvwxyz", chunk_size=4, cut_after=3))
    received = []
    with pytest.raises(openai.APIConnectionError) as info:
        for chunk in _chat(client, stream=True):
            if chunk.choices and chunk.choices[0].delta.content:
                received.append(chunk.choices[0].delta.content)
    assert "".join(received) == "abcdefghijkl"
    assert "incomplete chunked read" in str(info.value.__cause__)


def test_non_stream_cut_raises_connection_error(srv, client):
    srv.queue(Reply(text="被截断的回复", cut_after=0))
    with pytest.raises(openai.APIConnectionError):
        _chat(client)


# --- errors ---------------------------------------------------------------------------


def test_wrong_key_is_authentication_error(srv):
    with (
        openai.OpenAI(base_url=srv.base_url, api_key="wrong", max_retries=0) as c,
        pytest.raises(openai.AuthenticationError) as info,
    ):
        _chat(c)
    assert info.value.status_code == 401
    assert info.value.code == "invalid_api_key"
    status, body = _raw(srv, "POST", "/v1/chat/completions", {"model": "fake-model"}, key=None)
    assert status == 401
    assert set(body["error"]) >= {"message", "type", "code"}
    assert body["error"]["code"] == "invalid_api_key"
    assert srv.pending() == 0 and len(srv.requests) == 2


def test_unknown_model_is_not_found(srv, client):
    srv.queue(Reply(text="不应被消耗"))
    with pytest.raises(openai.NotFoundError) as info:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES)
    assert info.value.code == "model_not_found"
    assert srv.pending() == 1  # validation failures do not consume scripted replies
    srv.models = {"fake-model", "other-model"}
    assert client.chat.completions.create(model="other-model", messages=MESSAGES).model == (
        "other-model"
    )


def test_rate_limit_then_success_with_retries(srv):
    srv.queue(Reply(status=429, headers={"retry-after-ms": "10"}), Reply(text="重试成功"))
    with openai.OpenAI(base_url=srv.base_url, api_key="test-key", max_retries=2) as c:
        assert _chat(c).choices[0].message.content == "重试成功"
    assert len(srv.chat_requests()) == 2


def test_rate_limit_retry_after_zero(srv):
    srv.queue(Reply(status=429, headers={"retry-after": "0"}))
    with (
        openai.OpenAI(base_url=srv.base_url, api_key="test-key", max_retries=0) as c,
        pytest.raises(openai.RateLimitError) as info,
    ):
        _chat(c)
    assert info.value.response.headers["retry-after"] == "0"
    assert info.value.code == "rate_limit_exceeded"


def test_server_error_without_retries(srv, client):
    srv.queue(Reply(status=500))
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client)
    assert info.value.status_code == 500
    srv.queue(Reply(status=503, error={"message": "过载", "type": "server_error", "code": None}))
    with pytest.raises(openai.InternalServerError) as info:
        _chat(client, stream=True)
    assert info.value.status_code == 503
    assert "过载" in info.value.message
    assert len(srv.chat_requests()) == 2


def test_delay_causes_client_timeout(srv):
    srv.queue(Reply(delay=10.0, text="太慢了"))
    with openai.OpenAI(base_url=srv.base_url, api_key="test-key", max_retries=0, timeout=0.5) as c:
        t0 = time.monotonic()
        with pytest.raises(openai.APITimeoutError):
            _chat(c)
    assert time.monotonic() - t0 < 5.0  # the 0.5 s timeout fired, not the 10 s reply


def test_unknown_path_and_models_list(srv, client):
    status, body = _raw(srv, "POST", "/v1/nope", {"x": 1})
    assert status == 404
    assert body["error"]["code"] == "unknown_url"
    srv.models = {"fake-model", "b-model"}
    assert sorted(m.id for m in client.models.list()) == ["b-model", "fake-model"]
    assert client.models.retrieve("b-model").id == "b-model"
    with pytest.raises(openai.NotFoundError):
        client.models.retrieve("missing")


def test_bad_json_is_400(srv):
    req = urllib.request.Request(
        srv.base_url + "/chat/completions",
        data=b"{not json",
        method="POST",
        headers={"Authorization": "Bearer test-key", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=5)
    assert info.value.code == 400
    assert json.loads(info.value.read())["error"]["type"] == "invalid_request_error"


# --- embeddings -----------------------------------------------------------------------


def test_embeddings_deterministic_and_normalised(srv, client):
    texts = ["约谈讲话范文", "约谈讲话范文", "完全不同的文本内容"]
    resp = client.embeddings.create(model="fake-embedding", input=texts)  # SDK asks base64
    vectors = [d.embedding for d in resp.data]
    assert [d.index for d in resp.data] == [0, 1, 2]
    assert all(len(v) == 64 for v in vectors)
    for v in vectors:
        assert math.isclose(math.sqrt(sum(x * x for x in v)), 1.0, rel_tol=1e-5)
    assert vectors[0] == vectors[1]
    assert vectors[0] != vectors[2]
    assert resp.usage.prompt_tokens > 0
    assert srv.embedding_requests()[0].json["encoding_format"] == "base64"

    single = client.embeddings.create(
        model="fake-embedding", input="约谈讲话范文", encoding_format="float", dimensions=16
    )
    assert single.data[0].embedding == pytest.approx(fake_embedding("约谈讲话范文", 16))
    again = client.embeddings.create(model="fake-embedding", input="约谈讲话范文")
    assert again.data[0].embedding == pytest.approx(vectors[0], abs=1e-6)


def test_embeddings_similar_texts_are_closer():
    base = fake_embedding("加强安全生产责任落实")
    near = fake_embedding("加强安全生产责任的落实")
    far = fake_embedding("今天天气很好我们去公园")

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cos(base, near) > cos(base, far)


def test_embeddings_token_ids_and_errors(srv, client):
    resp = client.embeddings.create(model="fake-embedding", input=[[1, 2, 3], [4, 5]])
    assert len(resp.data) == 2
    assert resp.usage.prompt_tokens == 5
    srv.queue_embedding(Reply(status=500))
    with pytest.raises(openai.InternalServerError):
        client.embeddings.create(model="fake-embedding", input="x")
    with pytest.raises(openai.NotFoundError):
        client.embeddings.create(model="no-such-embedding", input="x")
    assert len(srv.embedding_requests()) == 3
    assert srv.chat_requests() == []


# --- langchain ------------------------------------------------------------------------


def test_langchain_chat_openai_stream_and_invoke(srv):
    llm = ChatOpenAI(base_url=srv.base_url, api_key="test-key", model="fake-model", max_retries=0)
    text = "按照约谈讲话的标准结构起草如下。"
    srv.queue(Reply(text=text, chunk_size=3), Reply(text="一次性回复"))
    pieces = [chunk.content for chunk in llm.stream("起草约谈讲话")]
    assert "".join(pieces) == text
    assert len([p for p in pieces if p]) == math.ceil(len(text) / 3)
    msg = llm.invoke("再来一次")
    assert msg.content == "一次性回复"
    assert msg.response_metadata["finish_reason"] == "stop"
    assert msg.usage_metadata["output_tokens"] == 3
    stream_req, invoke_req = srv.chat_requests()
    assert stream_req.json["stream"] is True
    assert stream_req.json["messages"][-1]["content"] == "起草约谈讲话"
    assert not invoke_req.json.get("stream")


def test_langchain_errors_surface_as_openai_errors(srv):
    llm = ChatOpenAI(base_url=srv.base_url, api_key="test-key", model="fake-model", max_retries=0)
    srv.queue(Reply(text="abcdefghijkl", chunk_size=4, cut_after=1))
    got = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in llm.stream("x"):
            got.append(chunk.content)
    assert "".join(got) == "abcd"


def test_langchain_embeddings(srv):
    emb = OpenAIEmbeddings(
        base_url=srv.base_url,
        api_key="test-key",
        model="fake-embedding",
        check_embedding_ctx_length=False,
        max_retries=0,
    )
    docs = emb.embed_documents(["范文一", "范文二"])
    assert len(docs) == 2 and len(docs[0]) == 64
    assert emb.embed_query("范文一") == pytest.approx(docs[0], abs=1e-6)
