"""The follow-up (销号): a later ledger turns the checklist into a report and a next-level brief."""

from __future__ import annotations

import datetime as dt
import io

import docx
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.domain.brief import load_brief
from assistant.ledger.followup import follow_up
from assistant.ledger.reader import read_ledger
from assistant.ledger.report import followup_markdown
from tests.fixtures.ledgers import samples

LIMIT = 10 * 1024 * 1024
STATES = ["已完成", "逾期", "已完成", "按期推进", "逾期", "未找到"]


@pytest.fixture
def files(tmp_path):
    return samples.checklist_xlsx(tmp_path), samples.later_city_xlsx(tmp_path)


def test_each_item_gets_its_state_from_the_later_ledger(files):
    checklist = read_ledger(files[0], LIMIT, checklist=True)
    assert [r.row for r in checklist.rows] == [3, 4, 5, 6, 7, 8]  # a title row, then the header in row 2
    ledger = read_ledger(files[1], LIMIT)
    assert ledger.as_of == dt.date(2026, 9, 30) and ledger.title == "2026年重点项目推进情况督查台账"
    result = follow_up(checklist, ledger)
    assert [x.state for x in result.items] == STATES
    assert result.counts == {"已完成": 2, "按期推进": 1, "逾期": 2, "未找到": 1}
    assert [x.match.row if x.match else None for x in result.items] == [3, 5, 6, 7, 8, None]
    assert result.overdue_units == ["东湖区交通运输局", "东湖区水务局"]


def test_overdue_units_get_a_brief_one_level_up_with_their_numbers(files):
    checklist, ledger = read_ledger(files[0], LIMIT, checklist=True), read_ledger(files[1], LIMIT)
    brief = follow_up(checklist, ledger).next_brief
    assert brief is not None
    assert brief.measure == "通报批评" and brief.targets == ["东湖区交通运输局", "东湖区水务局"]
    assert "要求2026年9月30日前完成，截至2026年9月30日完成率70%，已逾期" in brief.issues[0]
    assert "东湖湿地公园二期" in brief.issues[1] and "85%" in brief.issues[1] and "2026年8月31日" in brief.issues[1]
    assert brief.decisions == ["对东湖区交通运输局、东湖区水务局予以通报批评"]
    top = follow_up(checklist, ledger, measure="问责").next_brief
    assert top is not None and top.measure == "问责"  # the ladder ends at 问责
    early = follow_up(checklist, ledger, as_of=dt.date(2026, 7, 1))
    assert early.next_brief is None and "逾期" not in [x.state for x in early.items]


def test_the_report_shows_counts_and_a_row_per_item(files):
    result = follow_up(read_ledger(files[0], LIMIT, checklist=True), read_ledger(files[1], LIMIT))
    text = followup_markdown(result, "f.next_brief.json")
    assert "共 6 项：已完成 2 项，按期推进 1 项，逾期 2 项，未找到 1 项" in text
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 6
    assert table[2].endswith("| 东湖大道快速化改造一期（第5行） | 70% | 逾期 |")
    assert "建议由约谈提升为通报批评" in text


def invoke(data_dir, *args):
    return CliRunner().invoke(main, ["--data-dir", str(data_dir), *args])


def test_cli_followup_writes_the_report_and_the_next_brief(tmp_path, data_dir, files):
    out = tmp_path / "跟踪.md"
    r = invoke(data_dir, "followup", "--checklist", str(files[0]), "--ledger", str(files[1]), "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "逾期 2 项" in r.output and "[未找到] 第8行 东湖区城管局" in r.output
    assert "| 6 | 城区垃圾分类示范片区建设滞后 | 东湖区城管局 |" in out.read_text(encoding="utf-8")
    brief = load_brief(tmp_path / "跟踪.next_brief.json")
    assert brief.measure == "通报批评" and brief.targets == ["东湖区交通运输局", "东湖区水务局"]


def test_cli_followup_docx_holds_the_same_table(tmp_path, data_dir, files):
    out = tmp_path / "跟踪.docx"
    r = invoke(data_dir, "followup", "--checklist", str(files[0]), "--ledger", str(files[1]), "--out", str(out))
    assert r.exit_code == 0, r.output
    document = docx.Document(io.BytesIO(out.read_bytes()))
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells][-1] == "状态"
    assert [row.cells[-1].text for row in table.rows[1:]] == STATES
    assert table.rows[2].cells[2].text == "东湖区交通运输局"
    r = invoke(data_dir, "followup", "--checklist", str(files[0]), "--ledger", str(files[1]),
               "--out", str(tmp_path / "跟踪.pdf"))  # fmt: skip
    assert r.exit_code == 2 and ".md 或 .docx" in r.output
