"""Text-file decoding: encoding detection (BOMs, UTF-8, GB18030, UTF-16) and YAML front matter."""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata

from assistant.domain.models import LoadedText

# A "text" file that is really a document is recognised by the document's signature.
from assistant.intake.documents import OLE_MAGIC, SAVE_AS_DOCX, ZIP_MAGIC
from assistant.support.errors import LoadError, empty_file_error
from assistant.support.safe_parse import ParseProblem, parse_text

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
    elif head.startswith(ZIP_MAGIC):
        detail = "它看起来是 .docx 等压缩格式的文件，请确认扩展名是否正确。"
    elif head.startswith(OLE_MAGIC):
        detail = f"它看起来是旧版 Word（.doc）或 WPS 文档，{SAVE_AS_DOCX}。"
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
    """UTF-16 text of mostly ASCII characters: every other byte is NUL."""
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


def _plausible_share(text: str) -> float:
    """Share of characters a Chinese document is made of: ASCII text, common (GB2312) Chinese."""
    sample = text[:20000]
    if not sample:
        return 0.0
    good = 0
    for c in sample:
        if (" " <= c <= "~") or c in "\t\n\r":
            good += 1
            continue
        try:
            c.encode("gb2312")
            good += 1
        except UnicodeEncodeError:
            pass
    return good / len(sample)


def _chinese_utf16(data: bytes) -> tuple[str, str] | None:
    """Chinese UTF-16 without a BOM (few NUL bytes, since Han characters have none)."""
    if len(data) % 2 or len(data) < 8:
        return None
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        han = sum(1 for c in text[:20000] if "\u4e00" <= c <= "\u9fff")
        if han >= 2 and han >= len(text[:20000]) // 10 and _plausible_share(text) >= 0.95:
            return text, encoding
    return None


def _mixed_lines(data: bytes, name: str) -> tuple[str, list[int]] | None:
    """UTF-8 with some GB18030 lines (text pasted together from two sources), decoded line by line.

    Returns the text and the numbers of the GB18030 lines; None when the file is not such a
    mix; LoadError naming the line when one line is neither.
    """
    lines = data.split(b"\n")
    out: list[str] = []
    gb_lines: list[int] = []
    utf8_chinese = 0
    bad: int | None = None
    for number, line in enumerate(lines, 1):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            utf8_chinese += any(ord(c) > 127 for c in text)
            out.append(text)
            continue
        gb = _clean_gb18030(line)
        if gb is None or not _looks_like_chinese(gb):
            bad = bad or number
            out.append("")
            continue
        out.append(gb)
        gb_lines.append(number)
    if not utf8_chinese or not gb_lines:
        return None
    if bad is not None:
        raise LoadError(
            f"《{name}》混用了 UTF-8 和 GB18030（GBK）两种编码，其中第 {bad} 行两种都不是，无法识别。"
            "请用记事本打开，确认该行文字后另存为 UTF-8 编码的 .txt 再上传。",
            name,
        )
    return "\n".join(out), gb_lines


def _line_list(numbers: list[int]) -> str:
    shown = "、".join(str(n) for n in numbers[:10])
    return shown + (f" 等 {len(numbers)} 行" if len(numbers) > 10 else " 行")


def _decode(data: bytes, name: str) -> tuple[str, str, list[str]]:
    """Decode text bytes; returns (text, encoding name, notices about repairs)."""
    for bom, label, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec), label, []
            except UnicodeDecodeError:
                raise LoadError(
                    f"《{name}》开头标明是 {label.upper()} 编码，但内容不符合该编码，可能已损坏。"
                    "请用记事本打开后另存为 UTF-8 编码的 .txt 再上传。",
                    name,
                ) from None
    if data.startswith((b"%PDF", ZIP_MAGIC, OLE_MAGIC)):
        raise _not_text(name, data)
    notices: list[str] = []
    if b"\x00" in data:
        text = _utf16_without_bom(data)
        if text is not None:
            return text, "utf-16-le" if data[1::2].count(0) >= data[0::2].count(0) else "utf-16-be", []
        found = _chinese_utf16(data)
        if found is not None:
            return found[0], found[1], []
        count = data.count(0)
        data = data.replace(b"\x00", b"")
        notices.append(f"删除了 {count} 个空字符（NUL，通常是复制或转换时混入的）")
    gb_text = _clean_gb18030(data)
    gb_ok = gb_text is not None and _looks_like_chinese(gb_text)
    try:
        utf8_text = data.decode("utf-8")
    except UnicodeDecodeError:
        found = _chinese_utf16(data)
        if found is not None:
            return found[0], found[1], notices
        lenient = _mostly_utf8(data)
        if lenient is not None:
            return lenient, "utf-8", notices
    else:
        # A few GBK characters also form valid UTF-8 (e.g. "约谈" → "Լ̸"); such text
        # decodes to letters of unrelated scripts, which a Chinese user never means.
        if gb_ok and _odd_script_share(utf8_text) >= 0.3:
            return gb_text, "gb18030", notices  # type: ignore[return-value]
        return utf8_text, "utf-8", notices
    if gb_ok:
        return gb_text, "gb18030", notices  # type: ignore[return-value]
    mixed = _mixed_lines(data, name)
    if mixed is not None:
        text, gb_lines = mixed
        notices.append(f"第 {_line_list(gb_lines)}是 GB18030（GBK）编码，其余是 UTF-8，已统一转换")
        return text, "utf-8+gb18030", notices

    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is not None:
        guess = (best.encoding or "").lower().replace("-", "_")
        if gb_text is not None and guess.startswith(_CJK_GUESS_PREFIXES):
            return gb_text, "gb18030", notices
        return str(best), best.encoding, notices
    if gb_text is not None:
        return gb_text, "gb18030", notices
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


_MAX_FRONT_MATTER = 64 * 1024


def split_front_matter(text: str) -> tuple[dict, str]:
    """Split a leading YAML front matter block off the text; malformed ones are left in place."""
    m = _FRONT_MATTER_RE.match(text[: _MAX_FRONT_MATTER + 16])
    if not m:
        return {}, text
    body = m.group("body") or ""
    try:
        # A speech's metadata (title, date, source) never needs aliases or deep nesting.
        meta = parse_text(body, "yaml")
    except ParseProblem:
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, text
    return _jsonable(meta), text[m.end() :]  # type: ignore[return-value]


def load_text(data: bytes, name: str, source_format: str) -> LoadedText:
    """Text of a txt/md file: encoding detected, newlines unified, front matter split off."""
    text, encoding, notices = _decode(data, name)
    if _control_ratio(text) > 0.01:
        raise _not_text(name, data)
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    metadata, text = split_front_matter(text)
    if not text.strip():
        raise empty_file_error(name)
    return LoadedText(
        text=text, source_format=source_format, encoding=encoding, metadata=metadata, notices=notices
    )

