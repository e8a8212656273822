"""Two ledger layouts written after the reader was finished (held out): a township .xlsx with line
breaks in its header cells, and a GBK CSV attachment with a 文号 line above its title."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from assistant.ledger.reader import read_ledger
from assistant.ledger.to_brief import ledger_brief

LIMIT = 10 * 1024 * 1024


def township_xlsx(folder):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws["A1"] = "云溪镇2026年民生实事推进表"
    ws.merge_cells("A1:G1")
    ws["A2"] = "填报单位：云溪镇人民政府　　　　截至：2026年8月31日"
    ws.merge_cells("A2:G2")
    ws.append(["序号", "项目\n名称", "责任\n单位", "计划完成\n时间", "完成比例\n（%）", "存在的\n困难和问题", "包联\n领导"])
    ws.append(["（一）基础设施类"])
    d = dt.datetime
    items = [
        (1, "云溪镇集镇道路提升", "云溪镇人民政府", "2026.09.30", 60, "", "〔待填〕"),
        (2, "溪口村饮水安全巩固", None, d(2026, 8, 31), 85, "管网材料涨价", ""),
        (3, "镇区路灯改造", None, "2026-8-31", 100, "", ""),
        (4, "云溪镇卫生院发热门诊", "青石县卫健局", "2026年10月底", 50, "", ""),
        ("（二）公共服务类",),
        (5, "镇中心小学风雨操场", "青石县教育局", "2026年7月", "已建成", "", ""),
        (6, "云溪镇养老服务站", "青石县民政局", d(2026, 6, 30), 70, "", ""),
        (7, "农村电商服务站", "青石县商务局", "2026.12.31", 30, "", ""),
        (8, "集镇农贸市场改造", "云溪镇人民政府", "2026年9月30日", 40, "摊位调整协调难", ""),
        (9, "镇文化站提档", "青石县文旅局", "2026年8月", 0, "", ""),
        (10, "溪口村便民桥", "青石县交通运输局", "2026年11月", 20, "", ""),
        (11, "村级污水处理终端", "青石县生态环境分局", "2026/8/15", "完工", "", ""),
        (12, "云溪镇消防站", "青石县消防救援大队", "2026年12月", 10, "", ""),
    ]
    rows = {}
    for item in items:
        ws.append(list(item))
        if len(item) > 1:
            rows[item[1]] = ws.max_row
    ws.merge_cells(f"C{rows['云溪镇集镇道路提升']}:C{rows['镇区路灯改造']}")
    path = folder / "云溪镇民生实事推进表.xlsx"
    wb.save(path)
    return path, rows


def attachment_csv(folder):
    records = [
        ["临政督〔2026〕15号附件", "", "", "", "", "", "", ""],
        ["临江市2026年优化营商环境重点任务推进情况表", "", "", "", "", "", "", ""],
        ["截止日期：2026年7月31日", "", "", "", "", "", "", ""],
        ["", "", "", "", "", "", "", ""],
        ["序号", "任务事项", "责任部门", "配合部门", "完成时限", "目前进展", "滞后原因分析", "备注"],
        ["1", "企业登记全程电子化", "临江市市场监管局", "临江市数据局", "2026年7月", "完成", "", ""],
        ["2", "工程项目联合验收", "临江市住建局", "临江市自然资源局", "7月底", "完成率70%", "部门数据未打通", ""],
        ["3", "政务数据共享平台二期", "临江市数据局", "", "2026/09/30", "已完成施工图设计，完成45%", "", ""],
        ["4", "融资担保降费", "临江市金融办", "临江市财政局", "2026年12月", "60%", "", ""],
        ["5", "用电报装提速", "临江市供电公司", "", "2026/07/15", "85%", "线路改造滞后", ""],
        ["6", "外贸企业退税提速", "临江市商务局", "临江市税务局", "2026年9月", "30%", "", ""],
        ["7", "人才公寓分配", "临江市人社局", "临江市住建局", "2026-07-31", "未启动", "房源未移交", ""],
        ["8", "12345热线满意度提升", "临江市政务服务中心", "", "2026年12月31日", "50%", "", ""],
        ["9", "涉企收费清理", "临江市发改委", "临江市市场监管局", "2026年6月", "已销号", "", ""],
        ["10", "知识产权快速维权", "临江市市场监管局", "", "2026年10月", "40%", "审查员不足", ""],
        ["11", "园区审批下放", "临江高新区管委会", "", "2026年8月", "推进中", "", ""],
        ["12", "招商项目全程代办", "临江市投资促进局", "", "8月底", "90%", "", ""],
        ["注：进度为截至填报日的形象进度。", "", "", "", "", "", "", ""],
    ]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(records)
    path = folder / "营商环境重点任务.csv"
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path, {r[1]: i for i, r in enumerate(records, 1) if r[0].isdigit()}


def test_heldout_township_xlsx(tmp_path):
    path, rows = township_xlsx(tmp_path)
    ledger = read_ledger(path, LIMIT)
    assert ledger.as_of == dt.date(2026, 8, 31) and ledger.title == "云溪镇2026年民生实事推进表"
    assert {r.project: r.row for r in ledger.rows} == rows
    assert ledger.problems == []
    result = ledger_brief(ledger)
    assert result.brief.targets == ["云溪镇人民政府", "青石县民政局", "青石县文旅局"]
    assert [s.row.row for s in result.used] == [rows[p] for p in ("溪口村饮水安全巩固", "云溪镇养老服务站",
                                                                  "集镇农贸市场改造", "镇文化站提档")]  # fmt: skip


@pytest.mark.parametrize("mapping", [None, {"项目": "任务事项"}], ids=["automatic", "mapped"])
def test_heldout_attachment_gbk_csv(tmp_path, mapping):
    path, rows = attachment_csv(tmp_path)
    ledger = read_ledger(path, LIMIT, mapping=mapping)
    assert ledger.as_of == dt.date(2026, 7, 31)
    assert ledger.title == "临江市2026年优化营商环境重点任务推进情况表"
    assert ledger.columns.label_of("unit") == "责任部门"  # not 配合部门
    assert {r.project: r.row for r in ledger.rows} == rows
    assert [p.row for p in ledger.problems] == [rows["园区审批下放"]]
    result = ledger_brief(ledger)
    assert result.brief.targets == ["临江市住建局", "临江市供电公司", "临江市人社局", "临江市市场监管局"]
