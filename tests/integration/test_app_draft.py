"""The 起草讲话 tab through AppTest: offline draft, LLM draft via the fake server, revise, errors."""

from __future__ import annotations

import json
import re

from tests.app_flows import (
    document_text,
    fill,
    generate,
    open_draft_id,
    part_position,
    session_of,
    start,
    store,
    texts,
)
from tests.fakes.server import Reply
from tests.scenario import BRIEF, HEADINGS, script


def test_offline_draft_without_llm(small_corpus, data_dir):
    at = generate(start(), {**BRIEF, "length": 1500})
    text = document_text(at)
    assert text.startswith(BRIEF["title"]) and "同志们：" in text
    for item in BRIEF["targets"] + BRIEF["decisions"] + BRIEF["requirements"]:
        assert item in text
    assert any("离线组稿" in i.value for i in at.info)
    assert at.get("download_button")
    # Kept in 我的稿件 as the first version of one draft.
    records = store(data_dir).drafts()
    assert len(records) == 1 and records[0].latest.reason == "生成（离线组稿）"
    saved = data_dir / "drafts" / records[0].draft_id / "v0001.json"
    assert json.loads(saved.read_text(encoding="utf-8"))["mode"] == "offline"


def test_one_character_count_and_no_progress_left_after_the_draft(small_corpus, data_dir):
    from assistant.domain.models import speech_chars

    at = generate(start(), {**BRIEF, "length": 1500})
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    # The document's caption and 我的稿件 give the same count: the one the length target is met by.
    counts = [int(n) for c in at.caption for n in re.findall(r"正文约 (\d+) 字", c.value)]
    assert len(counts) == 2 and set(counts) == {speech_chars(draft)}
    assert any("第 1 版：生成（离线组稿） · 正文约" in c.value and "（目标 1500 字）" in c.value for c in at.caption)
    # The progress (stage line, growing text) is gone; the result says it is done, once.
    shown = texts(at)
    assert "正在撰写" not in shown and "正在组稿" not in shown
    assert [s.value for s in at.success if "初稿完成" in s.value] and len(at.get("html")) >= len(draft.parts)
    assert document_text(at) == draft.text  # the document once, not a preview and a copy


def test_kind_detected_when_left_on_auto(small_corpus, data_dir):
    at = generate(start(), {**BRIEF, "kind": None, "length": 1500})
    assert any("识别为“重点项目推进滞后约谈”" in c.value for c in at.caption)
    assert store(data_dir).load(open_draft_id(at, data_dir)).kind == "project_delay"


def test_missing_fields_show_chinese_labels_only(small_corpus):
    at = start()
    at.button(key="brief_go").click().run()
    assert not at.exception
    message = at.error[0].value
    assert "“会议名称”：不能为空" in message and "“约谈对象”：至少需要填写 1 项" in message
    assert "meeting" not in message and "targets" not in message and "字段" not in message
    assert not document_text(at)


def test_llm_draft_streams_and_revises(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    text = document_text(at)
    for n, heading in zip("一二三四", HEADINGS, strict=True):
        assert f"{n}、{heading}" in text
    assert any("初稿完成" in s.value for s in at.success)
    # Revise part 2 with a preset, from the tools beside it; the other parts stay as they were.
    llm.queue(Reply(text="一是思想上松劲懈怠。\n二是工作中推诿扯皮，必须严肃纠正。", chunk_size=50))
    pos = part_position(at, data_dir, 2)
    at.selectbox(key=f"rv_preset_{pos}").set_value("更严厉")
    at.button(key=f"rv_go_{pos}").click().run()
    assert not at.exception, at.exception
    new_text = document_text(at)
    assert "推诿扯皮，必须严肃纠正" in new_text
    assert new_text.split("二、")[0] == text.split("二、")[0]
    assert new_text.split("三、")[1] == text.split("三、")[1]
    # One draft, two versions; the change and its diff are shown.
    (record,) = store(data_dir).drafts()
    assert [v.number for v in record.versions] == [1, 2]
    assert record.versions[1].reason.startswith("修改二、") and "更严厉" in record.versions[1].reason
    assert any("第 2 版" in e.label for e in at.expander)


def test_llm_failure_says_which_variable(small_corpus, fake_openai, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "wrong-key")
    monkeypatch.setenv("OPENAI_BASE_URL", fake_openai.base_url)
    monkeypatch.setenv("ASSISTANT_MODEL", "fake-model")
    at = generate(start(), BRIEF)
    assert any("OPENAI_API_KEY" in e.value for e in at.error)
    assert "Traceback" not in "\n".join(e.value for e in at.error)


def test_chatty_model_and_cut_stream_in_the_page(small_corpus, llm, data_dir):
    from tests.fakes.server import Reply as R
    from tests.unit.test_chatty_model import CHATTER, CHATTY_OUTLINE, PARTS

    llm.queue(R(text=CHATTY_OUTLINE, chunk_size=9), *(R(text=p, chunk_size=6) for p in PARTS))
    at = generate(start(), BRIEF)
    text = document_text(at)
    assert text.count("同志们：") == 1 and not CHATTER.search(text)
    # A stream cut mid-part is an interruption with 继续生成, never a finished draft.
    from tests.scenario import OUTLINE, part_replies

    llm.queue(R(text=OUTLINE, chunk_size=50), part_replies()[0], R(text="一是项目进度严重滞后，" * 5, chunk_size=10, cut_after=2))
    at = generate(at)
    assert not any("初稿完成" in s.value for s in at.success)
    assert any("中断" in e.value and "partial-" in e.value for e in at.error)
    assert at.button(key="resume_go")
    assert list((data_dir / "drafts").glob("partial-*.json"))
    interrupted = store(data_dir).record(open_draft_id(at, data_dir))
    assert interrupted.latest.status == "interrupted" and "未完成" in interrupted.latest.reason
    # 继续生成 finishes the cut part and the rest; the result is the next version of that draft.
    llm.queue(*part_replies()[1:])
    at.button(key="resume_go").click().run()
    assert not at.exception, at.exception
    finished = store(data_dir).record(interrupted.draft_id)
    assert finished.latest.reason == "继续生成（模型 fake-model）" and finished.latest.status == "done"
    assert "四、" in document_text(at) and not [b for b in at.button if b.key == "resume_go"]


def test_a_part_that_writes_the_next_heading_in_the_page(small_corpus, llm, data_dir):
    # A model that goes on into the next part: the page shows each heading once, in order,
    # and says the part was cut and asked for again.
    from tests.fakes.server import Reply as R
    from tests.scenario import OUTLINE, part_replies

    replies = part_replies()
    runaway = R(text=replies[1].text + f"\n二、{HEADINGS[1]}\n一是责任传导层层递减。", chunk_size=8)
    llm.queue(R(text=OUTLINE, chunk_size=50), replies[0], runaway, *replies[1:])
    at = generate(start(), BRIEF)
    text = document_text(at)
    headings = [line for line in text.split("\n") if line[:2] in ("一、", "二、", "三、", "四、")]
    assert headings == [f"{n}、{h}" for n, h in zip("一二三四", HEADINGS, strict=True)]
    assert text.count("同志们：") == 1
    assert "已截去并重新生成" in texts(at)
    again = llm.chat_requests()[3].json["messages"][-1]["content"]
    assert "写到了其他部分" in again


def test_settings_tab_configures_llm_for_the_session(small_corpus, fake_openai):
    at = start()
    assert any("离线组稿" in i.value for i in at.info)
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_key").input("test-key")
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(fake_openai.base_url)
    next(b for b in at.button if b.label == "仅本次使用").click()
    at.run()
    host = fake_openai.base_url.split("//")[1].split("/")[0]
    assert any(f"当前模型：自定义接口（{host}） · fake-model" in i.value for i in at.info)
    assert any("仅本次浏览器会话有效" in s.value for s in at.success)
    assert at.text_input(key="llm_key").value == ""  # the key is not shown again
    fake_openai.queue(Reply(text="好"))
    at.button(key="llm_test").click().run()
    assert any("连接正常" in s.value for s in at.success)
    # The drafting tab now uses that model.
    script(fake_openai)
    at = generate(at, BRIEF)
    assert any("初稿完成" in s.value for s in at.success)
    assert fake_openai.chat_requests()[-1].headers["authorization"] == "Bearer test-key"


def test_polish_keeps_facts_or_refuses(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    before = document_text(at)
    # A "polished" text that drops every fact is refused and the draft stays as it was.
    llm.queue(Reply(text="同志们：\n今天开会。\n一、问题\n有问题。\n二、原因\n有原因。\n三、决定\n有决定。\n四、整改\n要整改。"))
    at.button(key="polish_go").click().run()
    assert not at.exception, at.exception
    assert at.warning and document_text(at) == before
    assert len(store(data_dir).drafts()[0].versions) == 1


def test_outline_first_then_edited_outline_is_followed(small_corpus, llm):
    from tests.unit.test_drafting import OUTLINE, part_replies

    llm.queue(Reply(text=OUTLINE, chunk_size=50))
    at = generate(start(), BRIEF, button="brief_outline_go")
    outline = at.text_area(key="outline_edit").value
    assert HEADINGS[0] in outline and not document_text(at)  # no full text yet
    calls = len(llm.chat_requests())
    edited = outline.replace(HEADINGS[0], "直面短板，认清拖延的代价")
    at.text_area(key="outline_edit").input(edited).run()
    # The edited outline is kept across a refresh (a new page in the same session).
    again = start(session_of(at))
    assert again.text_area(key="outline_edit").value == edited
    llm.queue(*part_replies())
    again.button(key="outline_go").click().run()
    assert not again.exception, again.exception
    assert "一、直面短板，认清拖延的代价" in document_text(again)
    # The edited outline was used as is: no new outline request, one request per part.
    assert len(llm.chat_requests()) - calls == 6


def test_unexpected_error_shows_chinese_message_not_traceback(small_corpus, monkeypatch):
    import assistant.writing.writer as writer

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(writer, "compose_offline", broken)
    at = generate(start(), {**BRIEF, "length": 1500})
    assert not at.exception
    message = "\n".join(e.value for e in at.error)
    assert "生成时出现意外错误" in message and "Traceback" not in message and "boom" not in message
    # The form and the other tabs still work.
    assert at.text_input(key="brief_meeting").value == BRIEF["meeting"]
    assert at.metric[0].value == "2 篇"


def test_form_fields_are_kept_while_typing(small_corpus, data_dir):
    at = fill(start(), {**BRIEF, "length": 1500})
    again = start(session_of(at))  # a refresh: same URL, a new session in the server
    assert again.text_input(key="brief_meeting").value == BRIEF["meeting"]
    assert again.text_area(key="brief_targets").value == "\n".join(BRIEF["targets"])
    assert again.number_input(key="brief_length").value == 1500
    assert again.selectbox(key="brief_kind").value == BRIEF["kind"]
    # Another browser (no session in its URL) starts with an empty form and its own session.
    other = start()
    assert other.text_input(key="brief_meeting").value == "" and session_of(other) != session_of(at)
