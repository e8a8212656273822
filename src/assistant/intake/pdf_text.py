"""A PDF's text: PDFium places the glyphs (layout.py); pypdf decrypts, judges damaged pages and limits.

Every failure is a Chinese LoadError naming the file; garbled text is refused, never stored.
"""

from __future__ import annotations

import io
import logging

from assistant.domain.models import LoadedText
from assistant.intake.admission import DEFAULT_MAX_CHARS, check_length
from assistant.intake.lines.joining import reflow_lines
from assistant.intake.pdf.glyphs import CONTROL_RE, garbled, unify_glyphs
from assistant.intake.pdf.layout import layout_text, read_layout
from assistant.intake.repair import strip_page_numbers
from assistant.support.errors import LoadError, empty_file_error

__all__ = ["load_pdf"]

# pypdf logs English warnings ("EOF marker not found") that Python would print to stderr;
# every problem that matters reaches the user as a Chinese LoadError instead.
_PYPDF_LOG = logging.getLogger("pypdf")
_PYPDF_LOG.addHandler(logging.NullHandler())
_PYPDF_LOG.propagate = False

_OCR_MESSAGE = "该PDF为扫描件，没有文字层，请先进行文字识别（OCR）后再上传。"

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
    # A page over pypdf's operator budget is hostile or absurd: PDFium is not let loose on it.
    heavy = any(reason in (_PDF_TOO_MANY_OPS, _PDF_OVER_LIMIT) for reason in problems.values())
    laid_out = None if heavy else _laid_out(data, name, max_chars)
    if laid_out is not None:
        lines, notices, blank = laid_out
        problems = {n: reason for n, reason in problems.items() if n in blank}  # PDFium read the others
    else:
        _refuse_garbled(texts, name)
        lines, notices = [], []
        for text in texts:
            lines.extend(strip_page_numbers(CONTROL_RE.sub("", text).replace("\r\n", "\n").split("\n")))
        lines = reflow_lines(lines)
    if not any(line.strip() for line in lines):
        if problems:  # "a scan" would be untrue: the pages have text pypdf could not get at
            reason = next(iter(problems.values()))
            where = "" if len(pages) == 1 else f"（第 {_page_list(list(problems))} 页）"
            raise LoadError(f"《{name}》{reason}{where}。请用 PDF 阅读器打开确认后重新导出（或“打印为 PDF”）再上传。", name)
        raise LoadError(f"《{name}》{_OCR_MESSAGE}", name)
    notices += [f"第 {_page_list([n])} 页：{reason}，已跳过该页" for n, reason in problems.items()][:5]
    metadata: dict = {}
    try:
        title = ((reader.metadata or {}).get("/Title") or "").strip()
    except Exception:
        title = ""
    if title:
        metadata["title"] = str(title)
    return LoadedText(text="\n".join(lines), source_format="pdf", metadata=metadata, notices=notices)


def _laid_out(data: bytes, name: str, max_chars: int) -> tuple[list[str], list[str], set[int]] | None:
    """The PDF's paragraphs as PDFium places its glyphs, and a notice of the running headers taken out.

    None when PDFium cannot open the file or finds no text (pypdf's reading and verdicts stand then);
    refused when a page comes out garbled.
    """
    pages = read_layout(data, max_glyphs=max_chars)
    if pages is None or not any(page.lines for page in pages):
        return None
    check_length("".join(line.text for page in pages for line in page.lines), name, max_chars)
    bad = [n for n, page in enumerate(pages, 1) if garbled("".join(line.text for line in page.lines))]
    if bad:
        raise _garbled_error(name, bad, len(pages))
    laid = layout_text(pages)
    paragraphs = [CONTROL_RE.sub("", unify_glyphs(p)).strip() for p in laid.paragraphs]
    notices = []
    words = [line for line in laid.furniture if not line.strip().isdigit()]
    if words:
        notices.append(f"已去除 PDF 每页重复的页眉、页脚 {len(laid.furniture)} 处（如“{words[0][:30]}”）")
    blank = {n for n, page in enumerate(pages, 1) if not page.lines}
    return [p for p in paragraphs if p], notices, blank


def _refuse_garbled(texts: list[str], name: str) -> None:
    """Pages decoded into control characters are refused: garbled text is never stored.

    It would be found by no search and parsed into wrong parts.
    """
    bad = [n for n, text in enumerate(texts, 1) if garbled(text)]
    if bad:
        raise _garbled_error(name, bad, len(texts))


def _garbled_error(name: str, bad: list[int], pages: int) -> LoadError:
    where = "" if pages == 1 else f"（第 {_page_list(bad)} 页）"
    return LoadError(
        f"《{name}》中的文字无法正确读出{where}：字体编码损坏，读出的是乱码。为免存入乱码，这份文件没有导入。"
        "请用 WPS 或 Word 打开原文档另存为 .docx 后上传，或在 PDF 阅读器中“打印为 PDF”后重试。",
        name,
    )


def _page_list(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:10])
    return shown + (f" 等 {len(numbers)} 页" if len(numbers) > 10 else "")
