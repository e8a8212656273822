"""我的稿件, refresh and restart, hand edits, references per part and saved model settings, through AppTest."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from assistant.domain.brief import parse_brief
from assistant.drafts.job_outcome import job_finisher
from assistant.drafts.jobs import DraftJob, start_job
from assistant.drafts.workspace import load_workspace
from assistant.library.store import Library
from assistant.llm.saved_settings import settings_path
from assistant.writing.events import PartStarted
from assistant.writing.writer import OfflineWriter
from tests.app_flows import (
    document_text,
    generate,
    open_draft_id,
    part_position,
    session_of,
    start,
    store,
    texts,
)
from tests.fakes.server import Reply
from tests.scenario import BRIEF, script
from tests.shared import KINDS

SHORT = {**BRIEF, "length": 1500}


def test_refresh_and_restart_keep_the_brief_and_the_open_draft(small_corpus, data_dir):
    at = generate(start(), SHORT)
    text = document_text(at)
    sid = session_of(at)
    # A refresh or a server restart: a new script session, the same ?s= in the URL.
    again = start(sid)
    assert document_text(again) == text
    assert again.text_input(key="brief_meeting").value == BRIEF["meeting"]
    assert again.text_area(key="brief_decisions").value == "\n".join(BRIEF["decisions"])
    # Another browser does not see this session's draft (it is in 我的稿件, though).
    other = start()
    assert not document_text(other) and any(BRIEF["title"] in m.value for m in other.markdown)


def test_edit_mode_saves_a_new_version(small_corpus, data_dir):
    at = generate(start(), SHORT)
    before = document_text(at)
    at.toggle(key="edit_mode").set_value(True).run()
    draft_id = open_draft_id(at, data_dir)
    box = next(t for t in at.text_area if t.key.startswith(f"edit_text_{draft_id}_"))
    assert box.value.rstrip("\n") == before
    edited = before.replace(BRIEF["decisions"][0], BRIEF["decisions"][0] + "，并在全县范围内通报")
    box.input(edited)
    at.button(key="edit_save").click().run()
    assert not at.exception, at.exception
    assert document_text(at) == edited
    assert any("已保存为第 2 版（手动编辑）" in s.value for s in at.success)
    assert not at.toggle(key="edit_mode").value
    record = store(data_dir).record(draft_id)
    assert [v.reason for v in record.versions] == ["生成（离线组稿）", "手动编辑"]
    # Saving unchanged text adds nothing.
    at.toggle(key="edit_mode").set_value(True).run()
    at.button(key="edit_save").click().run()
    assert len(store(data_dir).record(draft_id).versions) == 2 and any("没有改动" in i.value for i in at.info)


def test_my_drafts_compare_restore_reopen_and_delete(small_corpus, data_dir):
    at = generate(start(), SHORT)
    first = document_text(at)
    draft_id = open_draft_id(at, data_dir)
    at.toggle(key="edit_mode").set_value(True).run()
    box = next(t for t in at.text_area if t.key.startswith(f"edit_text_{draft_id}_"))
    box.input(first.replace("同志们：", "同志们：\n（此处为手动补充的一段话。）", 1))
    at.button(key="edit_save").click().run()
    assert "手动补充" in document_text(at)

    # In a new browser session the draft is listed by title and time under its meeting.
    fresh = start()
    assert any(BRIEF["meeting"] in m.value for m in fresh.markdown)
    assert any(c.value.count("共 2 版") == 1 and "最新：手动编辑" in c.value for c in fresh.caption)
    assert not document_text(fresh) and fresh.text_input(key="brief_meeting").value == ""
    # Compare versions 1 and 2.
    fresh.button(key=f"cmp_go_{draft_id}").click().run()
    marks = "".join(h.proto.body for h in fresh.get("html"))
    assert "第 1 版 → 第 2 版" in marks and "（此处为手动补充的一段话。）</ins>" in marks
    # Restore version 1: a third version, opened in the page, with the brief refilled.
    fresh.selectbox(key=f"restore_pick_{draft_id}").set_value(1)
    fresh.button(key=f"restore_go_{draft_id}").click().run()
    assert not fresh.exception, fresh.exception
    assert any("已恢复第 1 版（保存为第 3 版）" in s.value for s in fresh.success)
    assert document_text(fresh) == first
    assert [v.reason for v in store(data_dir).record(draft_id).versions][-1] == "恢复第 1 版"
    # Reopening from the list refills the brief.
    other = start()
    other.button(key=f"open_{draft_id}").click().run()
    assert document_text(other) == first
    assert other.text_input(key="brief_meeting").value == BRIEF["meeting"]
    assert other.text_area(key="brief_targets").value == "\n".join(BRIEF["targets"])
    assert other.selectbox(key="brief_kind").value == BRIEF["kind"]
    # Delete asks first; 取消 keeps it, 确认删除 removes it and says so.
    other.button(key=f"delete_{draft_id}").click().run()
    assert any("确定删除" in w.value for w in other.warning)
    other.button(key=f"delete_no_{draft_id}").click().run()
    assert store(data_dir).exists(draft_id) and not any("确定删除" in w.value for w in other.warning)
    other.button(key=f"delete_{draft_id}").click().run()
    other.button(key=f"delete_yes_{draft_id}").click().run()
    assert not other.exception, other.exception
    assert not store(data_dir).exists(draft_id)
    assert any("已删除《" in s.value and "3 个版本" in s.value for s in other.success)
    assert not document_text(other)


def test_a_generation_running_during_a_refresh_is_shown_when_it_finishes(small_corpus, data_dir):
    at = start()
    sid = session_of(at)
    library = Library.open(_settings(data_dir, small_corpus))
    gate = threading.Event()

    def work(on_event):
        def held(event):
            on_event(event)
            if isinstance(event, PartStarted):
                gate.wait(20)

        return OfflineWriter(KINDS).write(parse_brief(SHORT), library, held)

    job = start_job(sid, DraftJob(work, job_finisher(data_dir, sid)))
    threading.Timer(1.0, gate.set).start()
    # The page is opened again while the job runs: it watches it, then shows the draft.
    again = start(sid)
    assert job.finished
    assert document_text(again) == store(data_dir).load(open_draft_id(again, data_dir)).text
    assert any("初稿完成" in s.value for s in again.success)
    assert not load_workspace(data_dir, sid).running_since


def test_a_restart_during_a_generation_is_said_and_the_brief_kept(small_corpus, data_dir):
    from assistant.drafts.workspace import update_workspace

    at = start()
    sid = session_of(at)
    at.text_input(key="brief_meeting").input(BRIEF["meeting"]).run()
    # The server died while drafting: the workspace says so, no job exists any more.
    update_workspace(data_dir, sid, running_since="2026-07-01T09:00:00")
    again = start(sid)
    assert any("程序重启时中断" in w.value for w in again.warning)
    assert again.text_input(key="brief_meeting").value == BRIEF["meeting"]
    assert not any("程序重启" in w.value for w in start(sid).warning)  # said once


def test_references_per_part_can_be_left_out_or_pinned_before_regenerating(small_corpus, llm, data_dir):
    script(llm)
    at = generate(start(), BRIEF)
    pos = part_position(at, data_dir, 1)
    at.toggle(key=f"refs_show_{pos}").set_value(True).run()
    assert not at.exception, at.exception
    choices = [c for c in at.get("button_group") if c.key and c.key.startswith(f"ref_{pos}_")]
    assert choices, "the part's references are listed with a choice each"
    shown = texts(at)
    assert "得分" in shown and "《" in shown
    skipped_chunk = choices[0].key.removeprefix(f"ref_{pos}_")
    choices[0].set_value(["不用"] if isinstance(choices[0].value, list) else "不用").run()
    llm.queue(Reply(text="（一）问题必须正视。\n（二）责任必须压实。", chunk_size=50))
    at.button(key=f"regen_go_{pos}").click().run()
    assert not at.exception, at.exception
    # the new text drops the part's figures: held as a proposal until the clerk takes it anyway
    assert any("修改稿未通过核对" in e.value for e in at.error)
    at.button(key="proposal_take").click().run()
    draft = store(data_dir).load(open_draft_id(at, data_dir))
    assert skipped_chunk not in draft.parts[pos].sources
    assert "问题必须正视" in document_text(at)
    assert store(data_dir).record(open_draft_id(at, data_dir)).latest.reason.startswith("重新生成一、")


@pytest.fixture
def keyed_server():
    from tests.fakes.server import FakeOpenAI

    with FakeOpenAI(api_key="sk-test-key-0123456789") as srv:
        yield srv


def test_model_settings_saved_to_the_machine_survive_a_new_session(small_corpus, keyed_server, data_dir):
    fake_openai = keyed_server
    at = start()
    at.selectbox(key="llm_provider").set_value("custom")
    at.text_input(key="llm_key").input("sk-test-key-0123456789")
    at.text_input(key="llm_model").input("fake-model")
    at.text_input(key="llm_base_url").input(fake_openai.base_url)
    next(b for b in at.button if b.label == "保存到本机").click()
    at.run()
    assert not at.exception, at.exception
    path = settings_path(data_dir)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert any("已保存到本机" in s.value for s in at.success)
    # A new browser, or the app restarted: the saved service is used; the key never shows in full.
    again = start()
    assert any("fake-model" in i.value for i in again.info)
    assert "sk-test-key-0123456789" not in texts(again)
    assert any("sk-…6789" in c.value for c in again.caption)
    assert again.text_input(key="llm_key").value == ""
    # A blank key field keeps the saved key when saving again.
    next(b for b in again.button if b.label == "保存到本机").click()
    again.run()
    saved = path.read_text(encoding="utf-8")
    assert '"sk-test-key-0123456789"' in saved and '"fake-model"' in saved and fake_openai.base_url in saved
    fake_openai.queue(Reply(text="好"))
    again.button(key="llm_test").click().run()
    assert any("连接正常" in s.value for s in again.success), texts(again)
    assert fake_openai.chat_requests()[-1].headers["authorization"] == "Bearer sk-test-key-0123456789"
    again.button(key="llm_forget").click().run()
    assert not path.exists() and any("已删除本机保存的模型设置" in s.value for s in again.success)


def _settings(data_dir: Path, corpus: Path):
    from tests.shared import isolated_settings

    return isolated_settings(data_dir=data_dir, corpus_dir=corpus, cache_dir=os.environ.get("ASSISTANT_CACHE_DIR"))
