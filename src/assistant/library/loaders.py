"""File bytes → text for the reference library: txt/md (encoding detection), docx, pdf.

Every failure is a LoadError whose message is Chinese, names the file (《name》) and
says what the user can do about it.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import unicodedata
import zipfile
from pathlib import Path

import yaml

from assistant.models import LoadedText

SUPPORTED = (".txt", ".md", ".markdown", ".docx", ".pdf")
DEFAULT_MAX_BYTES = 20 * 1024 * 1024

_SUPPORTED_LABEL = "txt、md、docx、pdf"
_SAVE_AS_DOCX = "请用 Word 或 WPS 打开后“另存为” .docx 格式再上传"
_GENERAL_HINT = (
    "Word/WPS 文档请用 Word 或 WPS 打开后“另存为” .docx；"
    "OFD 文件可用版式阅读器导出为 PDF；图片或扫描件请先进行文字识别（OCR）。"
)
_OCR_MESSAGE = "该PDF为扫描件，没有文字层，请先进行文字识别（OCR）后再上传。"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"

_IMAGE_EXTS = frozenset(
    [".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".heic", ".heif"]
)
_ARCHIVE_EXTS = frozenset([".zip", ".rar", ".7z", ".tar", ".gz", ".bz2", ".xz"])
_UNSUPPORTED_HINTS = {
    ".doc": f"这是旧版 Word 文档（.doc），{_SAVE_AS_DOCX}。",
    ".docm": f"这是带宏的 Word 文档（.docm），{_SAVE_AS_DOCX}。",
    ".dot": f"这是 Word 模板，{_SAVE_AS_DOCX}。",
    ".dotx": f"这是 Word 模板，{_SAVE_AS_DOCX}。",
    ".wps": "这是 WPS 文字文档（.wps），请用 WPS 打开后“另存为” .docx 格式再上传。",
    ".wpt": "这是 WPS 模板，请用 WPS 打开后“另存为” .docx 格式再上传。",
    ".rtf": f"这是 RTF 文档，{_SAVE_AS_DOCX}。",
    ".odt": "这是 ODT 文档，请用 WPS、Word 或 LibreOffice 打开后“另存为” .docx 格式再上传。",
    ".ofd": "这是 OFD 版式文件，请用版式阅读器（如数科、福昕 OFD 阅读器）打开后导出为 PDF 再上传。",
    ".ceb": "这是 CEB 版式文件，请用对应的阅读器打开后导出或打印为 PDF 再上传。",
    ".caj": "这是 CAJ 文件，请用 CAJViewer 打开后导出或打印为 PDF 再上传。",
    ".pages": "这是 Pages 文稿，请在 Pages 中选择“导出为 → Word”，得到 .docx 后再上传。",
    ".html": "这是网页文件，请在浏览器中复制正文粘贴到 Word 后保存为 .docx，或保存为 .txt 再上传。",
    ".htm": "这是网页文件，请在浏览器中复制正文粘贴到 Word 后保存为 .docx，或保存为 .txt 再上传。",
    ".mht": "这是网页存档，请用浏览器或 Word 打开后“另存为” .docx 再上传。",
    ".mhtml": "这是网页存档，请用浏览器或 Word 打开后“另存为” .docx 再上传。",
    ".xls": "这是表格文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".xlsx": "这是表格文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".et": "这是 WPS 表格文件，请把讲话稿文字复制到 WPS 文字中保存为 .docx 再上传。",
    ".csv": "这是表格数据文件，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".ppt": "这是演示文稿，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".pptx": "这是演示文稿，请把讲话稿文字复制到 Word 中保存为 .docx 再上传。",
    ".dps": "这是 WPS 演示文稿，请把讲话稿文字复制到 WPS 文字中保存为 .docx 再上传。",
}


class LoadError(Exception):
    """A file could not be turned into text; str(e) is a Chinese message for the user."""

    def __init__(self, message: str, filename: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename

    def __str__(self) -> str:
        return self.message


def _display_name(filename: str) -> str:
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or "未命名文件"


def _mb(n: float) -> str:
    value = n / (1024 * 1024)
    for decimals in (1, 2, 3, 4, 5, 6):
        text = f"{value:.{decimals}f}"
        if float(text) != 0:
            return text.rstrip("0").rstrip(".")
    return "0"


def _unsupported(name: str, ext: str) -> LoadError:
    if ext in _UNSUPPORTED_HINTS:
        hint = _UNSUPPORTED_HINTS[ext]
    elif ext in _IMAGE_EXTS:
        hint = "这是图片文件，请先进行文字识别（OCR），把识别出的文字保存为 .txt 或 .docx 再上传。"
    elif ext in _ARCHIVE_EXTS:
        hint = "这是压缩包，请先解压，再逐个上传其中的讲话稿文件。"
    else:
        hint = _GENERAL_HINT
    kind = f"（{ext}）" if ext else "（无扩展名）"
    return LoadError(
        f"《{name}》是暂不支持的文件格式{kind}。目前支持 {_SUPPORTED_LABEL} 格式。{hint}",
        name,
    )


def _too_large(name: str, size: int, max_bytes: int) -> LoadError:
    return LoadError(
        f"《{name}》文件过大（{_mb(size)} MB），超过上传上限 {_mb(max_bytes)} MB。"
        "请删除图片等无关内容或拆分后再上传；管理员也可以通过设置 ASSISTANT_MAX_UPLOAD_MB 调整上限。",
        name,
    )


def _empty(name: str) -> LoadError:
    return LoadError(f"《{name}》文件为空，没有可读取的文字内容。", name)


def load_bytes(data: bytes, filename: str, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """Extract the text of one uploaded file (txt/md/docx/pdf); raises LoadError."""
    name = _display_name(filename)
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise _unsupported(name, ext)
    if not data:
        raise _empty(name)
    if len(data) > max_bytes:
        raise _too_large(name, len(data), max_bytes)
    if ext == ".docx":
        return _load_docx(data, name)
    if ext == ".pdf":
        return _load_pdf(data, name)
    return _load_text(data, name, "txt" if ext == ".txt" else "md")


def load_path(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> LoadedText:
    """load_bytes for a file on disk (checks the size before reading it)."""
    p = Path(path)
    name = _display_name(p.name)
    ext = p.suffix.lower()
    if not p.exists():
        raise LoadError(f"《{name}》文件不存在，请检查路径。", name)
    if p.is_dir():
        raise LoadError(f"《{name}》是文件夹，不是文件。", name)
    if ext not in SUPPORTED:
        raise _unsupported(name, ext)
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise _too_large(name, size, max_bytes)
        data = p.read_bytes()
    except OSError as e:
        raise LoadError(f"《{name}》无法读取：{e.strerror or e}", name) from e
    return load_bytes(data, p.name, max_bytes=max_bytes)


# --- plain text -------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be", "utf-16-be"),
)
# Guesses a detector makes for short GBK text; gb18030 is the likelier truth for our users.
_CJK_GUESS_PREFIXES = ("big5", "cp950", "gb", "hz", "euc_", "shift", "cp932", "cp949", "iso2022")
_ALLOWED_CONTROLS = {"\t", "\n", "\r", "\x0c", "\x0b"}


def _not_text(name: str, data: bytes) -> LoadError:
    head = data[:8]
    if head.startswith(b"%PDF"):
        detail = "它实际上是 PDF 文件，请把扩展名改为 .pdf 后再上传。"
    elif head.startswith(_ZIP_MAGIC):
        detail = "它看起来是 .docx 等压缩格式的文件，请确认扩展名是否正确。"
    elif head.startswith(_OLE_MAGIC):
        detail = f"它看起来是旧版 Word（.doc）或 WPS 文档，{_SAVE_AS_DOCX}。"
    else:
        detail = "请确认文件内容是文字，或用记事本打开后另存为 UTF-8 编码的 .txt 再上传。"
    return LoadError(f"《{name}》不是文本文件，无法识别其中的文字。{detail}", name)


def _control_ratio(text: str) -> float:
    sample = text[:20000]
    if not sample:
        return 0.0
    bad = sum(
        1
        for c in sample
        if c not in _ALLOWED_CONTROLS and unicodedata.category(c) in ("Cc", "Cs", "Co")
    )
    return bad / len(sample)


def _looks_like_chinese(text: str) -> bool:
    """True when the non-ASCII characters are mostly common (GB2312) Chinese."""
    non_ascii = [c for c in text[:50000] if ord(c) > 127]
    if not non_ascii:
        return True
    common = 0
    for c in non_ascii:
        try:
            c.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(non_ascii) >= 0.9


def _odd_script_share(text: str) -> float:
    """Share of non-ASCII characters outside Latin, CJK and common punctuation."""
    non_ascii = [c for c in text[:50000] if ord(c) > 127]
    if not non_ascii:
        return 0.0
    odd = sum(1 for c in non_ascii if 0x0250 <= ord(c) < 0x2000 or 0xE000 <= ord(c) < 0xF900)
    return odd / len(non_ascii)


def _clean_gb18030(data: bytes) -> str | None:
    """The bytes as GB18030 when they decode without errors, private-use or control chars."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # Big5 and other non-GB bytes often land in GBK's user-defined (private-use) areas.
    if any(0xE000 <= ord(c) <= 0xF8FF for c in text) or _control_ratio(text) > 0:
        return None
    return text


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few broken bytes (e.g. cut mid-character), decoded with U+FFFD."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for c in text if ord(c) > 127) - bad
    # GBK bytes read as UTF-8 fail almost everywhere; a real UTF-8 file fails in a spot or two.
    if bad <= 3 and good >= 20 * bad:
        return text
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) % 2:
        return None
    even = data[0::2].count(0)
    odd = data[1::2].count(0)
    total = even + odd
    if total < len(data) // 8:
        return None
    for encoding, share in (("utf-16-le", odd), ("utf-16-be", even)):
        if share >= 0.95 * total:
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode text bytes; returns (text, encoding name)."""
    for bom, label, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), label
            except UnicodeDecodeError:
                raise _not_text(name, data) from None
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is None:
            raise _not_text(name, data)
        return text, "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be"
    gb_text = _clean_gb18030(data)
    gb_ok = gb_text is not None and _looks_like_chinese(gb_text)
    try:
        utf8_text = data.decode("utf-8")
    except UnicodeDecodeError:
        lenient = _mostly_utf8(data)
        if lenient is not None:
            return lenient, "utf-8"
    else:
        # A few GBK characters also form valid UTF-8 (e.g. "约谈" → "Լ̸"); such text
        # decodes to letters of unrelated scripts, which a Chinese user never means.
        if gb_ok and _odd_script_share(utf8_text) >= 0.3:
            return gb_text, "gb18030"  # type: ignore[return-value]
        return utf8_text, "utf-8"
    if gb_ok:
        return gb_text, "gb18030"  # type: ignore[return-value]

    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        guess = (best.encoding or "").lower().replace("-", "_")
        if gb_text is not None and guess.startswith(_CJK_GUESS_PREFIXES):
            return gb_text, "gb18030"
        return str(best), best.encoding
    if gb_text is not None:
        return gb_text, "gb18030"
    raise _not_text(name, data)


_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<body>.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def _jsonable(value: object) -> object:
    """Front matter values made JSON-safe (YAML dates become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime, _dt.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def split_front_matter(text: str) -> tuple[dict, str]:
    """Split a leading YAML front matter block off the text; malformed ones are left in place."""
    m = _FRONT_MATTER_RE.match(text)
    if not m:
        return {}, text
    try:
        meta = yaml.safe_load(m.group("body") or "")
    except yaml.YAMLError:
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, text
    return _jsonable(meta), text[m.end() :]  # type: ignore[return-value]


def _load_text(data: bytes, name: str, source_format: str) -> LoadedText:
    text, encoding = _decode(data, name)
    if _control_ratio(text) > 0.01:
        raise _not_text(name, data)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    metadata, text = split_front_matter(text)
    if not text.strip():
        raise _empty(name)
    return LoadedText(text=text, source_format=source_format, encoding=encoding, metadata=metadata)


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
        f"《{name}》文件已损坏或不是有效的 Word 文档（.docx）。{detail or _SAVE_AS_DOCX + '。'}",
        name,
    )


def _load_docx(data: bytes, name: str) -> LoadedText:
    if data.startswith(_OLE_MAGIC):
        raise _bad_docx(
            name,
            "它实际上可能是旧版 .doc 文档或设置了打开密码的文档，请用 Word 或 WPS 打开，"
            "取消密码后“另存为” .docx 格式再上传。",
        )
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _bad_docx(name)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
        lines = _docx_lines(document.element.body, document)
    except Exception as e:  # python-docx raises many types for broken packages
        raise _bad_docx(name) from e
    text = "\n".join(lines)
    if not text.strip():
        raise _empty(name)
    metadata: dict = {}
    try:
        title = (document.core_properties.title or "").strip()
    except Exception:
        title = ""
    if title:
        metadata["title"] = title
    return LoadedText(text=text, source_format="docx", metadata=metadata)


# --- pdf --------------------------------------------------------------------------------

_PAGE_NUMBER_RE = re.compile(
    r"^(?:[—\-–－]{1,2}\s*\d{1,4}\s*[—\-–－]{1,2}|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|\d{1,4}\s*/\s*\d{1,4}|\d{1,4})$"
)
_PDF_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SENTENCE_END_RE = re.compile(r"[。！？：；!?:;.…”』」）)]$")
_PARAGRAPH_START_RE = re.compile(
    r"^(?:[一二三四五六七八九十百]+[、．.]|[（(][一二三四五六七八九十百\d]+[）)]|\d{1,2}[.．、]"
    r"|[一二三四五六七八九十]+[是要]|第[一二三四五六七八九十]+[，、,]|同志们|各位)"
)


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def _strip_page_numbers(lines: list[str]) -> list[str]:
    lines = [line for line in lines if line.strip()]
    for idx in (0, -1):
        if lines and _PAGE_NUMBER_RE.match(lines[idx].strip()):
            lines.pop(idx)
    return lines


def reflow_lines(lines: list[str]) -> list[str]:
    """Join lines that a PDF wrapped inside a paragraph (full-width line, no sentence end)."""
    widths = sorted(_width(line.strip()) for line in lines if line.strip())
    if len(widths) < 3:
        return [line.strip() for line in lines if line.strip()]
    full = widths[int(len(widths) * 0.8)]
    threshold = full * 0.85
    out: list[str] = []
    prev_width = 0
    for raw in lines:
        line = raw.strip()
        if not line:
            prev_width = 0
            continue
        indented = raw[:1] in (" ", "\u3000", "\t")
        if (
            out
            and prev_width >= threshold
            and not indented
            and not _SENTENCE_END_RE.search(out[-1])
            and not _PARAGRAPH_START_RE.match(line)
        ):
            prev = out[-1]
            glue = " " if prev[-1:].isascii() and line[:1].isascii() and prev[-1:].isalnum() else ""
            out[-1] = prev + glue + line
        else:
            out.append(line)
        prev_width = _width(line)
    return out


def _load_pdf(data: bytes, name: str) -> LoadedText:
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
        try:
            # Many PDFs are "encrypted" with an empty open password (permissions only).
            ok = bool(reader.decrypt(""))
        except Exception:
            ok = False
        if not ok:
            raise LoadError(
                f"《{name}》PDF 文件已加密（设置了打开密码），无法读取文字。"
                "请在 PDF 阅读器中取消密码，或另存（打印）为新的 PDF 后再上传。",
                name,
            )
    try:
        pages = list(reader.pages)
    except Exception as e:
        raise broken from e
    if not pages:
        raise _empty(name)
    page_lines: list[str] = []
    for page in pages:
        try:
            text = page.extract_text() or ""
        except Exception:  # one damaged page should not lose the others
            text = ""
        # Some CID fonts make pypdf emit NULs between characters.
        text = _PDF_CONTROL_RE.sub("", text)
        page_lines.extend(_strip_page_numbers(text.replace("\r\n", "\n").split("\n")))
    if not any(line.strip() for line in page_lines):
        raise LoadError(f"《{name}》{_OCR_MESSAGE}", name)
    metadata: dict = {}
    try:
        title = ((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        title = ""
    if title:
        metadata["title"] = str(title)
    return LoadedText(
        text="\n".join(reflow_lines(page_lines)), source_format="pdf", metadata=metadata
    )
