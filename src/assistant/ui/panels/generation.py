"""Drafting as the page shows it: start a background job, watch it with 停止, then its messages.

The job runs outside the page's script (assistant.drafts.jobs), so a refresh does not end
it: the refreshed page finds it by the session id and watches it again. Its outcome is saved
by the job itself (assistant.drafts.job_outcome), so the page only reads the workspace.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant.domain.brief import Brief, parse_brief
from assistant.domain.models import ROLE_LABELS, Draft, count_chars, speech_chars
from assistant.domain.numbering import heading_line
from assistant.drafts.job_outcome import job_finisher
from assistant.drafts.jobs import DraftJob, running_job, start_job
from assistant.drafts.workspace import Message, Workspace
from assistant.library.store import Library
from assistant.llm import LLMError
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
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
        st.error(escape_markdown(str(e)))
        return False
    return True


def start_draft(
    brief: Brief, library: Library, settings: Settings, *, outline_first: bool = False, outline: str | None = None
) -> bool:
    """Start drafting ``brief`` (an outline first when asked and possible); False after showing why not."""
    try:
        writer = choose_writer(settings)
    except LLMError as e:
        st.error(escape_markdown(str(e)))
        return False
    only_outline = outline_first and writer.can_outline

    def work(on_event) -> Draft:
        if writer.mode == "llm":
            return writer.write(brief, library, on_event, outline=outline, outline_only=only_outline)
        return writer.write(brief, library, on_event)

    finish = job_finisher(
        session.data_dir(), session.session_id(), notice=writer.notice,
        outline_brief=brief.model_dump(mode="json") if only_outline else None, account=session.account(),
    )  # fmt: skip
    return _start(DraftJob(work, finish, kind="outline" if only_outline else "draft"), writer)


def start_resume(draft_id: str, partial: Draft, library: Library, settings: Settings) -> bool:
    """Go on with an interrupted draft; the finished text becomes a new version of the same draft."""
    try:
        writer = choose_writer(settings)
    except LLMError as e:
        st.error(escape_markdown(str(e)))
        return False
    finish = job_finisher(
        session.data_dir(), session.session_id(), notice=writer.notice, draft_id=draft_id, account=session.account()
    )
    return _start(DraftJob(lambda on_event: writer.resume(partial, library, on_event), finish, kind="resume"), writer)


def current_job() -> DraftJob | None:
    """This session's drafting job while it runs."""
    return running_job(session.session_id())


def watch(job: DraftJob, progress: DeltaGenerator | None = None) -> None:
    """Show the job's progress until it finishes, then rerun.

    The stage, the count and 停止 go to ``progress`` (where the clerk pressed 生成初稿: at the
    top of a wide page they were out of sight below the long form); the text as it is
    written goes where this is called.
    """
    with (progress if progress is not None else st.container()).container(border=True):
        stage = st.empty()
        st.button("停止", key="stop_go", on_click=job.stop, help="停止生成，已写出的部分保存为未完成稿，之后可继续生成。")
        count = st.empty()
    body = st.empty()
    shown = ("", "")
    while not job.finished:
        snap = job.snapshot()
        label = "正在停止……" if job.stopping else snap.stage
        # Redrawn every poll: each redraw is where a click on 停止 (a rerun) takes effect.
        stage.info(f"{escape_markdown(label)}（已用时 {snap.elapsed_s:.0f} 秒）")
        if (snap.text, snap.outline) != shown:
            shown = (snap.text, snap.outline)
            if snap.text:
                count.caption(f"已写出约 {count_chars(snap.text)} 字，正文随写随显示。")
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


#: How the summary names each kind of warning, in the order it lists them.
KIND_LABELS = {
    "part": "写在相应部分下方",
    "draft": "写在正文上方",
    "redone": "已自动重新生成",
    "length": "篇幅",
    "other": "其他",
}


#: Words of the pipeline's messages about a part or an outline it asked for again.
REDONE_WORDS = ("正在重新生成", "并重新生成", "重新拟定", "重新生成的提纲")


@dataclass
class WarningSummary:
    """The last generation's warnings, counted by kind, and their texts in order."""

    total: int = 0
    counts: Counter = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)

    @property
    def headline(self) -> str:
        """The line "共有 N 条提示：…", with the count of each kind."""
        kinds = "，".join(f"{KIND_LABELS[k]} {self.counts[k]} 条" for k in KIND_LABELS if self.counts[k])
        return f"共有 {self.total} 条提示：{kinds}。"


def _warning_kind(text: str, draft: Draft | None) -> str:
    if draft is not None:
        # The pipeline says a part's problem as "第二部分（查找原因）：…"; the part keeps "…".
        if any(w and text.endswith(w) for p in draft.parts for w in p.warnings):
            return "part"
        if any(w and text.endswith(w) for w in draft.warnings):
            return "draft"
    if any(w in text for w in REDONE_WORDS):
        return "redone"
    if "篇幅" in text or "目标" in text:
        return "length"
    return "other"


def summarize_warnings(messages: list[Message], draft: Draft | None) -> WarningSummary:
    """The warnings among ``messages`` by kind; those of the open draft's parts are told, not repeated."""
    summary = WarningSummary()
    for m in messages:
        if m.kind != "warning":
            continue
        kind = _warning_kind(m.text, draft)
        summary.total += 1
        summary.counts[kind] += 1
        summary.details.append(m.text)
    return summary


def show_messages(ws: Workspace, draft: Draft | None = None) -> None:
    """What the last generation said (kind detected, 初稿完成 or why it stopped); its warnings in one box.

    A draft's warnings were one box each (thirty after a poor answer), and most repeat what
    is shown under each part; here they are one count by kind, the list behind an expander.
    """
    warnings = summarize_warnings(ws.messages, draft)
    for m in ws.messages:
        if m.kind == "note":
            st.caption(escape_markdown(m.text))
        elif m.kind != "warning" or warnings.total == 1:
            getattr(st, m.kind)(escape_markdown(m.text))  # may quote the brief or the model
    if warnings.total > 1:
        st.warning(warnings.headline)
        with st.expander(f"查看全部 {warnings.total} 条提示"):
            st.markdown("\n".join(f"- {escape_markdown(t)}" for t in warnings.details))


def _last_part(draft: Draft) -> tuple[str, str]:
    """The part the writing reached (the cut one, else the last with text): its name and last words."""
    written = [p for p in draft.parts if p.text.strip()]
    if not written:
        return "", ""
    part = next((p for p in written if not p.complete), written[-1])
    name = heading_line(part.number, part.heading) if part.number and part.heading else ROLE_LABELS.get(part.role, part.role)
    lines = part.text.split("\n")
    body = lines[1:] if part.number and len(lines) > 1 else lines  # a section's last words, not its heading
    return name, "".join("".join(body).split())[-24:]


def resume_box(od: session.OpenDraft, library: Library, settings: Settings) -> None:
    """An interrupted draft: which version keeps it, how far it got, and 继续生成 from the cut."""
    name, tail = _last_part(od.draft)
    reached = escape_markdown(f"写到“{name}”的“……{tail}”处") if name else "尚未写出正文"
    with st.container(border=True):
        st.warning(
            f"这是一份未完成稿：生成在中途停止。已写出的部分保存在“我的稿件”的第 {od.version.number} 版"
            f"（正文约 {speech_chars(od.draft)} 字），{reached}。点“继续生成”从中断处接着写，写完保存为新的一版。"
        )
        if st.button("继续生成", key="resume_go", type="primary") and start_resume(
            od.record.draft_id, od.draft, library, settings
        ):
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
