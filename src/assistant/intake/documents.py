"""A .docx file's text: paragraphs and tables in document order (PDFs: pdf_text.py)."""

from __future__ import annotations

import io
import warnings
import zipfile

from assistant.domain.models import LoadedText
from assistant.intake.admission import (
    DEFAULT_MAX_UNZIPPED,
    check_zip,
    parsed_member,
)
from assistant.support.errors import LoadError, empty_file_error

SAVE_AS_DOCX = "请用 Word 或 WPS 打开后“另存为” .docx 格式再上传"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_CELL_SEP = "\u3000"


def _docx_lines(parent, document) -> list[str]:
    """Lines of a body (or table cell) in document order: paragraphs and tables."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for child in parent.iterchildren():
        if child.tag == qn("w:p"):
            lines.append(Paragraph(child, document).text)
        elif child.tag == qn("w:tbl"):
            lines.extend(_docx_table_lines(Table(child, document), document))
        elif child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            if content is not None:
                lines.extend(_docx_lines(content, document))
    return lines


def _docx_table_lines(table, document) -> list[str]:
    lines: list[str] = []
    seen: set = set()  # merged cells repeat across the grid; emit each once
    for row in table.rows:
        try:
            cells = list(row.cells)
        except Exception:  # a malformed grid should not lose the rest of the document
            continue
        cell_lines: list[list[str]] = []
        for cell in cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            content = [line for line in _docx_lines(cell._tc, document) if line.strip()]
            if content:
                cell_lines.append(content)
        if len(cell_lines) == 1:
            # A one-cell row is a layout box: keep its paragraphs as paragraphs.
            lines.extend(cell_lines[0])
        elif cell_lines:
            lines.append(_CELL_SEP.join(" ".join(c) for c in cell_lines))
    return lines


def _bad_docx(name: str, detail: str = "") -> LoadError:
    return LoadError(
        f"《{name}》文件已损坏或不是有效的 Word 文档（.docx）。{detail or SAVE_AS_DOCX + '。'}",
        name,
    )


def _text_parts_only(data: bytes) -> bytes:
    """The package with every part python-docx would only hold as bytes (pictures, fonts) emptied.

    python-docx reads every related part into memory; a speech needs none of the pictures, so they
    are never inflated (a 95 MB screenshot took the process from 123 to 277 MB).
    """
    out = io.BytesIO()
    with (
        warnings.catch_warnings(),  # zipfile warns in English about duplicate names
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst,
    ):
        warnings.simplefilter("ignore")
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info) if parsed_member(info.filename) else b"")
    return out.getvalue()


def load_docx(data: bytes, name: str, max_unzipped_bytes: int = DEFAULT_MAX_UNZIPPED) -> LoadedText:
    """Text of a .docx file: paragraphs and tables in document order; raises LoadError.

    The zip's members are checked (total and per-member expansion) before anything is inflated.
    """
    if data.startswith(OLE_MAGIC):
        raise _bad_docx(
            name,
            "它实际上可能是旧版 .doc 文档或设置了打开密码的文档，请用 Word 或 WPS 打开，"
            "取消密码后“另存为” .docx 格式再上传。",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _bad_docx(name)
    check_zip(data, name, max_unzipped_bytes)
    try:
        import docx

        document = docx.Document(io.BytesIO(_text_parts_only(data)))
        lines = _docx_lines(document.element.body, document)
    except Exception as e:  # python-docx raises many types for broken packages
        raise _bad_docx(name) from e
    text = "\n".join(lines)
    if not text.strip():
        raise empty_file_error(name)
    metadata: dict = {}
    try:
        title = (document.core_properties.title or "").strip()
    except Exception:
        title = ""
    if title:
        metadata["title"] = title
    return LoadedText(text=text, source_format="docx", metadata=metadata)
