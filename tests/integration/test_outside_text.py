"""Text from outside the program is shown as written, never as Markdown (issue 20, point 6).

A brief, a model server's error and a model's answer may carry Markdown: a link "点此验证身份"
or an image from another address. On the page they must stay text: no live link, no picture
fetched by a colleague's browser. Through AppTest every element that renders Markdown is read;
through a real Chromium the DOM is searched for the link and the image.
"""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.app_flows import generate, start, texts
from tests.fakes.server import Reply
from tests.integration.test_browser import (
    _app_env,
    _fill_brief,
    _page,
    _require_browser,
    _wait_ready,
    serve_streamlit,
)
from tests.scenario import BRIEF, script
from tests.shared import REPO

LINK = "[点此验证身份](http://127.0.0.1:9/x)"
IMAGE = "![](http://127.0.0.1:9/img.png)"
ADDRESS = "127.0.0.1:9"

#: The brief of tests/scenario.py with outside Markdown in the fields a warning or a title quotes.
HOSTILE_BRIEF = {
    **BRIEF,
    "meeting": f"{BRIEF['meeting']}{LINK}",
    "title": f"{BRIEF['title']}{IMAGE}",
    "targets": [*BRIEF["targets"], f"北岸镇人民政府{LINK}{IMAGE}"],
    "issues": [*BRIEF["issues"], f"东湖区污水管网改造停滞{IMAGE}"],
}
#: A model server's refusal, worded like a phishing page.
SERVER_MESSAGE = f"账号需要验证，{LINK} {IMAGE}"


def _markdown_texts(at) -> list[str]:
    """Every string the page renders as Markdown: messages, captions, labels of expanders, buttons and tabs."""
    values = [m.value for m in at.markdown] + [c.value for c in at.caption]
    values += [str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning, *at.toast)]
    values += [e.label for e in at.expander] + [b.label for b in at.button] + [t.label for t in at.tabs]
    values += [h.value for h in (*at.title, *at.header, *at.subheader)]
    return values


_CODE_SPAN = re.compile(r"`[^`]*`")
_LINK = re.compile(r"(?<!\\)\]\(")  # "](" where "]" is not escaped: a link's text ends, its address starts


def _assert_escaped(at) -> None:
    for value in _markdown_texts(at):
        markup = _CODE_SPAN.sub("", value)  # a code span's text is never read as Markdown
        assert not _LINK.search(markup) and "![" not in markup, value
        assert "http://" not in markup and "www." not in markup, value  # nothing left to autolink
    for el in at.get("html"):  # the document and the revision marks: HTML, every piece escaped
        assert "<a " not in el.proto.body and "<img" not in el.proto.body, el.proto.body[:500]


def _shown(at, words: str) -> bool:
    return any(words in v for v in _markdown_texts(at))


def test_a_model_error_and_the_brief_are_shown_as_text(small_corpus, llm, data_dir):
    at = start()
    llm.queue(Reply(status=400, error={"message": SERVER_MESSAGE, "type": "invalid_request_error"}))
    at = generate(at, HOSTILE_BRIEF)
    assert any("模型服务拒绝了本次请求" in e.value and "点此验证身份" in e.value for e in at.error), texts(at)
    _assert_escaped(at)

    # A draft the model writes without the brief's new target and issue: the warnings and the
    # checker quote them (a warning, the 校对 findings, 我的稿件's title).
    script(llm)
    at = generate(at)
    assert _shown(at, "北岸镇人民政府") and _shown(at, "点此验证身份"), texts(at)
    _assert_escaped(at)


def _server(answer) -> ThreadingHTTPServer:
    """A raw HTTP server in a thread answering every POST with ``answer(handler)``."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # noqa: A002
            pass

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.server.hits += 1  # type: ignore[attr-defined]
            answer(self)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    httpd.hits = 0  # type: ignore[attr-defined]
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd


def _send(h: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, location: str = "") -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    if location:
        h.send_header("Location", location)
    h.end_headers()
    h.wfile.write(body)


def _test_connection(at, base_url: str):
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_key").input("sk-test")
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(base_url)
    at.button(key="llm_test").click().run()
    assert not at.exception, at.exception
    return at


def test_the_connection_test_shows_the_servers_words_as_text(small_corpus):
    body = ('{"error": {"message": "' + SERVER_MESSAGE.replace('"', '\\"') + '"}}').encode()
    server = _server(lambda h: _send(h, 400, body, "application/json"))
    try:
        at = _test_connection(start(), f"http://127.0.0.1:{server.server_address[1]}/v1")
    finally:
        server.shutdown()
        server.server_close()
    assert any("点此验证身份" in e.value for e in at.error), texts(at)
    _assert_escaped(at)


def test_the_connection_test_refuses_a_redirect_in_chinese(small_corpus):
    elsewhere = _server(lambda h: _send(h, 401, b'{"error": {"message": "bad key"}}', "application/json"))
    target = f"http://127.0.0.1:{elsewhere.server_address[1]}/v1/chat/completions"
    model = _server(lambda h: _send(h, 307, b"", "text/plain", location=target))
    try:
        at = _test_connection(start(), f"http://127.0.0.1:{model.server_address[1]}/v1")
        hits = elsewhere.hits  # type: ignore[attr-defined]
    finally:
        for s in (model, elsewhere):
            s.shutdown()
            s.server_close()
    assert hits == 0
    errors = [e.value for e in at.error]
    assert any("转到了另一个地址" in e and "OPENAI_BASE_URL" in e for e in errors), errors
    assert not any("密钥" in e for e in errors), errors


#: Every link, image or other element of the page that points at the outside address.
POINTING_THERE_JS = f"""
() => [...document.querySelectorAll('a[href], img[src], [srcset], source[src], iframe[src]')]
  .map(e => e.outerHTML).filter(h => h.includes('{ADDRESS}'))
"""


def _nothing_points_there(page, fetched: list[str]) -> None:
    assert page.evaluate(POINTING_THERE_JS) == []
    html = page.content()
    assert f'href="http://{ADDRESS}' not in html and f'src="http://{ADDRESS}' not in html
    assert not [u for u in fetched if ADDRESS in u], fetched  # the browser never asked for the picture
    assert "<!--" not in page.locator("body").inner_text()  # what splits an address is not shown


@pytest.mark.browser
def test_no_live_link_or_outside_picture_in_a_real_browser(tmp_path, use_corpus, fake_openai, vector_cache):
    from playwright.sync_api import expect

    _require_browser()
    env = _app_env(
        tmp_path, use_corpus("project_delay-01.md"),
        OPENAI_API_KEY="test-key", OPENAI_BASE_URL=fake_openai.base_url, ASSISTANT_MODEL="fake-model",
        ASSISTANT_PROVIDER="custom", ASSISTANT_LLM_MAX_RETRIES="0", ASSISTANT_CACHE_DIR=str(vector_cache),
    )  # fmt: skip
    fake_openai.queue(Reply(status=400, error={"message": SERVER_MESSAGE, "type": "invalid_request_error"}))
    with serve_streamlit(REPO / "app.py", tmp_path, env) as url, _page(url) as page:
        fetched: list[str] = []
        page.on("request", lambda r: fetched.append(r.url))
        _wait_ready(page)
        _fill_brief(page, HOSTILE_BRIEF, tmp_path / "data")
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("模型服务拒绝了本次请求").first).to_be_visible(timeout=90_000)
        # The server's words, as written
        expect(page.get_by_role("alert").filter(has_text="模型服务拒绝了本次请求").first).to_contain_text(LINK)
        _nothing_points_there(page, fetched)

        # A draft whose warnings and checker findings quote the brief's fields.
        script(fake_openai)
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("初稿完成").first).to_be_visible(timeout=90_000)
        expect(page.get_by_text("北岸镇人民政府" + LINK, exact=False).first).to_be_attached()
        page.get_by_text("校对", exact=True).first.click()
        page.get_by_role("tab", name="我的稿件").click()
        expect(page.get_by_role("tabpanel", name="我的稿件")).to_contain_text(BRIEF["title"] + IMAGE, timeout=30_000)
        _nothing_points_there(page, fetched)
