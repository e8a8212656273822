"""整改责任清单: one row per issue × responsible unit, as .xlsx (openpyxl) and as a .docx table.

The follow-up (ledger/) reads the .xlsx back: the header texts are CHECKLIST_HEADER exactly, in
one row directly above the data. 责任人 is never invented: always the marked blank.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from assistant.companion.meeting import Meeting, Row
from assistant.companion.model import FILL_MARK, Para
from assistant.companion.word import add_paras, add_table, new_document, to_bytes
from assistant.export.docx import BODY_FONT, TITLE_FONT

CHECKLIST_HEADER = ("序号", "问题", "责任单位", "整改措施", "完成时限", "责任人", "备注")
#: Row of the header in the sheet (1-based); the data start on the next row.
HEADER_ROW = 2
SHEET_TITLE = "整改责任清单"
_XLSX_WIDTHS = (6, 42, 22, 46, 16, 12, 22)  # characters
_DOCX_WIDTHS_MM = (14, 52, 30, 55, 28, 24, 22)  # 225 mm (landscape text block); 〔待填〕, 8月31日前 on one line
_FILL = PatternFill("solid", fgColor="FFF2CC")  # a blank to fill shows on screen and on paper
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def checklist_title(meeting: Meeting) -> str:
    """……整改责任清单."""
    return f"{meeting.name}{SHEET_TITLE}"


def row_values(index: int, row: Row) -> tuple[str, ...]:
    """A row's cells in CHECKLIST_HEADER order."""
    return (str(index), row.issue, row.unit, row.measures, row.deadline, row.person, row.note)


def checklist_xlsx(meeting: Meeting) -> bytes:
    """The checklist as an .xlsx: merged title, one header row, wrapped cells, A4 landscape, header repeated."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE
    last = get_column_letter(len(CHECKLIST_HEADER))
    ws.merge_cells(f"A1:{last}1")
    ws["A1"] = checklist_title(meeting)
    ws["A1"].font = Font(name=TITLE_FONT, size=18)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[1].height = 40
    for col, text in enumerate(CHECKLIST_HEADER, 1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(name="黑体", size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        ws.column_dimensions[get_column_letter(col)].width = _XLSX_WIDTHS[col - 1]
    ws.row_dimensions[HEADER_ROW].height = 24
    for i, row in enumerate(meeting.rows(), 1):
        r = HEADER_ROW + i
        for col, value in enumerate(row_values(i, row), 1):
            cell = ws.cell(row=r, column=col, value=i if col == 1 else value)
            cell.font = Font(name=BODY_FONT, size=11)
            centred = col in (1, 5, 6)
            cell.alignment = Alignment(
                horizontal="center" if centred else "left", vertical="center" if centred else "top", wrap_text=True
            )
            cell.border = _BORDER
            if value == FILL_MARK:
                cell.fill = _FILL
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as the rows need, never shrunk to one
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.6, right=0.6, top=0.8, bottom=0.8)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    wb.properties.title = checklist_title(meeting)
    wb.properties.creator = ""
    wb.properties.created = wb.properties.modified = datetime.now(UTC).replace(microsecond=0, tzinfo=None)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def checklist_docx(meeting: Meeting) -> bytes:
    """The checklist as a GB/T 9704 .docx: title, then the table on an A4 landscape page."""
    doc = new_document(landscape=True)
    add_paras(doc, [Para("title", checklist_title(meeting))])
    rows = [row_values(i, row) for i, row in enumerate(meeting.rows(), 1)]
    add_table(doc, CHECKLIST_HEADER, rows, _DOCX_WIDTHS_MM, centred=(0, 4, 5))
    return to_bytes(doc, checklist_title(meeting))


def checklist_text(meeting: Meeting) -> str:
    """The checklist's cells as text, one row a line (what the placeholder check reads)."""
    lines = ["\t".join(CHECKLIST_HEADER)]
    lines += ["\t".join(row_values(i, row)) for i, row in enumerate(meeting.rows(), 1)]
    return "\n".join(lines)
