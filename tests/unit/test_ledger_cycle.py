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


def _livelihood_xlsx(folder) -> str:
    """A 民生实事 ledger as a city office keeps it: 附件 line, 填报单位 and 截至 in one merged line, a header
    cell with a line break, two columns named like progress (目前进展 in words, 完成比例 in numbers),
    困难 rather than 原因, an empty row, 小计."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["附件2"])
    ws.append(["临江市2026年民生实事项目推进台账"])
    ws.merge_cells("A2:H2")
    ws.append(["填报单位：市政府督查室                    截至：2026年8月31日"])
    ws.merge_cells("A3:H3")
    ws.append(["序号", "实事项目", "牵头部门", "配合部门", "完成\n时限", "目前进展", "完成比例", "存在困难"])
    for row in [
        (1, "老旧小区加装电梯120部", "临江市住建局", "各区政府", dt.datetime(2026, 6, 30), "已完工87部", 0.725, "部分居民意见不统一"),
        (2, "新建社区食堂15个", "临江市民政局", "", "2026.9.30", "已建成9个", "60%", ""),
        (3, "城区学校周边交通疏导", "临江市公安局交警支队", "市教育局", "2026年7月", "已完成", "100%", ""),
        (None,) * 8,
        (4, "农村饮水安全巩固提升", "临江市水利局", "", "8月底", "主体完工，正在调试", "90%", "水源地水质检测未通过"),
        (5, "新增公办幼儿园学位2000个", "临江市教育局", "", dt.datetime(2026, 12, 31), "已开工", "35%", ""),
        (6, "菜市场标准化改造10个", "东湖区人民政府", "市商务局", "2026年6月30日", "未开工", "0", "用地手续未办结"),
        ("小计", "", "", "", "", "", "", ""),
    ]:  # fmt: skip
        ws.append(list(row))
    path = folder / "临江市民生实事台账.xlsx"
    wb.save(path)
    return path


def test_a_livelihood_ledger_with_two_progress_like_columns_and_difficulties(tmp_path):
    ledger = read_ledger(_livelihood_xlsx(tmp_path), LIMIT)
    assert ledger.as_of == dt.date(2026, 8, 31) and ledger.title == "临江市2026年民生实事项目推进台账"
    assert ledger.columns.labels[ledger.columns.fields["progress"]] == "完成比例"  # the cells that read as numbers
    result = ledger_brief(ledger)
    assert result.brief.targets == ["临江市住建局", "临江市水利局", "东湖区人民政府"]
    assert any("72.5%" in i for i in result.brief.issues) and any("仍未开工" in i for i in result.brief.issues)
    assert any("水源地水质检测未通过" in f for f in result.brief.facts)  # 存在困难 is the reason column
