"""One browser session's work, kept on disk so a refresh or a server restart loses nothing.

The page keeps a session id in its URL (``?s=…``); this module stores, under
``<data_dir>/sessions/<id>.json``, what that session had on screen: the brief form as typed,
the draft it has open, an outline being edited, the messages of its last generation, and
whether a generation was running. Two browser sessions have two ids and never overwrite
each other.
"""

from __future__ import annotations

import re
import secrets
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from assistant.support.atomic_files import write_atomic

_SESSION_RE = re.compile(r"[0-9a-f]{16}")  # fullmatch: "$" would let "…\n" through
_lock = threading.Lock()  # the page thread and a background generation both update a session


class Message(BaseModel):
    """Something the last generation said: ``kind`` is note (a detail), info, warning, error or success."""

    kind: Literal["note", "info", "warning", "error", "success"]
    text: str


class Workspace(BaseModel):
    """What one browser session had on screen."""

    form: dict[str, Any] = Field(default_factory=dict)  # brief form fields as typed (widget values)
    draft_id: str = ""  # the open draft in 我的稿件
    outline: str = ""  # an outline proposed by the model, being edited before the full text
    outline_brief: dict = Field(default_factory=dict)
    messages: list[Message] = Field(default_factory=list)  # of the last generation, shown once done
    running_since: str = ""  # a generation was started and has not reported back
    owner: str = ""  # the account whose session this is: another account's ?s= link opens a new one
    ledger: dict = Field(default_factory=dict)  # rows of the ledger the brief came from (LedgerBrief.sidecar())
    updated_at: str = ""


def new_session_id() -> str:
    """A fresh, unguessable session id for the URL."""
    return secrets.token_hex(8)


def valid_session_id(value: str | None) -> bool:
    """Whether a URL value can be a session id (it names a file, so nothing else is accepted)."""
    return bool(value) and bool(_SESSION_RE.fullmatch(value))


def _path(data_dir: Path | str, session_id: str) -> Path:
    if not valid_session_id(session_id):
        raise ValueError(f"无效的会话编号：{session_id!r}")
    return Path(data_dir) / "sessions" / f"{session_id}.json"


def workspace_owner(data_dir: Path | str, session_id: str) -> str | None:
    """Whose session this is ("" before accounts), or None when nothing is saved under this id."""
    path = _path(data_dir, session_id)
    if not path.exists():
        return None
    return load_workspace(data_dir, session_id).owner


def load_workspace(data_dir: Path | str, session_id: str) -> Workspace:
    """The session's saved workspace (an empty one when there is none or it cannot be read)."""
    path = _path(data_dir, session_id)
    try:
        return Workspace.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError, ValueError):
        return Workspace()


def update_workspace(data_dir: Path | str, session_id: str, **changes: Any) -> Workspace:
    """Change some fields of the session's workspace and save it; returns the saved workspace."""
    with _lock:
        current = load_workspace(data_dir, session_id)
        updated = current.model_copy(
            update={**changes, "updated_at": datetime.now().isoformat(timespec="seconds")}
        )
        # model_copy does not validate; a round trip does, so a bad value fails here, not on load.
        updated = Workspace.model_validate(updated.model_dump())
        write_atomic(_path(data_dir, session_id), updated.model_dump_json(indent=2))
        return updated
