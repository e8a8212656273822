"""The whole 约谈 cycle from one source of facts: the June ledger → the brief → the 整改责任清单 the
companion writes (its 完成时限 then filled in by the clerk, as offices do before issuing it) → the
September ledger → the follow-up and the next brief, one level up."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from assistant.companion.make import make_companion
from assistant.ledger.followup import follow_up
from assistant.ledger.reader import read_ledger
from assistant.ledger.to_brief import ledger_brief
from assistant.review.placeholders import FILL_MARK
from tests.fixtures.ledgers.samples import city_xlsx, later_city_xlsx

LIMIT = 10_000_000


def test_ledger_to_checklist_to_follow_up(tmp_path):
    sample = city_xlsx(tmp_path)
    june = ledger_brief(read_ledger(sample.path, LIMIT), as_of=dt.date(2026, 6, 30))
    assert june.brief.targets == sample.behind_units

    # The checklist carries exactly the lagging items and units, with the ledger's numbers.
    made = make_companion("checklist", june.brief, None, fmt="xlsx")
    book = openpyxl.load_workbook(io.BytesIO(made.data))
    sheet = book.active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if r and "责任单位" in r)
    col = {name: rows[header].index(name) for name in ("问题", "责任单位", "完成时限", "责任人")}
    data = [r for r in rows[header + 1 :] if any(r)]
    assert {r[col["责任单位"]] for r in data} == set(june.brief.targets)
    for used in june.used:
        assert any(used.row.project in str(r[col["问题"]]) for r in data), used.row.project
        if used.row.progress is not None and 0 < used.row.progress < 1:
            assert any(f"{used.row.progress:.0%}" in str(r[col["问题"]]) for r in data), used.row.project
    assert all(r[col["责任人"]] == FILL_MARK for r in data)  # never invented

    # Before issuing it, the clerk fills in the deadlines agreed at the meeting.
    for r in range(header + 2, header + 2 + len(data)):
        sheet.cell(row=r, column=col["完成时限"] + 1, value=dt.datetime(2026, 8, 31))
    checklist_path = tmp_path / "整改责任清单.xlsx"
    book.save(checklist_path)

    september = read_ledger(later_city_xlsx(tmp_path), LIMIT)
    result = follow_up(read_ledger(checklist_path, LIMIT, checklist=True), september, as_of=dt.date(2026, 9, 30))
    states = {x.item.unit: x.state for x in result.items}
    assert states["东湖区住建局"] == "已完成"  # 城东污水处理厂: 已完成 in September
    assert states["东湖区交通运输局"] == "逾期" and states["云溪镇人民政府"] == "逾期"
    assert result.next_measure == "通报批评"
    assert result.next_brief is not None
    assert set(result.next_brief.targets) == set(result.overdue_units)
    assert "东湖区住建局" not in result.next_brief.targets
    assert any("45%" in issue for issue in result.next_brief.issues)  # 云溪镇's September figure
