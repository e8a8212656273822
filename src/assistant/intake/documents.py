"""Office and PDF text extraction: docx paragraphs and tables, pdf text with reflowed lines.

Page numbers and the lines a PDF wrapped are recognised by the text repairs (repair.py).
"""

from __future__ import annotations

import io
import logging
import warnings
import zipfile
from collections.abc import Callable

from assistant.domain.models import LoadedText
from assistant.intake.admission import (
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_UNZIPPED,
    check_length,
    check_zip,
    parsed_member,
)
from assistant.intake.pdfium_text import CONTROL_RE, garbled, pdfium_pages
from assistant.intake.repair import reflow_lines, strip_page_numbers
from assistant.support.errors import LoadError, empty_file_error

# pypdf logs English warnings ("EOF marker not found") that Python would print to stderr;
# every problem that matters reaches the user as a Chinese LoadError instead.
_PYPDF_LOG = logging.getLogger("pypdf")
_PYPDF_LOG.addHandler(logging.NullHandler())
_PYPDF_LOG.propagate = False

SAVE_AS_DOCX = "请用 Word 或 WPS 打开后“另存为” .docx 格式再上传"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

_OCR_MESSAGE = "该PDF为扫描件，没有文字层，请先进行文字识别（OCR）后再上传。"

# --- docx -------------------------------------------------------------------------------

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


# --- pdf --------------------------------------------------------------------------------

_PDF_PASSWORD_MESSAGE = (
    "PDF 文件已加密（设置了打开密码），无法读取文字。请在 PDF 阅读器中输入密码打开后取消密码，"
    "或另存（打印）为新的 PDF 后再上传。"
)


def _decrypt(reader, name: str) -> None:
    """Open an encrypted PDF with the empty password (permissions-only PDFs); otherwise ask for one."""
    from pypdf.errors import DependencyError

    try:
        ok = bool(reader.decrypt(""))
    except DependencyError as e:  # AES needs the cryptography package (pypdf[crypto])
        raise LoadError(
            f"《{name}》PDF 文件使用了 AES 加密，本机缺少解密组件。"
            "请管理员在程序的环境中执行 pip install 'pypdf[crypto]' 后重试，或把 PDF 另存（打印）为新的 PDF 后再上传。",
            name,
        ) from e
    except Exception:
        ok = False
    if not ok:
        raise LoadError(f"《{name}》{_PDF_PASSWORD_MESSAGE}", name)


_PDF_TOO_MANY_OPS = "PDF 中的文字操作过多，超出处理上限，无法提取文字"
_PDF_LOOP = "PDF 文件结构损坏（对象循环引用），无法提取文字"
_PDF_OVER_LIMIT = "PDF 页面内容超出处理上限（数据量过大），无法提取文字"
_PDF_BROKEN_PAGE = "PDF 页面已损坏，无法提取文字"
_MAX_REFERENCE_HOPS = 32


def _reference_loop(reader, ref) -> bool:
    """Whether ``ref`` starts a chain of objects that are bare references (6 0 R → 7 0 R → 6 0 R …).

    pypdf cannot resolve such an object at all (it fails with an AttributeError and extracts
    nothing, silently), so the chain is followed here, from the file's cross-reference table.
    """
    from pypdf.generic import IndirectObject, read_object

    seen: set[tuple[int, int]] = set()
    while isinstance(ref, IndirectObject):
        key = (ref.idnum, ref.generation)
        if key in seen or len(seen) > _MAX_REFERENCE_HOPS:
            return True
        seen.add(key)
        offset = reader.xref.get(ref.generation, {}).get(ref.idnum)
        if offset is None:  # in an object stream, or missing: pypdf copes with those
            return False
        try:
            reader.stream.seek(offset)
            reader.read_object_header(reader.stream)
            ref = read_object(reader.stream, reader)
        except Exception:
            return False
    return False


def _page_problem(reader, page, err: Exception | None) -> str | None:
    """Why a page gave no text although it is not a scan (too many operators, a loop), or None."""
    from pypdf.errors import LimitReachedError

    if isinstance(err, LimitReachedError):
        detail = str(err).lower()
        if "cycle" in detail or "loop" in detail:
            return _PDF_LOOP
        return _PDF_TOO_MANY_OPS if "token" in detail else _PDF_OVER_LIMIT
    contents = dict.get(page, "/Contents")  # the raw entry: resolving it is what fails
    items = list.__iter__(contents) if isinstance(contents, list) else [contents]
    if any(_reference_loop(reader, item) for item in items):
        return _PDF_LOOP
    return _PDF_BROKEN_PAGE if err is not None else None


def load_pdf(data: bytes, name: str, max_chars: int = DEFAULT_MAX_CHARS) -> LoadedText:
    """Text of a PDF's text layer, page numbers stripped and lines reflowed; raises LoadError.

    Extraction stops once the text passes ``max_chars`` (ASSISTANT_MAX_DOC_CHARS).
    """
    broken = LoadError(
        f"《{name}》PDF 文件已损坏或无法读取，请用 PDF 阅读器打开确认后重新导出再上传。", name
    )
    if b"%PDF" not in data[:1024]:
        raise broken
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        encrypted = reader.is_encrypted
    except Exception as e:  # pypdf raises many types for damaged files
        raise broken from e
    if encrypted:
        _decrypt(reader, name)
    try:
        pages = list(reader.pages)
    except Exception as e:
        raise broken from e
    if not pages:
        raise empty_file_error(name)
    texts: list[str] = []
    problems: dict[int, str] = {}  # page number → why it gave no text (not a scan)
    total = 0
    next_check = max_chars
    for number, page in enumerate(pages, 1):
        err: Exception | None = None
        try:
            text = page.extract_text() or ""
        except Exception as e:  # one damaged page (or one over pypdf's own limits) should not lose the others
            text, err = "", e
        if not text.strip():
            problem = _page_problem(reader, page, err)
            if problem:
                problems[number] = problem
        # Decoded streams stay cached on the reader; drop them so a page of compressed junk
        # cannot pile up with the next one.
        reader.resolved_objects.clear()
        texts.append(text)
        total += len(text)
        if total > next_check:  # whitespace is not counted, so check the real count, now and then
            check_length("\n".join(texts), name, max_chars)
            next_check = total * 2
    texts = _ungarbled(texts, lambda: pdfium_pages(data), name)
    page_lines: list[str] = []
    for text in texts:
        page_lines.extend(strip_page_numbers(CONTROL_RE.sub("", text).replace("\r\n", "\n").split("\n")))
    if not any(line.strip() for line in page_lines):
        if problems:  # "a scan" would be untrue: the pages have text pypdf could not get at
            reason = next(iter(problems.values()))
            where = "" if len(pages) == 1 else f"（第 {_page_list(list(problems))} 页）"
            raise LoadError(f"《{name}》{reason}{where}。请用 PDF 阅读器打开确认后重新导出（或“打印为 PDF”）再上传。", name)
        raise LoadError(f"《{name}》{_OCR_MESSAGE}", name)
    notices = [f"第 {_page_list([n])} 页：{reason}，已跳过该页" for n, reason in problems.items()][:5]
    metadata: dict = {}
    try:
        title = ((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        title = ""
    if title:
        metadata["title"] = str(title)
    return LoadedText(
        text="\n".join(reflow_lines(page_lines)), source_format="pdf", metadata=metadata, notices=notices
    )


def _ungarbled(texts: list[str], reread: Callable[[], list[str] | None], name: str) -> list[str]:
    """Pages pypdf decoded into control characters read again by PDFium; refused if still garbled.

    Garbled text is never stored: it would be found by no search and parsed into wrong parts.
    """
    bad = [n for n, text in enumerate(texts, 1) if garbled(text)]
    if not bad:
        return texts
    again = reread()
    if again is not None and len(again) == len(texts):
        texts = [again[n - 1] if n in bad else text for n, text in enumerate(texts, 1)]
        bad = [n for n in bad if garbled(texts[n - 1])]
    if bad:
        where = "" if len(texts) == 1 else f"（第 {_page_list(bad)} 页）"
        raise LoadError(
            f"《{name}》中的文字无法正确读出{where}：字体编码损坏，读出的是乱码。为免存入乱码，这份文件没有导入。"
            "请用 WPS 或 Word 打开原文档另存为 .docx 后上传，或在 PDF 阅读器中“打印为 PDF”后重试。",
            name,
        )
    return texts


def _page_list(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:10])
    return shown + (f" 等 {len(numbers)} 页" if len(numbers) > 10 else "")
