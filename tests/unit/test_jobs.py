"""Drafting in a background job: progress, 停止 keeps what was written, the outcome saved for the session."""

from __future__ import annotations

import threading

import pytest

from assistant.drafts.draft_store import DraftStore
from assistant.drafts.job_outcome import REASON_DRAFT, REASON_RESUME, REASON_STOPPED, job_finisher
from assistant.drafts.jobs import STOPPED_MESSAGE, DraftJob, running_job, start_job
from assistant.drafts.workspace import load_workspace, new_session_id
from assistant.writing.events import DraftError, PartDone, PartStarted
from assistant.writing.writer import LLMWriter
from tests.scenario import HEADINGS, OUTLINE, part_replies
from tests.shared import KINDS, PROMPTS


def _writer(chat) -> LLMWriter:
    return LLMWriter(chat, PROMPTS, KINDS)


def test_stop_keeps_the_parts_written_as_an_interrupted_draft(chat, scenario_brief, library, tmp_path):
    chat.queue(OUTLINE, *part_replies())
    sid = new_session_id()
    holder: dict[str, DraftJob] = {}

    def work(on_event):
        def pressed_after_opening(event):
            on_event(event)
            if isinstance(event, PartDone) and event.part.role == "opening":
                holder["job"].stop()  # as the page's 停止 does, from another thread, at this moment

        return _writer(chat).write(scenario_brief, library, pressed_after_opening)

    job = DraftJob(work, job_finisher(tmp_path, sid), kind="draft")
    holder["job"] = job
    start_job(sid, job)
    assert job.wait(60)
    snap = job.snapshot()
    assert snap.status == "interrupted" and snap.stopped and snap.error == STOPPED_MESSAGE
    roles = [p.role for p in job.draft.parts]
    assert roles[:3] == ["title", "salutation", "opening"] and "closing" not in roles
    assert job.draft.status == "interrupted"
    assert len(chat.calls) <= 3  # outline, opening, and at most the part it was stopped in
    # Saved for the session: a version in 我的稿件, opened, with what to do next.
    ws = load_workspace(tmp_path, sid)
    record = DraftStore(tmp_path).record(ws.draft_id)
    assert record.latest.reason == REASON_STOPPED and record.latest.status == "interrupted"
    assert any("继续生成" in m.text and STOPPED_MESSAGE in m.text for m in ws.messages)
    assert list((tmp_path / "drafts").glob("partial-*.json"))
    assert running_job(sid) is None

    # 继续生成 writes the rest; the finished draft is the next version of the same draft.
    chat.queue(*part_replies()[1:])
    partial = DraftStore(tmp_path).load(ws.draft_id)
    again = DraftJob(
        lambda on_event: _writer(chat).resume(partial, library, on_event),
        job_finisher(tmp_path, sid, draft_id=ws.draft_id), kind="resume",
    )  # fmt: skip
    start_job(sid, again)
    assert again.wait(60) and again.result == "done"
    record = DraftStore(tmp_path).record(ws.draft_id)
    # The version says how it was made: the model's name (the scripted model is fake-chat).
    assert [v.reason for v in record.versions] == [REASON_STOPPED, f"{REASON_RESUME}（模型 fake-chat）"]
    final = DraftStore(tmp_path).load(ws.draft_id)
    assert final.status == "done" and f"四、{HEADINGS[3]}" in final.text
    assert final.parts[2].text == partial.parts[2].text  # the opening kept word for word


def test_a_page_that_comes_back_finds_the_running_job_and_then_its_outcome(chat, scenario_brief, library, tmp_path):
    chat.queue(OUTLINE, *part_replies())
    sid = new_session_id()
    gate = threading.Event()
    seen: list[str] = []

    def work(on_event):
        def slow(event):
            on_event(event)
            if isinstance(event, PartStarted) and event.role == "harm":
                gate.wait(30)  # the model is still writing when the page is refreshed

        return _writer(chat).write(scenario_brief, library, slow)

    job = start_job(sid, DraftJob(work, job_finisher(tmp_path, sid), kind="draft"))
    # The refreshed page: a new script run, same session id in the URL.
    for _ in range(200):
        found = running_job(sid)
        snap = found.snapshot() if found else None
        if snap and snap.stage.startswith("正在撰写：一、"):
            seen.append(snap.text)
            break
        threading.Event().wait(0.05)
    assert found is job and seen and "今天召开约谈会" in seen[0]
    with pytest.raises(DraftError, match="上一次生成还没有结束"):
        start_job(sid, DraftJob(lambda on_event: None))
    gate.set()
    assert job.wait(60)
    assert running_job(sid) is None
    ws = load_workspace(tmp_path, sid)
    assert DraftStore(tmp_path).record(ws.draft_id).latest.reason == f"{REASON_DRAFT}（模型 fake-chat）"
    assert any(m.kind == "success" and "初稿完成" in m.text for m in ws.messages)
    assert not ws.running_since


def test_a_failing_job_reports_in_chinese_and_saves_nothing(tmp_path):
    sid = new_session_id()

    def work(on_event):
        raise RuntimeError("boom")

    job = start_job(sid, DraftJob(work, job_finisher(tmp_path, sid)))
    assert job.wait(10) and job.result == "failed"
    ws = load_workspace(tmp_path, sid)
    assert ws.messages[-1].kind == "error" and "意外错误" in ws.messages[-1].text and "boom" not in ws.messages[-1].text
    assert not ws.draft_id and DraftStore(tmp_path).drafts() == []


def test_stop_takes_effect_at_the_next_token_even_inside_a_long_line(chat, scenario_brief, library, tmp_path):
    from langchain_core.callbacks import BaseCallbackHandler

    from tests.fakes.chat_model import Scripted

    replies = part_replies()
    one_line = "一是" + "项目推进不力，责任落实不到位，" * 15 + "必须坚决纠正。"  # no line break to wait for
    chat.queue(OUTLINE, replies[0], Scripted(text=one_line, chunk_size=2), *replies[2:])
    tokens: list[str] = []

    class PressStop(BaseCallbackHandler):
        """The user presses 停止 while the first section is streaming."""

        def on_llm_new_token(self, token, **kwargs):
            if len(chat.calls) == 3:
                tokens.append(token)
                if len(tokens) == 10:
                    job.stop()

    chat.callbacks = [PressStop()]
    job = DraftJob(lambda on_event: _writer(chat).write(scenario_brief, library, on_event), kind="draft")
    job.watch_model(chat)
    job.start()
    assert job.wait(60) and job.result == "interrupted" and job.snapshot().stopped
    assert len(tokens) <= 11  # not the hundred-odd tokens of the line
    assert len(chat.calls) == 3
