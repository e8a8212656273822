"""The .docx writer in GB/T 9704-2012 layout: A4 page, margins, fonts and sizes, page numbers.

Input is the exporter's paragraph list (`assistant.export.formats.Block`); which paragraph is a heading of
which level is decided there, from the parser. This module only lays the paragraphs out.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

if TYPE_CHECKING:
    from docx.text.paragraph import Paragraph

    from assistant.export.layout import Block

PAGE_WIDTH = Mm(210)
PAGE_HEIGHT = Mm(297)
MARGIN_TOP = Mm(37)
MARGIN_BOTTOM = Mm(35)
MARGIN_LEFT = Mm(28)
MARGIN_RIGHT = Mm(26)
#: The page number sits 7 mm below the text block: footer bottom = 35 − 7 − one 4号 line.
FOOTER_DISTANCE = Mm(22)
HEADER_DISTANCE = Mm(15)

#: 22 lines in the 225 mm text block: 637.8 pt / 22 ≈ 28.95 pt (stored as 579 twips).
LINE_PITCH = Pt(28.95)
TITLE_SIZE = Pt(22)  # 2号
BODY_SIZE = Pt(16)  # 3号
PAGE_NUMBER_SIZE = Pt(14)  # 4号
FIRST_LINE_INDENT = Pt(32)  # two characters of 3号
PAGE_NUMBER_INDENT = Pt(14)  # 单页码居右空一字，双页码居左空一字

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
BYLINE_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
#: Heading fonts by GB/T 9704 level (一、 / （一） / 1. / （1））.
HEADING_FONTS = {1: "黑体", 2: "楷体_GB2312", 3: BODY_FONT, 4: BODY_FONT}

_THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def set_fonts(rpr_parent, name: str) -> None:
    """Put one font in every rFonts slot (ascii, hAnsi, eastAsia, cs) of a run or style.

    Word picks the slot per character: without eastAsia Chinese text falls back to another
    font, and without ascii/hAnsi quotes and dashes (“” — …) take the Latin font.
    """
    rpr = rpr_parent.get_or_add_rPr()
    rfonts = rpr.get_or_add_rFonts()
    for attr in _THEME_ATTRS:  # a theme font would win over the names below
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), name)
    rfonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph: Paragraph, text: str, font: str, size) -> None:
    run = paragraph.add_run(text)
    run.font.size = size
    set_fonts(run._r, font)


def _format(paragraph: Paragraph, *, indent: bool, align=WD_ALIGN_PARAGRAPH.JUSTIFY) -> None:
    pf = paragraph.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE_PITCH
    pf.space_before = Pt(0)
    pf.space_after = Pt(0)
    pf.first_line_indent = FIRST_LINE_INDENT if indent else Pt(0)
    pf.alignment = align
    # Widow control would move lines and break the 22-lines-a-page grid of a 公文.
    pf.widow_control = False


def _setup_styles(doc) -> None:
    """Defaults for text the user types later: 仿宋 3号, Chinese language, fixed spacing."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    rfonts = rpr.find(qn("w:rFonts"))
    for attr in _THEME_ATTRS:
        rfonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attr), BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    normal.font.size = BODY_SIZE
    set_fonts(normal.element, BODY_FONT)
    pf = normal.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LINE_PITCH
    pf.space_after = Pt(0)
    pf.first_line_indent = FIRST_LINE_INDENT
    pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    footer = doc.styles["Footer"]
    footer.font.size = PAGE_NUMBER_SIZE
    set_fonts(footer.element, PAGE_NUMBER_FONT)
    # The theme's East Asian fonts follow this language (the template says ja-JP).
    theme_lang = doc.settings.element.find(qn("w:themeFontLang"))
    if theme_lang is not None:
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _field_char(paragraph: Paragraph, kind: str) -> None:
    run = paragraph.add_run()
    run.font.size = PAGE_NUMBER_SIZE
    set_fonts(run._r, PAGE_NUMBER_FONT)
    el = OxmlElement("w:fldChar")
    el.set(qn("w:fldCharType"), kind)
    run._r.append(el)


def _page_number(footer, odd: bool) -> None:
    """"— 1 —" in 4号 半角宋体 with a PAGE field; odd pages right, even pages left, one character in."""
    footer.is_linked_to_previous = False
    p = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    pf = p.paragraph_format
    pf.first_line_indent = Pt(0)
    pf.space_after = Pt(0)
    if odd:
        pf.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        pf.right_indent = PAGE_NUMBER_INDENT
    else:
        pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
        pf.left_indent = PAGE_NUMBER_INDENT
    _run(p, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    _field_char(p, "begin")
    instr = p.add_run()
    instr.font.size = PAGE_NUMBER_SIZE
    set_fonts(instr._r, PAGE_NUMBER_FONT)
    el = OxmlElement("w:instrText")
    el.set(qn("xml:space"), "preserve")
    el.text = " PAGE "
    instr._r.append(el)
    _field_char(p, "separate")
    _run(p, "1", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)  # shown until the field is updated
    _field_char(p, "end")
    _run(p, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _page(doc) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance, section.footer_distance = HEADER_DISTANCE, FOOTER_DISTANCE
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)


def _paragraph(doc, block: Block) -> Paragraph:
    p = doc.add_paragraph()
    if block.kind == "title":
        _format(p, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        _run(p, block.text, TITLE_FONT, TITLE_SIZE)
    elif block.kind == "byline":
        _format(p, indent=False, align=WD_ALIGN_PARAGRAPH.CENTER)
        _run(p, block.text, BYLINE_FONT, BODY_SIZE)
    elif block.kind == "salutation":
        _format(p, indent=False)  # 主送 / 称谓 starts at the margin
        _run(p, block.text, BODY_FONT, BODY_SIZE)
    elif block.kind == "heading":
        _format(p, indent=True)
        p.paragraph_format.keep_with_next = not block.rest
        _run(p, block.head, HEADING_FONTS.get(block.level, BODY_FONT), BODY_SIZE)
        if block.rest:
            _run(p, block.rest, BODY_FONT, BODY_SIZE)
    else:
        _format(p, indent=True)
        _run(p, block.text, BODY_FONT, BODY_SIZE)
    return p


def write_docx(blocks: Iterable[Block], title: str) -> bytes:
    """The paragraphs as a GB/T 9704 .docx (bytes)."""
    doc = Document()
    _setup_styles(doc)
    _page(doc)
    blocks = list(blocks)
    paragraphs = [_paragraph(doc, b) for b in blocks]
    head = 0
    while head < len(blocks) and blocks[head].kind in ("title", "byline"):
        head += 1
    if head:
        paragraphs[head - 1].paragraph_format.space_after = LINE_PITCH  # 标题下空一行
    return document_bytes(doc, title)


def document_bytes(doc, title: str) -> bytes:
    """A document as bytes, with its title and no trace of the template's author or comments."""
    props = doc.core_properties
    now = datetime.now(UTC).replace(microsecond=0)
    props.title = title
    props.author = props.last_modified_by = ""
    props.comments = ""  # the template says "generated by python-docx"
    props.created = props.modified = now
    props.revision = 1
    props.language = "zh-CN"
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# Public names of the layout helpers: the companion documents (companion/) are 公文 laid out the same way.
run_text = _run
format_paragraph = _format
setup_styles = _setup_styles
setup_page = _page
