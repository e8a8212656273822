"""Why a file could not be read: LoadError, whose message is Chinese and names the file."""

from __future__ import annotations

from assistant.support.errors import UserError

__all__ = ["LoadError", "empty_file_error"]


class LoadError(UserError):
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
