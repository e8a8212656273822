"""Drafting as the page shows it: start a background job, watch it with 停止, then its messages.

The job runs outside the page's script (assistant.drafts.jobs), so a refresh does not end
it: the refreshed page finds it by the session id and watches it again. Its outcome is saved
by the job itself (assistant.drafts.job_outcome), so the page only reads the workspace.
"""

from __future__ import annotations

import time
from datetime import datetime

import streamlit as st

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.models import Draft, speech_chars
from assistant.drafts.job_outcome import job_finisher
from assistant.drafts.jobs import DraftJob, running_job, start_job
from assistant.drafts.workspace import Workspace
from assistant.library.store import Library
from assistant.llm import LLMError
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.panels.document_html import text_html
from assistant.writing.events import DraftError
from assistant.writing.writer import LLMWriter, choose_writer

POLL_S = 0.3


def _start(job: DraftJob, writer) -> bool:
    if isinstance(writer, LLMWriter):
        job.watch_model(writer.model)  # 停止 takes effect at the model's next token
    st.session_state.pop("outline_edit", None)  # a new outline is edited from what the model proposes
    session.update(running_since=datetime.now().isoformat(timespec="seconds"), messages=[])
    try:
        start_job(session.session_id(), job)
    except DraftError as e:
        session.update(running_since="")
        st.error(str(e))
        return False
    return True


def start_draft(
    brief: Brief, library: Library, settings: Settings, *, outline_first: bool = False, outline: str | None = None
) -> bool:
    """Start drafting ``brief`` (an outline first when asked and possible); False after showing why not."""
    try:
        writer = choose_writer(settings)
    except LLMError as e:
        st.error(str(e))
        return False
    only_outline = outline_first and writer.can_outline

    def work(on_event) -> Draft:
        if writer.mode == "llm":
            return writer.write(brief, library, on_event, outline=outline, outline_only=only_outline)
        return writer.write(brief, library, on_event)

    finish = job_finisher(
        session.data_dir(), session.session_id(), notice=writer.notice,
        outline_brief=brief.model_dump(mode="json") if only_outline else None,
    )  # fmt: skip
    return _start(DraftJob(work, finish, kind="outline" if only_outline else "draft"), writer)


def start_resume(draft_id: str, partial: Draft, library: Library, settings: Settings) -> bool:
    """Go on with an interrupted draft; the finished text becomes a new version of the same draft."""
    try:
        writer = choose_writer(settings)
    except LLMError as e:
        st.error(str(e))
        return False
    finish = job_finisher(session.data_dir(), session.session_id(), notice=writer.notice, draft_id=draft_id)
    return _start(DraftJob(lambda on_event: writer.resume(partial, library, on_event), finish, kind="resume"), writer)


def current_job() -> DraftJob | None:
    """This session's drafting job while it runs."""
    return running_job(session.session_id())


def watch(job: DraftJob) -> None:
    """Show the job's progress (the text as it is written, and 停止) until it finishes, then rerun."""
    with st.container(border=True):
        stage = st.empty()
        st.button("停止", key="stop_go", on_click=job.stop, help="停止生成，已写出的部分保存为未完成稿，之后可继续生成。")
        body = st.empty()
        shown = ("", "")
        while not job.finished:
            snap = job.snapshot()
            label = "正在停止……" if job.stopping else snap.stage
            # Redrawn every poll: each redraw is where a click on 停止 (a rerun) takes effect.
            stage.info(f"{label}（已用时 {snap.elapsed_s:.0f} 秒）")
            if (snap.text, snap.outline) != shown:
                shown = (snap.text, snap.outline)
                if snap.text:
                    body.html(text_html(snap.text))
                elif snap.outline:
                    body.text(snap.outline)
            time.sleep(POLL_S)
    st.rerun()  # the outcome is saved: show the page as it now is, without the progress


def stale_run(ws: Workspace) -> None:
    """A generation recorded as running that no job belongs to: the server restarted meanwhile."""
    if ws.running_since and current_job() is None:
        session.update(running_since="")
        st.warning("上一次生成在程序重启时中断了，约谈要素都还在，请重新生成。")


def show_messages(ws: Workspace) -> None:
    """What the last generation said (kind detected, warnings, 初稿完成 or why it stopped)."""
    for m in ws.messages:
        if m.kind == "note":
            st.caption(m.text)
        else:
            getattr(st, m.kind)(m.text)


def resume_box(draft_id: str, draft: Draft, library: Library, settings: Settings) -> None:
    """An interrupted draft: how far it got, and 继续生成 from the cut."""
    with st.container(border=True):
        st.warning(f"这是一份未完成稿：生成在中途停止（已写出正文约 {speech_chars(draft)} 字）。")
        if st.button("继续生成", key="resume_go", type="primary") and start_resume(draft_id, draft, library, settings):
            st.rerun()


def outline_editor(ws: Workspace, library: Library, settings: Settings) -> None:
    """The outline the model proposed, editable (saved as edited); the full draft follows it."""
    st.subheader("提纲（可直接修改）")
    st.session_state.setdefault("outline_edit", ws.outline)
    text = st.text_area("提纲", height=320, key="outline_edit", label_visibility="collapsed")
    if text != ws.outline:
        session.update(outline=text)
    c1, c2 = st.columns([1, 1])
    if c2.button("放弃提纲", key="outline_drop"):
        session.update(outline="", outline_brief={})
        st.session_state.pop("outline_edit", None)
        st.rerun()
    if c1.button("按此提纲写全文", key="outline_go", type="primary"):
        brief = parse_brief(ws.outline_brief, "（提纲对应的约谈要素）")
        if start_draft(brief, library, settings, outline=text):
            st.session_state.pop("outline_edit", None)
            st.rerun()
