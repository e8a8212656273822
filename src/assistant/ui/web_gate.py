"""The login page in front of every Streamlit endpoint (ASGI middleware, see ui/server.py).

A visitor who has not logged in reaches nothing of Streamlit: not the page, not the websocket
(so no message, not even clear_cache, is read), not /_stcore/upload_file (its body is never
read), not /media, not /_stcore/metrics. They get the login page, a redirect to it, or 401.
Failures are limited per name and per address across every session of the process and logged
(support/login_guard.py).
"""

from __future__ import annotations

import asyncio
import html
import time
from pathlib import Path
from urllib.parse import parse_qs

from streamlit import config as st_config

from assistant.support.access import ROLE_LABELS, Role, initial_access, login
from assistant.support.accounts import AccountError, AccountStore
from assistant.support.config import Settings, load_settings_lenient
from assistant.support.login_guard import (
    LIMITER,
    LOGINS,
    AccessLog,
    legacy_account,
    mark_gate_active,
)

LOGIN_PATH = "/_assistant/login"
LOGOUT_PATH = "/_assistant/logout"
COOKIE = "assistant_login"
MAX_FORM_BYTES = 4096
FAILED_DELAY_S = 1.0
_SETTINGS_TTL_S = 5.0


class _State:
    """Settings, accounts and the log of the data dir, re-read every few seconds."""

    def __init__(self) -> None:
        self.loaded_at = -1e9
        self.settings: Settings | None = None
        self.accounts: AccountStore | None = None
        self.log: AccessLog | None = None

    def refresh(self) -> None:
        if time.monotonic() - self.loaded_at < _SETTINGS_TTL_S and self.settings is not None:
            return
        settings, _ = load_settings_lenient()
        if self.settings is None or Path(settings.data_dir) != Path(self.settings.data_dir):
            self.accounts = AccountStore(settings.data_dir)
            self.log = AccessLog(settings.data_dir)
        self.settings, self.loaded_at = settings, time.monotonic()


def _cookie(scope) -> str:
    for name, value in scope.get("headers") or []:
        if name == b"cookie":
            for part in value.decode("latin-1").split(";"):
                key, _, val = part.strip().partition("=")
                if key == COOKIE:
                    return val
    return ""


def _client(scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _respond(send, status: int, body: str, headers: list[tuple[bytes, bytes]] | None = None,
                   content_type: str = "text/plain; charset=utf-8") -> None:
    data = body.encode("utf-8")
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode()),
                    (b"cache-control", b"no-store"), (b"x-frame-options", b"DENY"), *(headers or [])],
    })
    await send({"type": "http.response.body", "body": data})


def login_page(message: str = "", with_name: bool = True) -> str:
    """The login page (every string on it escaped)."""
    note = f'<p class="msg">{html.escape(message)}</p>' if message else ""
    name = ('<label>用户名<input name="name" autocomplete="username" maxlength="32" required autofocus></label>'
            if with_name else "")
    return f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>登录 · 约谈讲话写作助手</title>
<style>body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#f6f7f9;margin:0}}
main{{max-width:22rem;margin:12vh auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}}
h1{{font-size:1.3rem}}label{{display:block;margin:.8rem 0}}input{{display:block;width:100%;box-sizing:border-box;
padding:.5rem;margin-top:.3rem;font-size:1rem}}button{{margin-top:1rem;padding:.5rem 1.5rem;font-size:1rem}}
.msg{{color:#b00020}}</style></head><body><main><h1>约谈讲话写作助手</h1>{note}
<form method="post" action="{LOGIN_PATH}">{name}
<label>密码<input name="password" type="password" autocomplete="current-password" required
{"" if with_name else "autofocus"}></label><button type="submit">登录</button></form></main></body></html>"""


async def _read_form(receive) -> dict[str, str] | None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > MAX_FORM_BYTES:
            return None
        if not message.get("more_body"):
            break
    fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=8)
    return {k: v[0] for k, v in fields.items()}


class LoginGate:
    """ASGI middleware: the login page, and nothing else, until a browser has logged in."""

    def __init__(self, app) -> None:
        self.app = app
        self.state = _State()
        mark_gate_active()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan
            return
        self.state.refresh()
        settings, accounts = self.state.settings, self.state.accounts
        try:
            has_accounts = accounts.any()
        except AccountError as e:
            await self._refuse(scope, send, str(e))
            return
        access = initial_access(settings, st_config.get_option("server.address"), has_accounts)
        path = scope.get("path", "")
        if scope["type"] == "http" and path == LOGIN_PATH:
            required = not access.refused and (access.role == Role.NONE or access.editor_login)
            await self._login(scope, receive, send, required, has_accounts)
            return
        if scope["type"] == "http" and path == LOGOUT_PATH:
            await self._logout(scope, send)
            return
        if access.refused:
            await self._refuse(scope, send, access.refused)
            return
        if access.role != Role.NONE or LOGINS.lookup(_cookie(scope), accounts) is not None:
            await self.app(scope, receive, send)
            return
        await self._unauthenticated(scope, send)

    async def _refuse(self, scope, send, reason: str) -> None:
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        await _respond(send, 503, f"<!doctype html><meta charset=utf-8><p>{html.escape(reason)}</p>",
                       content_type="text/html; charset=utf-8")

    async def _unauthenticated(self, scope, send) -> None:
        # Nothing of the request is read: no upload body, no websocket message.
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        path = scope.get("path", "")
        if scope.get("method") in ("GET", "HEAD") and not path.startswith(("/_stcore", "/media", "/component")):
            await _respond(send, 303, "", [(b"location", LOGIN_PATH.encode())])
            return
        await _respond(send, 401, "请先登录。")

    async def _login(self, scope, receive, send, required: bool, has_accounts: bool) -> None:
        if not required:  # nothing to log in to (this machine only, no account, no password)
            await _respond(send, 303, "", [(b"location", b"/")])
            return
        if scope.get("method") != "POST":
            await _respond(send, 200, login_page(with_name=has_accounts), content_type="text/html; charset=utf-8")
            return
        form = await _read_form(receive)
        if form is None:
            await _respond(send, 413, "登录表单过大或不完整。")
            return
        name, password, address = form.get("name", "").strip()[:64], form.get("password", ""), _client(scope)
        log, accounts, settings = self.state.log, self.state.accounts, self.state.settings
        wait = LIMITER.attempt(name, address)
        if wait > 0:
            log.write("登录被暂停（失败次数过多）", name, address)
            minutes = max(1, round(wait / 60))
            await self._form(send, f"登录失败次数过多，请约 {minutes} 分钟后再试。", has_accounts, 429)
            return
        if has_accounts:
            account = await asyncio.get_running_loop().run_in_executor(None, accounts.verify, name, password)
        else:
            role = login(settings, password)
            account = legacy_account(role) if role != Role.NONE else None
        if account is None:
            log.write("登录失败", name, address)
            await asyncio.sleep(FAILED_DELAY_S)
            await self._form(send, "用户名或密码不正确。" if has_accounts else "密码不正确。", has_accounts, 401)
            return
        LIMITER.succeeded(name, address)
        token = LOGINS.start(account, address)
        log.write(f"登录成功（{ROLE_LABELS[account.role]}）", account.name, address)
        secure = "; Secure" if scope.get("scheme") == "https" else ""
        cookie = f"{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{secure}"
        await _respond(send, 303, "", [(b"location", b"/"), (b"set-cookie", cookie.encode())])

    async def _form(self, send, message: str, has_accounts: bool, status: int) -> None:
        await _respond(send, status, login_page(message, has_accounts), content_type="text/html; charset=utf-8")

    async def _logout(self, scope, send) -> None:
        token = _cookie(scope)
        account = LOGINS.lookup(token, self.state.accounts)
        LOGINS.end(token)
        if account is not None:
            self.state.log.write("退出登录", account.name, _client(scope))
        expired = f"{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
        await _respond(send, 303, "", [(b"location", LOGIN_PATH.encode()), (b"set-cookie", expired.encode())])
