"""A model server that redirects, or answers with a body that is no stream: Chinese, and nothing sent on.

Raw HTTP servers in threads (real sockets), not the fake OpenAI server: the answers here are
broken on purpose at the byte level (a 307, a login page, invalid UTF-8, a `data:` line that is
not JSON). The drafting goes through the public writer (writing/writer.py) as the page and the
CLI call it; the connection test of 设置 goes through stream_chat as settings_page does.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.domain.brief import parse_brief
from assistant.llm import LLMError, make_chat_model, resolve_llm, stream_chat
from assistant.support.config import Settings
from assistant.writing.writer import choose_writer
from tests.scenario import BRIEF

Answer = Callable[[BaseHTTPRequestHandler], None]


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class RawServer:
    """One HTTP server on 127.0.0.1 that records each request's path and body and answers with ``answer``."""

    def __init__(self, answer: Answer) -> None:
        self.received: list[tuple[str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):  # noqa: A002 - silence the per-request log
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                outer.received.append((self.path, body))
                answer(self)

            do_GET = do_POST  # noqa: N815

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self) -> RawServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **headers: str) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.end_headers()
    handler.wfile.write(body)


def _key_refused(handler: BaseHTTPRequestHandler) -> None:
    _send(handler, 401, b'{"error": {"message": "Incorrect API key provided"}}', "application/json")


def _chunk(content: str) -> bytes:
    return (
        '{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", '
        '"choices": [{"index": 0, "delta": {"content": "' + content + '"}, "finish_reason": null}]}'
    ).encode()


def _sse(*events: bytes) -> Answer:
    body = b"".join(b"data: " + e + b"\n\n" for e in events)
    return lambda h: _send(h, 200, body, "text/event-stream; charset=utf-8")


@contextmanager
def _model_env(monkeypatch, base_url: str, retries: int = 0) -> Iterator[Settings]:
    """The chat model configured the way a user does it: OPENAI_BASE_URL and friends in the environment."""
    monkeypatch.setenv("OPENAI_BASE_URL", f"{base_url}/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key")
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    monkeypatch.setenv("ASSISTANT_PROVIDER", "custom")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", str(retries))
    monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "10")
    yield Settings(_env_file=None)


def _draft_error(settings: Settings) -> LLMError:
    """What drafting says when the model fails (the page and `assistant draft` show this message)."""
    with pytest.raises(LLMError) as info:
        choose_writer(settings).write(parse_brief(BRIEF), None)
    return info.value


def _test_connection_error(settings: Settings) -> LLMError:
    """What 设置 → 测试连接 says (settings_page._test makes exactly this call)."""
    config = resolve_llm(settings)
    assert config is not None
    with pytest.raises(LLMError) as info:
        stream_chat(make_chat_model(config, max_retries=0), [("user", "请只回复“好”。")])
    return info.value


#: English an exception would bring along; none may reach the user.
ENGLISH = ("Error", "Exception", "error", "decode", "codec", "Expecting", "chunks", "byte", "invalid", "line")


def _only_chinese(message: str, *allowed: str) -> None:
    """No English in ``message`` except the settings, addresses and types it names on purpose."""
    assert not [w for w in ENGLISH if w in message], message
    rest = message
    for word in (*allowed, "OPENAI_BASE_URL", "OpenAI", "UTF-8", "JSON", "/v1"):
        rest = rest.replace(word, "")
    assert not re.search(r"[A-Za-z]", rest), (rest, message)


# --- redirects ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", [307, 308, 301, 302])
def test_a_redirect_to_another_address_is_not_followed(status, monkeypatch):
    with RawServer(_key_refused) as elsewhere:
        target = f"{elsewhere.url}/v1/chat/completions"

        def moved(h):
            _send(h, status, b"", "text/plain", Location=target)

        with RawServer(moved) as model, _model_env(monkeypatch, model.url) as settings:
            error = _draft_error(settings)
            assert len(model.received) == 1
            # The prompt (the brief's facts) never left for the other address.
            assert elsewhere.received == []
    message = str(error)
    assert "转到了另一个地址" in message and target in message and "OPENAI_BASE_URL" in message
    assert "密钥" not in message and "OPENAI_API_KEY" not in message
    assert error.kind == "redirect"


def test_the_connection_test_says_the_same(monkeypatch):
    with RawServer(_key_refused) as elsewhere:
        def moved(h):
            _send(h, 307, b"", "text/plain", Location=f"{elsewhere.url}/v1/chat/completions")

        with RawServer(moved) as model, _model_env(monkeypatch, model.url) as settings:
            error = _test_connection_error(settings)
        assert elsewhere.received == []
    assert "转到了另一个地址" in str(error) and "OPENAI_BASE_URL" in str(error)
    assert "密钥" not in str(error)


def test_a_relative_redirect_names_the_full_address(monkeypatch):
    def moved(h):
        _send(h, 301, b"", "text/plain", Location="/api/v1/chat/completions")

    with RawServer(moved) as model, _model_env(monkeypatch, model.url) as settings:
        error = _test_connection_error(settings)
        assert [path for path, _ in model.received] == ["/v1/chat/completions"]
    assert f"{model.url}/api/v1/chat/completions" in str(error)


def test_control_characters_in_the_location_are_not_repeated(monkeypatch):
    def moved(h):
        # UTF-8 bytes on the wire (headers are sent as latin-1 here): an RLO mark after the path
        _send(h, 307, b"", "text/plain", Location="http://127.0.0.1:9/x" + "\u202e".encode().decode("latin-1"))

    with RawServer(moved) as model, _model_env(monkeypatch, model.url) as settings:
        message = str(_test_connection_error(settings))
    assert "\u202e" not in message and "\xe2" not in message and "转到了另一个地址（http://127.0.0.1:9/x" in message


# --- bodies that are not a stream ----------------------------------------------------------

LOGIN_PAGE = "<html><body><h1>统一身份认证</h1><p>请先登录。</p></body></html>".encode()
WHOLE_ANSWER = (
    b'{"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": '
    b'[{"index": 0, "message": {"role": "assistant", "content": "\xe5\xa5\xbd"}, "finish_reason": "stop"}]}'
)


@pytest.mark.parametrize(
    ("answer", "phrase", "allowed"),
    [
        pytest.param(
            lambda h: _send(h, 200, LOGIN_PAGE, "text/html; charset=utf-8"),
            "返回的不是流式数据（收到的是 text/html）",
            ("text/html",),
            id="login-page",
        ),
        pytest.param(
            lambda h: _send(h, 200, WHOLE_ANSWER, "application/json"),
            "返回的不是流式数据（收到的是 application/json）",
            ("application/json",),
            id="whole-json-answer",
        ),
        pytest.param(
            lambda h: _send(h, 200, "服务维护中，请稍后再试。".encode(), "text/plain; charset=utf-8"),
            "没有返回任何流式数据",
            (),
            id="plain-text",
        ),
        pytest.param(
            _sse(_chunk("\\u597d") , b'{"id": "c1", "choices": [{"delta": {"content": "\xff\xfe\xe5"}}]}'),
            "不是有效的 UTF-8 文本",
            (),
            id="invalid-utf8",
        ),
        pytest.param(
            _sse(b'{"id": "c1", "choices": [{"delta": {content: oops'),
            "返回的数据无法解析（JSON 错误）",
            (),
            id="bad-json",
        ),
    ],
)
def test_a_broken_stream_body_is_told_in_chinese(answer, phrase, allowed, monkeypatch):
    # Retries allowed, as by default: a broken answer is not asked for again and again.
    with RawServer(answer) as model, _model_env(monkeypatch, model.url, retries=2) as settings:
        draft_error = _draft_error(settings)
        asked = len(model.received)
        test_error = _test_connection_error(settings)
    for error in (draft_error, test_error):
        message = str(error)
        assert phrase in message, message
        assert "OPENAI_BASE_URL" in message
        _only_chinese(message, model.url, *allowed)
        assert error.kind == "bad_response"
    assert asked == 1


def test_text_before_a_broken_line_is_kept(monkeypatch):
    answer = _sse(_chunk("\\u540c\\u5fd7\\u4eec"), b"{not json")
    with RawServer(answer) as model, _model_env(monkeypatch, model.url) as settings:
        config = resolve_llm(settings)
        assert config is not None
        with pytest.raises(LLMError) as info:
            stream_chat(make_chat_model(config), [("user", "写开场白")])
    assert info.value.partial_text == "同志们"
    assert "无法解析（JSON 错误）" in str(info.value) and "已收到的 3 字内容已保留" in str(info.value)


def test_a_streamed_answer_still_works(monkeypatch):
    """The new HTTP client changes nothing for a server that answers as it should."""
    stop = (
        b'{"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", '
        b'"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}'
    )
    answer = _sse(_chunk("\\u597d"), stop, b"[DONE]")
    with RawServer(answer) as model, _model_env(monkeypatch, model.url) as settings:
        config = resolve_llm(settings)
        assert config is not None
        result = stream_chat(make_chat_model(config), [("user", "请只回复“好”。")])
    assert result.text == "好" and result.finish_reason == "stop"


def test_an_embedding_server_that_redirects_is_not_followed():
    from assistant.library.embeddings import EmbeddingError, OpenAICompatibleEmbedder

    with RawServer(_key_refused) as other:
        def moved(handler: BaseHTTPRequestHandler) -> None:
            _send(handler, 307, b"", "text/plain", Location=other.url + "/v1/embeddings")

        with RawServer(moved) as first:
            embedder = OpenAICompatibleEmbedder(model="m", base_url=first.url + "/v1", api_key="k", timeout=5)
            with pytest.raises(EmbeddingError, match="转到了另一个地址.*ASSISTANT_EMBEDDING_BASE_URL"):
                embedder.embed_passages(["东湖区住建局第三季度燃气安全检查发现隐患十二处。"])
            assert first.received and not other.received
