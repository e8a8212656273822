"""Named user accounts for the office setup: ``<data_dir>/accounts.json``, passwords hashed with bcrypt.

Managed from the CLI (``assistant user add/remove/passwd/list``); the login page checks them
(``ui/web_gate.py``). With no account at all the app works as before: one person on this
machine, or the shared passwords of ``support/access.py``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import bcrypt
from filelock import FileLock, Timeout

from assistant.support.access import ROLE_LABELS, Role
from assistant.support.atomic_files import write_atomic
from assistant.support.errors import UserError

ACCOUNTS_FILE = "accounts.json"
MIN_PASSWORD = 8
MAX_PASSWORD = 256
_NAME_RE = re.compile(r"[A-Za-z0-9_.\-\u4e00-\u9fff]{1,32}")  # fullmatch: it appears in logs and lists
ACCOUNT_ROLES = (Role.WRITER, Role.EDITOR, Role.ADMIN)
BCRYPT_ROUNDS = 12  # about 0.25 s a check here: slow for a guesser, unnoticed at a login
# A hash checked when the name is unknown, so a wrong name takes as long as a wrong password.
_DUMMY_HASH = bcrypt.hashpw(b"x", bcrypt.gensalt(rounds=10))


class AccountError(UserError):
    """A refused account change (the message is Chinese)."""


@dataclass(frozen=True)
class Account:
    """Who is logged in: the account's name (empty without accounts) and its role."""

    name: str
    role: Role
    created_at: str = ""
    changed_at: str = ""  # when the password or role last changed: older logins end then

    @property
    def label(self) -> str:
        """How the page names this user."""
        return f"{self.name}（{ROLE_LABELS[self.role]}）" if self.name else ROLE_LABELS[self.role]


def _prehash(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a long Chinese pass phrase must count whole.
    return base64.b64encode(hashlib.sha256(password.encode("utf-8")).digest())


def _now() -> str:
    return datetime.now().isoformat(timespec="microseconds")


def check_name(name: str) -> str:
    """The account name, or a Chinese refusal naming what is allowed."""
    name = name or ""
    if not _NAME_RE.fullmatch(name):
        raise AccountError("用户名须为 1–32 个汉字、字母、数字或 _ . -（不含空格和其他符号）。")
    return name


def check_password(password: str) -> str:
    """The password, or a Chinese refusal when it is too short or too long."""
    if len(password or "") < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 个字符。")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"密码不能超过 {MAX_PASSWORD} 个字符。")
    return password


def parse_role(value: str) -> Role:
    """A role from the CLI (writer / editor / admin, or 写作人员 / 范文库管理员 / 系统管理员)."""
    for role in ACCOUNT_ROLES:
        if value in (role.value, ROLE_LABELS[role]):
            return role
    raise AccountError("角色只能是 writer（写作人员）、editor（范文库管理员）或 admin（系统管理员）。")


class AccountStore:
    """The accounts of this data dir; every change under a cross-process lock, written atomically."""

    def __init__(self, data_dir: Path | str) -> None:
        self.path = Path(data_dir) / ACCOUNTS_FILE
        self._lock = FileLock(str(self.path) + ".lock")
        self._cache: tuple[float, dict] | None = None

    def _read(self) -> dict:
        try:
            stamp = self.path.stat().st_mtime
        except FileNotFoundError:
            return {}
        if self._cache and self._cache[0] == stamp:
            return self._cache[1]
        try:
            users = json.loads(self.path.read_text(encoding="utf-8")).get("users", {})
        except (OSError, ValueError, AttributeError) as e:
            # Never fall back to "no accounts": that would open the app to everyone.
            raise AccountError(f"账号文件 {self.path} 无法读取（{type(e).__name__}），请检查或从备份恢复。") from e
        self._cache = (stamp, users)
        return users

    def _change(self, change) -> None:
        try:
            with self._lock.acquire(timeout=10):
                self._cache = None
                users = dict(self._read())
                change(users)
                self.path.parent.mkdir(parents=True, exist_ok=True)
                write_atomic(self.path, json.dumps({"version": 1, "users": users}, ensure_ascii=False, indent=2), mode=0o600)
                self._cache = None
        except Timeout as e:
            raise AccountError(f"账号文件正被另一个进程修改（{self.path}.lock），请稍后再试。") from e

    def any(self) -> bool:
        """Whether at least one account exists (then everyone must log in by name)."""
        return bool(self._read())

    def list(self) -> list[Account]:
        """Every account, by name."""
        return [self._account(name, entry) for name, entry in sorted(self._read().items())]

    def get(self, name: str) -> Account | None:
        """The account called ``name``, if there is one."""
        entry = self._read().get(name)
        return self._account(name, entry) if entry else None

    @staticmethod
    def _account(name: str, entry: dict) -> Account:
        return Account(name, Role(entry["role"]), entry.get("created_at", ""), entry.get("changed_at", ""))

    def add(self, name: str, password: str, role: Role) -> Account:
        """Create an account; refused when the name is taken."""
        name, password = check_name(name), check_password(password)
        if role not in ACCOUNT_ROLES:
            raise AccountError("角色只能是 writer、editor 或 admin。")
        hashed = bcrypt.hashpw(_prehash(password), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")

        def change(users: dict) -> None:
            if name in users:
                raise AccountError(f"用户 {name} 已存在；改密码请用 assistant user passwd {name}。")
            now = _now()
            users[name] = {"role": role.value, "hash": hashed, "created_at": now, "changed_at": now}

        self._change(change)
        return self.get(name)  # type: ignore[return-value]

    def remove(self, name: str) -> None:
        """Delete an account (its logins end at once); its drafts stay on disk."""
        def change(users: dict) -> None:
            if name not in users:
                raise AccountError(f"没有名为 {name} 的用户。")
            del users[name]

        self._change(change)

    def set_password(self, name: str, password: str) -> None:
        """Change a password; every login of that account ends."""
        hashed = bcrypt.hashpw(_prehash(check_password(password)), bcrypt.gensalt(rounds=BCRYPT_ROUNDS)).decode("ascii")

        def change(users: dict) -> None:
            if name not in users:
                raise AccountError(f"没有名为 {name} 的用户。")
            users[name] = {**users[name], "hash": hashed, "changed_at": _now()}

        self._change(change)

    def set_role(self, name: str, role: Role) -> None:
        """Change an account's role; its logins end so the new role applies."""
        def change(users: dict) -> None:
            if name not in users:
                raise AccountError(f"没有名为 {name} 的用户。")
            users[name] = {**users[name], "role": role.value, "changed_at": _now()}

        self._change(change)

    def verify(self, name: str, password: str) -> Account | None:
        """The account when name and password match, else None (as slow for an unknown name)."""
        entry = self._read().get(name or "")
        hashed = entry["hash"].encode("ascii") if entry else _DUMMY_HASH
        ok = bcrypt.checkpw(_prehash(password or ""), hashed)
        return self._account(name, entry) if ok and entry else None
