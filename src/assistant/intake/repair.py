"""Repairs to the text itself before junk is judged: script, spacing, watermarks, pages, broken lines.

Each repair is decided from features of the lines (share of traditional characters, spaced
characters, random ASCII runs, page-number shapes, lines of equal width without a stop)
rather than from a list of sites, and each one is reported with its reason.

The page-number shapes and the joining of broken lines are written here once: the PDF loader
(documents.py) strips page numbers and reflows a text layer with the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.domain.models import RemovedLine
from assistant.domain.numbering import PARAGRAPH_START_RE
from assistant.intake.fingerprint import to_simplified

REASON_PAGE = "页码"
REASON_WATERMARK = "防采集水印"
REASON_HEADER = "页眉"
REASON_FURNITURE = "页眉页脚"

_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
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
# Ends of a line that finish a paragraph (or a heading that stands alone). Not 》: a book title
# ends a line inside a paragraph far more often than it ends a paragraph.
_STOPS = "。！？；：…”’）)」』!?;:."
_INNER_PUNCT_RE = re.compile(r"[，、。；]")
_TITLE_START_RE = re.compile(r"^(?:在|关于).{2,40}$")
_TITLE_END_RE = re.compile(r"^.{0,20}(?:讲话|讲话提纲|发言|发言提纲|提纲)$")
_OCR_SLIP_RE = re.compile(r"(?<=[\u4e00-\u9fff])[’'_](?=[\u4e00-\u9fff])")
_HEADING_RE = re.compile(r"^(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十]+[）)])")
_TOP_HEADING_RE = re.compile(r"^[一二三四五六七八九十]+[、.．]")
# "2.5%" at a line start is a number a line break fell before, not the list marker "2.".
_DECIMAL_START_RE = re.compile(r"^\d+[.．]\d")
_SENTENCE_STOP_RE = re.compile(r"[。！？]")
# The labels of a document's 版记 and attachments start a block of their own.
_DOC_LABEL_RE = re.compile(r"^(?:抄送|主送|分送|发送|附件|印发|联系人|联系电话)\s*[：:]")
#: A line without a stop that fills at least this share of the wrap width ran to the margin, so
#: its paragraph goes on in the next line; a shorter line ends its paragraph.
SHORT_LINE = 0.7
#: A numbered heading line this much shorter than the wrap width stands alone.
_HEADING_LINE = 0.9
#: A line of hard-wrapped text at most this many display columns (under two Chinese characters)
#: short of a full line ran to the margin: a stop at its end may be a sentence end inside a
#: paragraph. A paragraph's last line shorter than that ends its paragraph.
FULL_SLACK = 3
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


def display_width(s: str) -> int:
    """Columns a line takes: two for a wide (Chinese) character, one for any other."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


#: How long a line is: in characters where a text was wrapped at a number of characters (a
#: document viewer, OCR), in display columns where it was wrapped at a page width (a PDF).
Measure = Callable[[str], int]


def _wrap_cluster(open_ended: list[str], long: int, measure: Measure, unit: int) -> tuple[int, int]:
    """(width, lines near it) of the most common length of run-on lines by ``measure``; ``unit``
    is what one Chinese character counts (1 in characters, 2 in display columns)."""
    step = 3 * unit
    lengths = [min(measure(x), 200 * unit) for x in open_ended]
    # Full lines differ by a character or so (punctuation hangs or moves down): count the
    # lines within one step below each length, so a cluster is never cut at a fixed edge.
    near = {w: sum(w - step < n <= w for n in lengths) for w in set(lengths)}
    width = max(near, key=lambda w: (near[w], w))
    # Page and screen text is broken at 20–60 characters; longer lines are paragraphs.
    if near[width] < max(5, 0.25 * long) or width > 60 * unit:
        return 0, 0
    return width, near[width]


def _hard_wrapped(lines: list[str]) -> tuple[int, Measure]:
    """The width of a text broken into fixed-width lines (viewer, scan), 0 when it is not, and
    what that width is measured in (characters or display columns).

    Broken lines end without a stop and have nearly the same length; headings also lack a
    stop but vary in length, so they do not make a clean text look broken.
    """
    long = list(dict.fromkeys(x.strip() for x in lines if len(x.strip()) >= 15))
    # Broken prose carries commas and stops inside the line; titles and menus do not.
    open_ended = [x for x in long if not _ends(x) and _INNER_PUNCT_RE.search(x)]
    if len(open_ended) < 5:
        return 0, len
    # A viewer or OCR that wraps at a number of characters gives lines of equal length; a PDF
    # viewer wraps at a page width, where a half-width digit or Latin letter takes half a
    # character, so its full lines with numbers in them ("10月14日", "2.6万") hold more
    # characters and scatter by length: their display width is what stays equal.
    by_chars = _wrap_cluster(open_ended, len(long), len, 1)
    by_columns = _wrap_cluster(open_ended, len(long), display_width, 2)
    if by_columns[1] > by_chars[1]:
        return by_columns[0], display_width
    return by_chars[0], len


def _full_width(lines: list[str]) -> int:
    """The display width of a full line of a PDF text layer (most lines run to the margin), or 0."""
    widths = sorted(display_width(x.strip()) for x in lines if x.strip())
    return widths[int(len(widths) * 0.8)] if len(widths) >= 3 else 0


def _ends(line: str) -> bool:
    """The line ends a sentence ("18." in "18.7" broken after the point does not)."""
    return line[-1] in _STOPS and not (line[-1] == "." and line[-2:-1].isdigit())


def _joins(
    prev: str,
    nxt: str,
    width: int,
    across_page: bool,
    measure: Measure = len,
    full: int = 0,
    indented: bool = False,
) -> bool:
    """Whether ``nxt`` continues the paragraph that the line ``prev`` was broken off.

    ``prev`` is the line as it was broken, not the paragraph joined so far; ``width`` is the
    width (by ``measure``) the text was wrapped at, 0 when it was not; ``full`` is the display
    width of a full line of hard-wrapped text (0 when it is not), and ``indented`` says its
    paragraphs start with an indent.
    """
    p, n = prev.strip(), nxt.strip()
    if not p or not n:
        return False
    indent_next = nxt[:1] in " \u3000\t"
    starts = bool(PARAGRAPH_START_RE.match(n)) and not _DECIMAL_START_RE.match(n)
    if _DOC_LABEL_RE.match(n):
        return False
    if full and display_width(prev.rstrip()) >= full - FULL_SLACK:
        # The line ran to the margin, so the paragraph may well go on even after a stop; only
        # a visible paragraph start says it does not.
        if indent_next:
            return False
        if indented:  # a flush line after a full one continues, whatever it starts with
            return not _TOP_HEADING_RE.match(n) and not n.startswith("同志们")
        if _ends(p):
            return not starts
    if _ends(p) or starts:
        return False
    if indent_next:  # an indented line starts a paragraph
        return False
    if _TITLE_START_RE.match(p) and not _TITLE_END_RE.search(p) and _TITLE_END_RE.search(n) and len(p) + len(n) <= 60:
        return True  # a title broken over two lines: "在……问题" / "约谈会上的讲话"
    if across_page:
        # A numbered heading (no sentence in it) at the foot of a page stands alone.
        heading = bool(_HEADING_RE.match(p)) and not _SENTENCE_STOP_RE.search(p)
        return len(p) >= 15 and bool(_INNER_PUNCT_RE.search(p)) and not heading
    if _HEADING_RE.match(p) and measure(p) < _HEADING_LINE * width:
        return False  # a heading line stands alone
    return bool(width) and measure(p) >= SHORT_LINE * width


def _glue(head: str, tail: str, word_spaces: bool) -> str:
    # Where lines were wrapped at spaces (a PDF's Latin text), two words meet across the break.
    space = word_spaces and head[-1:].isascii() and head[-1:].isalnum() and tail[:1].isascii()
    return head + (" " if space else "") + tail


def _rejoin(
    lines: list[tuple[str, bool]],
    width: int,
    measure: Measure = len,
    word_spaces: bool = False,
    full: int = 0,
    indented: bool = False,
) -> list[str]:
    """(line, a page break lies before it) → lines with the broken paragraphs joined again.

    A blank line ends a paragraph.
    """
    merged: list[str] = []
    prev = ""
    for line, after_break in lines:
        if not line.strip():
            prev = ""
            continue
        if merged and _joins(prev, line, width, after_break, measure, full, indented):
            merged[-1] = _glue(merged[-1].rstrip(), line.strip(), word_spaces)
        else:
            merged.append(line)
        prev = line
    return merged


def strip_page_numbers(page: list[str]) -> list[str]:
    """The non-blank lines of one PDF page, without the page number at its top or bottom."""
    lines = [line for line in page if line.strip()]
    for idx in (0, -1):
        if lines and PAGE_NUMBER_RE.match(lines[idx].strip()):
            lines.pop(idx)
    return lines


def reflow_lines(lines: list[str]) -> list[str]:
    """The lines of a PDF text layer with each paragraph the PDF wrapped joined into one line."""
    width = _full_width(lines)
    if not width:
        return [line.strip() for line in lines if line.strip()]
    pairs = [(line, False) for line in lines]
    return [line.strip() for line in _rejoin(pairs, width, display_width, word_spaces=True, full=width)]


def _full_line(lines: list[str]) -> int:
    """The display width of a full line of hard-wrapped text: the middle width of the lines that
    run on (no stop at the end, commas inside), indent included."""
    widths = sorted(
        display_width(x.rstrip()) for x in lines if len(x.strip()) >= 15 and not _ends(x.strip()) and _INNER_PUNCT_RE.search(x)
    )
    return widths[len(widths) // 2] if widths else 0


def _indented(lines: list[str]) -> bool:
    """Paragraphs of the text start with an indent (so a flush line continues one)."""
    starts = sum(1 for x in lines if x[:1] in " \u3000\t" and x.strip())
    return starts >= 3 and starts >= 0.1 * len(lines)


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
    width, measure = _hard_wrapped(texts)
    full = _full_line(texts) if width else 0
    merged = _rejoin(lines, width, measure, full=full, indented=bool(full) and _indented(texts))
    if len(merged) < len(lines):
        out.changed.append(("", "", f"合并断行 {len(lines) - len(merged)} 处"))
    out.lines = merged
    return out
