"""What is behind, as of a date.

The rule (also in `assistant brief --help`):

- an item that is done (完成/已竣工/已销号 or 100%) is never behind;
- an item whose planned completion date is on or before the as-of date is behind (it was due
  and is not done: "计划6月30日完成，截至6月30日完成55%");
- when the ledger has a start-date column (开工时间) and the row gives it, an item is also
  behind when its progress is below the share of its time that has passed (时序进度);
- without a start date, an item not yet due is behind only when the ledger states a lag
  reason (滞后原因/存在问题) and its progress is below 100%;
- everything else is on track (按期推进) and its unit is not summoned.

The as-of date is the one given, else the "截至…" date in the ledger's title rows, else today.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from assistant.ledger.model import Ledger, LedgerRow
from assistant.ledger.values import date_text, percent_text

State = Literal["已完成", "按期推进", "滞后"]


@dataclass(frozen=True)
class RowStatus:
    """One row's state as of a date, with the reason in Chinese and the expected share when known."""

    row: LedgerRow
    state: State
    why: str = ""
    expected: float | None = None  # share of time elapsed (时序进度), when a start date is known

    @property
    def behind(self) -> bool:
        return self.state == "滞后"


def as_of_date(ledger: Ledger, given: dt.date | None = None) -> dt.date:
    """The date the ledger is judged at: given, else its "截至" date, else today."""
    return given or ledger.as_of or dt.date.today()


def time_share(row: LedgerRow, as_of: dt.date) -> float | None:
    """The share of the row's planned time that has passed by as_of (None without start and deadline)."""
    if row.start is None or row.deadline is None or row.deadline <= row.start:
        return None
    share = (as_of - row.start).days / (row.deadline - row.start).days
    return min(max(share, 0.0), 1.0)


def row_status(row: LedgerRow, as_of: dt.date) -> RowStatus:
    """The state of one row as of a date (see the module's rule)."""
    if row.done or (row.progress is not None and row.progress >= 1.0):
        return RowStatus(row, "已完成")
    if row.progress is not None:
        shown = "未开工" if row.progress == 0 else percent_text(row.progress)
    else:
        shown = f"记为“{row.progress_text}”" if row.progress_text else "未填写"
    if row.deadline is not None and row.deadline <= as_of:
        return RowStatus(row, "滞后", f"计划{date_text(row.deadline)}完成，截至{date_text(as_of)}进度{shown}，未完成")
    expected = time_share(row, as_of)
    if expected is not None and row.progress is not None and row.progress < expected:
        return RowStatus(
            row, "滞后", f"进度{shown}，低于时序进度{percent_text(round(expected, 3))}", expected
        )
    if expected is None and row.reason and (row.progress is None or row.progress < 1.0):
        return RowStatus(row, "滞后", f"台账注明滞后原因：{row.reason}")
    return RowStatus(row, "按期推进", expected=expected)


def assess(ledger: Ledger, as_of: dt.date | None = None) -> list[RowStatus]:
    """Every row's state, in ledger order."""
    day = as_of_date(ledger, as_of)
    return [row_status(row, day) for row in ledger.rows]
