"""Named accounts (support/accounts.py), the login limits and table (support/login_guard.py), `assistant user`."""

from __future__ import annotations

import json
import os
import stat

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.support.access import Role
from assistant.support.accounts import AccountError, AccountStore
from assistant.support.login_guard import AccessLog, LoginLimiter, LoginSessions


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch):
    monkeypatch.setattr("assistant.support.accounts.BCRYPT_ROUNDS", 4)  # the same code, less work


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_passwords_are_hashed_and_checked(tmp_path):
    store = AccountStore(tmp_path)
    store.add("zhangwei", "青石县-写作-2026", Role.WRITER)
    saved = (tmp_path / "accounts.json").read_text(encoding="utf-8")
    assert "青石县-写作-2026" not in saved and "$2b$" in saved
    assert stat.S_IMODE(os.stat(tmp_path / "accounts.json").st_mode) == 0o600
    assert store.verify("zhangwei", "青石县-写作-2026").role is Role.WRITER
    for wrong in ("", "青石县-写作-2025", "青石县-写作-2026 ", "青石县-写作-202"):
        assert store.verify("zhangwei", wrong) is None
    assert store.verify("nobody", "青石县-写作-2026") is None


def test_long_pass_phrases_count_whole(tmp_path):
    # bcrypt alone reads 72 bytes: two phrases alike for 30 Chinese characters would match.
    base = "临江市东湖区住房和城乡建设局燃气安全专项整治工作领导小组办公室"
    store = AccountStore(tmp_path)
    store.add("li", base + "一", Role.WRITER)
    assert store.verify("li", base + "一") and not store.verify("li", base + "二")


@pytest.mark.parametrize(
    ("name", "ok"),
    [("zhangwei", True), ("张伟", True), ("wang.li-2", True), ("a" * 32, True), ("", False), ("a" * 33, False),
     ("zhang wei", False), ("x\n", False), ("../etc", False), ("a\u202eb", False), ("<b>", False)],
)
def test_account_names(tmp_path, name, ok):
    store = AccountStore(tmp_path)
    if ok:
        assert store.add(name, "long-enough-1", Role.WRITER).name == name
    else:
        with pytest.raises(AccountError, match="用户名须为"):
            store.add(name, "long-enough-1", Role.WRITER)


def test_changes_and_refusals_are_chinese(tmp_path):
    store = AccountStore(tmp_path)
    store.add("lin", "long-enough-1", Role.EDITOR)
    with pytest.raises(AccountError, match="已存在"):
        store.add("lin", "long-enough-2", Role.WRITER)
    with pytest.raises(AccountError, match="至少 8 个字符"):
        store.add("zhao", "short", Role.WRITER)
    with pytest.raises(AccountError, match="没有名为 qian 的用户"):
        store.remove("qian")
    store.set_password("lin", "long-enough-3")
    assert store.verify("lin", "long-enough-3") and not store.verify("lin", "long-enough-1")
    store.remove("lin")
    assert not store.any() and store.list() == []


def test_a_broken_accounts_file_never_opens_the_app(tmp_path):
    (tmp_path / "accounts.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(AccountError, match="账号文件"):
        AccountStore(tmp_path).any()


def test_guesses_are_limited_per_name_and_per_address():
    clock = Clock()
    limiter = LoginLimiter(per_name=5, per_address=20, window=900, clock=clock)
    assert [limiter.attempt("alice", "10.0.0.7") for _ in range(5)] == [0.0] * 5
    assert limiter.attempt("alice", "10.0.0.7") == pytest.approx(900)
    assert limiter.attempt("alice", "10.0.0.8") > 0  # another address: the name is still paused
    assert limiter.attempt("bob", "10.0.0.7") == 0.0  # another name from the same address may try
    for i in range(14):
        limiter.attempt(f"guess{i}", "10.0.0.7")
    assert limiter.attempt("carol", "10.0.0.7") > 0  # 20 from one address: the address is paused
    clock.now += 901
    assert limiter.attempt("alice", "10.0.0.7") == 0.0  # the window has passed


def test_a_right_password_clears_the_name_and_does_not_count_for_the_address():
    limiter = LoginLimiter(per_name=3, per_address=3, window=900, clock=Clock())
    for _ in range(10):  # an office behind one address: many good logins never pause it
        assert limiter.attempt("alice", "10.0.0.7") == 0.0
        limiter.succeeded("alice", "10.0.0.7")


def test_a_login_ends_when_its_account_changes_or_idles(tmp_path):
    clock = Clock()
    store = AccountStore(tmp_path)
    store.add("alice", "long-enough-1", Role.WRITER)
    logins = LoginSessions(clock)
    token = logins.start(store.get("alice"), "10.0.0.7")
    assert logins.lookup(token, store).name == "alice"
    assert logins.lookup(token + "x", store) is None and logins.lookup("", store) is None
    store.set_role("alice", Role.EDITOR)
    assert logins.lookup(token, store) is None  # the old role must not stay
    token = logins.start(store.get("alice"), "10.0.0.7")
    clock.now += 13 * 3600
    assert logins.lookup(token, store) is None
    token = logins.start(store.get("alice"), "10.0.0.7")
    store.remove("alice")
    assert logins.lookup(token, store) is None


def test_the_access_log_never_holds_a_password_or_a_control_character(tmp_path):
    AccessLog(tmp_path).write("登录失败", "eve\x1b[31m\u202e", "10.0.0.7")
    line = (tmp_path / "logs" / "access.log").read_text(encoding="utf-8")
    assert "登录失败 用户=eve?[31m? 地址=10.0.0.7" in line and "\x1b" not in line


def _cli(tmp_path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["--data-dir", str(tmp_path), "user", *args], input=input)


def test_cli_user_commands(tmp_path):
    result = _cli(tmp_path, "add", "张伟", "--role", "editor", "--password-stdin", input="Donghu-2026-pw\n")
    assert result.exit_code == 0 and "已新建账号 张伟（范文库管理员）" in result.output
    result = _cli(tmp_path, "add", "lisi", input="Donghu-2026-p2\nDonghu-2026-p2\n")  # prompted twice
    assert result.exit_code == 0, result.output
    listed = json.loads(_cli(tmp_path, "list", "--json").output)
    assert [(a["name"], a["role"]) for a in listed] == [("lisi", "writer"), ("张伟", "editor")]
    assert "Donghu" not in _cli(tmp_path, "list").output
    assert _cli(tmp_path, "role", "lisi", "admin").exit_code == 0
    assert AccountStore(tmp_path).get("lisi").role is Role.ADMIN
    assert _cli(tmp_path, "passwd", "lisi", "--password-stdin", input="Donghu-2026-p3\n").exit_code == 0
    assert AccountStore(tmp_path).verify("lisi", "Donghu-2026-p3")
    for args, said in ((("add", "x y", "--password-stdin"), "用户名须为"), (("role", "lisi", "boss"), "角色只能是"),
                       (("remove", "wangwu"), "没有名为 wangwu 的用户"), (("passwd", "wangwu", "--password-stdin"), "没有名为")):
        result = _cli(tmp_path, *args, input="Donghu-2026-p4\n")
        assert result.exit_code == 1 and said in result.output, (args, result.output)
    assert _cli(tmp_path, "remove", "lisi").exit_code == 0
    assert [a.name for a in AccountStore(tmp_path).list()] == ["张伟"]
