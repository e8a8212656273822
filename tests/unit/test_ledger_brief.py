"""Ledger → brief: exactly the lagging units are summoned, with the ledger's numbers; nothing invented."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.domain.brief import load_brief
from assistant.ledger.model import LedgerError, LedgerRow
from assistant.ledger.reader import read_ledger
from assistant.ledger.status import row_status
from assistant.ledger.to_brief import NEW_DEADLINE, ledger_brief
from tests.fixtures.ledgers import samples

LIMIT = 10 * 1024 * 1024
LAYOUTS = [
    (samples.city_xlsx, None),
    (samples.county_csv, None),
    (samples.renewal_xlsx, samples.RENEWAL_AS_OF),
    (samples.tasks_csv, samples.TASKS_AS_OF),
]


@pytest.mark.parametrize("make, as_of", LAYOUTS, ids=["city", "county-gbk", "two-row-header", "tasks"])
def test_the_brief_summons_exactly_the_lagging_units_in_ledger_order(tmp_path, make, as_of):
    sample = make(tmp_path)
    result = ledger_brief(read_ledger(sample.path, LIMIT, as_of=as_of), as_of=as_of)
    assert result.brief.targets == sample.behind_units
    summoned = {u for s in result.not_summoned for u in [s.row.unit]} - set(sample.behind_units)
    assert summoned.isdisjoint(result.brief.targets) and summoned  # on-track and done units stay home
    assert len(result.brief.issues) == len(result.used)
    assert all(s.row.row in sample.rows.values() for s in result.used)


def test_issues_carry_the_ledger_numbers_and_reasons_become_facts(tmp_path):
    sample = samples.city_xlsx(tmp_path)
    result = ledger_brief(read_ledger(sample.path, LIMIT))
    brief = result.brief
    assert brief.issues[0] == "东湖区住建局牵头的城东污水处理厂提标改造工程计划2026年6月30日完成，截至6月30日完成率仅55%"
    assert "东湖大道快速化改造一期计划2026年5月31日完成，截至6月30日完成率仅40%" in brief.issues[1]
    assert "仍未开工" in brief.issues[3]
    assert "台账记为“已完成主体，待验收”" in brief.issues[2]  # no number: said as the ledger says it
    assert "城东污水处理厂提标改造工程滞后原因：设备采购招标两次流标" in brief.facts
    assert brief.meeting == "2026年重点项目推进滞后单位约谈会"
    assert brief.kind == "project_delay" and brief.measure == "约谈"
    # No date is invented: every new deadline is the checker's marked blank.
    assert all(NEW_DEADLINE in r for r in brief.requirements)
    assert len(brief.requirements) == len(result.used) + 1
    assert result.as_of == dt.date(2026, 6, 30)


def test_a_deadline_the_ledger_gives_is_used_and_measure_and_kind_are_taken(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text(
        "项目名称,责任单位,计划完成时间,当前进度,滞后原因,备注\n"
        "北岸镇污水站,北岸镇人民政府,2026/6/30,50%,管材未到场,已申请延期至2026年8月31日\n"
        "云溪镇文化广场,云溪镇人民政府,2026/9/30,20%,,\n",
        encoding="utf-8",
    )
    result = ledger_brief(read_ledger(path, LIMIT), as_of=dt.date(2026, 7, 1), kind="general", measure="提醒谈话")
    assert result.brief.targets == ["北岸镇人民政府"]
    assert "确保北岸镇污水站在2026年8月31日前完成" in result.brief.requirements[0]
    assert result.brief.measure == "提醒谈话" and result.brief.kind == "general"
    assert result.brief.meeting.endswith("提醒谈话会")


def test_nothing_behind_is_told_not_crashed(tmp_path):
    path = tmp_path / "台账.csv"
    path.write_text("项目名称,责任单位,计划完成时间,当前进度\n甲工程,北岸镇人民政府,2026/9/30,50%\n"
                    "乙工程,云溪镇人民政府,2026/3/31,已完成\n", encoding="utf-8")  # fmt: skip
    with pytest.raises(LedgerError, match="2 个项目没有滞后的"):
        ledger_brief(read_ledger(path, LIMIT), as_of=dt.date(2026, 6, 30))


def test_the_rule_of_what_is_behind():
    day = dt.date(2026, 7, 1)
    row = LedgerRow(row=2, project="甲", unit="乙", deadline=dt.date(2026, 7, 1), progress=0.9)
    assert row_status(row, day).behind  # due today and not done
    assert not row_status(LedgerRow(2, "甲", "乙", deadline=dt.date(2026, 7, 2), progress=0.1), day).behind
    assert row_status(LedgerRow(2, "甲", "乙", deadline=dt.date(2026, 7, 2), progress=0.1, reason="缺资金"), day).behind
    assert not row_status(LedgerRow(2, "甲", "乙", deadline=dt.date(2026, 1, 1), done=True, progress=1.0), day).behind
    timed = LedgerRow(2, "甲", "乙", start=dt.date(2026, 1, 1), deadline=dt.date(2026, 12, 31), progress=0.45)
    assert row_status(timed, day).behind and "时序进度" in row_status(timed, day).why
    assert not row_status(LedgerRow(2, "甲", "乙", start=dt.date(2026, 1, 1), deadline=dt.date(2026, 12, 31),
                                    progress=0.55), day).behind  # fmt: skip


def invoke(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])


def test_cli_brief_writes_a_brief_draft_reads_and_the_rows_beside_it(tmp_path, data_dir):
    sample = samples.county_csv(tmp_path)
    out = tmp_path / "要素.json"
    r = invoke(data_dir, "brief", "--ledger", str(sample.path), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "13 个项目" in r.output and "滞后 5 项" in r.output
    assert f"第{sample.rows['县图书馆新馆']}行：进度“施工中”" in r.output
    brief = load_brief(out)  # what `assistant draft --brief` reads
    assert brief.targets == sample.behind_units
    side = json.loads((tmp_path / "要素.ledger.json").read_text(encoding="utf-8"))
    assert side["used"] == [sample.rows[p] for p in ("县城东环路改造工程", "云溪水库除险加固工程", "青石县职业中学实训楼",
                                                     "北岸镇卫生院改造", "县城停车场二期")]  # fmt: skip
    assert side["as_of"] == "2026-06-30" and len(side["rows"]) == 13


def test_cli_brief_as_of_measure_and_column_options(tmp_path, data_dir):
    sample = samples.renewal_xlsx(tmp_path)
    out = tmp_path / "b.json"
    r = invoke(data_dir, "brief", "--ledger", str(sample.path), "--as-of", "2026-07-20", "--measure", "通报批评",
               "--column", "进度=形象进度", "--out", str(out))  # fmt: skip
    assert r.exit_code == 0, r.output
    brief = load_brief(out)
    assert brief.targets == sample.behind_units and brief.measure == "通报批评"
    r = invoke(data_dir, "brief", "--ledger", str(sample.path), "--as-of", "下周", "--out", str(out))
    assert r.exit_code == 2 and "不是日期" in r.output


def test_cli_brief_refuses_what_it_cannot_do_in_chinese(tmp_path, data_dir):
    sample = samples.city_xlsx(tmp_path)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    r = invoke(data_dir, "brief", "--ledger", str(sample.path), "--out", str(fifo))
    assert r.exit_code == 1 and "不是普通文件" in r.output
    old = tmp_path / "台账.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0")
    r = invoke(data_dir, "brief", "--ledger", str(old), "--out", str(tmp_path / "b.json"))
    assert r.exit_code == 1 and ".xlsx" in r.output and "Traceback" not in r.output
    r = invoke(data_dir, "brief", "--ledger", str(sample.path), "--measure", "警告", "--out", str(tmp_path / "b.json"))
    assert r.exit_code == 1 and "未知的问责层级" in r.output
