"""Model settings saved on this machine from the 设置 page (保存到本机).

Written to ``<data_dir>/model_settings.json``, readable by the owner only (0600), so an API key
typed once survives restarts without going into a URL, a log or a file others can read. What
is saved is the page's choice (:class:`LLMChoice`); the rule of where the server's own key may
go applies to it as to a choice made for one session (``llm.page_choice.apply_choice``).
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from pydantic import ValidationError

from assistant.llm.page_choice import LLMChoice
from assistant.support.atomic_files import write_atomic

FILE = "model_settings.json"


def settings_path(data_dir: Path | str) -> Path:
    """Where the saved model settings live."""
    return Path(data_dir) / FILE


def save_model_settings(data_dir: Path | str, choice: LLMChoice) -> Path:
    """Save the page's model choice owner-only."""
    path = settings_path(data_dir)
    # 0600 from the first byte written (the temporary file), whatever an older file said.
    write_atomic(path, json.dumps(choice.model_dump(), ensure_ascii=False, indent=2), mode=0o600)
    return path


def load_model_settings(data_dir: Path | str) -> LLMChoice | None:
    """The saved model choice (None when none is saved or the file cannot be read)."""
    try:
        raw = json.loads(settings_path(data_dir).read_text(encoding="utf-8"))
        choice = LLMChoice.model_validate(raw)
    except (OSError, ValueError, ValidationError):
        return None
    return choice if choice.provider.strip() else None


def forget_model_settings(data_dir: Path | str) -> None:
    """Delete the saved model settings."""
    with contextlib.suppress(FileNotFoundError):
        settings_path(data_dir).unlink()


def mask_key(key: str | None) -> str:
    """A key as the page may show it again: its first three and last four characters."""
    key = (key or "").strip()
    if not key:
        return ""
    if len(key) <= 8:
        return "•" * len(key)
    return f"{key[:3]}…{key[-4:]}"
