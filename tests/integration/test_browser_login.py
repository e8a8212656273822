"""Named accounts in a real Chromium, through the real login page (`make run-lan`'s server.py).

alice types a confidential fact into her brief and has a draft; bob logs in from another browser,
opens alice's link and 我的稿件: he sees neither. A visitor who has not logged in sees only the
login page.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from assistant.domain.models import Draft, DraftPart
from assistant.drafts.draft_store import DraftStore
from assistant.support.access import Role
from assistant.support.accounts import AccountStore
from tests.integration.test_browser import CHROMIUM, CHROMIUM_ARGS, _app_env, _require_browser
from tests.integration.test_login_gate import serve_gate
from tests.scenario import BRIEF

pytestmark = pytest.mark.browser
SECRET = "北岸镇党委副书记"
PASSWORDS = {"alice": "Beian-alice-2026", "bob": "Beian-bob-20260"}


@pytest.fixture
def office(tmp_path, use_corpus):
    _require_browser()
    env = _app_env(tmp_path, use_corpus("work_safety-01.md"))
    accounts = AccountStore(tmp_path / "data")
    for name, password in PASSWORDS.items():
        accounts.add(name, password, Role.WRITER)
    port, proc, log = serve_gate(tmp_path, env)
    yield f"http://127.0.0.1:{port}", tmp_path / "data"
    proc.terminate()
    proc.wait(timeout=15)
    log.close()


def _login(browser, url: str, name: str, password: str):
    page = browser.new_context(viewport={"width": 1360, "height": 1000}).new_page()
    page.goto(url)
    page.wait_for_url("**/_assistant/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.get_by_text(f"当前用户：{name}（写作人员）").wait_for(timeout=60_000)
    return page


def _session(page) -> str:
    return parse_qs(urlsplit(page.url).query).get("s", [""])[0]


def _saved(data_dir, session: str) -> str:
    try:
        return (data_dir / "sessions" / f"{session}.json").read_text(encoding="utf-8")
    except OSError:
        return ""


def test_a_colleague_sees_neither_the_brief_nor_the_draft_and_a_visitor_only_the_login_page(office):
    from playwright.sync_api import sync_playwright

    url, data_dir = office
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            visitor = browser.new_context().new_page()
            visitor.goto(url + "/?s=0123456789abcdef")
            assert visitor.url.endswith("/_assistant/login")
            assert visitor.locator("[data-testid=stApp]").count() == 0
            visitor.get_by_label("用户名").fill("alice")
            visitor.get_by_label("密码").fill("not-the-password")
            visitor.get_by_role("button", name="登录").click()
            assert "用户名或密码不正确" in visitor.content()

            alice = _login(browser, url, "alice", PASSWORDS["alice"])
            alice.get_by_label("会议名称").fill(f"{SECRET}履职不力约谈会")
            alice.get_by_label("会议名称").press("Tab")
            session = _session(alice)
            deadline = time.monotonic() + 30
            while SECRET not in _saved(data_dir, session) and time.monotonic() < deadline:
                time.sleep(0.3)
            assert json.loads(_saved(data_dir, session))["owner"] == "alice"
            draft = Draft(title=f"在{SECRET}履职不力约谈会上的讲话", brief={**BRIEF, "meeting": f"{SECRET}履职不力约谈会"},
                          parts=[DraftPart(role="opening", text=f"今天约谈{SECRET}，指出三个问题。")])
            record = DraftStore(data_dir).create(draft, "生成（离线组稿）", owner="alice")

            bob = _login(browser, url, "bob", PASSWORDS["bob"])
            bob.goto(f"{url}/?s={session}")  # alice's link, as if forwarded
            bob.get_by_text("当前用户：bob（写作人员）").wait_for(timeout=60_000)
            bob.get_by_role("tab", name="我的稿件").click()
            bob.get_by_text("还没有稿件").wait_for(timeout=30_000)
            assert _session(bob) != session
            assert SECRET not in bob.content()
            assert bob.get_by_label("会议名称").input_value() == ""
            assert record.draft_id not in bob.content()
        finally:
            browser.close()
