"""Errors of library operations; their messages are shown to the user, so they are Chinese."""

from __future__ import annotations


class LibraryError(Exception):
    """A library operation failed; the message is for the user (Chinese)."""


class EmbeddingMismatchError(LibraryError):
    """The library was indexed with another embedding model than the one configured."""


class LoadError(Exception):
    """A file could not be turned into text; str(e) is a Chinese message for the user."""

    def __init__(self, message: str, filename: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename

    def __str__(self) -> str:
        return self.message


def empty_file_error(name: str) -> LoadError:
    """The LoadError for a file that holds no readable text."""
    return LoadError(f"《{name}》文件为空，没有可读取的文字内容。", name)
