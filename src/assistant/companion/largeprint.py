"""The large-print reading copy: the speech's exact text in 二号, wide spacing, each part on a new page."""

from __future__ import annotations

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm, Pt

from assistant.companion.word import to_bytes
from assistant.domain.models import Draft
from assistant.domain.numbering import heading_level
from assistant.export.docx import (
    BODY_FONT,
    TITLE_FONT,
    run_text,
    set_fonts,
    setup_page,
    setup_styles,
)

LARGE_BODY_SIZE = Pt(22)  # 二号 (a 公文 is 三号)
LARGE_TITLE_SIZE = Pt(26)  # 一号
LARGE_LINE_PITCH = Pt(42)  # about 1.9 lines: the reader's eye finds the next line at a glance
LARGE_PAGE_NUMBER_SIZE = Pt(18)  # 小二
LARGE_INDENT = Pt(44)  # two characters of 二号
_HEAD_ROLES = ("title", "salutation")


def _paragraph(doc, text: str, *, font: str, size, align, indent, new_page: bool) -> None:
    p = doc.add_paragraph()
    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = LARGE_LINE_PITCH
    pf.space_before = pf.space_after = Pt(0)
    pf.first_line_indent = indent
    pf.alignment = align
    pf.widow_control = True  # no lone last line at the top of a page to read from
    pf.page_break_before = new_page
    run_text(p, text, font, size)


def largeprint_docx(draft: Draft) -> bytes:
    """The reading copy of a draft: every line of its text, in order, each part from a new page."""
    doc = Document()
    setup_styles(doc)
    setup_page(doc)
    section = doc.sections[0]
    section.top_margin = section.bottom_margin = Mm(30)
    section.left_margin, section.right_margin = Mm(35), Mm(30)
    for footer in (section.footer, section.even_page_footer):
        for p in footer.paragraphs:
            for run in p.runs:
                run.font.size = LARGE_PAGE_NUMBER_SIZE
    doc.styles["Footer"].font.size = LARGE_PAGE_NUMBER_SIZE
    started = False  # the first part after the title and 称谓 shares their page
    for part in draft.parts:
        lines = [x.strip() for x in part.text.strip("\n").split("\n") if x.strip()]
        if not lines:
            continue
        new_page = started and part.role not in _HEAD_ROLES
        if part.role not in _HEAD_ROLES:
            started = True
        for k, line in enumerate(lines):
            brk = new_page and k == 0
            if part.role == "title":
                _paragraph(doc, line, font=TITLE_FONT, size=LARGE_TITLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER,
                           indent=Pt(0), new_page=brk)
            elif part.role == "salutation":
                _paragraph(doc, line, font=BODY_FONT, size=LARGE_BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT,
                           indent=Pt(0), new_page=brk)
            else:
                font = "黑体" if heading_level(line) == 1 and k == 0 and part.number else BODY_FONT
                _paragraph(doc, line, font=font, size=LARGE_BODY_SIZE, align=WD_ALIGN_PARAGRAPH.LEFT,
                           indent=LARGE_INDENT, new_page=brk)
    normal = doc.styles["Normal"]
    normal.font.size = LARGE_BODY_SIZE
    set_fonts(normal.element, BODY_FONT)
    return to_bytes(doc, draft.title or "讲话稿（大字版）")
