"""The 起草讲话 tab through AppTest: offline draft, LLM draft via the fake server, revise, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fakes.server import Reply
from tests.scenario import BRIEF, HEADINGS, script
from tests.shared import APP


@pytest.fixture
def small_corpus(use_corpus) -> Path:
    return use_corpus("project_delay-01.md", "petition-02.md")


def _fill(at: AppTest, brief: dict) -> AppTest:
    if brief.get("kind"):
        at.selectbox(key="brief_kind").set_value(brief["kind"])
    at.number_input(key="brief_length").set_value(brief["length"])
    at.text_input(key="brief_meeting").input(brief["meeting"])
    at.text_input(key="brief_speaker").input(brief["speaker"])
    for field in ("targets", "issues", "facts", "decisions", "requirements"):
        at.text_area(key=f"brief_{field}").input("\n".join(brief[field]))
    at.text_input(key="brief_title").input(brief["title"])
    submit = next(b for b in at.button if b.label == "生成初稿")
    submit.click()
    at.run()
    assert not at.exception, at.exception
    return at


def _start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    return at


def _draft_text(at: AppTest) -> str:
    return at.code[0].value


def test_offline_draft_without_llm(small_corpus, data_dir):
    at = _fill(_start(), {**BRIEF, "length": 1500})
    text = _draft_text(at)
    assert text.startswith(BRIEF["title"]) and "同志们：" in text
    for item in BRIEF["targets"] + BRIEF["decisions"] + BRIEF["requirements"]:
        assert item in text
    assert any("离线组稿" in i.value for i in at.info)
    assert at.get("download_button")
    saved = list((data_dir / "drafts").glob("draft-*.json"))
    assert len(saved) == 1 and json.loads(saved[0].read_text(encoding="utf-8"))["mode"] == "offline"


def test_kind_detected_when_left_on_auto(small_corpus, data_dir):
    at = _fill(_start(), {**BRIEF, "kind": None, "length": 1500})
    assert any("识别为“重点项目推进滞后约谈”" in c.value for c in at.caption)
    saved = next((data_dir / "drafts").glob("draft-*.json"))
    assert json.loads(saved.read_text(encoding="utf-8"))["kind"] == "project_delay"


def test_missing_fields_show_chinese_errors(small_corpus):
    at = _start()
    submit = next(b for b in at.button if b.label == "生成初稿")
    submit.click()
    at.run()
    assert not at.exception
    message = at.error[0].value
    assert "meeting（会议名称）" in message and "targets（约谈对象）" in message
    assert not at.code


def test_llm_draft_streams_and_revises(small_corpus, fake_openai, monkeypatch, data_dir):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    script(fake_openai)
    at = _fill(_start(), BRIEF)
    text = _draft_text(at)
    for n, heading in zip("一二三四", HEADINGS, strict=True):
        assert f"{n}、{heading}" in text
    assert any("初稿完成" in s.value for s in at.success)
    # Revise part 2 with a preset; the other parts stay as they were.
    fake_openai.queue(Reply(text="一是思想上松劲懈怠。\n二是工作中推诿扯皮，必须严肃纠正。", chunk_size=50))
    at.selectbox(key="revise_part").set_value(2)
    at.selectbox(key="revise_preset").set_value("更严厉")
    at.button(key="revise_go").click().run()
    assert not at.exception, at.exception
    new_text = _draft_text(at)
    assert "推诿扯皮，必须严肃纠正" in new_text
    assert new_text.split("二、")[0] == text.split("二、")[0]
    assert new_text.split("三、")[1] == text.split("三、")[1]
    assert len(list((data_dir / "drafts").glob("draft-*.json"))) == 2


def test_llm_failure_keeps_partial_text(small_corpus, fake_openai, monkeypatch, data_dir):
    monkeypatch.setenv("OPENAI_API_KEY", "wrong-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    at = _fill(_start(), BRIEF)
    assert any("OPENAI_API_KEY" in e.value for e in at.error)
    assert "Traceback" not in "\n".join(e.value for e in at.error)


def test_chatty_model_and_cut_stream_in_the_page(small_corpus, fake_openai, monkeypatch, data_dir):
    from tests.fakes.server import Reply as R
    from tests.test_chatty_model import CHATTER, CHATTY_OUTLINE, PARTS

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    fake_openai.queue(R(text=CHATTY_OUTLINE, chunk_size=9), *(R(text=p, chunk_size=6) for p in PARTS))
    at = _fill(_start(), BRIEF)
    text = _draft_text(at)
    assert text.count("同志们：") == 1 and not CHATTER.search(text)
    # A stream cut mid-part is an interruption with 继续生成, never a finished draft.
    from tests.scenario import OUTLINE, part_replies

    fake_openai.queue(R(text=OUTLINE, chunk_size=50), part_replies()[0], R(text="一是项目进度严重滞后，" * 5, chunk_size=10, cut_after=2))
    at = _fill(at, BRIEF)
    assert not any("初稿完成" in s.value for s in at.success)
    assert any("中断" in e.value and "partial-" in e.value for e in at.error)
    assert at.button(key="resume_go")
    assert list((data_dir / "drafts").glob("partial-*.json"))


def test_a_part_that_writes_the_next_heading_in_the_page(small_corpus, fake_openai, monkeypatch, data_dir):
    # A model that goes on into the next part: the page shows each heading once, in order,
    # and says the part was cut and asked for again.
    from tests.fakes.server import Reply as R
    from tests.scenario import HEADINGS, OUTLINE, part_replies

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    replies = part_replies()
    runaway = R(text=replies[1].text + f"\n二、{HEADINGS[1]}\n一是责任传导层层递减。", chunk_size=8)
    fake_openai.queue(R(text=OUTLINE, chunk_size=50), replies[0], runaway, *replies[1:])
    at = _fill(_start(), BRIEF)
    assert not at.exception, at.exception
    text = _draft_text(at)
    headings = [line for line in text.split("\n") if line[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == [f"{n}、{h}" for n, h in zip("一二三四", HEADINGS, strict=True)]
    assert text.count("同志们：") == 1
    shown = "\n".join(w.value for w in [*at.warning, *at.info, *at.caption])
    assert "已截去并重新生成" in shown, shown
    again = fake_openai.chat_requests()[3].json["messages"][-1]["content"]
    assert "写到了其他部分" in again


def test_settings_tab_configures_llm_for_the_session(small_corpus, fake_openai):
    at = _start()
    assert any("离线组稿" in i.value for i in at.info)
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_key").input("test-key")
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(fake_openai.base_url)
    next(b for b in at.button if b.label == "保存设置").click()
    at.run()
    assert any("fake-model" in s.value for s in at.success)
    fake_openai.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert any("连接正常" in s.value for s in at.success)
    # The drafting tab now uses that model.
    script(fake_openai)
    at = _fill(at, BRIEF)
    assert any("初稿完成" in s.value for s in at.success)
    assert fake_openai.chat_requests()[-1].headers["authorization"] == "Bearer test-key"


def test_polish_keeps_facts_or_refuses(small_corpus, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    script(fake_openai)
    at = _fill(_start(), BRIEF)
    before = _draft_text(at)
    # A "polished" text that drops every fact is refused and the draft stays as it was.
    fake_openai.queue(Reply(text="同志们：\n今天开会。\n一、问题\n有问题。\n二、原因\n有原因。\n三、决定\n有决定。\n四、整改\n要整改。"))
    at.button(key="polish_go").click().run()
    assert not at.exception, at.exception
    assert at.warning and _draft_text(at) == before


def test_outline_first_then_edited_outline_is_followed(small_corpus, fake_openai, monkeypatch):
    from tests.test_drafting import OUTLINE, part_replies

    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    fake_openai.queue(Reply(text=OUTLINE, chunk_size=50))
    at = _start()
    if BRIEF.get("kind"):
        at.selectbox(key="brief_kind").set_value(BRIEF["kind"])
    at.number_input(key="brief_length").set_value(BRIEF["length"])
    for key in ("meeting", "speaker", "title"):
        at.text_input(key=f"brief_{key}").input(BRIEF[key])
    for field in ("targets", "issues", "facts", "decisions", "requirements"):
        at.text_area(key=f"brief_{field}").input("\n".join(BRIEF[field]))
    next(b for b in at.button if b.label == "先拟提纲，改好后再写全文").click()
    at.run()
    assert not at.exception, at.exception
    outline = at.text_area(key="outline_edit").value
    assert HEADINGS[0] in outline and not at.code  # no full text yet
    calls = len(fake_openai.chat_requests())
    edited = outline.replace(HEADINGS[0], "直面短板，认清拖延的代价")
    at.text_area(key="outline_edit").input(edited)
    fake_openai.queue(*part_replies())
    at.button(key="outline_go").click().run()
    assert not at.exception, at.exception
    text = _draft_text(at)
    assert "一、直面短板，认清拖延的代价" in text
    # The edited outline was used as is: no new outline request, one request per part.
    assert len(fake_openai.chat_requests()) - calls == 6


def test_saved_draft_can_be_reopened_and_passage_revised(small_corpus, fake_openai, monkeypatch, data_dir):
    at = _fill(_start(), {**BRIEF, "length": 1500})  # offline draft, autosaved
    offline_text = _draft_text(at)
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    fresh = _start()  # a new browser session: nothing in memory
    assert not fresh.code
    name = fresh.selectbox(key="saved_pick").options[1]
    fresh.selectbox(key="saved_pick").set_value(name).run()
    fresh.button(key="saved_open").click().run()
    assert _draft_text(fresh) == offline_text
    target = BRIEF["decisions"][0]
    fake_openai.queue(Reply(text="对青石县交通运输局予以全县通报批评，并责令其在全县大会上作检查"))
    fresh.text_input(key="revise_passage").input(target)
    fresh.selectbox(key="revise_preset").set_value("更严厉")
    fresh.button(key="revise_go").click().run()
    assert not fresh.exception, fresh.exception
    new_text = _draft_text(fresh)
    assert "并责令其在全县大会上作检查" in new_text
    assert new_text.replace("，并责令其在全县大会上作检查", "") == offline_text


def test_unexpected_error_shows_chinese_message_not_traceback(small_corpus, monkeypatch):
    import assistant.writing.writer as writer

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(writer, "compose_offline", broken)
    at = _fill(_start(), {**BRIEF, "length": 1500})
    assert not at.exception
    message = "\n".join(e.value for e in at.error)
    assert "起草页面出现意外错误（RuntimeError）" in message and "Traceback" not in message
    # The other tabs still work.
    assert at.metric[0].value == "2 篇"
