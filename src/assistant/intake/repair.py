"""Repairs to the text itself before junk is judged: script, spacing, watermarks, pages, broken lines.

Each repair is decided from features of the lines (share of traditional characters, spaced
characters, random ASCII runs, page-number shapes, lines of equal width without a stop)
rather than from a list of sites, and each one is reported with its reason.

The page-number shapes are written here once: the PDF loader (pdf_text.py) strips page numbers
with them. Joining broken lines is lines/joining.py, shared with the PDF loader's reflow.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from assistant.domain.models import RemovedLine
from assistant.domain.numbering import PARAGRAPH_START_RE
from assistant.intake.fingerprint import to_simplified
from assistant.intake.lines.joining import full_line, hard_wrapped, indented_paragraphs, rejoin

REASON_PAGE = "页码"
REASON_WATERMARK = "防采集水印"
REASON_HEADER = "页眉"
REASON_FURNITURE = "页眉页脚"

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_OCR_SLIP_RE = re.compile(r"(?<=[\u4e00-\u9fff])[’'_](?=[\u4e00-\u9fff])")
# A character looks traditional when simplifying changes it; this share of them means a
# traditional copy (simplified text has almost none).
TRADITIONAL_SHARE = 0.03
# Pinyin a mirror site put after characters: 負責(zé), 導（dǎo）.
_PINYIN_RE = re.compile(r"(?<=[\u4e00-\u9fff])[（(][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")
#: Page furniture: — 3 —, - 1 -, 第 2 页 / 共 4 页, 第3页, 2/6, …_第1页, 已阅读3页, scanner stamps.
PAGE_NUMBER_RE = re.compile(
    r"^(?:[—\-－–]{1,2}\s*\d{1,3}\s*[—\-－–]{1,2}"
    r"|第\s*\d{1,3}\s*页(?:\s*[/／,，]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*[/／]\s*\d{1,3}"
    r"|\d{1,3}"
    r"|.{2,60}_第\s*\d{1,3}\s*页"
    r"|已阅读\s*\d+\s*页.*"
    r"|.{0,10}扫描全能王.{0,10})$"
)
# A watermark token: one to three printable ASCII characters.
_TOKEN = r"[!-~]{1,3}"
# Before a paragraph; its last token is glued straight onto the text, which may start with an
# ASCII point marker ("W}2.单位…", "Y+3.缴存…"): the token is taken as short as it can be, so
# the marker stays with the paragraph instead of passing for watermark (or hiding it).
_GLUED_HEAD_RE = re.compile(
    rf"^((?:{_TOKEN} )+[!-~]{{0,3}}?)(?P<mark>\d{{1,2}}[.．、]|[（(]\d{{1,2}}[）)])?(?=[\u4e00-\u9fff（“【])"
)
# After a sentence, or glued straight onto a heading's last character ("负面影响l- D* C, 2% …").
_GLUED_TAIL_RE = re.compile(rf"(?<=[\u4e00-\u9fff。！？；：，”）])\s*((?:{_TOKEN} )+{_TOKEN}?)$")
_SYMBOL_RE = re.compile(r"[^\w\s]", re.ASCII)
_POINT_RE = re.compile(r"^(\d{1,2})[.．、](?!\d)")
_MARK_PARTS_RE = re.compile(r"([（(]?)(\d+)(.)")
#: Furniture glued inside a line is removed there only when it is this long (a running footer),
#: so a short header word inside a sentence stays.
_INLINE_FURNITURE = 12


@dataclass
class Repaired:
    """Lines after repair, what was removed, and which lines were changed (before → after)."""

    lines: list[str]
    removed: list[RemovedLine] = field(default_factory=list)
    changed: list[tuple[str, str, str]] = field(default_factory=list)


def _is_watermark_line(line: str) -> bool:
    """A line of short random ASCII tokens with symbols in them and no Chinese."""
    if _HAN_RE.search(line):
        return False
    tokens = line.split()
    if len(tokens) < 3 or any(len(t) > 4 for t in tokens):
        return False
    # Symbols in the tokens, or a run of one- and two-character tokens too long to be words.
    return sum(bool(_SYMBOL_RE.search(t)) for t in tokens) >= 2 or (len(tokens) >= 5 and all(len(t) <= 2 for t in tokens))


def _point_marker(mark: str, rest: str, next_point: int) -> str:
    """The part of ``mark`` (digits met between watermark tokens and the text) that is the
    paragraph's own point marker, "" when none is.

    A token may end in a digit or "1." itself, so a marker is believed only where the numbering
    can stand there: the next number, or 1 (a list starting), not 0-led, and not in front of a
    marker the paragraph already has ("3.同志们：", "2.四是…" are tokens glued to the text).
    """
    m = _MARK_PARTS_RE.fullmatch(mark)
    if not m or PARAGRAPH_START_RE.match(rest):
        return ""
    opener, digits, closer = m.groups()
    # "52." is a token "5" glued to "2." unless 52 is the number due; "（12）" cannot split.
    for cut in range(len(digits) if not opener else 1):
        number = digits[cut:]
        if not number.startswith("0") and int(number) in (next_point, 1):
            return opener + number + closer
    return ""


def _strip_glued(line: str, next_point: int = 1) -> str:
    """The line without watermark tokens glued to its start or end.

    ``next_point`` is the number the next "1." style point would carry (see _point_marker).
    """
    for rx in (_GLUED_HEAD_RE, _GLUED_TAIL_RE):
        m = rx.search(line)
        if not m:
            continue
        found = m.groupdict().get("mark") or ""
        mark = _point_marker(found, line[m.end() :], next_point) if found else ""
        junk = m.group(1) + found[: len(found) - len(mark)]
        tokens = junk.split()
        # Random tokens with symbols in them, or a run of them too long to be words.
        if (len(_SYMBOL_RE.findall(junk)) >= 2 and len(tokens) >= 3) or len(tokens) >= 5:
            line = (line[: m.start(1)] + mark + line[m.end() :]).strip()
    return line


def _is_spaced(line: str) -> bool:
    """Characters separated by single spaces, as OCR and some PDF extractors leave them."""
    chars = line.replace(" ", "")
    return len(chars) >= 4 and line.count(" ") >= 0.6 * (len(chars) - 1) and bool(_HAN_RE.search(line))


def _unspace(line: str) -> str:
    # Spaces between two Latin words stay; every other space goes.
    def keep(m: re.Match[str]) -> str:
        before, after = line[m.start() - 1 : m.start()], line[m.end() : m.end() + 1]
        return " " if before.isascii() and before.isalpha() and after.isascii() and after.isalpha() else ""

    return re.sub(r" +", keep, line)


def _traditional(text: str) -> bool:
    han = _HAN_RE.findall(text)
    if len(han) < 20:
        return False
    simple = to_simplified("".join(han))
    changed = sum(a != b for a, b in zip(han, simple, strict=False))
    return changed >= TRADITIONAL_SHARE * len(han)


def strip_page_numbers(page: list[str]) -> list[str]:
    """The non-blank lines of one PDF page, without the page number at its top or bottom."""
    lines = [line for line in page if line.strip()]
    for idx in (0, -1):
        if lines and PAGE_NUMBER_RE.match(lines[idx].strip()):
            lines.pop(idx)
    return lines


def _furniture_re(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    alt = "|".join(f"(?:{p.pattern})" for p in patterns)
    return re.compile(rf"(?:{alt})(?:\s*(?:{alt}))*")


def _strip_furniture(line: str, rx: re.Pattern[str]) -> tuple[str, bool, bool, list[str]]:
    """The line without running headers/footers: (rest, a page break before it, after it, removed)."""
    before = after = False
    removed: list[str] = []
    body = line.strip()
    for m in reversed(list(rx.finditer(body))):  # from the end, so earlier offsets stay valid
        at_start, at_end = m.start() == 0, m.end() == len(body)
        if not (at_start or at_end or len(m.group()) >= _INLINE_FURNITURE):
            continue
        removed.insert(0, m.group())
        body = (body[: m.start()] + body[m.end() :]).strip()
        before = before or (at_start and not at_end)
        after = after or (at_end and not at_start)
    indent = line[: len(line) - len(line.lstrip())]
    return (indent + body if body else ""), before, after, removed


def repair_lines(raw_lines: list[str], furniture: tuple[re.Pattern[str], ...] = ()) -> Repaired:
    """Simplify, unspace, drop watermarks and page furniture, and rejoin broken paragraphs.

    ``furniture``: running headers/footers of document sites (noise_patterns.yaml), removed
    like page numbers wherever a page break left them, on their own line or glued to the text.
    """
    out = Repaired([])
    furniture_rx = _furniture_re(furniture)
    text = "\n".join(raw_lines)
    convert = _traditional(text)
    lines: list[tuple[str, bool]] = []  # (line, a page break was removed just before it)
    page_break = False
    counts = Counter(x.strip() for x in raw_lines if x.strip())
    last_point = 0  # the number of the last "1." style point, for a marker behind a watermark
    for raw in raw_lines:
        line = raw.rstrip()
        stripped = line.strip()
        if not stripped:
            continue
        fixed = line
        reasons = []
        if convert:
            simple = to_simplified(fixed)
            if simple != fixed:
                fixed, reasons = simple, [*reasons, "繁体转简体"]
        no_pinyin = _PINYIN_RE.sub("", fixed)
        if no_pinyin != fixed:
            fixed, reasons = no_pinyin, [*reasons, "删除拼音注音"]
        if _is_spaced(fixed.strip()):
            indent = fixed[: len(fixed) - len(fixed.lstrip())]
            fixed, reasons = indent + _unspace(fixed.strip()), [*reasons, "去除字间空格"]
            # OCR leaves stray marks inside words: 卫’片, 图_斑 (a closing quote has its opening one).
            slips = _OCR_SLIP_RE.sub("", fixed) if "‘" not in fixed else fixed
            if slips != fixed:
                fixed, reasons = slips, [*reasons, "识别错误符号"]
        body = fixed.strip()
        break_after = False
        if furniture_rx is not None:
            rest, before, break_after, gone = _strip_furniture(fixed, furniture_rx)
            if gone and not rest.strip():
                out.removed.append(RemovedLine(line=stripped, reason=REASON_FURNITURE))
                page_break = True
                continue
            if gone:
                out.removed += [RemovedLine(line=g, reason=REASON_FURNITURE) for g in gone]
                fixed, body, reasons = rest, rest.strip(), [*reasons, REASON_FURNITURE]
                page_break = page_break or before
        if PAGE_NUMBER_RE.match(body):
            out.removed.append(RemovedLine(line=stripped, reason=REASON_PAGE))
            page_break = True
            continue
        if _is_watermark_line(body):
            out.removed.append(RemovedLine(line=stripped, reason=REASON_WATERMARK))
            continue
        # A short line repeated on several pages is a running header.
        if (
            counts[stripped] >= 2
            and len(body) <= 20
            and _HAN_RE.search(body)
            and not PARAGRAPH_START_RE.match(body)
            and not any(ch in body for ch in "。！？")
            and not body.startswith(("在", "关于"))  # a title repeated by the page, handled later
        ):
            out.removed.append(RemovedLine(line=stripped, reason=REASON_HEADER))
            page_break = True
            continue
        unglued = _strip_glued(body, last_point + 1)
        point = _POINT_RE.match(unglued)
        last_point = int(point.group(1)) if point else last_point
        if unglued != body:
            indent = fixed[: len(fixed) - len(fixed.lstrip())]
            fixed, reasons = indent + unglued, [*reasons, REASON_WATERMARK]
        if reasons:
            out.changed.append((stripped, fixed.strip(), "、".join(reasons)))
        lines.append((fixed, page_break))
        page_break = break_after

    texts = [x for x, _ in lines]
    width, measure = hard_wrapped(texts)
    full = full_line(texts) if width else 0
    merged = rejoin(lines, width, measure, full=full, indented=bool(full) and indented_paragraphs(texts))
    if len(merged) < len(lines):
        out.changed.append(("", "", f"合并断行 {len(lines) - len(merged)} 处"))
    out.lines = merged
    return out
