"""The one base of every error a user is shown: its message is Chinese and says what to do.

Each layer raises its own subclass (LibraryError, BriefError, LLMError …); the boundaries (the
CLI's commands, the page's guarded calls) catch ``UserError`` once and show ``str(error)``.
Anything else reaching a boundary is a bug: logged, and told as an unexpected error.
"""

from __future__ import annotations

__all__ = ["LoadError", "UserError", "empty_file_error"]


class UserError(Exception):
    """An error to show the user as it is (a Chinese sentence naming the fix)."""


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
