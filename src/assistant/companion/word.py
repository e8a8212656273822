"""Companion documents as .docx in the GB/T 9704 layout of export/docx.py (same fonts, margins, page numbers)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from assistant.companion.model import Para
from assistant.export.docx import (
    BODY_FONT,
    BODY_SIZE,
    HEADING_FONTS,
    LINE_PITCH,
    TITLE_FONT,
    TITLE_SIZE,
    document_bytes,
    format_paragraph,
    run_text,
    set_fonts,
    setup_page,
    setup_styles,
)

TABLE_SIZE = Pt(12)  # 小四: a seven-column table in 3号 would not fit a page
TABLE_HEAD_FONT = "黑体"


def new_document(*, landscape: bool = False):
    """An empty GB/T 9704 document: styles, A4 page, margins, odd/even page numbers."""
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    if landscape:
        section = doc.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        # The portrait margins turned with the page: the binding edge stays on the left.
        section.top_margin, section.bottom_margin = Mm(28), Mm(26)
        section.left_margin, section.right_margin = Mm(37), Mm(35)
    return doc


def add_paras(doc, paras: Iterable[Para]) -> None:
    """Lay out companion paragraphs: title 方正小标宋 2号, headings 黑体/楷体, body 仿宋 3号."""
    for para in paras:
        p = doc.add_paragraph()
        if para.kind == "title":
            format_paragraph(p, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
            run_text(p, para.text, TITLE_FONT, TITLE_SIZE)
            p.paragraph_format.space_after = LINE_PITCH  # 标题下空一行
        elif para.kind == "center":
            format_paragraph(p, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
            run_text(p, para.text, BODY_FONT, BODY_SIZE)
        elif para.kind == "salutation":
            format_paragraph(p, indent=False)
            run_text(p, para.text, BODY_FONT, BODY_SIZE)
        elif para.kind == "right":
            format_paragraph(p, indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
            p.paragraph_format.right_indent = Pt(64)  # 成文日期右空四字
            run_text(p, para.text, BODY_FONT, BODY_SIZE)
        elif para.kind == "heading":
            format_paragraph(p, indent=True)
            head = para.head or para.text
            run_text(p, head, HEADING_FONTS.get(para.level, BODY_FONT), BODY_SIZE)
            if para.rest:
                run_text(p, para.rest, BODY_FONT, BODY_SIZE)
            p.paragraph_format.keep_with_next = not para.rest
        elif para.kind == "blank":
            format_paragraph(p, indent=False)
        else:
            format_paragraph(p, indent=True)
            run_text(p, para.text, BODY_FONT, BODY_SIZE)
        if para.new_page:
            p.paragraph_format.page_break_before = True


def _cell_text(cell, text: str, *, head: bool, centred: bool = False) -> None:
    p = cell.paragraphs[0]
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = 1.15
    pf.alignment = WD_ALIGN_PARAGRAPH.CENTER if head or centred else WD_ALIGN_PARAGRAPH.LEFT
    run = p.add_run(text)
    run.font.size = TABLE_SIZE
    set_fonts(run._r, TABLE_HEAD_FONT if head else BODY_FONT)


def _repeat_header(row) -> None:
    """The header row repeats at the top of every page the table runs onto."""
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def add_table(
    doc, header: Sequence[str], rows: Iterable[Sequence[str]], widths_mm: Sequence[float], centred: Sequence[int] = ()
) -> None:
    """A bordered table: header row in 黑体 (repeated on each page), cells in 仿宋 小四."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell_text(cell, text, head=True)
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for k, (cell, text) in enumerate(zip(cells, values, strict=True)):
            _cell_text(cell, str(text), head=False, centred=k in centred)
    # Word reads the cells' widths, LibreOffice the grid's: both are set, and autofit off.
    table.autofit = False
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)


def page_break(doc) -> None:
    """A page break run (for a page that starts with a table)."""
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def to_bytes(doc, title: str) -> bytes:
    """The document as bytes, with its title and no trace of the template's author or comments."""
    return document_bytes(doc, title)


def render(paras: Iterable[Para], title: str) -> bytes:
    """Paragraphs as a GB/T 9704 .docx."""
    doc = new_document()
    add_paras(doc, paras)
    return to_bytes(doc, title)
