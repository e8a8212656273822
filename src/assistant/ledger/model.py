"""The typed results of reading a ledger: rows with their row numbers, problems, skipped rows, columns."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from assistant.support.errors import UserError

#: Field id → the Chinese name a user sees (CLI `--column 项目=工程名称`, the page's mapping step).
FIELD_NAMES: dict[str, str] = {
    "project": "项目",
    "unit": "责任单位",
    "deadline": "计划完成时间",
    "progress": "进度",
    "reason": "滞后原因",
    "note": "备注",
    "person": "责任人",
    "measures": "整改措施",
    "start": "开工时间",
    "issue": "问题",
}


class LedgerError(UserError, ValueError):
    """A ledger or checklist cannot be read at all (the message names the file and the fix)."""


@dataclass(frozen=True)
class RowProblem:
    """Something in one row a user should look at (row number as Excel or the CSV file shows it)."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"第{self.row}行：{self.message}"


@dataclass(frozen=True)
class SkippedRow:
    """A row that holds no item (合计, a repeated header, a category title) and why it was left out."""

    row: int
    reason: str


@dataclass(frozen=True)
class ColumnChoice:
    """A column that may hold a field: its 0-based index, header text, Excel letter and match score."""

    index: int
    label: str
    letter: str
    score: float


@dataclass
class ColumnMap:
    """Which column holds which field, how sure the match is, and the candidates where it is not."""

    fields: dict[str, int] = field(default_factory=dict)
    labels: list[str] = field(default_factory=list)  # header text of every column
    confidence: dict[str, float] = field(default_factory=dict)  # 1.0 exact name, 0.8 contained, 1.0 given
    candidates: dict[str, list[ColumnChoice]] = field(default_factory=dict)  # for missing/ambiguous fields
    required: tuple[str, ...] = ()
    header_rows: tuple[int, ...] = ()  # 1-based rows of the header band

    @property
    def missing(self) -> list[str]:
        """Required fields no column was matched to."""
        return [f for f in self.required if f not in self.fields]

    @property
    def ready(self) -> bool:
        """Every required field has a column."""
        return not self.missing

    @property
    def overall(self) -> float:
        """The lowest confidence among the required fields (0 when one is missing)."""
        return min((self.confidence.get(f, 0.0) for f in self.required), default=1.0)

    def label_of(self, name: str) -> str:
        """The header text of the column that holds a field ('' when none)."""
        index = self.fields.get(name)
        return self.labels[index] if index is not None and index < len(self.labels) else ""


class ColumnsNeeded(LedgerError):
    """Required columns were not found: the page offers a mapping step from ``columns.candidates``."""

    def __init__(self, message: str, columns: ColumnMap):
        super().__init__(message)
        self.columns = columns


@dataclass(frozen=True)
class LedgerRow:
    """One item of the ledger, as read, with the original text of its date and progress."""

    row: int
    project: str
    unit: str
    deadline: dt.date | None = None
    deadline_text: str = ""
    progress: float | None = None  # 0..1
    progress_text: str = ""
    done: bool = False
    reason: str = ""
    note: str = ""
    person: str = ""
    measures: str = ""
    start: dt.date | None = None
    issue: str = ""

    def to_json(self) -> dict:
        """A JSON-safe dict (dates as ISO strings)."""
        out = asdict(self)
        for key in ("deadline", "start"):
            out[key] = out[key].isoformat() if out[key] else None
        return out

    @classmethod
    def from_json(cls, data: dict) -> LedgerRow:
        """The inverse of ``to_json``."""
        values = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        for key in ("deadline", "start"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        return cls(**values)


@dataclass
class Ledger:
    """A ledger as read: its title lines, the as-of date they state, rows, skipped rows and problems."""

    name: str
    title: str = ""
    as_of: dt.date | None = None  # from a "截至…" line, when there is one
    rows: list[LedgerRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    columns: ColumnMap = field(default_factory=ColumnMap)
    sheet: str = ""
    empty_rows: int = 0
