"""What a companion document is: its file (CompanionFile), its paragraphs (Para), the marker for blanks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assistant.review.placeholders import FILL_MARK
from assistant.support.errors import UserError

__all__ = ["DOCX_MIME", "FILL_MARK", "KINDS", "XLSX_MIME", "CompanionError", "CompanionFile", "Para"]

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: Kind → its Chinese name (file names, messages).
KINDS: dict[str, str] = {
    "notice": "约谈通知",
    "minutes": "约谈纪要",
    "checklist": "整改责任清单",
    "largeprint": "大字讲话稿",
}


class CompanionError(UserError, ValueError):
    """A companion document cannot be made; the message is Chinese and names what to fix."""


@dataclass(frozen=True)
class CompanionFile:
    """One written companion document: file name, bytes, MIME type and what the user should check."""

    name: str
    data: bytes
    mime: str
    warnings: tuple[str, ...] = ()
    kind: str = ""
    blanks: int = 0  # how many fields are the marked blank FILL_MARK, for the office to fill


ParaKind = Literal["title", "center", "salutation", "heading", "body", "right", "blank"]


@dataclass(frozen=True)
class Para:
    """One paragraph of a companion 公文: kind, text, and for a heading its run-in head (一、约谈时间：)."""

    kind: ParaKind
    text: str = ""
    head: str = ""
    level: int = 1
    new_page: bool = False

    @property
    def rest(self) -> str:
        return self.text[len(self.head) :]
