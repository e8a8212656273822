"""The follow-up report as a .docx: a 公文-style title, the counts, and the items as a table."""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from assistant.export.docx import BODY_FONT, TITLE_FONT, TITLE_SIZE, set_fonts
from assistant.ledger.followup import Followup
from assistant.ledger.report import FOLLOWUP_COLUMNS, followup_rows

_TABLE_SIZE = Pt(12)  # 小四: a seven-column table in 3号 would not fit the page


def _text(paragraph, text: str, font: str, size) -> None:
    run = paragraph.add_run(text)
    run.font.size = size
    set_fonts(run._r, font)


def followup_docx(result: Followup, markdown: str) -> bytes:
    """The report as .docx bytes; the lines above and below the table come from the Markdown text."""
    doc = Document()
    title = doc.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _text(title, "整改落实情况跟踪报告（销号）", TITLE_FONT, TITLE_SIZE)
    lines = [line for line in markdown.splitlines()[1:] if line.strip()]
    table_at = next((i for i, line in enumerate(lines) if line.startswith("|")), len(lines))
    before = [line.removeprefix("- ") for line in lines[:table_at]]
    after = [line.removeprefix("- ") for line in lines[table_at:] if not line.startswith(("|", "#"))]
    for line in before:
        _text(doc.add_paragraph(), line, BODY_FONT, Pt(16))
    rows = followup_rows(result)
    table = doc.add_table(rows=1 + len(rows), cols=len(FOLLOWUP_COLUMNS))
    table.style = "Table Grid"
    for r, values in enumerate([list(FOLLOWUP_COLUMNS), *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = ""
            _text(cell.paragraphs[0], value, BODY_FONT, _TABLE_SIZE)
    for line in after:
        _text(doc.add_paragraph(), line, BODY_FONT, Pt(16))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
