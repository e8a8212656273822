"""Export a speech: .docx in GB/T 9704 layout, plain text that pastes cleanly into Word/WPS, Markdown."""

from __future__ import annotations

from typing import Literal, get_args

from assistant.domain.models import Draft
from assistant.export.filenames import export_filename as _export_filename
from assistant.export.layout import layout
from assistant.export.text import markdown_text, plain_text
from assistant.support.errors import UserError

Format = Literal["docx", "txt", "md"]
FORMATS: tuple[str, ...] = get_args(Format)
MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "txt": "text/plain",
    "md": "text/markdown",
}

__all__ = ["FORMATS", "MEDIA_TYPES", "ExportError", "Format", "export_bytes", "export_filename", "export_text"]


class ExportError(UserError):
    """An export that cannot be made (the message is Chinese)."""


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise ExportError(f"不支持导出为“{fmt}”格式，可选：{'、'.join(FORMATS)}。")


def export_text(source: Draft | str, fmt: Literal["txt", "md"]) -> str:
    """The speech as plain text (one paragraph per line, no Markdown) or as Markdown."""
    _check_format(fmt)
    if fmt == "docx":
        raise ExportError("Word 文档不是文本格式，请用 export_bytes 导出。")
    lay = layout(source)
    return plain_text(lay) if fmt == "txt" else markdown_text(lay)


def export_bytes(source: Draft | str, fmt: Format) -> bytes:
    """The speech as a file's bytes: .docx (GB/T 9704), .txt (UTF-8 with BOM, CRLF) or .md (UTF-8)."""
    _check_format(fmt)
    if fmt == "docx":
        from assistant.export.docx import write_docx

        lay = layout(source)
        return write_docx(lay.blocks, lay.title)
    text = export_text(source, fmt)
    if fmt == "txt":
        # Notepad and WPS on older Chinese Windows read a file without a BOM as GBK.
        return "\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8")
    return text.encode("utf-8")


def export_filename(source: Draft | str, fmt: Format) -> str:
    """The speech's title as a file name with the format's extension (讲话稿.docx when untitled)."""
    _check_format(fmt)
    return _export_filename(source, fmt)
