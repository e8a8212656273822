"""What every session of this process shares: the reference library, opened once from env/.env."""

from __future__ import annotations

import atexit

import streamlit as st

from assistant.library.store import Library
from assistant.library.warmup import start_warmup
from assistant.support.config import Settings
from assistant.support.errors import UserError
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import env_settings

__all__ = ["get_library"]


@st.cache_resource(show_spinner="正在打开范文库……")
def _open_library(data_dir: str, chroma_url: str | None, backend: str, _settings: Settings) -> Library:
    # Keyed on the settings that change the store, so a changed env var opens a new one
    # (the leading underscore keeps _settings out of the cache key).
    library = Library.open(_settings)
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
        return _open_library(
            str(settings.data_dir), settings.chroma_url, settings.embedding_backend, settings
        )
    except UserError as e:
        st.error(escape_markdown(str(e)))  # it may quote a setting's value
    return None
