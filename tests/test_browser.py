"""The real page in a real headless Chromium: start `streamlit run app.py`, search, see results.

Uses Debian's /usr/bin/chromium (Playwright cannot download its own browsers here). Skipped when
no browser is installed, unless ASSISTANT_REQUIRE_BROWSER=1 (CI sets it), which makes it fail.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.shared import REPO

# Read at import, before conftest's autouse fixture clears every ASSISTANT_* variable.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("ASSISTANT_REQUIRE_BROWSER") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        message = f"找不到浏览器 {CHROMIUM}（apt-get install chromium）"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _app_env(tmp_path: Path, corpus: Path, **env_vars: str) -> dict[str, str]:
    """The environment of the served app: an empty data dir, the given corpus, no real endpoint."""
    env = {
        **os.environ,
        "ASSISTANT_DATA_DIR": str(tmp_path / "data"),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        # Serve this checkout's code, not whichever checkout the venv was installed from.
        "PYTHONPATH": str(REPO / "src"),
    }
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ASSISTANT_CHROMA_URL"):
        env.pop(var, None)
    return {**env, **env_vars}


@pytest.fixture
def served_app(tmp_path, vector_cache, use_corpus):
    _require_browser()
    corpus = use_corpus("work_safety-01.md", "food_market-01.md")
    env = _app_env(tmp_path, corpus, ASSISTANT_CACHE_DIR=str(vector_cache))
    with serve_streamlit(REPO / "app.py", tmp_path, env) as url:
        yield url


@contextlib.contextmanager
def serve_streamlit(script: Path, cwd: Path, env: dict[str, str]):
    """`streamlit run script` on a free local port; yields its URL once /_stcore/health answers."""
    port = _free_port()
    log = open(cwd / "streamlit.log", "w")  # noqa: SIM115 - closed in the teardown
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.terminate()
        log.close()
        pytest.fail("streamlit did not start: " + (cwd / "streamlit.log").read_text())
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextlib.contextmanager
def _page(url: str):
    """A page of the served app in Debian's headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(url)
        try:
            yield page
        finally:
            browser.close()


def test_search_in_real_browser(served_app, tmp_path):
    from playwright.sync_api import expect

    with _page(served_app) as page:
        expect(page.get_by_text("约谈讲话写作助手").first).to_be_visible(timeout=60_000)
        # The tabs appear once first-start indexing is done (slow on a busy machine).
        tab = page.get_by_role("tab", name="范文库")
        expect(tab).to_be_visible(timeout=180_000)
        tab.click()
        # First start indexes the two bundled speeches, then shows the library size.
        expect(page.get_by_text("2 篇").first).to_be_visible(timeout=90_000)
        box = page.get_by_label("想找什么内容？用自己的话描述即可")
        box.fill("学校食堂出了问题谁来负责")
        box.press("Enter")
        expect(page.get_by_text("食堂").nth(1)).to_be_visible(timeout=30_000)
        page.screenshot(path=str(tmp_path / "search.png"), full_page=True)
        assert "Traceback" not in page.content()


def test_offline_draft_in_real_browser(served_app, tmp_path):
    from playwright.sync_api import expect

    with _page(served_app) as page:
        expect(page.get_by_text("生成初稿").first).to_be_visible(timeout=90_000)
        page.get_by_label("会议名称").fill("青石县学校食堂食品安全问题约谈会")
        page.get_by_label("讲话人").fill("青石县人民政府副县长")
        page.get_by_label("约谈对象").fill("青石县教育局\n青石县市场监督管理局")
        page.get_by_label("存在问题").fill("部分学校食堂原料进货查验记录缺失")
        page.get_by_label("约谈决定").fill("对青石县教育局予以通报批评")
        page.get_by_label("整改要求").fill("9月30日前完成全县学校食堂专项检查")
        page.get_by_text("生成初稿").click()
        expect(page.get_by_text("下载纯文本（.txt）")).to_be_visible(timeout=90_000)
        body = page.locator("code").first.inner_text()
        assert "同志们：" in body and "对青石县教育局予以通报批评" in body
        assert "9月30日前完成全县学校食堂专项检查" in body
        expect(page.get_by_text("识别为“食品安全/市场监管约谈”").first).to_be_visible()
        page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)


def test_draft_check_fix_and_download_in_real_browser(served_app, tmp_path):
    # The writer typed a slip into the brief (布署); the draft carries it, 校对 finds it, one
    # click fixes it, and the downloaded .docx has the fixed text.
    import io

    from docx import Document
    from playwright.sync_api import expect

    with _page(served_app) as page:
        expect(page.get_by_text("生成初稿").first).to_be_visible(timeout=90_000)
        page.get_by_label("会议名称").fill("青石县学校食堂食品安全问题约谈会")
        page.get_by_label("讲话人").fill("青石县人民政府副县长")
        page.get_by_label("约谈对象").fill("青石县教育局")
        page.get_by_label("存在问题").fill("部分学校食堂原料进货查验记录缺失")
        page.get_by_label("约谈决定").fill("对青石县教育局予以通报批评")
        page.get_by_label("整改要求").fill("9月30日前布署完成全县学校食堂专项检查")
        page.get_by_text("生成初稿").click()
        expect(page.get_by_text("下载纯文本（.txt）")).to_be_visible(timeout=90_000)
        assert "布署" in page.locator("code").first.inner_text()
        page.get_by_text("校对", exact=True).click()
        fix = page.get_by_role("button", name="采用：“布署”改为“部署”")
        expect(fix).to_be_visible(timeout=60_000)
        fix.click()
        expect(page.locator("code").first).to_contain_text("9月30日前部署完成", timeout=60_000)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载 Word（公文格式）").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "9月30日前部署完成" in text and "布署" not in text
    assert path.name == "在青石县学校食堂食品安全问题约谈会上的讲话.docx"


def test_first_start_keeps_the_form_usable_while_indexing(tmp_path, use_corpus, fake_openai):
    from playwright.sync_api import expect

    from tests.fakes.server import Reply

    _require_browser()
    # Indexing made slow on purpose: embeddings come from the fake server, each answer 8 s late
    # (the shipped vectors are of another model, so they do not apply).
    corpus = use_corpus("work_safety-01.md", "food_market-01.md")
    fake_openai.queue_embedding(Reply(delay=8), Reply(delay=8))
    env = _app_env(
        tmp_path, corpus,
        ASSISTANT_EMBEDDING_BACKEND="openai",
        ASSISTANT_EMBEDDING_BASE_URL=fake_openai.base_url,
        ASSISTANT_EMBEDDING_API_KEY="test-key",
        ASSISTANT_EMBEDDING_MODEL="fake-embedding",
        ASSISTANT_CACHE_DIR=str(tmp_path / "cache"),
    )  # fmt: skip
    with serve_streamlit(REPO / "app.py", tmp_path, env) as url, _page(url) as page:
        meeting = page.get_by_label("会议名称")
        expect(meeting).to_be_editable(timeout=60_000)
        # The form is there while the bar above it still moves.
        expect(page.get_by_text("首次启动：正在导入内置范文").first).to_be_visible()
        meeting.fill("青石县学校食堂食品安全问题约谈会")
        speaker = page.get_by_label("讲话人")
        speaker.fill("青石县人民政府副县长")
        speaker.press("Tab")
        expect(page.get_by_text("内置范文导入完成：2 篇。")).to_be_visible(timeout=90_000)
        # What was typed survives the runs during indexing and the one after it.
        expect(meeting).to_have_value("青石县学校食堂食品安全问题约谈会")
        expect(speaker).to_have_value("青石县人民政府副县长")
        page.get_by_role("tab", name="范文库").click()
        expect(page.get_by_text("2 篇").first).to_be_visible(timeout=30_000)
        assert "Traceback" not in page.content()
