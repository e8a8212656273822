"""Model settings saved on this machine from the 设置 page (保存到本机).

Written to ``<data_dir>/model_settings.json``, readable by the owner only (0600), so an API key
typed once survives restarts without going into a URL, a log or a file others can read.
Only the four fields the page edits are kept.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

from assistant.writing.draft_io import write_atomic

FILE = "model_settings.json"
#: Settings fields the 设置 page edits (Settings attribute names).
FIELDS = ("provider", "openai_api_key", "model", "openai_base_url")


def settings_path(data_dir: Path | str) -> Path:
    """Where the saved model settings live."""
    return Path(data_dir) / FILE


def save_model_settings(data_dir: Path | str, values: dict[str, str]) -> Path:
    """Save the page's model settings owner-only; blank values are left out."""
    kept = {k: v.strip() for k, v in values.items() if k in FIELDS and isinstance(v, str) and v.strip()}
    path = settings_path(data_dir)
    # mkstemp (inside write_atomic) creates the file 0600 and os.replace keeps that mode;
    # chmod again in case umask or an older file said otherwise.
    write_atomic(path, json.dumps(kept, ensure_ascii=False, indent=2))
    os.chmod(path, 0o600)
    return path


def load_model_settings(data_dir: Path | str) -> dict[str, str]:
    """The saved model settings ({} when none are saved or the file cannot be read)."""
    try:
        raw = json.loads(settings_path(data_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, v in raw.items() if k in FIELDS and isinstance(v, str) and v.strip()}


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
