"""Lines a page or a viewer broke, joined back into paragraphs: one set of rules for text and PDFs.

A text is hard-wrapped when its run-on lines (no stop at the end, commas inside) share a width,
in characters (a viewer, OCR) or in display columns (a PDF viewer, where a digit takes half a
character). A line joins the next unless that one visibly starts a paragraph (an indent, a
numbered marker, a 版记 label) or the line itself ends one (a stop short of the full width, a
heading standing alone).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from assistant.domain.numbering import PARAGRAPH_START_RE

__all__ = [
    "FULL_SLACK",
    "SHORT_LINE",
    "Measure",
    "display_width",
    "full_line",
    "hard_wrapped",
    "indented_paragraphs",
    "reflow_lines",
    "rejoin",
]

# Ends of a line that finish a paragraph (or a heading that stands alone). Not 》: a book title
# ends a line inside a paragraph far more often than it ends a paragraph.
_STOPS = "。！？；：…”’）)」』!?;:."
_INNER_PUNCT_RE = re.compile(r"[，、。；]")
_TITLE_START_RE = re.compile(r"^(?:在|关于).{2,40}$")
_TITLE_END_RE = re.compile(r"^.{0,20}(?:讲话|讲话提纲|发言|发言提纲|提纲)$")
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


def hard_wrapped(lines: list[str]) -> tuple[int, Measure]:
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


def rejoin(
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


def reflow_lines(lines: list[str]) -> list[str]:
    """The lines of a PDF text layer with each paragraph the PDF wrapped joined into one line."""
    width = _full_width(lines)
    if not width:
        return [line.strip() for line in lines if line.strip()]
    pairs = [(line, False) for line in lines]
    return [line.strip() for line in rejoin(pairs, width, display_width, word_spaces=True, full=width)]


def full_line(lines: list[str]) -> int:
    """The display width of a full line of hard-wrapped text: the middle width of the lines that
    run on (no stop at the end, commas inside), indent included."""
    widths = sorted(
        display_width(x.rstrip()) for x in lines if len(x.strip()) >= 15 and not _ends(x.strip()) and _INNER_PUNCT_RE.search(x)
    )
    return widths[len(widths) // 2] if widths else 0


def indented_paragraphs(lines: list[str]) -> bool:
    """Paragraphs of the text start with an indent (so a flush line continues one)."""
    starts = sum(1 for x in lines if x[:1] in " \u3000\t" and x.strip())
    return starts >= 3 and starts >= 0.1 * len(lines)
