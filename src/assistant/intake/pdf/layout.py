"""A PDF's text by position (PDFium): lines from where glyphs sit, paragraphs from indents and line ends.

Reading a PDF's text in content-stream order goes wrong on real files: LibreOffice draws quotation
marks and digits in another font after the line they belong to ("生产、储“”存"), spaces appear
where the layout only left a gap ("3 月8 日"), a running header lands inside paragraphs. Here every
glyph is placed by its origin, so a line reads left to right as printed; the spaces PDFium made up
from gaps are dropped next to Chinese; text repeated at the same place on most pages (running
headers and footers) is set apart; and a paragraph ends where its last line stops short of the
right margin or the next line is indented — the way a reader sees it.
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from assistant.domain.numbering import PARAGRAPH_START_RE

__all__ = ["LaidOutText", "PdfLine", "PdfPage", "layout_text", "read_layout"]

_CJK_RE = re.compile("[\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014]")
_WORD_RE = re.compile(r"[0-9A-Za-z]")
_DIGITS_RE = re.compile(r"\d+")
_OPENERS = "“‘（《〈【「『(["
_CLOSERS = "，。、；：？！”’）》〉】」』),.;:?!%"
_PAGE_NUMBER_RE = re.compile(r"[-—–]?\s*(?:第\s*)?\d{1,4}\s*(?:页)?\s*[-—–]?|\d{1,4}\s*/\s*\d{1,4}")
# What a browser prints above and below a page ("12/6/26, 8:18 AM  标题", "https://… 1/3"):
# furniture even on a one-page PDF, where nothing repeats.
_BROWSER_FURNITURE_RE = re.compile(
    r"^(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}[ ,]+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?(?:\s.*)?"
    r"|(?:https?|file)://\S+(?:\s+\d+\s*/\s*\d+)?|\d+\s*/\s*\d+)$",
    re.I,
)


@dataclass
class _Glyph:
    ch: str
    x: float  # origin
    right: float
    y: float  # baseline
    size: float
    space_before: str = ""  # "gap": PDFium made a space up from a gap; "text": the file holds one


@dataclass
class PdfLine:
    """One printed line (or one column's part of it) of a page."""

    page: int
    y: float  # baseline, from the page's bottom
    left: float
    right: float
    size: float  # the glyphs' height, about the font size
    text: str
    lead: float = 0.0  # width of the text it starts with that no line may break (a number, 字 + “，”)


@dataclass
class PdfPage:
    width: float
    height: float
    lines: list[PdfLine] = field(default_factory=list)


@dataclass
class LaidOutText:
    """A PDF's paragraphs, and the running headers and footers taken out of them."""

    paragraphs: list[str]
    furniture: list[str]


def _is_cjk(ch: str) -> bool:
    return bool(_CJK_RE.match(ch))


def _page_glyphs(textpage) -> list[_Glyph]:
    import pypdfium2.raw as raw

    handle = textpage.raw
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    ox, oy = ctypes.c_double(), ctypes.c_double()
    glyphs: list[_Glyph] = []
    pending_space = ""
    for i in range(raw.FPDFText_CountChars(handle)):
        code = raw.FPDFText_GetUnicode(handle, i)
        ch = chr(code) if 0 < code < 0x110000 else ""
        generated = raw.FPDFText_IsGenerated(handle, i)
        if ch in ("\r", "\n", "") or (generated and ch != " "):
            continue
        if ch.isspace():
            # A space PDFium made up from a gap is a hint only; a space the file holds is text.
            pending_space = pending_space or ("gap" if generated else "text")
            continue
        raw.FPDFText_GetCharBox(handle, i, left, right, bottom, top)
        raw.FPDFText_GetCharOrigin(handle, i, ox, oy)
        height = top.value - bottom.value
        size = raw.FPDFText_GetFontSize(handle, i)
        glyphs.append(
            _Glyph(ch, ox.value, max(right.value, ox.value), oy.value, size if size > 2 else height, pending_space)
        )
        pending_space = ""
    return glyphs


def _lines_of(glyphs: list[_Glyph], page: int) -> list[PdfLine]:
    """Glyphs grouped by baseline, each group read left to right and split at wide gaps (columns)."""
    rows: list[list[_Glyph]] = []
    for glyph in sorted(glyphs, key=lambda g: -g.y):
        if rows and abs(rows[-1][0].y - glyph.y) <= 0.35 * max(glyph.size, rows[-1][0].size, 1.0):
            rows[-1].append(glyph)
        else:
            rows.append([glyph])
    lines: list[PdfLine] = []
    for row in rows:
        row.sort(key=lambda g: g.x)
        em = statistics.median(g.size for g in row) or 1.0
        segment: list[_Glyph] = [row[0]]
        for prev, glyph in zip(row, row[1:], strict=False):
            if glyph.x - prev.right > 1.5 * em:  # a column gutter, or a header's left and right parts
                lines.append(_line(segment, page, em))
                segment = []
            segment.append(glyph)
        lines.append(_line(segment, page, em))
    return lines


def _columns(lines: list[PdfLine], width: float) -> list[PdfLine]:
    """A page's lines in reading order: set in two columns, down the left one, then down the right.

    The gutter is a vertical strip near the middle that almost no line crosses, with a good share of
    the lines on each side; a line across it (a title) ends one band of columns and starts the next.
    The right column's lines are moved onto the left one's margins, so paragraphs are told apart
    there the same way (an indent, a line stopping short).
    """
    body = [line for line in lines if len(line.text) >= 4]
    if len(body) < 8:
        return lines
    runs: list[list[int]] = []  # runs of positions (whole points) few lines cross, with lines either side
    for x in range(int(0.3 * width), int(0.7 * width)):
        crossing = sum(line.left < x < line.right for line in body)
        if crossing <= 0.1 * len(body) and min(
            sum(line.right <= x for line in body), sum(line.left >= x for line in body)
        ) >= 0.3 * len(body):
            if runs and runs[-1][-1] == x - 1:
                runs[-1].append(x)
            else:
                runs.append([x])
    if not runs:
        return lines
    widest = max(runs, key=len)
    gutter = (widest[0] + widest[-1]) / 2  # the middle of the gap: a title centred on the page crosses it
    left_col = [line for line in body if line.right <= gutter]
    right_col = [line for line in body if line.left >= gutter]
    shift = _margin(right_col) - _margin(left_col)
    out: list[PdfLine] = []
    band_left: list[PdfLine] = []
    band_right: list[PdfLine] = []
    for line in lines:
        if line.left < gutter < line.right:
            out += band_left + band_right + [line]
            band_left, band_right = [], []
        elif line.right <= gutter:
            band_left.append(line)
        else:
            band_right.append(replace(line, left=line.left - shift, right=line.right - shift))
    return out + band_left + band_right


def _margin(lines: list[PdfLine]) -> float:
    return float(Counter(round(line.left) for line in lines).most_common(1)[0][0])


def _line(glyphs: list[_Glyph], page: int, em: float) -> PdfLine:
    text = glyphs[0].ch
    for prev, glyph in zip(glyphs, glyphs[1:], strict=False):
        gap = glyph.x - prev.right
        latin = not _is_cjk(prev.ch) and not _is_cjk(glyph.ch)
        if glyph.space_before == "text" or (latin and (glyph.space_before or gap > 0.2 * em)):
            text += " "
        text += glyph.ch
    return PdfLine(
        page=page,
        y=statistics.median(g.y for g in glyphs),
        left=glyphs[0].x,
        right=glyphs[-1].right,
        size=round(em, 1),
        text=text,
        lead=_lead(glyphs) - glyphs[0].x,
    )


def _lead(glyphs: list[_Glyph]) -> float:
    """Where the line's first unbreakable piece ends: a number or word, or 字 with the marks that follow it."""
    end = 0
    if _WORD_RE.match(glyphs[0].ch):
        while end + 1 < len(glyphs) and re.match(r"[0-9A-Za-z.,%:/]", glyphs[end + 1].ch):
            end += 1
    else:
        if glyphs[0].ch in _OPENERS and len(glyphs) > 1:
            end = 1  # an opening mark may not end a line: it moved down with the next character
    while end + 1 < len(glyphs) and glyphs[end + 1].ch in _CLOSERS:
        end += 1  # nor may a closing mark start one
    return glyphs[end].right


def read_layout(data: bytes, max_glyphs: int | None = None) -> list[PdfPage] | None:
    """Every page's printed lines; None when PDFium cannot open the file.

    Reading stops after the page where ``max_glyphs`` is passed (the caller refuses such a text anyway).
    """
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except Exception:  # damaged, or a password is needed: the caller keeps pypdf's verdict
        return None
    try:
        pages: list[PdfPage] = []
        glyphs_read = 0
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            try:
                width, height = page.get_size()
                glyphs = _page_glyphs(textpage)
                pages.append(PdfPage(width, height, _columns(_lines_of(glyphs, index), width)))
            finally:
                textpage.close()
                page.close()
            glyphs_read += len(glyphs)
            if max_glyphs is not None and glyphs_read > max_glyphs:
                break
        return pages
    except Exception:
        return None
    finally:
        document.close()


def _furniture(pages: list[PdfPage]) -> set[int]:
    """ids of lines that are running headers/footers: at a page's top or bottom, repeated or browser-made."""
    edge: list[PdfLine] = []
    for page in pages:
        ordered = sorted(page.lines, key=lambda line: -line.y)
        rows = sorted({round(line.y) for line in ordered}, reverse=True)
        if len(rows) < 4:  # a page of a line or two has no header apart from its text
            continue
        keep = set(rows[:2] + rows[-2:])
        edge.extend(line for line in ordered if round(line.y) in keep)
    # The text with its digits masked (page numbers, dates) → its copies at the pages' edges.
    copies: dict[str, list[PdfLine]] = defaultdict(list)
    for line in edge:
        copies[_DIGITS_RE.sub("#", line.text.replace(" ", ""))].append(line)
    needed = max(2, math.ceil(0.5 * len(pages)))
    out: set[int] = set()
    for key, same in copies.items():
        wordy = len(re.findall(r"[^\W\d_]", key)) >= 2  # "1." repeated is a list, not a header
        running = wordy and len(pages) > 1 and len({line.page for line in same}) >= needed
        for line in same:
            # A running header sits at (about) the same height on its pages.
            if (running and sum(abs(other.y - line.y) <= 6 for other in same) >= 2) or _BROWSER_FURNITURE_RE.match(
                line.text.strip()
            ):
                out.add(id(line))
    for page in pages:  # a page number alone at the very top or bottom, however few lines the page has
        ordered = sorted(page.lines, key=lambda line: -line.y)
        for line in ordered[:1] + ordered[-1:]:
            if _PAGE_NUMBER_RE.fullmatch(line.text.strip()):
                out.add(id(line))
    return out


def _body_edges(lines: list[PdfLine]) -> tuple[float, float, float]:
    """The body's left margin, right margin and font size: where most lines start and end."""
    size = Counter(line.size for line in lines if len(line.text) >= 4).most_common(1)
    body_size = size[0][0] if size else 10.0
    body = [line for line in lines if abs(line.size - body_size) < 0.6] or lines
    left = Counter(round(line.left) for line in body).most_common(1)[0][0]
    rights = sorted(line.right for line in body)
    right = rights[int(0.9 * (len(rights) - 1))]
    return float(left), right, body_size


def _centred(line: PdfLine, left: float, right: float) -> bool:
    middle = (line.left + line.right) / 2
    return line.left > left + line.size and abs(middle - (left + right) / 2) < 1.5 * line.size


def layout_text(pages: list[PdfPage]) -> LaidOutText:
    """The PDF's paragraphs, one a line, with its running headers and footers set apart."""
    drop = _furniture(pages)
    furniture = [line.text for page in pages for line in page.lines if id(line) in drop]
    lines = [line for page in pages for line in page.lines if id(line) not in drop]  # in reading order
    if not lines:
        return LaidOutText([], furniture)
    left, right, body_size = _body_edges(lines)
    if right - left < 0.3 * statistics.median(page.width for page in pages):
        right = math.inf  # no line reaches across the page (or a column): every line is a paragraph
    body = [line for line in lines if abs(line.size - body_size) < 0.6]
    pitches = sorted(
        a.y - b.y
        for a, b in zip(lines, lines[1:], strict=False)
        if a.page == b.page and a.size == b.size == body_size and a.y > b.y  # not across a column
    )
    # Line to line within a paragraph: the common small step (paragraph spacing makes the larger ones).
    pitch = pitches[len(pitches) // 4] if pitches else 1.5 * body_size
    shape = _Shape(
        left=left,
        right=right,
        body_size=body_size,
        pitch=pitch,
        indents=sum(line.left > left + 1.2 * line.size for line in body) >= 0.1 * len(body),
        spacing=sum(p > pitch + 0.3 * body_size for p in pitches) >= 0.1 * len(pitches),
    )
    paragraphs: list[str] = [lines[0].text]
    for prev, line in zip(lines, lines[1:], strict=False):
        if _continues(prev, line, shape):
            glue = " " if _WORD_RE.match(paragraphs[-1][-1:]) and _WORD_RE.match(line.text[:1]) else ""
            paragraphs[-1] += glue + line.text
        else:
            paragraphs.append(line.text)
    return LaidOutText(paragraphs, furniture)


@dataclass(frozen=True)
class _Shape:
    """How the document's body is set: margins, size, line pitch, and how it marks paragraphs."""

    left: float
    right: float
    body_size: float
    pitch: float
    indents: bool  # paragraphs start with an indent
    spacing: bool  # paragraphs are set apart by extra space


def _continues(prev: PdfLine, line: PdfLine, shape: _Shape) -> bool:
    """Whether ``line`` carries on the paragraph ``prev`` belongs to."""
    if abs(prev.size - line.size) >= 0.6:
        return False
    scale = max(1.0, line.size / shape.body_size)
    turned = prev.page != line.page or line.y > prev.y  # onto a new page or up into the next column
    if not turned and prev.y - line.y > (shape.pitch + 0.3 * shape.body_size) * scale:
        return False  # more space than between the lines of a paragraph
    if line.size > shape.body_size + 0.6:  # a title over several lines
        return True
    if _centred(prev, shape.left, shape.right) and _centred(line, shape.left, shape.right):
        return False
    if line.left > shape.left + 0.6 * line.size:  # an indented line starts a paragraph
        return False
    short = shape.right - prev.right
    if shape.indents or (shape.spacing and not turned):
        # Paragraphs are marked, so a line that stops short is ragged-right text (a word or a
        # number that did not fit moved down), unless it stops far short. (Across a page or
        # column break there is no spacing to see.)
        return short <= 6 * prev.size
    if short > max(1.2 * prev.size, line.lead + 0.5 * prev.size):
        return False  # stops short by more than the next line's first piece needed: a paragraph's end
    return not PARAGRAPH_START_RE.match(line.text)
