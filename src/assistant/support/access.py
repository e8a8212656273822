"""Who may open the app and who may change the library and the machine's settings.

Named accounts (``support/accounts.py``) are the office setup. Without any, the shared passwords
from the environment still work: ASSISTANT_ACCESS_PASSWORD lets writers in;
ASSISTANT_EDITOR_PASSWORD also allows library changes (upload, delete, reindex, kind edits) and
the machine's model settings. With no account and no password the app only serves this machine
(127.0.0.1), and everyone there may do everything.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from enum import StrEnum

from assistant.support.config import Settings


class Role(StrEnum):
    """What a browser session may do."""

    NONE = "none"  # must log in first
    WRITER = "writer"  # search, draft, revise, export
    EDITOR = "editor"  # and change the library and the machine's model settings
    ADMIN = "admin"  # and see drafts that belong to nobody (made before accounts existed)


ROLE_LABELS = {Role.WRITER: "写作人员", Role.EDITOR: "范文库管理员", Role.ADMIN: "系统管理员", Role.NONE: "未登录"}


def may_edit(role: Role) -> bool:
    """Whether ``role`` may change the library and the machine-wide model settings."""
    return role in (Role.EDITOR, Role.ADMIN)


@dataclass(frozen=True)
class Access:
    """A new session's access: its role before logging in, or why the app must not be served."""

    role: Role
    editor_login: bool  # an editor password exists, so a writer can log in as editor
    refused: str = ""  # Chinese reason the app refuses to serve (exposed without a password)


def _secret(value) -> str:
    return value.get_secret_value() if value is not None else ""


def is_loopback(address: str | None) -> bool:
    """True when a server bound to ``address`` is reachable from this machine only."""
    if not address:
        return False  # Streamlit listens on every interface when no address is set
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def passwords_match(given: str, expected: str) -> bool:
    """Constant-time comparison (of digests, so not even the length leaks)."""
    a = hashlib.sha256(given.encode("utf-8")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b) and bool(expected)


def initial_access(settings: Settings, server_address: str | None, has_accounts: bool = False) -> Access:
    """The role a new session starts with, given the accounts, the passwords and the listening address."""
    access, editor = _secret(settings.access_password), _secret(settings.editor_password)
    if access or has_accounts:
        return Access(Role.NONE, editor_login=bool(editor) or has_accounts)
    if not is_loopback(server_address):
        where = server_address or "所有网络接口"
        return Access(
            Role.NONE,
            editor_login=bool(editor),
            refused=(
                f"本页面正对局域网开放（监听地址：{where}），但没有设置访问密码，为安全起见暂不提供服务。"
                "请管理员用 assistant user add 建立账号（推荐：每人一个账号，稿件各自私有），"
                "或设置环境变量 ASSISTANT_ACCESS_PASSWORD（写作人员共用的访问密码），"
                "需要在页面上修改范文库时再设置 ASSISTANT_EDITOR_PASSWORD（管理员密码），然后重新启动；"
                "只在本机使用时请用 make run 启动（只监听 127.0.0.1）。"
            ),
        )
    return Access(Role.WRITER if editor else Role.ADMIN, editor_login=bool(editor))


def login(settings: Settings, password: str) -> Role:
    """The role a password grants: EDITOR, WRITER, or NONE when it matches neither."""
    access, editor = _secret(settings.access_password), _secret(settings.editor_password)
    if editor and passwords_match(password, editor):
        return Role.EDITOR
    if access and passwords_match(password, access):
        return Role.WRITER
    return Role.NONE


def editor_hint(settings: Settings, has_accounts: bool = False) -> str:
    """Why this session cannot change the library, and how it could."""
    if has_accounts:
        return (
            "修改范文库（上传、删除、重建索引、修改类型）需要范文库管理员或系统管理员账号；"
            "请退出登录，改用这样的账号登录（账号由管理员在服务器上用 assistant user add 建立）。"
        )
    if _secret(settings.editor_password):
        return "修改范文库（上传、删除、重建索引、修改类型）需要管理员权限，请退出登录，在登录页用管理员密码登录。"
    return (
        "修改范文库（上传、删除、重建索引、修改类型）需要管理员权限，但管理员没有设置 ASSISTANT_EDITOR_PASSWORD，"
        "页面上暂不能修改；可在服务器上用命令行 assistant ingest / remove 维护范文库。"
    )
