"""What every session of this process shares: the reference library, opened once from env/.env.

Not st.cache_resource: a client can clear that cache over the websocket (clear_cache), and each
clearing re-opened the library without closing the old one (memory and files leaked).
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from assistant.library.store import Library
from assistant.library.warmup import start_warmup
from assistant.support.config import Settings
from assistant.support.errors import UserError
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import env_settings

__all__ = ["get_library", "once_per_process"]

T = TypeVar("T")
_made: dict[tuple, object] = {}
_lock = threading.RLock()


def once_per_process(key: tuple, make: Callable[[], T]) -> T:
    """``make()``'s result for ``key``, made once per process whatever the sessions send."""
    with _lock:  # a second session waits for the first one's opening instead of opening again
        if key not in _made:
            _made[key] = make()
        return _made[key]  # type: ignore[return-value]


def _open_library(settings: Settings) -> Library:
    with st.spinner("正在打开范文库……"):
        library = Library.open(settings)
    # After a removal, the last clearing of the vector files comes when the app stops (Library.close).
    atexit.register(library.close)
    # The BM25 index, jieba, the model and the vector index load in the background while the
    # page is drawn and filled in; a search meanwhile waits only for the part being loaded.
    start_warmup(library)
    return library


def get_library() -> Library | None:
    """The shared Library for this process, or None after showing why it cannot open."""
    # Shared by every session, so opened from env/.env only: never with one session's API key.
    settings = env_settings()
    try:
        # Keyed on the settings that change the store, so a changed env var opens a new one.
        key = ("library", str(settings.data_dir), settings.chroma_url, settings.embedding_backend)
        return once_per_process(key, lambda: _open_library(settings))
    except UserError as e:
        st.error(escape_markdown(str(e)))  # it may quote a setting's value
    return None
