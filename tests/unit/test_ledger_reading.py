"""Reading messy ledgers: header rows, merged cells, date and progress spellings, row numbers, problems."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from assistant.ledger.columns import LEDGER_FIELDS, LEDGER_REQUIRED, match_columns, parse_mapping
from assistant.ledger.model import ColumnsNeeded, LedgerError
from assistant.ledger.reader import ledger_from_bytes, read_ledger
from assistant.ledger.values import parse_date, parse_progress
from assistant.support.errors import UserError
from tests.fixtures.ledgers import samples

LIMIT = 10 * 1024 * 1024
AS_OF = dt.date(2026, 6, 30)


@pytest.mark.parametrize(
    "make, as_of",
    [
        (samples.city_xlsx, None),
        (samples.county_csv, None),
        (samples.renewal_xlsx, samples.RENEWAL_AS_OF),
        (samples.tasks_csv, samples.TASKS_AS_OF),
    ],
    ids=["city-xlsx", "county-gbk-csv", "two-row-header-xlsx", "tasks-bom-csv"],
)
def test_every_layout_gives_each_item_once_with_the_row_number_the_user_sees(tmp_path, make, as_of):
    sample = make(tmp_path)
    ledger = read_ledger(sample.path, LIMIT, as_of=as_of)
    assert len(ledger.rows) == sample.items >= 12
    assert {r.project: r.row for r in ledger.rows} == sample.rows
    assert {p.row for p in ledger.problems} == sample.problem_rows
    assert all(r.unit for r in ledger.rows)


def test_the_city_ledger_merged_title_cells_and_excel_dates(tmp_path):
    sample = samples.city_xlsx(tmp_path)
    ledger = read_ledger(sample.path, LIMIT)
    assert ledger.title == "2026年重点项目推进情况督查台账"
    assert ledger.as_of == AS_OF  # from the merged "截至2026年6月30日" row
    rows = {r.project: r for r in ledger.rows}
    # The 责任单位 cell merged over two projects belongs to both.
    assert rows["滨江路雨污分流改造工程"].unit == "东湖区住建局"
    assert rows["城东污水处理厂提标改造工程"].deadline == AS_OF  # a real Excel date cell
    assert rows["城东污水处理厂提标改造工程"].progress == pytest.approx(0.55)  # a 0% formatted cell
    assert rows["智慧城管平台建设"].deadline == AS_OF and rows["智慧城管平台建设"].done  # serial 46203, 100%
    assert rows["云溪镇污水管网延伸工程"].deadline == AS_OF and rows["云溪镇污水管网延伸工程"].progress == 0
    assert rows["东湖大道快速化改造一期"].progress == pytest.approx(0.4)  # 40 means 40%
    reasons = {s.row: s.reason for s in ledger.skipped}
    assert "合计行" in reasons.values()
    assert any("一、城建交通类" in r for r in reasons.values())
    assert ledger.empty_rows == 1
    # Problems are sentences with the row, never exceptions.
    texts = [str(p) for p in ledger.problems]
    assert any(t.startswith(f"第{sample.rows['区体育中心改造']}行") and "待定" in t for t in texts)
    assert any("进展顺利" in t for t in texts)


def test_a_gbk_csv_from_chinese_windows_excel_reads_like_utf8(tmp_path):
    gbk = samples.county_csv(tmp_path, "gbk.csv", "gbk")
    utf8 = samples.county_csv(tmp_path, "utf8.csv", "utf-8")
    a, b = read_ledger(gbk.path, LIMIT), read_ledger(utf8.path, LIMIT)
    assert [r.to_json() for r in a.rows] == [r.to_json() for r in b.rows]
    assert a.title == "青石县2026年民生实事项目进度台账" and a.as_of == AS_OF
    rows = {r.project: r for r in a.rows}
    assert rows["青石县职业中学实训楼"].deadline == AS_OF  # 6月底, year from the 截至 line
    assert rows["云溪镇集镇污水处理站"].deadline == dt.date(2026, 9, 30)  # 9月底
    assert rows["城乡供水一体化工程"].done


def test_a_header_over_two_rows_with_merged_groups_is_read_as_one(tmp_path):
    sample = samples.renewal_xlsx(tmp_path)
    ledger = read_ledger(sample.path, LIMIT)
    cmap = ledger.columns
    assert cmap.header_rows == (3, 4)
    assert cmap.label_of("deadline") == "时间节点/计划竣工时间"
    assert cmap.label_of("start") == "时间节点/开工时间"
    row = next(r for r in ledger.rows if r.project == "城中村改造安置房一期")
    assert (row.start, row.deadline) == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))  # serial numbers


def test_repeated_header_and_subtotal_rows_are_skipped_and_said(tmp_path):
    sample = samples.tasks_csv(tmp_path)
    ledger = read_ledger(sample.path, LIMIT, as_of=samples.TASKS_AS_OF)
    assert [(s.row, s.reason) for s in ledger.skipped] == [(7, "重复的表头行"), (15, "合计行")]
    rows = {r.project: r for r in ledger.rows}
    assert rows["政务服务“一网通办”扩面"].progress == pytest.approx(0.8)  # 主体完工，完成80%
    assert rows["工程建设项目审批提速"].progress == pytest.approx(0.65)  # 完成65%（计划100%）
    assert rows["企业开办一日办结"].done  # 已销号
    assert rows["惠企政策“免申即享”"].deadline == dt.date(2026, 12, 31)  # 年底


DATES = {
    "2026年6月30日": dt.date(2026, 6, 30),
    "2026/9/30": dt.date(2026, 9, 30),
    "2026-08-31": dt.date(2026, 8, 31),
    "2026.8.31": dt.date(2026, 8, 31),
    "2026年9月": dt.date(2026, 9, 30),
    "2026年2月": dt.date(2026, 2, 28),
    "2026/11": dt.date(2026, 11, 30),
    "9月底": dt.date(2026, 9, 30),
    "6月底前": dt.date(2026, 6, 30),
    "6月30日": dt.date(2026, 6, 30),
    "2026年6月中旬": dt.date(2026, 6, 20),
    "2026年三季度": dt.date(2026, 9, 30),
    "年底": dt.date(2026, 12, 31),
    "20260831": dt.date(2026, 8, 31),
    "46203": dt.date(2026, 6, 30),
    46203: dt.date(2026, 6, 30),
    dt.datetime(2026, 7, 1): dt.date(2026, 7, 1),
    dt.date(2026, 7, 2): dt.date(2026, 7, 2),
    "２０２６年７月３１日": dt.date(2026, 7, 31),
    "原定2026年6月30日": dt.date(2026, 6, 30),
}


def test_every_date_spelling_an_office_uses():
    for written, expected in DATES.items():
        value = parse_date(written, AS_OF)
        assert (value.date, value.problem) == (expected, ""), written


@pytest.mark.parametrize("written", ["待定", "尽快", "2026年13月", "2026/2/30", 12, "视情况"])
def test_an_unreadable_date_is_a_problem_not_an_exception(written):
    value = parse_date(written, AS_OF)
    assert value.date is None and value.problem and str(written) in value.problem


PROGRESS = {
    "55%": (0.55, False),
    "55％": (0.55, False),
    "55": (0.55, False),
    0.4: (0.4, False),
    "0.4": (0.4, False),
    40: (0.4, False),
    1: (1.0, True),
    "100%": (1.0, True),
    "完成": (1.0, True),
    "已完成": (1.0, True),
    "已竣工": (1.0, True),
    "已销号": (1.0, True),
    "未开工": (0.0, False),
    "尚未开工，正在办理施工许可": (0.0, False),
    "主体完工，完成80%": (0.8, False),
    "完成65%（计划80%）": (0.65, False),
    "形象进度达到72.5%": (0.725, False),
}


def test_every_progress_spelling_an_office_uses():
    for written, (share, done) in PROGRESS.items():
        value = parse_progress(written)
        assert (value.share, value.done, value.problem) == (pytest.approx(share), done, ""), written


@pytest.mark.parametrize("written", ["进展顺利", "已完成主体，待验收", "未完成", "150%"])
def test_progress_without_a_number_is_a_problem_and_not_done(written):
    value = parse_progress(written)
    assert value.share is None and not value.done and value.problem


def test_column_names_are_matched_flexibly_with_confidence():
    cmap = match_columns(["序号", "工程名称", "牵头单位", "完成时限", "形象进度（%）", "存在问题", "备注"],
                         LEDGER_FIELDS, LEDGER_REQUIRED)  # fmt: skip
    assert cmap.fields == {"project": 1, "unit": 2, "deadline": 3, "progress": 4, "reason": 5, "note": 6}
    assert cmap.ready and cmap.overall == 1.0
    fuzzy = match_columns(["项目建设内容", "主要责任单位", "计划完成时间", "当前进度"], LEDGER_FIELDS, LEDGER_REQUIRED)
    assert fuzzy.ready and fuzzy.confidence["project"] == 0.8 and fuzzy.overall == 0.8


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_a_missing_column_offers_candidates_and_an_explicit_mapping_reads_it(tmp_path):
    path = _xlsx(tmp_path / "台账.xlsx", [
        ["序号", "项目名称", "责任单位", "节点目标", "目前完成"],
        [1, "北岸镇污水站", "北岸镇人民政府", "2026年6月30日", "50%"],
        [2, "云溪镇文化广场", "云溪镇人民政府", "2026年9月30日", "20%"],
    ])  # fmt: skip
    with pytest.raises(ColumnsNeeded) as caught:
        read_ledger(path, LIMIT)
    message = str(caught.value)
    assert "计划完成时间" in message and "进度" in message and "D列“节点目标”" in message and "--column" in message
    assert {c.label for c in caught.value.columns.candidates["deadline"]} >= {"节点目标", "目前完成"}
    ledger = read_ledger(path, LIMIT, mapping=parse_mapping(["计划完成时间=节点目标", "进度=E"]))
    assert [(r.row, r.deadline, r.progress) for r in ledger.rows] == [
        (2, dt.date(2026, 6, 30), 0.5), (3, dt.date(2026, 9, 30), 0.2)
    ]


@pytest.mark.parametrize("option", ["项目", "=工程名称", "项目=", "颜色=工程名称"])
def test_a_malformed_or_unknown_mapping_is_told_in_chinese(tmp_path, option):
    path = _xlsx(tmp_path / "台账.xlsx", [["项目名称", "责任单位", "计划完成时间", "进度"], ["甲", "乙", "2026/6/30", "1"]])
    with pytest.raises(LedgerError) as caught:
        read_ledger(path, LIMIT, mapping=parse_mapping([option]))
    assert "--column" in str(caught.value) or "字段" in str(caught.value)


def test_xls_and_damaged_files_are_refused_with_how_to_save(tmp_path):
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(LedgerError, match=r"《台账.xls》.*另存为.*\.xlsx"):
        read_ledger(old, LIMIT)
    with pytest.raises(LedgerError, match="旧版 Excel"):
        ledger_from_bytes(old.read_bytes(), "台账.xlsx")
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(LedgerError, match="《坏.xlsx》"):
        read_ledger(broken, LIMIT)
    with pytest.raises(LedgerError, match="前 12 行中找不到台账的表头"):
        ledger_from_bytes("一段随便写的文字\n另一段\n".encode(), "说明.csv")


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path):
    sample = samples.county_csv(tmp_path)
    with pytest.raises(UserError, match="ASSISTANT_MAX_UPLOAD_MB"):
        read_ledger(sample.path, 100)
