"""Access control for a LAN deployment: the gate in app.py and the password rules in assistant.support.access."""

from __future__ import annotations

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from assistant.support.access import Role, initial_access, is_loopback, login, passwords_match
from assistant.support.config import Settings
from tests.shared import APP

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


def _login(at: AppTest, password: str, form: str = "login") -> AppTest:
    at.text_input(key=f"{form}_password").input(password)
    next(b for b in at.button if b.label == "登录" and b.form_id == form).click()
    return at.run()


def _editing_widgets(at: AppTest) -> set[str]:
    keys = {"upload_go", "remove_doc", "remove_go", "kind_doc", "kind_go", "reindex_go"}
    present = {w.key for w in (*at.selectbox, *at.button) if w.key in keys}
    present |= {"upload_files"} if at.get("file_uploader") else set()
    return present


def test_lan_without_password_refuses_to_serve(corpus, lan):
    at = _run()
    assert len(at.error) == 1 and "ASSISTANT_ACCESS_PASSWORD" in at.error[0].value
    assert not at.tabs and not at.metric


def test_unset_address_counts_as_exposed(corpus):
    config.set_option("server.address", None)
    at = _run()
    assert at.error and "ASSISTANT_ACCESS_PASSWORD" in at.error[0].value


def test_local_without_passwords_is_open_to_editing(corpus):
    at = _run()
    assert at.tabs and at.metric[0].value == "2 篇"
    assert {"upload_files", "remove_doc"} <= _editing_widgets(at)


def test_access_password_gates_the_whole_app(corpus, lan, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    at = _run()
    assert not at.tabs and not at.metric
    at = _login(at, "wrong")
    assert any("密码不正确" in e.value for e in at.error)
    assert not at.tabs
    at = _login(at, ACCESS)
    assert [t.label for t in at.tabs] == ["起草讲话", "我的稿件", "范文库", "设置"]
    assert at.metric[0].value == "2 篇"
    # A writer searches and drafts but cannot change the library.
    assert _editing_widgets(at) == set()
    assert any("ASSISTANT_EDITOR_PASSWORD" in i.value for i in at.info)


def test_editor_password_allows_library_changes(corpus, lan, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", EDITOR)
    at = _login(_run(), ACCESS)
    assert _editing_widgets(at) == set()
    assert any("管理员密码登录" in i.value for i in at.info)
    at = _login(at, EDITOR, form="editor_login")
    assert {"upload_files", "remove_doc", "kind_doc"} <= _editing_widgets(at)
    at.selectbox(key="remove_doc").select_index(1).run()
    at.button(key="remove_go").click().run()
    assert at.metric[0].value == "1 篇"
    at.button(key="logout").click().run()
    assert not at.tabs  # back to the login form


def test_editor_password_directly_at_the_gate(corpus, lan, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", ACCESS)
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", EDITOR)
    at = _login(_run(), EDITOR)
    assert "upload_files" in _editing_widgets(at)


def test_local_with_only_an_editor_password(corpus, monkeypatch):
    monkeypatch.setenv("ASSISTANT_EDITOR_PASSWORD", EDITOR)
    at = _run()
    assert at.tabs and _editing_widgets(at) == set()
    at = _login(at, "not it", form="editor_login")
    assert any("密码不正确" in e.value for e in at.error)
    assert _editing_widgets(at) == set()
    at = _login(at, EDITOR, form="editor_login")
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
    assert initial_access(Settings(), "127.0.0.1").role is Role.EDITOR
    assert initial_access(Settings(editor_password=EDITOR), "127.0.0.1").role is Role.WRITER
    assert initial_access(Settings(editor_password=EDITOR), "0.0.0.0").refused


def test_passwords_never_appear_in_settings_repr():
    s = Settings(access_password=ACCESS, editor_password=EDITOR)
    assert ACCESS not in repr(s) and EDITOR not in repr(s) and ACCESS not in str(s.model_dump())
