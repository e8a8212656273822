"""The export panel in a real headless Chromium: downloads named after the title, 复制全文.

Serves a one-widget page (the panel over a fixed draft) with `streamlit run`, so the test does
not wait for the library. Skipped without a browser unless ASSISTANT_REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import io
import os

import pytest
from docx import Document
from docx.oxml.ns import qn

from assistant.domain.models import Draft, DraftPart
from assistant.export.formats import export_bytes
from tests.integration.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    _require_browser,
    serve_streamlit,
)
from tests.shared import REPO

pytestmark = pytest.mark.browser

TITLE = "在东湖区安全生产工作约谈会上的讲话"
DRAFT = Draft(
    title=TITLE,
    parts=[
        DraftPart(role="title", text=TITLE),
        DraftPart(role="salutation", text="同志们："),
        DraftPart(role="opening", text="今天召开约谈会。下面，我讲两点意见。"),
        DraftPart(role="harm", number=1, heading="正视问题", text="一、正视问题\n（一）责任不实。“安全第一”——不能只挂在嘴上。"),
        DraftPart(role="rectification", number=2, heading="抓好整改", text="二、抓好整改\n一要压实责任。7月15日前报送整改报告。"),
        DraftPart(role="closing", text="同志们，希望大家把整改落到实处！"),
    ],
)

PAGE = """
import os
from pathlib import Path

from assistant.domain.models import Draft
from assistant.ui.panels.export_panel import show_export

show_export(Draft.model_validate_json(Path(os.environ["EXPORT_TEST_DRAFT"]).read_text(encoding="utf-8")))
"""

# Takes navigator.clipboard away inside frames, as on a plain-http address (no secure context).
NO_CLIPBOARD_API = """
if (window.top !== window) {
  Object.defineProperty(Navigator.prototype, "clipboard", { get: () => undefined, configurable: true });
}
"""


@pytest.fixture
def panel_url(tmp_path):
    _require_browser()
    script = tmp_path / "panel.py"
    script.write_text(PAGE, encoding="utf-8")
    draft_file = tmp_path / "draft.json"
    draft_file.write_text(DRAFT.model_dump_json(), encoding="utf-8")
    env = {**os.environ, "EXPORT_TEST_DRAFT": str(draft_file), "PYTHONPATH": str(REPO / "src")}
    with serve_streamlit(script, tmp_path, env) as url:
        yield url


def _browser(p):
    return p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)


def test_downloads_are_named_after_the_title(panel_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        page = browser.new_context(accept_downloads=True).new_page()
        page.goto(panel_url)
        expect(page.get_by_role("button", name="下载 Word（公文格式）")).to_be_visible(timeout=60_000)
        got: dict[str, bytes] = {}
        for label in ("下载 Word（公文格式）", "下载纯文本（.txt）", "下载 Markdown（.md）"):
            with page.expect_download(timeout=30_000) as info:
                page.get_by_role("button", name=label).click()
            download = info.value
            path = tmp_path / "dl" / download.suggested_filename
            download.save_as(path)
            got[download.suggested_filename] = path.read_bytes()
        browser.close()
    assert set(got) == {f"{TITLE}.docx", f"{TITLE}.txt", f"{TITLE}.md"}
    assert got[f"{TITLE}.txt"] == export_bytes(DRAFT, "txt")
    assert got[f"{TITLE}.md"] == export_bytes(DRAFT, "md")
    doc = Document(io.BytesIO(got[f"{TITLE}.docx"]))
    assert round(doc.sections[0].top_margin / 36000) == 37
    first = doc.paragraphs[0].runs[0]
    assert first.text == TITLE and first._element.rPr.rFonts.get(qn("w:eastAsia")) == "方正小标宋简体"


@pytest.mark.parametrize("api", ["clipboard_api", "textarea_fallback"])
def test_copy_all_puts_the_plain_text_on_the_clipboard(panel_url, api):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = _browser(p)
        context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
        if api == "textarea_fallback":
            context.add_init_script(NO_CLIPBOARD_API)
        page = context.new_page()
        page.goto(panel_url)
        frame = page.frame_locator("iframe").first
        button = frame.get_by_role("button", name="复制全文")
        expect(button).to_be_visible(timeout=60_000)
        button.click()
        expect(frame.get_by_text("已复制")).to_be_visible(timeout=10_000)
        via = frame.locator("#done").get_attribute("data-via")
        copied = page.evaluate("navigator.clipboard.readText()")
        browser.close()
    assert copied.replace("\r\n", "\n") == export_bytes(DRAFT, "txt").decode("utf-8-sig").replace("\r\n", "\n")
    assert "**" not in copied and "#" not in copied
    assert via == ("api" if api == "clipboard_api" else "textarea")
