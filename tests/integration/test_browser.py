"""The real page in a real headless Chromium: `streamlit run app.py` with the fake model server.

Uses Debian's /usr/bin/chromium (Playwright cannot download its own browsers here). Skipped when
no browser is installed, unless ASSISTANT_REQUIRE_BROWSER=1 (CI sets it), which makes it fail.
One app serves the whole module (its first start indexes two corpus speeches once); every test
opens its own browser page, so its own session.

ASSISTANT_UPDATE_SCREENSHOTS=1 writes the README's screenshot (docs/images/draft.png).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.fakes.server import FakeOpenAI, Reply
from tests.ports import start_server
from tests.scenario import BRIEF, HEADINGS, OUTLINE, part_replies
from tests.shared import CORPUS, REPO

# Read at import, before conftest's autouse fixture clears every ASSISTANT_* variable.
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("ASSISTANT_REQUIRE_BROWSER") == "1"
UPDATE_SCREENSHOTS = os.environ.get("ASSISTANT_UPDATE_SCREENSHOTS") == "1"
SCREENSHOT = REPO / "docs" / "images" / "draft.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: English Streamlit draws itself; none of it may be visible on the page.
ENGLISH_CHROME = ("Deploy", "Rerun", "Running...", "Press Enter", "Drag and drop", "Browse files", "Upload", "per file")

pytestmark = pytest.mark.browser

#: What the fake model writes for the drafted speech (original text; only the brief's facts),
#: in the form real models answer: section 1 restates its heading in Markdown.
SPEECH_PARTS = [
    "今天，县政府召开二季度重点项目推进滞后单位集体约谈会，对青石县交通运输局、青石县水利局和云溪镇人民政府"
    "进行约谈。这次约谈是县政府研究决定的，目的是动真碰硬、传导压力，推动滞后项目尽快扭转被动局面。下面，我讲几点意见。",
    f"### **一、{HEADINGS[0]}**\n\n（一）全县投资进度明显落后。二季度全县42个县级重点项目完成投资18.6亿元，"
    "占年度计划的38.2%，与时间过半、任务过半的要求差距明显。\n（二）重点工程拖了后腿。县城东环路改造工程形象进度"
    "仅完成计划的35%，沿线群众出行不便，意见很大；云溪水库除险加固工程征地迟迟未完成，汛期安全隐患不容忽视。",
    "一是思想认识不到位。个别单位把重点项目当成一般性工作，满足于开会部署，缺少一抓到底的劲头。\n"
    "二是责任传导不到位。征地、资金等问题层层上交、相互推诿，没有人真正扛起来。\n"
    "三是工作作风不扎实。调度会开了不少，现场去得不多，问题清单长期挂账，没有形成闭环。",
    f"三、{HEADINGS[2]}\n（一）对青石县交通运输局予以全县通报批评。\n（二）被约谈单位要端正态度，正确对待这次约谈，"
    "把约谈意见不折不扣落到实处，不得推诿，不得敷衍。",
    "一要倒排工期抓进度。8月10日前，各被约谈单位报送整改方案，明确责任人、时间表和路线图。\n"
    "二要攻坚克难抓要素。9月30日前完成全部征地签约，有关部门要主动上门服务，限时办结。\n"
    "三要跟踪问效抓督查。县政府每半月通报一次进展，对整改不力的，依规依纪严肃追责问责。",
    "同志们，时间不等人，任务不等人。希望大家以这次约谈为新的起点，知耻后勇、奋起直追，以项目建设的实际成效检验约谈成果。",
]


def _require_browser() -> None:
    if not Path(CHROMIUM).exists():
        message = f"找不到浏览器 {CHROMIUM}（apt-get install chromium）"
        if REQUIRE_BROWSER:
            pytest.fail(message)
        pytest.skip(message)


def _app_env(tmp_path: Path, corpus: Path, **env_vars: str) -> dict[str, str]:
    """The environment of a served app: an empty data dir, the given corpus, no real endpoint."""
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


#: Flags for a script served without the project's .streamlit/config.toml.
SERVE_FLAGS = ("--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false")


@contextlib.contextmanager
def serve_streamlit(script: Path, cwd: Path, env: dict[str, str], flags: tuple[str, ...] = SERVE_FLAGS):
    """`streamlit run script` on a free local port; yields its URL once /_stcore/health answers.

    ``flags=()`` leaves everything but the port to the .streamlit/config.toml in ``cwd``.
    """
    log = open(cwd / "streamlit.log", "w")  # noqa: SIM115 - closed in the teardown

    def launch(port: int) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port), *flags],
            cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip

    def answers(port: int) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    try:
        port, proc = start_server(launch, answers, 60, "streamlit")
    except BaseException:
        log.close()
        print((cwd / "streamlit.log").read_text())
        raise
    url = f"http://127.0.0.1:{port}"
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def fake():
    with FakeOpenAI(api_key="test-key") as srv:
        yield srv


class Served(NamedTuple):
    """The served app: its address and its ASSISTANT_DATA_DIR."""

    url: str
    data_dir: Path


@pytest.fixture(scope="module")
def served_app(tmp_path_factory, vector_cache, fake):
    """The app as `make run` starts it (its .streamlit/config.toml), drafting with the fake model."""
    _require_browser()
    root = tmp_path_factory.mktemp("served")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("work_safety-01.md", "project_delay-01.md"):
        shutil.copy(CORPUS / name, corpus / name)
    (root / ".streamlit").mkdir()
    shutil.copy(REPO / ".streamlit" / "config.toml", root / ".streamlit" / "config.toml")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_") and not k.startswith("OPENAI_")}
    env.update({
        "ASSISTANT_DATA_DIR": str(root / "data"),
        "ASSISTANT_CACHE_DIR": str(vector_cache),
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "OPENAI_API_KEY": "test-key",
        "OPENAI_BASE_URL": fake.base_url,
        "ASSISTANT_MODEL": "fake-model",
        "ASSISTANT_PROVIDER": "custom",
        "ASSISTANT_LLM_MAX_RETRIES": "0",
        # Serve this checkout's code, not whichever checkout the venv was installed from.
        "PYTHONPATH": str(REPO / "src"),
    })  # fmt: skip
    with serve_streamlit(REPO / "src" / "assistant" / "ui" / "server.py", root, env, flags=()) as url:
        yield Served(url, root / "data")


def slow_indexing_env(tmp_path: Path, use_corpus, fake_openai, delay: float = 8) -> dict[str, str]:
    """The app's env with first-start indexing made slow on purpose: embeddings come from the fake
    server, each answer ``delay`` s late (the shipped vectors are of another model, so they do not apply)."""
    corpus = use_corpus("work_safety-01.md", "food_market-01.md")
    fake_openai.queue_embedding(Reply(delay=delay), Reply(delay=delay))
    return _app_env(
        tmp_path, corpus,
        ASSISTANT_EMBEDDING_BACKEND="openai",
        ASSISTANT_EMBEDDING_BASE_URL=fake_openai.base_url,
        ASSISTANT_EMBEDDING_API_KEY="test-key",
        ASSISTANT_EMBEDDING_MODEL="fake-embedding",
        ASSISTANT_CACHE_DIR=str(tmp_path / "cache"),
    )  # fmt: skip


@contextlib.contextmanager
def _page(url: str, **context):
    """A page of the served app in Debian's headless Chromium (a new browser session)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1360, "height": 1000}, **context)
        page = ctx.new_page()
        page.goto(url)
        try:
            yield page
        finally:
            browser.close()


def _document(page) -> str:
    """The document as shown: its paragraphs in order, one per line."""
    return "\n".join(t.strip() for t in page.locator(".speech-doc p").all_inner_texts())


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _settled_document(page, expected: str | None = None, timeout: float = 30) -> str:
    """The document once the page has drawn all of it (equal to ``expected``, or unchanged for a second)."""
    deadline = time.monotonic() + timeout
    last, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = _document(page)
        if expected is not None and now == expected:
            return now
        if now != last:
            last, since = now, time.monotonic()
        elif expected is None and now and time.monotonic() - since > 1.0:
            return now
        time.sleep(0.2)
    return _document(page)


def _screenshot(page, path: Path) -> None:
    """The page from its top, tall enough for the form and the start of the speech."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1360, "height": 1250})
    page.evaluate("window.scrollTo(0, 0); document.querySelector('[data-testid=stMain]')?.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0 && (document.querySelector('[data-testid=stMain]')?.scrollTop ?? 0) === 0")
    page.screenshot(path=str(path))
    page.set_viewport_size({"width": 1360, "height": 1000})


def _saved_brief_has(data_dir: Path, page, text: str) -> bool:
    """Whether the page's session, as the app saved it on disk, holds the text (the form is saved as typed)."""
    session = parse_qs(urlsplit(page.url).query).get("s", [""])[0]
    path = data_dir / "sessions" / f"{session}.json"
    try:
        return text in json.dumps(json.loads(path.read_text(encoding="utf-8")), ensure_ascii=False)
    except (OSError, ValueError):
        return False


def _fill_brief(page, brief: dict, data_dir: Path) -> None:
    length = page.get_by_label("篇幅（字）", exact=True).and_(page.locator("input"))
    length.fill(str(brief["length"]))
    length.press("Enter")
    page.get_by_label("会议名称").fill(brief["meeting"])
    page.get_by_label("讲话人").fill(brief["speaker"])
    for label, field in (("约谈对象", "targets"), ("存在问题", "issues"), ("有关事实和数据", "facts"),
                         ("约谈决定", "decisions"), ("整改要求", "requirements")):  # fmt: skip
        page.get_by_label(label).fill("\n".join(brief[field]))
    page.get_by_label("标题（可不填）").fill(brief["title"])
    page.get_by_label("标题（可不填）").press("Enter")
    # The button is pressed only once the app has the last field (it saves the form as typed).
    deadline = time.monotonic() + 30
    while not _saved_brief_has(data_dir, page, brief["title"]):
        assert time.monotonic() < deadline, "the app never received the brief's title"
        time.sleep(0.1)


def _wait_ready(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_role("button", name="生成初稿")).to_be_enabled(timeout=120_000)


def test_search_in_real_browser(served_app, tmp_path):
    from playwright.sync_api import expect

    with _page(served_app.url) as page:
        _wait_ready(page)
        page.get_by_role("tab", name="范文库").click()
        expect(page.get_by_text("2 篇").first).to_be_visible(timeout=90_000)
        box = page.get_by_label("想找什么内容？用自己的话描述即可")
        box.fill("工人从脚手架上摔下来")
        box.press("Enter")
        expect(page.get_by_text("高处坠落").nth(1)).to_be_visible(timeout=30_000)
        # No English of Streamlit's own around the page (menu, Deploy, upload box, hints).
        assert page.locator("[data-testid=stMainMenu]").count() == 0
        visible = page.locator("body").inner_text()
        assert not [w for w in ENGLISH_CHROME if w in visible], visible
        assert "Traceback" not in page.content()


def test_draft_refresh_edit_restore_download_copy_in_real_browser(served_app, fake, tmp_path):
    from playwright.sync_api import expect

    fake.reset()
    fake.queue(Reply(text=OUTLINE, chunk_size=50), *(Reply(text=t, chunk_size=20) for t in SPEECH_PARTS))
    with _page(served_app.url, permissions=["clipboard-read", "clipboard-write"]) as page:
        _wait_ready(page)
        _fill_brief(page, BRIEF, served_app.data_dir)
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("初稿完成").first).to_be_visible(timeout=90_000)
        first = _settled_document(page)
        assert first.startswith(BRIEF["title"]) and f"四、{HEADINGS[3]}" in first
        assert first.count("同志们：") == 1  # the document once: no preview left beside it
        assert len(fake.chat_requests()) == 7  # outline and six parts: no length pass, no re-ask
        _screenshot(page, SCREENSHOT if UPDATE_SCREENSHOTS else tmp_path / "draft.png")

        # A refresh keeps the brief and the draft.
        url = page.url
        assert "s=" in url
        page.reload()
        expect(page.get_by_text(BRIEF["title"]).first).to_be_visible(timeout=60_000)
        expect(page.get_by_label("会议名称")).to_have_value(BRIEF["meeting"])
        expect(page.get_by_label("约谈对象")).to_have_value("\n".join(BRIEF["targets"]))
        assert _settled_document(page, first) == first

        # Download: the .txt is the document's text (UTF-8 with BOM and CRLF, for Notepad and WPS).
        with page.expect_download() as got:
            page.get_by_role("button", name="下载纯文本（.txt）").click()
        assert got.value.suggested_filename == BRIEF["title"] + ".txt"
        saved = Path(got.value.path()).read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
        assert _paragraphs(saved) == first.split("\n")  # the file sets the title off by a blank line

        # 复制全文: the clipboard holds the document's text, no markup.
        copy = page.frame_locator("iframe").first.get_by_role("button", name="复制全文")
        copy.click()
        expect(page.frame_locator("iframe").first.get_by_text("已复制")).to_be_visible(timeout=10_000)
        copied = page.evaluate("navigator.clipboard.readText()").replace("\r\n", "\n")
        assert _paragraphs(copied) == first.split("\n") and "<" not in copied and "**" not in copied

        # Edit mode: the whole text in a box; saving makes version 2.
        page.get_by_text("编辑全文").click()
        box = page.get_by_label("全文（每段一行；标题、称谓、一、二、三……标题各占一行）")
        expect(box).to_be_visible(timeout=30_000)
        assert box.input_value().rstrip("\n") == first
        edited = first.replace("同志们，", "同志们，务必记住：", 1)
        box.fill(edited)
        page.get_by_role("button", name="保存为新版本").click()
        expect(page.get_by_text("已保存为第 2 版（手动编辑）")).to_be_visible(timeout=30_000)
        assert _settled_document(page, edited) == edited

        # Restore version 1 from 我的稿件.
        page.get_by_role("tab", name="我的稿件").click()
        page.get_by_text("版本记录（2 版）").click()
        page.get_by_role("button", name="恢复此版本").click()
        expect(page.get_by_text("已恢复第 1 版（保存为第 3 版）")).to_be_visible(timeout=30_000)
        page.get_by_role("tab", name="起草讲话").click()
        expect(page.get_by_text("第 3 版：恢复第 1 版")).to_be_visible(timeout=30_000)
        assert _settled_document(page, first) == first
        assert "Traceback" not in page.content()


def test_stop_keeps_what_was_written_and_a_refresh_finds_a_running_draft(served_app, fake):
    from playwright.sync_api import expect

    fake.reset()
    replies = part_replies()
    # Slow mode: the first section streams a few characters every 0.25 s.
    slow = Reply(text=replies[1].text, chunk_size=8, chunk_delay=0.25)
    fake.queue(Reply(text=OUTLINE, chunk_size=50), replies[0], slow, *replies[2:])
    with _page(served_app.url) as page:
        _wait_ready(page)
        _fill_brief(page, BRIEF, served_app.data_dir)
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("正在撰写：一、").first).to_be_visible(timeout=60_000)
        # A refresh while the model writes: the page finds the drafting again and shows it to the end.
        page.reload()
        expect(page.get_by_text("正在撰写").first).to_be_visible(timeout=60_000)
        expect(page.get_by_text("初稿完成").first).to_be_visible(timeout=90_000)
        assert f"四、{HEADINGS[3]}" in _settled_document(page)

        # 停止 while the first section streams keeps what was written as an unfinished draft.
        fake.reset()
        fake.queue(Reply(text=OUTLINE, chunk_size=50), replies[0], Reply(text=replies[1].text, chunk_size=2, chunk_delay=0.3))
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("正在撰写：一、").first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="停止").click()
        expect(page.get_by_text("已按要求停止生成").first).to_be_visible(timeout=30_000)
        expect(page.get_by_role("button", name="继续生成")).to_be_visible()
        shown = _settled_document(page)
        assert "今天召开约谈会" in shown and "二、" not in shown
        assert len(fake.chat_requests()) == 3  # nothing asked of the model after 停止
        page.get_by_role("tab", name="我的稿件").click()
        expect(page.get_by_text("最新：生成（已停止，未完成）").first).to_be_visible()


def test_draft_check_fix_and_download_in_real_browser(served_app, fake, tmp_path):
    # The model wrote a slip (布署); 校对 finds it, one click fixes it as a new version, and the
    # downloaded .docx has the fixed text.
    import io

    from docx import Document
    from playwright.sync_api import expect

    fake.reset()
    parts = list(SPEECH_PARTS)
    parts[4] = parts[4].replace("明确责任人", "认真布署，明确责任人")
    fake.queue(Reply(text=OUTLINE, chunk_size=50), *(Reply(text=t, chunk_size=20) for t in parts))
    with _page(served_app.url) as page:
        _wait_ready(page)
        _fill_brief(page, BRIEF, served_app.data_dir)
        page.get_by_role("button", name="生成初稿").click()
        expect(page.get_by_text("初稿完成").first).to_be_visible(timeout=90_000)
        assert "认真布署" in _settled_document(page)
        page.get_by_text("校对", exact=True).click()
        fix = page.get_by_role("button", name="采用：“布署”改为“部署”")
        expect(fix).to_be_visible(timeout=60_000)
        fix.click()
        expect(page.locator(".speech-doc").filter(has_text="认真部署")).to_have_count(1, timeout=60_000)
        assert "布署" not in _settled_document(page)
        with page.expect_download(timeout=60_000) as info:
            page.get_by_role("button", name="下载 Word（公文格式）").click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
    text = "\n".join(p.text for p in Document(io.BytesIO(path.read_bytes())).paragraphs)
    assert "认真部署" in text and "布署" not in text
    assert path.name == BRIEF["title"] + ".docx"


def test_first_start_keeps_the_form_usable_while_indexing(tmp_path, use_corpus, fake_openai):
    from playwright.sync_api import expect

    _require_browser()
    env = slow_indexing_env(tmp_path, use_corpus, fake_openai)
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
