"""The page at a laptop's 1366×768 in a real headless Chromium (issue 19, point 7).

Where the progress of a drafting appears after 生成初稿, whether any label or button is cut,
how wide the sidebar is, how the speech's title wraps, and a field typed during the first-start
indexing surviving a refresh. Uses test_browser.py's served app and browser; skipped without a
browser unless ASSISTANT_REQUIRE_BROWSER=1.

ASSISTANT_SCREENSHOTS=<dir> keeps the screenshots taken here (to look at them).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.fakes.server import Reply
from tests.integration.test_browser import (  # noqa: F401 - fixtures used by name
    REPO,
    SPEECH_PARTS,
    _app_env,
    _fill_brief,
    _page,
    _require_browser,
    _saved_brief_has,
    _wait_ready,
    fake,
    serve_streamlit,
    served_app,
    slow_indexing_env,
)
from tests.scenario import BRIEF, OUTLINE

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
SHOTS = os.environ.get("ASSISTANT_SCREENSHOTS")

#: Every label and button text in the drafting tab that does not show whole (wider or taller
#: inside than its box: cut or "…"), the selected kind included.
CUT_TEXTS_JS = """
() => {
  const tab = document.querySelector('[data-testid=stTabPanel]:not([hidden])') || document;
  const boxes = tab.querySelectorAll(
    '[data-testid=stWidgetLabel], [data-testid=stWidgetLabel] *, button, button *, [data-baseweb=select] [value], [data-baseweb=select] div');
  const cut = [];
  for (const el of boxes) {
    if (!el.offsetParent || !el.innerText || !el.innerText.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1 || getComputedStyle(el).textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth)
      cut.push(el.innerText.trim());
  }
  return [...new Set(cut)];
}
"""

#: The speech's title as drawn: the characters on each of its lines.
TITLE_LINES_JS = """
() => {
  const p = [...document.querySelectorAll('.speech-doc p')].find(e => getComputedStyle(e).textAlign === 'center');
  if (!p) return null;
  const lines = new Map();
  const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i); range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (!rect) continue;
      const top = Math.round(rect.top);
      lines.set(top, (lines.get(top) || '') + node.data[i]);
    }
  }
  return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(e => e[1]);
}
"""


def _shot(page, name: str, tmp_path: Path) -> None:
    folder = Path(SHOTS) if SHOTS else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / name))


def _scroll_to(locator, attempts: int = 5) -> None:
    """Scroll an element into view, again if a rerun replaced it meanwhile (detached from the DOM)."""
    from playwright.sync_api import Error

    for n in range(attempts):
        try:
            locator.scroll_into_view_if_needed(timeout=10_000)
            return
        except Error:
            if n == attempts - 1:
                raise
            time.sleep(0.5)


def _in_view(box: dict | None, height: int = LAPTOP["height"]) -> bool:
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


def test_at_1366_nothing_is_cut_progress_is_in_view_and_the_title_wraps_evenly(served_app, fake, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    fake.reset()
    # Slow enough to see the progress on a loaded machine: the outline streams for ~10 s.
    fake.queue(Reply(text=OUTLINE, chunk_size=10, chunk_delay=0.4), *(Reply(text=t, chunk_size=20) for t in SPEECH_PARTS))
    with _page(served_app.url) as page:
        page.set_viewport_size(LAPTOP)
        _wait_ready(page)
        time.sleep(1)  # the last fonts and widths settle
        _shot(page, "laptop-form.png", tmp_path)
        sidebar = page.locator("[data-testid=stSidebar]").bounding_box()
        assert sidebar is not None and sidebar["width"] <= 240, sidebar  # Streamlit's default: 300 px
        assert page.evaluate(CUT_TEXTS_JS) == []
        _scroll_to(page.get_by_role("button", name="生成初稿"))
        assert page.evaluate(CUT_TEXTS_JS) == []  # the buttons at the form's foot, "先拟提纲，改…" was cut
        _shot(page, "laptop-buttons.png", tmp_path)

        _fill_brief(page, BRIEF, served_app.data_dir)
        go = page.get_by_role("button", name="生成初稿")
        _scroll_to(go)  # the form may still be redrawn by the rerun that saved the last field
        assert _in_view(go.bounding_box())
        go.click()
        stage = page.get_by_text("正在拟定提纲").first
        try:
            expect(stage).to_be_visible(timeout=20_000)
        except AssertionError:
            # On a loaded machine the click can land while a rerun redraws the form and be lost;
            # the button is then still there and enabled (once taken, it gives way to the progress).
            if go.count() and go.is_enabled():
                go.click()
            expect(stage).to_be_visible(timeout=40_000)
        _shot(page, "laptop-progress.png", tmp_path)
        # Where the clerk is looking: the stage line and 停止, without scrolling.
        assert _in_view(stage.bounding_box()), stage.bounding_box()
        assert _in_view(page.get_by_role("button", name="停止").bounding_box())

        expect(page.get_by_text("初稿完成").first).to_be_visible(timeout=90_000)
        title = page.locator(".speech-doc").first
        _scroll_to(title)
        time.sleep(0.5)
        _shot(page, "laptop-draft.png", tmp_path)
        lines = page.evaluate(TITLE_LINES_JS)
        assert lines and "".join(lines) == BRIEF["title"], lines
        # Wrapped into even lines: not one or two characters left alone on the last.
        assert min(len(line) for line in lines) * 2 >= max(len(line) for line in lines), lines
        assert "Traceback" not in page.content()


def test_a_field_typed_while_the_corpus_is_indexed_survives_a_refresh(tmp_path, use_corpus, fake_openai):
    from playwright.sync_api import expect

    _require_browser()
    # 2 × 15 s of indexing: the typing, the save and a reload must all fall inside it on a loaded machine
    env = slow_indexing_env(tmp_path, use_corpus, fake_openai, delay=15)
    meeting_name = "北岸镇燃气管道安全隐患整改约谈会"
    with serve_streamlit(REPO / "app.py", tmp_path, env) as url, _page(url) as page:
        bar = page.get_by_text("首次启动：正在导入内置范文").first
        meeting = page.get_by_label("会议名称")
        expect(meeting).to_be_editable(timeout=60_000)
        expect(bar).to_be_visible()
        meeting.fill(meeting_name)
        meeting.press("Tab")
        # Saved at once, while the bar still moves (it was saved only when indexing ended).
        deadline = time.monotonic() + 5
        while not _saved_brief_has(tmp_path / "data", page, meeting_name):
            assert time.monotonic() < deadline, "the field was not saved during indexing"
            time.sleep(0.1)
        assert bar.is_visible()
        page.reload()
        expect(page.get_by_label("会议名称")).to_have_value(meeting_name, timeout=30_000)
        expect(page.get_by_text("首次启动：正在导入内置范文").first).to_be_visible()
        # Typing on after the refresh, and the run that ends the indexing, keep both fields.
        speaker = page.get_by_label("讲话人")
        speaker.fill("北岸镇人民政府镇长")
        speaker.press("Tab")
        expect(page.get_by_text("内置范文导入完成：2 篇。")).to_be_visible(timeout=90_000)
        expect(page.get_by_label("会议名称")).to_have_value(meeting_name)
        expect(page.get_by_label("讲话人")).to_have_value("北岸镇人民政府镇长")
        assert "Traceback" not in page.content()
