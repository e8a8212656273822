"""从督查台账填写 on the page (AppTest): upload → preview → the form filled with the lagging units →
an offline draft → 校对 compares its figures with the ledger rows; a ledger whose columns are not
recognised asks which column is which."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from assistant.domain.brief import parse_brief
from assistant.drafts.workspace import load_workspace
from assistant.review.checks import run_checks
from assistant.ui.panels.review_panel import brief_ledger
from tests.app_flows import generate, open_draft_id, session_of, start, store, texts
from tests.fixtures.ledgers.samples import checklist_xlsx, city_xlsx, later_city_xlsx


def _upload(at, name: str, data: bytes, mime: str):
    at.file_uploader(key="ledger_file").set_value((name, data, mime)).run()
    assert not at.exception, at.exception
    return at


def test_a_ledger_fills_the_brief_and_the_check_compares_with_it(small_corpus, data_dir, tmp_path):
    sample = city_xlsx(tmp_path)
    at = start()
    _upload(at, sample.path.name, sample.path.read_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    shown = texts(at)
    assert "滞后" in shown and sample.path.name in shown
    at.button(key="ledger_fill").click().run()
    assert not at.exception, at.exception
    targets = at.text_area(key="brief_targets").value.splitlines()
    assert targets == sample.behind_units
    assert any("已按台账填写约谈要素" in s.value for s in at.success)

    at = generate(at, None)
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    assert draft.brief["targets"] == sample.behind_units
    # A figure of the ledger changed by hand in the draft is caught by 校对.
    issue = draft.brief["issues"][0]
    percent = re.findall(r"\d+(?:\.\d+)?%", issue)[0]
    assert percent in draft.text

    ledger = brief_ledger(parse_brief(draft.brief), load_workspace(data_dir, session_of(at)).ledger)
    assert ledger is not None and len(ledger.rows) == sample.items
    changed = draft.text.replace(percent, "99%", 1)
    findings = [f for f in run_checks(changed, ledger=ledger).findings if f.rule == "ledger"]
    assert findings and "99%" in findings[0].message
    assert not [f for f in run_checks(draft.text, ledger=ledger).findings if f.rule == "ledger" and f.severity == "error"]


def test_unknown_columns_ask_which_is_which(small_corpus, data_dir):
    buf = io.StringIO()
    csv.writer(buf).writerows([
        ["事项", "牵头", "节点", "完成情况"],
        ["云溪镇污水管网改造", "云溪镇人民政府", "2026-05-31", "40%"],
        ["北岸镇农贸市场提升", "北岸镇人民政府", "2026-09-30", "80%"],
        ["临江路口改造", "东湖区交通运输局", "2026-04-30", "完成"],
    ])  # fmt: skip
    at = _upload(start(), "台账.csv", buf.getvalue().encode("utf-8"), "text/csv")
    at.date_input(key="ledger_as_of").set_value(dt.date(2026, 6, 30)).run()
    asks = [s.label for s in at.selectbox if s.key and s.key.startswith("ledger_map_")]
    assert asks and any("是哪一列" in a for a in asks)
    assert not any(b.key == "ledger_fill" for b in at.button)
    # The clerk says which column is which: the ledger is read and the lagging town is offered.
    for key, letter in (("project", "A"), ("unit", "B"), ("deadline", "C"), ("progress", "D")):
        box = next((s for s in at.selectbox if s.key == f"ledger_map_{key}"), None)
        if box is not None:
            box.set_value(letter)
    at.button(key="ledger_map_go").click().run()
    at.run()
    assert not at.exception, at.exception
    assert any(b.key == "ledger_fill" for b in at.button), texts(at)
    at.button(key="ledger_fill").click().run()
    assert at.text_area(key="brief_targets").value.splitlines() == ["云溪镇人民政府"]


def test_follow_up_on_the_page_reports_each_item_and_fills_the_next_level(small_corpus, data_dir, tmp_path):
    checklist, later = checklist_xlsx(tmp_path), later_city_xlsx(tmp_path)
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    at = start()
    at.file_uploader(key="followup_checklist").set_value((checklist.name, checklist.read_bytes(), xlsx)).run()
    at.file_uploader(key="followup_ledger").set_value((later.name, later.read_bytes(), xlsx)).run()
    at.date_input(key="followup_as_of").set_value(dt.date(2026, 9, 30)).run()
    assert not at.exception, at.exception
    shown = texts(at)
    assert "共 6 项" in shown and "逾期" in shown
    assert [b.key for b in at.get("download_button")] and any(b.key == "followup_next" for b in at.button)
    at.button(key="followup_next").click().run()
    assert not at.exception, at.exception
    targets = at.text_area(key="brief_targets").value.splitlines()
    assert "东湖区交通运输局" in targets and "东湖区住建局" not in targets  # 住建局's item is done
    assert at.selectbox(key="brief_measure").value == "通报批评"
