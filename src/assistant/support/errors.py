"""The one base of every error a user is shown: its message is Chinese and says what to do.

Each layer raises its own subclass (LibraryError, BriefError, LLMError …); the boundaries (the
CLI's commands, the page's guarded calls) catch ``UserError`` once and show ``str(error)``.
Anything else reaching a boundary is a bug: logged, and told as an unexpected error.
"""

from __future__ import annotations

__all__ = ["UserError"]


class UserError(Exception):
    """An error to show the user as it is (a Chinese sentence naming the fix)."""
