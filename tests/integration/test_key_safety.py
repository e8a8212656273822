"""The server's API key only ever goes to the server's own endpoint (issue 12, item 1).

Two real HTTP servers: the server's own endpoint (the fake OpenAI server) and a visitor's
capture server that records every request it receives.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from assistant.llm import LLMError, resolve_llm
from assistant.llm.page_choice import LLMChoice, apply_choice, check_choice, same_endpoint
from assistant.support.config import Settings
from tests.fakes.server import FakeOpenAI, Reply
from tests.shared import APP

SECRET = "sk-server-secret-0123456789"


@pytest.fixture
def own(monkeypatch):
    """The server's own configured endpoint, with the server's key in the environment."""
    with FakeOpenAI(api_key=SECRET) as srv:
        monkeypatch.setenv("OPENAI_API_KEY", SECRET)
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
        monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
        monkeypatch.setenv("ASSISTANT_LLM_TIMEOUT", "10")
        yield srv


@pytest.fixture
def capture():
    """A visitor's server: accepts any key and records every request."""
    with FakeOpenAI(api_key=None) as srv:
        yield srv


def _leaked(srv: FakeOpenAI) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in srv.requests
        if SECRET in " ".join(r.headers.values()) or SECRET.encode() in r.body
    ]


def _settings_tab(use_corpus) -> AppTest:
    use_corpus("work_safety-01.md")
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _save(at: AppTest, *, base_url: str = "", key: str = "", provider: str | None = None) -> AppTest:
    if provider:
        at.selectbox(key="llm_provider").set_value(provider)
    at.text_input(key="llm_base_url").input(base_url)
    at.text_input(key="llm_key").input(key)
    next(b for b in at.button if b.label == "仅本次使用").click()
    return at.run()


def _messages(at: AppTest) -> str:
    return "\n".join(str(e.value) for e in (*at.success, *at.info, *at.error, *at.warning))


def test_foreign_url_with_blank_key_never_receives_the_server_key(own, capture, use_corpus):
    at = _save(_settings_tab(use_corpus), base_url=capture.base_url)
    assert not at.exception
    assert any("未保存" in e.value and "API Key" in e.value for e in at.error)
    capture.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert not at.exception
    assert _leaked(capture) == []
    assert capture.requests == []
    # The test button tests the values typed on the page: the foreign address, which has no key of
    # its own and never gets the server's; nothing is sent anywhere and the clerk is told why.
    assert not any("连接正常" in s.value for s in at.success)
    assert not own.chat_requests()
    tested = [e.value for e in at.error if not e.value.startswith("未保存")]
    assert tested and "OPENAI_API_KEY" in tested[-1] and "API Key" in tested[-1]


def test_foreign_url_with_keyless_provider_gets_a_placeholder_not_the_key(own, capture, use_corpus):
    at = _save(_settings_tab(use_corpus), base_url=capture.base_url, provider="custom")
    assert not at.error, _messages(at)
    capture.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert not at.exception
    assert len(capture.chat_requests()) == 1
    assert _leaked(capture) == []
    assert capture.chat_requests()[0].headers["authorization"] == "Bearer EMPTY"


def test_foreign_url_with_a_typed_key_sends_that_key(own, capture, use_corpus):
    # The capture server does record keys: the test above could have failed.
    at = _save(_settings_tab(use_corpus), base_url=capture.base_url, key="sk-visitor")
    capture.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert any("连接正常" in s.value for s in at.success)
    assert capture.chat_requests()[-1].headers["authorization"] == "Bearer sk-visitor"
    assert _leaked(capture) == []


def test_drafting_after_a_foreign_url_choice_never_sends_the_key(own, capture):
    env = Settings()
    chosen = apply_choice(env, LLMChoice(provider=env.provider, base_url=capture.base_url))
    config = resolve_llm(chosen)
    assert config is not None and config.base_url == capture.base_url
    assert SECRET not in config.api_key


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/v1",
        "HTTP://evil.example/v1",
        "https://api.deepseek.com@evil.example/v1",
        "https://api.deepseek.com.evil.example/v1",
        "https://api.deepseek.com:8443/v1",
        "https://api.deepseek.com/v2",
        "http://api.deepseek.com/v1",
    ],
)
def test_any_other_endpoint_needs_its_own_key(url):
    env = Settings(provider="deepseek", openai_api_key=SECRET)
    choice = LLMChoice(provider="deepseek", base_url=url)
    assert apply_choice(env, choice).openai_api_key is None
    with pytest.raises(LLMError) as info:
        check_choice(env, choice)
    assert "OPENAI_API_KEY" in info.value.message and "API Key" in info.value.message


@pytest.mark.parametrize(
    "choice",
    [
        LLMChoice(provider="deepseek"),
        LLMChoice(provider="deepseek", model="deepseek-reasoner"),
        LLMChoice(provider="deepseek", base_url="https://api.deepseek.com/v1/"),
        LLMChoice(provider="deepseek", base_url="https://API.deepseek.com:443/v1"),
    ],
)
def test_the_servers_own_endpoint_keeps_the_servers_key(choice):
    env = Settings(provider="deepseek", openai_api_key=SECRET)
    check_choice(env, choice)
    assert apply_choice(env, choice).openai_api_key == SECRET


def test_another_preset_is_another_endpoint():
    env = Settings(provider="deepseek", openai_api_key=SECRET)
    choice = LLMChoice(provider="openai")
    assert apply_choice(env, choice).openai_api_key is None
    with pytest.raises(LLMError):
        check_choice(env, choice)


def test_same_endpoint_rules():
    assert same_endpoint("https://a.example/v1", "https://a.example:443/v1/")
    assert not same_endpoint("https://a.example/v1", "http://a.example/v1")
    assert not same_endpoint("https://u:p@a.example/v1", "https://a.example/v1")
    assert not same_endpoint("http://a.example:99999/v1", "http://a.example/v1")
    assert not same_endpoint(None, "http://a.example/v1")
