"""Access control for a LAN deployment: the gate in app.py and the password rules in assistant.support.access."""

from __future__ import annotations

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from assistant.support import login_guard
from assistant.support.access import Role, initial_access, is_loopback, login, passwords_match
from assistant.support.accounts import Account, AccountStore
from assistant.support.config import Settings
from tests.shared import APP, logged_in

ACCESS = "Donghu-写作-2024"
EDITOR = "Donghu-管理-2024"


@pytest.fixture
def corpus(use_corpus):
    return use_corpus("work_safety-01.md", "petition-02.md")


@pytest.fixture
def lan():
    """The app listening on every interface, as `make run-lan` starts it."""
    config.set_option("server.address", "0.0.0.0")


def _run() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _login(at: AppTest, monkeypatch, account: Account) -> AppTest:
    """Log in as the login page does: a token in the process's table, the cookie sent by the browser."""
    logged_in(monkeypatch, account)
    return at.run()


def _plain(element) -> str:
    return element.value.replace("\\", "")  # as read: the page escapes Markdown


def _editing_widgets(at: AppTest) -> set[str]:
    keys = {"upload_go", "remove_doc", "remove_go", "kind_doc", "kind_go", "reindex_go"}
    present = {w.key for w in (*at.selectbox, *at.button) if w.key in keys}
    uploaders = [u for u in at.get("file_uploader") if str(getattr(u.proto, "id", "")).endswith("upload_files_0")
                 or "upload_files" in str(getattr(u.proto, "id", ""))]
    present |= {"upload_files"} if uploaders else set()
    return present


def test_lan_without_password_refuses_to_serve(corpus, lan):
    at = _run()
    assert len(at.error) == 1 and "ASSISTANT_ACCESS_PASSWORD" in _plain(at.error[0])
    assert not at.tabs and not at.metric


def test_unset_address_counts_as_exposed(corpus):
    config.set_option("server.address", None)
    at = _run()
    assert at.error and "ASSISTANT_ACCESS_PASSWORD" in _plain(at.error[0])


def test_local_without_passwords_is_open_to_editing(corpus):
    at = _run()
    assert at.tabs and at.metric[0].value == "2 篇"
    assert {"upload_files", "remove_doc"} <= _editing_widgets(at)


def test_access_password_without_the_login_page_refuses(corpus, lan, monkeypatch):
    # `streamlit run app.py` directly: no login page in front, so nothing is served.
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    at = _run()
    assert not at.tabs and not at.metric
    assert any("make run-lan" in _plain(e) for e in at.error)


def test_access_password_login_gates_the_whole_app(corpus, lan, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    monkeypatch.setitem(login_guard._gate, "active", True)
    at = _run()
    assert not at.tabs and any("尚未登录" in w.value for w in at.warning)
    at = _login(at, monkeypatch, Account("", Role.WRITER))
    assert [t.label for t in at.tabs] == ["起草讲话", "我的稿件", "范文库", "设置"]
    assert at.metric[0].value == "2 篇"
    # A writer searches and drafts but cannot change the library.
    assert _editing_widgets(at) == set()
    assert any("ASSISTANT_EDITOR_PASSWORD" in _plain(i) for i in at.info)


def test_editor_login_allows_library_changes(corpus, lan, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", EDITOR)
    at = _login(_run(), monkeypatch, Account("", Role.WRITER))
    assert _editing_widgets(at) == set()
    assert any("管理员密码登录" in i.value for i in at.info)
    at = _login(at, monkeypatch, Account("", Role.EDITOR))
    assert {"upload_files", "remove_doc", "kind_doc"} <= _editing_widgets(at)
    at.selectbox(key="remove_doc").select_index(1).run()
    at.button(key="remove_go").click().run()
    assert at.metric[0].value == "1 篇"


def test_a_login_ends_when_the_account_changes(corpus, lan, monkeypatch, data_dir):
    store = AccountStore(data_dir)
    store.add("zhaowei", "Donghu-2024-a", Role.EDITOR)
    at = _login(_run(), monkeypatch, store.get("zhaowei"))
    assert at.tabs and "upload_files" in _editing_widgets(at)
    store.set_role("zhaowei", Role.WRITER)  # from the CLI: `assistant user role zhaowei writer`
    at.run()
    assert not at.tabs and any("尚未登录" in w.value for w in at.warning)


def test_local_with_only_an_editor_password(corpus, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", EDITOR)
    monkeypatch.setitem(login_guard._gate, "active", True)
    at = _run()
    assert at.tabs and _editing_widgets(at) == set()
    assert any("管理员登录" in m.value for m in at.sidebar.markdown)
    at = _login(at, monkeypatch, Account("", Role.EDITOR))
    assert "upload_files" in _editing_widgets(at)


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.8.0.1", True),
     ("0.0.0.0", False), ("", False), (None, False), ("192.168.1.5", False), ("::", False),
     ("example.org", False)],
)
def test_is_loopback(address, loopback):
    assert is_loopback(address) is loopback


def test_password_rules():
    s = Settings(access_password=ACCESS, editor_password=EDITOR)
    assert login(s, ACCESS) is Role.WRITER
    assert login(s, EDITOR) is Role.EDITOR
    for wrong in ("", " " + ACCESS, ACCESS.upper(), ACCESS[:-1], EDITOR + "\n"):
        assert login(s, wrong) is Role.NONE
    assert login(Settings(), "") is Role.NONE  # no password configured never matches
    assert not passwords_match("", "")
    assert initial_access(s, "127.0.0.1").role is Role.NONE
    assert initial_access(Settings(), "127.0.0.1").role is Role.ADMIN
    assert initial_access(Settings(), "127.0.0.1", has_accounts=True).role is Role.NONE
    assert initial_access(Settings(editor_password=EDITOR), "127.0.0.1").role is Role.WRITER
    assert initial_access(Settings(editor_password=EDITOR), "0.0.0.0").refused


def test_passwords_never_appear_in_settings_repr():
    s = Settings(access_password=ACCESS, editor_password=EDITOR)
    assert ACCESS not in repr(s) and EDITOR not in repr(s) and ACCESS not in str(s.model_dump())
