"""Paths, the shipped kinds and prompts, and helpers that test modules import by name.

Fixtures live in conftest.py; the speech every drafting test writes is in scenario.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
import yaml

from assistant.domain.kinds import default_kinds
from assistant.library.embeddings import make_embedder
from assistant.library.ingest import add_bytes
from assistant.library.store import Library
from assistant.support.config import Settings
from assistant.writing.prompts.templates import default_prompts

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src"
APP = str(REPO / "app.py")
CORPUS = REPO / "corpus"
BRIEFS = REPO / "tests" / "fixtures" / "briefs"
PROMPTS_DIR = REPO / "prompts"
STRUCTURES = PROMPTS_DIR / "structures"

KINDS = default_kinds(STRUCTURES)
PROMPTS = default_prompts(PROMPTS_DIR)


# Variables removed for every test besides all ASSISTANT_* ones: with them set, a test could
# reach a developer's real model endpoint.
OTHER_CLEARED_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


def settings_vars() -> list[str]:
    """The environment variables that would configure the app (every one tests clear)."""
    return [v for v in os.environ if v.startswith("ASSISTANT_") or v in OTHER_CLEARED_VARS]


def isolated_settings(**fields: Any) -> Settings:
    """Settings from ``fields`` and the defaults only: no environment variable, no .env file.

    For module-scoped fixtures, which are set up before conftest's autouse fixture clears
    the environment of each test.
    """
    with pytest.MonkeyPatch.context() as mp:
        for var in settings_vars():
            mp.delenv(var)
        return Settings(_env_file=None, **fields)


def build_library(settings: Settings, names: Iterable[str]) -> Library:
    """A real Library (Chroma + BM25) holding the named corpus speeches."""
    lib = Library(settings, make_embedder(settings))
    for name in names:
        add_bytes(lib, (CORPUS / name).read_bytes(), name)
    return lib


def length_request(key: str, current: int, wanted: int) -> str:
    """The length pass's rewrite instruction as prompts/parts.yaml words it.

    ``key`` is "expand" or "condense"; read from the file, not through the app's templates.
    """
    parts = yaml.safe_load((PROMPTS_DIR / "parts.yaml").read_text(encoding="utf-8"))
    return parts["requests"][key].format(current=current, wanted=wanted)


def shown_parts(events) -> dict[int, str]:
    """What a viewer of a draft's stream shows per part: a (re)started part starts empty, tokens
    add up, PartDone is final."""
    from assistant.writing.events import PartDone, PartStarted, PartToken

    shown: dict[int, str] = {}
    for e in events:
        if isinstance(e, PartStarted):
            shown[e.index] = ""
        elif isinstance(e, PartToken):
            shown[e.index] += e.text
        elif isinstance(e, PartDone):
            shown[e.index] = e.part.text
    return shown


def logged_in(monkeypatch, account) -> str:
    """Log a page test in as the login page (ui/web_gate.py) does: a token in the process's table,
    the login page marked active, and the token as the browser's cookie; returns the token."""
    from assistant.support import login_guard

    token = login_guard.LOGINS.start(account, "127.0.0.1")
    monkeypatch.setitem(login_guard._gate, "active", True)
    monkeypatch.setattr("assistant.ui.access.login_token", lambda: token)
    return token
