"""A ledger file (CSV in UTF-8/GBK, XLSX) → a grid of cell values with merged cells filled in.

Sizes are checked before anything is read or unzipped; .xls and damaged files are refused with
a Chinese message that names the file and says how to save it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from assistant.intake.documents import OLE_MAGIC, ZIP_MAGIC
from assistant.intake.text_decoding import load_text
from assistant.ledger.model import LedgerError
from assistant.support.errors import LoadError
from assistant.support.safe_read import display_name, megabytes, read_file

#: A ledger is a table of at most a few thousand rows; a bigger sheet is not a ledger.
MAX_ROWS = 5000
MAX_COLUMNS = 60
_MAX_UNZIPPED = 50 * 1024 * 1024
_SAVE_AS_XLSX = "请在 Excel 或 WPS 表格中打开，另存为“Excel 工作簿（.xlsx）”或 CSV 后再试"
SUPPORTED = (".xlsx", ".csv")


@dataclass
class Sheet:
    """One table: cell values row by row (1-based row numbers kept), and which cells came from merges."""

    name: str
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    merged_fill: set[tuple[int, int]] = field(default_factory=set)  # (row, 0-based column) filled from a merge


def read_tables(path: Path | str, max_bytes: int) -> list[Sheet]:
    """The sheets of a ledger file; LedgerError/LoadError naming the file when it cannot be read."""
    p = Path(path)
    name = display_name(p)
    suffix = p.suffix.lower()
    if suffix in (".xls", ".et"):
        raise LedgerError(f"《{name}》是旧版 Excel（{suffix}）表格，不能直接读取。{_SAVE_AS_XLSX}。")
    if suffix not in SUPPORTED:
        raise LedgerError(f"《{name}》的类型（{suffix or '无扩展名'}）不是台账表格，请使用 .xlsx 或 .csv 文件。")
    data = read_file(p, max_bytes)
    return tables_from_bytes(data, name)


def tables_from_bytes(data: bytes, name: str) -> list[Sheet]:
    """The sheets of ledger bytes (the page's upload); the format is told by the name and the content."""
    if not data.strip():
        raise LedgerError(f"《{name}》是空文件，没有台账内容。")
    if data.startswith(OLE_MAGIC):
        raise LedgerError(f"《{name}》实际上是旧版 Excel（.xls）或 WPS 表格，不能直接读取。{_SAVE_AS_XLSX}。")
    if data.startswith(ZIP_MAGIC):
        return _xlsx(data, name)
    if name.lower().endswith(".xlsx"):
        raise LedgerError(f"《{name}》不是有效的 .xlsx 文件（可能已损坏或扩展名不对）。{_SAVE_AS_XLSX}。")
    return [_csv(data, name)]


def _csv(data: bytes, name: str) -> Sheet:
    try:
        text = load_text(data, name, "csv").text
    except LoadError as e:
        raise LedgerError(f"{e.message}（台账请保存为 CSV 或 .xlsx）") from None
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    sheet = Sheet(name)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        for number, record in enumerate(reader, 1):
            if number > MAX_ROWS:
                raise LedgerError(f"《{name}》超过 {MAX_ROWS} 行，不像一份台账，请只保留需要核对的表格。")
            sheet.rows.append((number, [c.strip() for c in record[:MAX_COLUMNS]]))
    except csv.Error:
        raise LedgerError(f"《{name}》的 CSV 格式有误（第 {reader.line_num} 行附近），请用 Excel 打开后重新另存为 CSV。") from None
    return sheet


def _check_zip(data: bytes, name: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        raise LedgerError(f"《{name}》不是有效的 .xlsx 文件（可能已损坏）。{_SAVE_AS_XLSX}。") from None
    total = sum(m.file_size for m in members)
    if len(members) > 2000 or total > _MAX_UNZIPPED:
        raise LedgerError(
            f"《{name}》解压后超过 {megabytes(_MAX_UNZIPPED)} MB，远超一份台账（疑似含大量图片或为恶意构造的文件），未读取。"
            "请只保留台账表格后另存为 .xlsx。"
        )


def _xlsx(data: bytes, name: str) -> list[Sheet]:
    import openpyxl

    _check_zip(data, name)
    try:
        # Not read_only: merged cells are only known to a fully loaded sheet. data_only: formulas' values.
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a damaged or encrypted file
        raise LedgerError(f"《{name}》无法作为 .xlsx 打开（可能已损坏或设有密码）。{_SAVE_AS_XLSX}。") from None
    sheets: list[Sheet] = []
    for ws in book.worksheets:
        if ws.max_row > MAX_ROWS:
            raise LedgerError(f"《{name}》的工作表“{ws.title}”超过 {MAX_ROWS} 行，不像一份台账，请只保留需要核对的表格。")
        width = min(ws.max_column, MAX_COLUMNS)
        grid = {r: [ws.cell(r, c).value for c in range(1, width + 1)] for r in range(1, ws.max_row + 1)}
        sheet = Sheet(ws.title)
        for merged in ws.merged_cells.ranges:
            value = ws.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, ws.max_row) + 1):
                for c in range(merged.min_col, min(merged.max_col, width) + 1):
                    if (r, c) != (merged.min_row, merged.min_col):
                        grid[r][c - 1] = value
                        sheet.merged_fill.add((r, c - 1))
        sheet.rows = [(r, [_plain(v) for v in grid[r]]) for r in sorted(grid)]
        sheets.append(sheet)
    return sheets


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time(0) else value
    if isinstance(value, str):
        return value.strip()
    return value
