"""Errors of library operations; their messages are shown to the user, so they are Chinese."""

from __future__ import annotations


class LibraryError(Exception):
    """A library operation failed; the message is for the user (Chinese)."""


class EmbeddingMismatchError(LibraryError):
    """The library was indexed with another embedding model than the one configured."""
