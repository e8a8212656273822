"""The login page in front of Streamlit (ui/server.py, ui/web_gate.py), through a real server.

`streamlit run src/assistant/ui/server.py` as `make run-lan` starts it, with named accounts:
a visitor who has not logged in gets nothing of Streamlit (no page, no websocket, no upload,
no media, no metrics); guesses are limited per name and per address across connections and
logged; a login ends when its account changes; clear_cache sent by a logged-in client never
re-opens the library.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from assistant.support.access import Role
from assistant.support.accounts import AccountStore
from tests.ports import start_server
from tests.shared import CORPUS, REPO

SERVER = REPO / "src" / "assistant" / "ui" / "server.py"
PASSWORDS = {"alice": "Linjiang-alice-01", "bob": "Linjiang-bob-002", "lin": "Linjiang-lin-0003"}
pytestmark = pytest.mark.xdist_group("login_gate")


class Gate(NamedTuple):
    port: int
    data_dir: Path
    pid: int


def _env(root: Path, vector_cache: Path) -> dict[str, str]:
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "work_safety-01.md").write_bytes((CORPUS / "work_safety-01.md").read_bytes())
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env.update({
        "ASSISTANT_DATA_DIR": str(root / "data"),
        "ASSISTANT_CACHE_DIR": str(vector_cache),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "PYTHONPATH": str(REPO / "src"),
    })  # fmt: skip
    return env


def _request(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _login(port: int, name: str, password: str):
    form = urllib.parse.urlencode({"name": name, "password": password}).encode()
    return _request(port, "POST", "/_assistant/login", form, {"Content-Type": "application/x-www-form-urlencoded"})


def _cookie(headers: dict) -> str:
    return headers["set-cookie"].split(";")[0]


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def serve_gate(root: Path, env: dict[str, str]):
    """`streamlit run ui/server.py` in ``root`` on a free port; (port, process, log) once the login page answers."""
    log = open(root / "streamlit.log", "w")  # noqa: SIM115 - closed by the caller

    def launch(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(SERVER), "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def answers(port: int) -> bool:
        try:
            return _request(port, "GET", "/_assistant/login")[0] == 200
        except OSError:
            return False

    port, proc = start_server(launch, answers, 60, "streamlit (login page)")
    return port, proc, log


def _serve(tmp_path_factory, vector_cache):
    root = tmp_path_factory.mktemp("gate")
    env = _env(root, vector_cache)
    store = AccountStore(root / "data")
    store.add("alice", PASSWORDS["alice"], Role.WRITER)
    store.add("bob", PASSWORDS["bob"], Role.WRITER)
    store.add("lin", PASSWORDS["lin"], Role.EDITOR)
    port, proc, log = serve_gate(root, env)
    return Gate(port, root / "data", proc.pid), proc, log


@pytest.fixture(scope="module")
def gate(tmp_path_factory, vector_cache):
    served, proc, log = _serve(tmp_path_factory, vector_cache)
    yield served
    proc.terminate()
    proc.wait(timeout=15)
    log.close()


@pytest.fixture
def own_gate(tmp_path_factory, vector_cache):
    """A server of its own: the guessing test locks its address out for fifteen minutes."""
    served, proc, log = _serve(tmp_path_factory, vector_cache)
    yield served
    proc.terminate()
    proc.wait(timeout=15)
    log.close()


def test_a_visitor_reaches_the_login_page_and_nothing_else(gate):
    status, headers, _ = _request(gate.port, "GET", "/")
    assert status == 303 and headers["location"] == "/_assistant/login"
    status, _, body = _request(gate.port, "GET", "/_assistant/login")
    assert status == 200 and "用户名" in body.decode() and "密码" in body.decode()
    for path in ("/_stcore/health", "/_stcore/metrics", "/_stcore/host-config", "/media/0123abcd.png",
                 "/_stcore/upload_file/abc/def", "/component/x/index.html", "/_stcore/agent/openapi.json"):
        for method in ("GET", "POST", "PUT", "DELETE"):
            status, _, body = _request(gate.port, method, path)
            assert status in (303, 401), (method, path, status)
            assert b"streamlit" not in body.lower()
    # Paths spelt otherwise reach nothing either; a made-up cookie is no login.
    for path in ("//_stcore/metrics", "/_stcore/../_stcore/metrics", "/%5Fstcore/metrics", "/_stcore/metrics?x=1",
                 "/_assistant/login/../../_stcore/metrics", "/_assistant/loginx", "/_assistant/login%00"):
        status, _, body = _request(gate.port, "GET", path, headers={"Cookie": "assistant_login=abc; x=1"})
        assert status in (303, 401) and b"# TYPE" not in body, (path, status)
    status, _, _ = _request(gate.port, "POST", "/_assistant/login", b"name=alice&password=" + b"x" * 100_000,
                            {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    for path in ("/_stcore/stream", "/stream", "/_assistant/login"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{gate.port}{path}", subprotocols=["streamlit"], open_timeout=10)
        assert refused.value.response.status_code in (403, 404), path


def _put_big(port: int, size: int) -> int | None:
    """A PUT of ``size`` bytes to the upload endpoint; the status, or None when the server hung up."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        head = (f"PUT /_stcore/upload_file/s{size}/f HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                f"Content-Type: application/octet-stream\r\nContent-Length: {size}\r\n\r\n")
        s.sendall(head.encode())
        chunk = b"\0" * 65536
        try:
            for _ in range(size // len(chunk)):
                s.sendall(chunk)
        except OSError:
            pass  # the server answered and closed without reading the body
        try:
            answer = s.recv(200)
        except OSError:
            return None
    return int(answer.split()[1]) if answer.startswith(b"HTTP/1.1") else None


def test_uploads_before_login_are_not_read_or_held(gate):
    before = _rss_kb(gate.pid)
    started = time.monotonic()
    statuses = [_put_big(gate.port, 20_000_000) for _ in range(20)]
    assert all(s in (401, None) for s in statuses), statuses
    assert 401 in statuses
    time.sleep(1)
    grown_mb = (_rss_kb(gate.pid) - before) / 1024
    assert grown_mb < 40, f"服务进程内存增加了 {grown_mb:.0f} MB"
    assert time.monotonic() - started < 60


def test_guessing_is_limited_per_name_and_address_across_connections_and_logged(own_gate):
    port = own_gate.port
    with ThreadPoolExecutor(30) as pool:  # thirty connections at once, as fifty browser sessions would
        statuses = [s for s, _, _ in pool.map(lambda i: _login(port, "alice", f"wrong-{i:04d}"), range(30))]
    assert statuses.count(401) == 5 and statuses.count(429) == 25, statuses
    status, _, body = _login(port, "alice", PASSWORDS["alice"])  # the right password, now too late
    assert status == 429 and "次数过多" in body.decode()
    status, headers, _ = _login(port, "bob", PASSWORDS["bob"])  # another name from this address still may
    assert status == 303 and "assistant_login=" in headers["set-cookie"]
    with ThreadPoolExecutor(15) as pool:  # 5 + 15 = 20 failures from this address: the address is paused
        list(pool.map(lambda i: _login(port, f"guess{i}", "wrong-password"), range(15)))
    status, _, _ = _login(port, "lin", PASSWORDS["lin"])
    assert status == 429
    log = (own_gate.data_dir / "logs" / "access.log").read_text(encoding="utf-8")
    assert log.count("登录失败 用户=alice") == 5
    assert "登录被暂停" in log and "登录成功（写作人员） 用户=bob 地址=127.0.0.1" in log
    assert not any(p in log for p in PASSWORDS.values()) and "wrong-0" not in log


def test_a_login_opens_everything_until_logout_or_a_password_change(gate):
    assert _login(gate.port, "alice", "not-her-password")[0] == 401
    status, headers, _ = _login(gate.port, "alice", PASSWORDS["alice"])
    assert status == 303 and headers["location"] == "/"
    assert "HttpOnly" in headers["set-cookie"] and "SameSite=Strict" in headers["set-cookie"]
    cookie = {"Cookie": _cookie(headers)}
    assert _request(gate.port, "GET", "/", headers=cookie)[0] == 200
    assert _request(gate.port, "GET", "/_stcore/health", headers=cookie)[0] == 200
    with connect(f"ws://127.0.0.1:{gate.port}/_stcore/stream", subprotocols=["streamlit"],
                 additional_headers=cookie, open_timeout=10):
        pass
    # Logging out ends this cookie.
    status, headers, _ = _request(gate.port, "GET", "/_assistant/logout", headers=cookie)
    assert status == 303 and "Max-Age=0" in headers["set-cookie"]
    assert _request(gate.port, "GET", "/", headers=cookie)[0] == 303
    # A new login ends when the password is changed from the CLI.
    cookie = {"Cookie": _cookie(_login(gate.port, "bob", PASSWORDS["bob"])[1])}
    assert _request(gate.port, "GET", "/", headers=cookie)[0] == 200
    changed = subprocess.run(
        [sys.executable, "-m", "assistant.cli", "--data-dir", str(gate.data_dir), "user", "passwd", "bob", "--password-stdin"],
        input="Linjiang-bob-new-1\n", capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    assert changed.returncode == 0 and "已修改 bob 的密码" in changed.stdout
    assert _request(gate.port, "GET", "/", headers=cookie)[0] == 303
    assert _login(gate.port, "bob", "Linjiang-bob-new-1")[0] == 303


def _run_script(ws, back_msg_bytes: bytes, until: float = 60.0) -> bytes:
    """Send a BackMsg and collect what comes back until the script run finishes."""
    ws.send(back_msg_bytes)
    got = b""
    deadline = time.monotonic() + until
    while time.monotonic() < deadline:
        try:
            message = ws.recv(timeout=deadline - time.monotonic())
        except TimeoutError:
            break
        got += message if isinstance(message, bytes) else message.encode()
        if b"script_finished" in got[-200:] or _finished(message):
            break
    return got


def _finished(message) -> bool:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    msg = ForwardMsg()
    try:
        msg.ParseFromString(message)
    except Exception:  # noqa: BLE001 - not a ForwardMsg: keep reading
        return False
    return msg.WhichOneof("type") == "script_finished"


def test_the_page_knows_who_logged_in_and_clear_cache_never_reopens_the_library(gate):
    from streamlit.proto.BackMsg_pb2 import BackMsg

    cookie = {"Cookie": _cookie(_login(gate.port, "lin", PASSWORDS["lin"])[1])}
    rerun = BackMsg()
    rerun.rerun_script.query_string = ""
    rerun.rerun_script.page_script_hash = ""
    clear = BackMsg()
    clear.clear_cache = True
    with connect(f"ws://127.0.0.1:{gate.port}/_stcore/stream", subprotocols=["streamlit"],
                 additional_headers=cookie, open_timeout=10, max_size=None) as ws:
        first = _run_script(ws, rerun.SerializeToString(), until=120)
        assert "lin（范文库管理员）".encode() in first
        files, rss = _open_files(gate.pid), _rss_kb(gate.pid)
        for _ in range(30):
            ws.send(clear.SerializeToString())
            _run_script(ws, rerun.SerializeToString())
        grown_files = _open_files(gate.pid) - files
        grown_mb = (_rss_kb(gate.pid) - rss) / 1024
    assert grown_files < 10, f"打开的文件增加了 {grown_files} 个"
    assert grown_mb < 80, f"服务进程内存增加了 {grown_mb:.0f} MB"
