"""Logins of this server process: who is logged in (by cookie token), how often a name or an
address may fail, and the access log.

One process serves every browser, so these tables are the process's: a guesser opening fifty
sessions meets the same count as one opening one.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from logging.handlers import RotatingFileHandler
from pathlib import Path

from assistant.support.access import Role
from assistant.support.accounts import Account, AccountError, AccountStore

#: Failed logins allowed per account name, and per client address, within WINDOW_S.
NAME_FAILURES = 5
ADDRESS_FAILURES = 20
WINDOW_S = 15 * 60.0
IDLE_S = 12 * 3600.0  # a login unused this long ends
_MAX_TRACKED = 20_000  # names/addresses/logins kept; the oldest go first (memory stays bounded)


def printable(value: str, limit: int = 64) -> str:
    """A name or address as a log line may carry it: no control characters, bounded."""
    return "".join(c if c.isprintable() else "?" for c in (value or "")[:limit])


class LoginLimiter:
    """Failures per name and per address within a sliding window."""

    def __init__(self, per_name: int = NAME_FAILURES, per_address: int = ADDRESS_FAILURES,
                 window: float = WINDOW_S, clock=time.monotonic) -> None:
        self.limits = {"name": per_name, "address": per_address}
        self.window, self.clock = window, clock
        self._failures: OrderedDict[tuple[str, str], deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and now - times[0] >= self.window:
            times.popleft()
        return times

    def attempt(self, name: str, address: str) -> float:
        """Count an attempt before its password is checked; returns the seconds to wait instead (0: go on).

        Counted first, so fifty guesses sent at once meet the limit as fifty sent one by one.
        """
        now = self.clock()
        with self._lock:
            recent = {key: self._recent(key, now) for key in (("name", name), ("address", address))}
            # Over the limit: wait until the oldest failure that counts leaves the window.
            wait = max((times[-self.limits[key[0]]] + self.window - now
                        for key, times in recent.items() if len(times) >= self.limits[key[0]]), default=0.0)
            if wait > 0:
                return wait
            for key, times in recent.items():
                times.append(now)
                self._failures[key] = times
                self._failures.move_to_end(key)
            while len(self._failures) > _MAX_TRACKED:
                self._failures.popitem(last=False)
            return 0.0

    def succeeded(self, name: str, address: str) -> None:
        """A right password: the name's count is cleared, and this attempt no longer counts for the address."""
        with self._lock:
            self._failures.pop(("name", name), None)
            times = self._failures.get(("address", address))
            if times:
                times.pop()


@dataclass
class Login:
    """One logged-in browser: its account, and when the account last changed (older logins end)."""

    account: Account
    address: str
    last_seen: float = field(default_factory=time.monotonic)


class LoginSessions:
    """Login cookie tokens of this process → their logins."""

    def __init__(self, clock=time.monotonic) -> None:
        self._logins: OrderedDict[str, Login] = OrderedDict()
        self._lock = threading.Lock()
        self.clock = clock

    def start(self, account: Account, address: str) -> str:
        """A new unguessable token for ``account``."""
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._logins[token] = Login(account, address, self.clock())
            while len(self._logins) > _MAX_TRACKED:
                self._logins.popitem(last=False)
        return token

    def end(self, token: str) -> None:
        """Log this token out."""
        with self._lock:
            self._logins.pop(token or "", None)

    def lookup(self, token: str, accounts: AccountStore | None) -> Account | None:
        """The account a token is logged in as; None when unknown, idle too long, or the account changed."""
        now = self.clock()
        with self._lock:
            login = self._logins.get(token or "")
            if login is None:
                return None
            if now - login.last_seen > IDLE_S:
                del self._logins[token]
                return None
            login.last_seen = now
        account = login.account
        if account.name and accounts is not None:
            try:
                current = accounts.get(account.name)
            except AccountError:
                current = None
            if current is None or current.changed_at != account.changed_at:
                self.end(token)  # removed, or its password or role changed since
                return None
        return account


class AccessLog:
    """``<data_dir>/logs/access.log``: every login, failure, lockout and logout (never a password)."""

    def __init__(self, data_dir: Path | str) -> None:
        path = Path(data_dir) / "logs" / "access.log"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._logger = logging.getLogger(f"assistant.access.{path}")
        self._logger.propagate = False
        self._logger.setLevel(logging.INFO)
        if not self._logger.handlers:
            handler = RotatingFileHandler(path, maxBytes=5_000_000, backupCount=3, encoding="utf-8")
            handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
            self._logger.addHandler(handler)

    def write(self, event: str, name: str, address: str) -> None:
        """One line: what happened, to which name, from which address."""
        self._logger.info("%s 用户=%s 地址=%s", event, printable(name) or "（无）", printable(address))


#: This process's tables: the login page writes them, the page's script reads them.
LIMITER = LoginLimiter()
LOGINS = LoginSessions()
_gate = {"active": False}


def mark_gate_active() -> None:
    """Called by the login page's middleware: this process serves pages only behind it."""
    _gate["active"] = True


def gate_active() -> bool:
    """Whether requests to this process pass the login page's middleware first."""
    return _gate["active"]


def legacy_account(role: Role) -> Account:
    """The account of a shared-password login (no named accounts on this machine)."""
    return Account("", role)
