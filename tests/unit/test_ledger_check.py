"""The ledger fact check: a figure or date changed by hand in a speech is caught; others are left alone."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.ledger.reader import read_ledger
from assistant.ledger.report import load_sidecar
from assistant.ledger.to_brief import ledger_brief
from assistant.review.checks import run_checks
from tests.fixtures.ledgers import samples

LIMIT = 10 * 1024 * 1024

# Written for these tests: the harm part of a speech built from the city ledger (samples.city_xlsx).
SPEECH = """在2026年重点项目推进滞后单位约谈会上的讲话
同志们：
今天召开约谈会，对东湖区住建局、东湖区交通运输局、东湖区卫健局、云溪镇人民政府、东湖区水务局进行约谈。下面，我讲几点意见。
一、正视差距，清醒认识项目推进滞后的严重性
（一）东湖区住建局牵头的城东污水处理厂提标改造工程计划2026年6月30日完成，截至6月30日完成率仅55%，设备采购招标两次流标。
（二）东湖区交通运输局牵头的东湖大道快速化改造一期原定5月31日完成，截至6月30日完成率仅40%。
（三）东湖湿地公园二期形象进度35%，东湖区水务局要在9月30日前完成设计变更。
（四）全区重点项目投资完成率48%，同比下降3.5%，东湖区住建局要加快拨付进度，确保资金支付率达到90%。
同志们，时不我待，要以实际成效检验约谈成果。"""


@pytest.fixture
def ledger(tmp_path):
    return read_ledger(samples.city_xlsx(tmp_path).path, LIMIT)


def ledger_findings(text, ledger):
    return run_checks(text, rules=["ledger"], ledger=ledger).findings


def test_a_speech_that_agrees_with_the_ledger_has_no_finding(ledger):
    assert ledger_findings(SPEECH, ledger) == []


def test_without_a_ledger_the_rule_is_silent(ledger):
    assert run_checks(SPEECH.replace("55%", "65%"), rules=["ledger"]).findings == []


def test_a_percentage_changed_by_hand_is_an_error_quoting_both(ledger):
    found = ledger_findings(SPEECH.replace("完成率仅55%", "完成率仅65%"), ledger)
    assert len(found) == 1
    f = found[0]
    assert f.severity == "error" and f.line == 5 and f.excerpt == "65%" and f.suggestion == "55%"
    assert f.message == "讲话稿写“完成率仅65%”，台账第5行（城东污水处理厂提标改造工程）为55%。"
    # A percentage next to a unit (no project named) is compared with that unit's rows too.
    found = ledger_findings(SPEECH.replace("形象进度35%", "形象进度45%"), ledger)
    assert [f.excerpt for f in found] == ["45%"] and "第17行" in found[0].message


def test_a_planned_date_changed_by_hand_is_an_error(ledger):
    found = ledger_findings(SPEECH.replace("原定5月31日完成", "原定4月30日完成"), ledger)
    assert [(f.severity, f.excerpt) for f in found] == [("error", "4月30日")]
    assert "台账第7行（东湖大道快速化改造一期）计划完成时间为2026年5月31日" in found[0].message


def test_a_unit_named_with_another_units_project_is_a_finding(ledger):
    text = SPEECH.replace("（二）东湖区交通运输局牵头的", "（二）东湖区水务局牵头的")
    found = ledger_findings(text, ledger)
    assert len(found) == 1 and found[0].excerpt == "东湖区水务局"
    assert "台账第7行该项目的责任单位是“东湖区交通运输局”" in found[0].message


def test_figures_the_ledger_has_no_column_for_are_not_findings(ledger):
    # 投资完成率48%, 同比下降3.5%, 支付率90%, the as-of date and a new 9月30日前 deadline: none is a row's figure.
    text = SPEECH + "\n截至6月30日，东湖区住建局累计完成投资2.3亿元，占年度计划的61%。"
    assert ledger_findings(text, ledger) == []


def test_the_rows_saved_beside_a_brief_check_the_same(tmp_path, ledger):
    result = ledger_brief(ledger)
    side = tmp_path / "b.ledger.json"
    side.write_text(result.sidecar_json(), encoding="utf-8")
    saved = load_sidecar(side)
    assert [r.to_json() for r in saved.rows] == sorted((r.to_json() for r in ledger.rows), key=lambda r: r["row"])
    found = ledger_findings(SPEECH.replace("完成率仅40%", "完成率仅60%"), saved)
    assert [f.excerpt for f in found] == ["60%"] and "第7行" in found[0].message


def test_cli_check_with_a_ledger_exits_1_on_a_changed_number(tmp_path, data_dir):
    sample = samples.city_xlsx(tmp_path)
    good, bad = tmp_path / "稿.txt", tmp_path / "改.txt"
    good.write_text(SPEECH, encoding="utf-8")
    bad.write_text(SPEECH.replace("完成率仅55%", "完成率仅65%"), encoding="utf-8")
    args = ["--data-dir", str(data_dir), "check", "--rule", "ledger", "--ledger", str(sample.path)]
    r = CliRunner().invoke(main, [*args, str(good)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, [*args, str(bad)])
    assert r.exit_code == 1 and "【台账核对】" in r.output and "台账第5行" in r.output
    r = CliRunner().invoke(main, ["--data-dir", str(data_dir), "check", "--ledger", str(tmp_path / "无.xlsx"), str(good)])
    assert r.exit_code == 2 and "无.xlsx" in r.output
