"""File names for exports: the speech's title, made acceptable to Windows, macOS and Linux."""

from __future__ import annotations

import re
import unicodedata

from assistant.domain.models import Draft
from assistant.export.layout import layout

DEFAULT_NAME = "讲话稿"

__all__ = ["DEFAULT_NAME", "export_filename", "safe_filename"]


# Characters Windows or macOS refuse in a file name, replaced by their full-width forms.
_NAME_MAP = str.maketrans({
    "<": "《", ">": "》", ":": "：", '"': "“", "/": "／", "\\": "＼", "|": "｜", "?": "？", "*": "＊",
})
_WINDOWS_RESERVED = re.compile(r"^(CON|PRN|AUX|NUL|COM[0-9]|LPT[0-9])(\..*)?$", re.IGNORECASE)
_NAME_MAX = 80  # characters
_NAME_MAX_BYTES = 240  # UTF-8 bytes (80 Chinese characters): under the 255-byte limits with an extension


def safe_filename(name: str, default: str = DEFAULT_NAME) -> str:
    """A title as a file name (without extension) that Windows, macOS and Linux accept; Chinese kept."""
    name = unicodedata.normalize("NFC", name or "").translate(_NAME_MAP)
    name = "".join(" " if unicodedata.category(c).startswith("C") else c for c in name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name[:_NAME_MAX]
    while len(name.encode("utf-8")) > _NAME_MAX_BYTES:
        name = name[:-1]
    name = name.strip().strip(".").strip()  # Windows drops trailing dots; a leading one hides the file
    if not name or _WINDOWS_RESERVED.match(name):
        return default if not name else f"{name}_{default}"
    return name


def export_filename(source: Draft | str, fmt: str) -> str:
    """The speech's title as a file name with the format's extension (讲话稿.docx when untitled)."""
    return f"{safe_filename(layout(source).title)}.{fmt}"
