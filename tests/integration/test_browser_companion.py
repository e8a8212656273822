"""配套文书 in a real headless Chromium: each download is the document the core makes from the same
brief and speech; the checklist opens in openpyxl with the brief's units and the marked blank.

Serves a one-widget page (the panel over a fixed draft), as test_browser_export.py does.
"""

from __future__ import annotations

import io
import os

import openpyxl
import pytest
from docx import Document

from assistant.domain.brief import parse_brief
from assistant.domain.models import Draft, DraftPart
from assistant.review.placeholders import FILL_MARK
from tests.integration.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_browser,
    serve_streamlit,
)
from tests.shared import REPO

pytestmark = pytest.mark.browser

BRIEF = {
    "kind": "project_delay", "meeting": "北岸镇重点项目推进滞后约谈会", "speaker": "青石县人民政府副县长",
    "targets": ["北岸镇人民政府", "青石县水利局"],
    "issues": ["北岸镇污水管网工程完成率仅40%", "青石县水利局牵头的灌区改造工程计划6月30日完成，至今未开工"],
    "requirements": ["7月31日前报送整改方案"], "measure": "约谈", "place": "县政府第二会议室",
}  # fmt: skip
DRAFT = Draft(
    title="在北岸镇重点项目推进滞后约谈会上的讲话", kind="project_delay", brief=BRIEF,
    parts=[
        DraftPart(role="opening", text="今天约谈北岸镇人民政府和青石县水利局。"),
        DraftPart(role="issues", number=1, heading="正视问题",
                  text="一、正视问题\n北岸镇污水管网工程完成率仅40%；灌区改造工程计划6月30日完成，至今未开工。"),
        DraftPart(role="rectification", number=2, heading="抓好整改", text="二、抓好整改\n7月31日前报送整改方案。"),
    ],
)  # fmt: skip
PAGE = """
import os
from pathlib import Path

from assistant.domain.brief import parse_brief
from assistant.domain.models import Draft
from assistant.ui.panels.companion_panel import show_companions

draft = Draft.model_validate_json(Path(os.environ["COMPANION_TEST_DRAFT"]).read_text(encoding="utf-8"))
show_companions(draft, parse_brief(draft.brief))
"""


@pytest.fixture
def panel_url(tmp_path):
    _require_browser()
    parse_brief(BRIEF)  # the brief is valid as written
    script = tmp_path / "panel.py"
    script.write_text(PAGE, encoding="utf-8")
    draft_file = tmp_path / "draft.json"
    draft_file.write_text(DRAFT.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "COMPANION_TEST_DRAFT": str(draft_file), "PYTHONPATH": str(REPO / "src")}
    with serve_streamlit(script, tmp_path, env) as url:
        yield url


def test_companion_downloads_carry_the_briefs_units_and_blanks(panel_url, tmp_path):
    from playwright.sync_api import sync_playwright

    got: dict[str, bytes] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(panel_url)
        page.get_by_text("配套文书").click()
        for label in ("约谈通知（.docx）", "约谈纪要（.docx）", "整改责任清单（.xlsx）", "大字版讲话稿（.docx）"):
            button = page.get_by_role("button", name=label)
            button.wait_for(timeout=60_000)
            with page.expect_download(timeout=60_000) as info:
                button.click()
            download = info.value
            path = tmp_path / "dl" / download.suggested_filename
            download.save_as(path)
            got[label] = path.read_bytes()
        browser.close()
    sheet = openpyxl.load_workbook(io.BytesIO(got["整改责任清单（.xlsx）"])).active
    rows = [[str(c.value or "") for c in row] for row in sheet.iter_rows()]
    header = next(i for i, r in enumerate(rows) if "责任单位" in r)
    units = {r[rows[header].index("责任单位")] for r in rows[header + 1:] if any(r)}
    assert units == set(BRIEF["targets"])
    assert all(r[rows[header].index("责任人")] == FILL_MARK for r in rows[header + 1:] if any(r))
    notice = "\n".join(p.text for p in Document(io.BytesIO(got["约谈通知（.docx）"])).paragraphs)
    assert all(u in notice for u in BRIEF["targets"]) and "县政府第二会议室" in notice
    minutes = "\n".join(p.text for p in Document(io.BytesIO(got["约谈纪要（.docx）"])).paragraphs)
    assert "40%" in minutes and "7月31日前" in minutes
    large = "\n".join(p.text for p in Document(io.BytesIO(got["大字版讲话稿（.docx）"])).paragraphs)
    assert "今天约谈北岸镇人民政府和青石县水利局。" in large
