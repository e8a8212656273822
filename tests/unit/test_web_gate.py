"""The login page's middleware (ui/web_gate.py) in-process, in front of a stand-in app that counts calls.

The real server is tested in tests/integration/test_login_gate.py; here the modes: no login needed,
shared passwords, accounts, and refusal on the LAN without either.
"""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from streamlit import config as st_config

from assistant.support import login_guard
from assistant.support.access import Role
from assistant.support.accounts import AccountStore
from assistant.ui import web_gate


class Inner:
    """The app behind the gate: says who reached it."""

    def __init__(self) -> None:
        self.calls = 0

    async def __call__(self, scope, receive, send) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"page"})


@pytest.fixture
def gate(data_dir, monkeypatch):
    monkeypatch.setattr(web_gate, "FAILED_DELAY_S", 0)
    monkeypatch.setattr(login_guard, "LIMITER", login_guard.LoginLimiter())
    monkeypatch.setattr(web_gate, "LIMITER", login_guard.LIMITER)
    monkeypatch.setattr("assistant.support.accounts.BCRYPT_ROUNDS", 4)
    st_config.set_option("server.address", "127.0.0.1")
    # The gate marks the process as served behind it; put the mark back afterwards for other tests.
    monkeypatch.setitem(login_guard._gate, "active", False)
    inner = Inner()
    client = TestClient(web_gate.LoginGate(inner), follow_redirects=False)
    yield client, inner
    st_config.set_option("server.address", None)


def _post(client, **form):
    return client.post("/_assistant/login", data=form)


def test_this_machine_without_accounts_or_passwords_needs_no_login(gate):
    client, inner = gate
    assert client.get("/").text == "page" and inner.calls == 1
    assert client.get("/_assistant/login").headers["location"] == "/"


def test_the_lan_without_accounts_or_passwords_is_refused(gate):
    client, inner = gate
    st_config.set_option("server.address", "0.0.0.0")
    response = client.get("/")
    assert response.status_code == 503 and "assistant user add" in response.text and inner.calls == 0


def test_a_shared_password_logs_in_without_a_name(gate, monkeypatch):
    client, inner = gate
    monkeypatch.setenv("ASSISTANT_ACCESS_PASSWORD", "Qingshi-2026-w")
    monkeypatch.setattr(web_gate, "_SETTINGS_TTL_S", 0)
    assert client.get("/").status_code == 303
    page = client.get("/_assistant/login").text
    assert 'name="password"' in page and 'name="name"' not in page
    wrong = _post(client, password="qingshi-2026-w")
    assert wrong.status_code == 401 and "密码不正确" in wrong.text
    right = _post(client, password="Qingshi-2026-w")
    assert right.status_code == 303 and inner.calls == 0
    assert client.get("/").text == "page"  # the client keeps the cookie


def test_accounts_log_in_by_name_and_every_outside_string_is_escaped(gate, data_dir):
    client, inner = gate
    AccountStore(data_dir).add("alice", "Qingshi-alice-1", Role.WRITER)
    assert client.get("/_stcore/metrics").status_code == 401 and inner.calls == 0
    wrong = _post(client, name='<img src="http://127.0.0.1:9/x">', password="x")
    assert wrong.status_code == 401 and "<img" not in wrong.text and "用户名或密码不正确" in wrong.text
    assert _post(client, name="alice", password="Qingshi-alice-1").status_code == 303
    assert client.get("/_stcore/metrics").text == "page"
    log = (data_dir / "logs" / "access.log").read_text(encoding="utf-8")
    assert "登录成功（写作人员） 用户=alice" in log and "Qingshi" not in log
