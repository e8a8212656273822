"""The open draft laid out like the printed speech, its tools beside each part, and an edit mode."""

from __future__ import annotations

import streamlit as st

from assistant.domain.brief import Brief, BriefError
from assistant.domain.kinds import default_kinds
from assistant.domain.models import speech_chars
from assistant.domain.plan import plan_for_draft
from assistant.drafts.draft_io import draft_to_text
from assistant.drafts.draft_store import REASON_CHECK_FIX, REASON_EDIT, REASON_POLISH
from assistant.library.store import Library
from assistant.review.model import Finding
from assistant.support.config import Settings
from assistant.support.errors import UserError
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.companion_panel import show_companions
from assistant.ui.panels.document_html import part_html, wrap
from assistant.ui.panels.export_panel import show_export
from assistant.ui.panels.part_tools import part_tools, part_warnings
from assistant.ui.panels.proposal import offer, show_pending
from assistant.ui.panels.review_panel import brief_ledger, show_review
from assistant.writing.change_guard import suggestion_change
from assistant.writing.editing import edited_draft
from assistant.writing.writer import choose_reviser

EDIT_MODE = "edit_mode"


def _edit_key(od: session.OpenDraft) -> str:
    # Per version: the editor starts from the version on screen, never from stale typing.
    return f"edit_text_{od.record.draft_id}_{od.version.number}"


def _save_edit(od: session.OpenDraft, structures_dir) -> None:
    text = st.session_state.get(_edit_key(od), "")
    new = edited_draft(od.draft, text, structures_dir)
    if new.text == od.draft.text:
        session.flash("draft", "没有改动，未保存新版本。", "info")
    elif not new.text.strip():
        session.flash("draft", "全文为空，未保存。如要删除整份稿件，请到“我的稿件”中删除。", "warning")
        return
    else:
        version = session.save_version(new, REASON_EDIT)
        session.flash("draft", f"已保存为第 {version.number} 版（{REASON_EDIT}）。")
    st.session_state[EDIT_MODE] = False


def _cancel_edit() -> None:
    st.session_state[EDIT_MODE] = False


def editor(od: session.OpenDraft, settings: Settings) -> None:
    """The whole text in a text area; 保存为新版本 keeps it as a version (the structure is found again)."""
    st.text_area(
        "全文（每段一行；标题、称谓、一、二、三……标题各占一行）", draft_to_text(od.draft),
        height=640, key=_edit_key(od),
    )  # fmt: skip
    c1, c2, _ = st.columns([1, 1, 3])
    c1.button("保存为新版本", key="edit_save", type="primary", on_click=_save_edit,
              args=(od, settings.structures_dir))
    c2.button("取消编辑", key="edit_cancel", on_click=_cancel_edit)


def _polish(od: session.OpenDraft, settings: Settings) -> None:
    try:
        with st.spinner("正在整体润色……"):
            result = choose_reviser(settings).polish(od.draft)
    except UserError as e:
        st.error(escape_markdown(str(e)))  # it may quote the model server's own words
        return
    if result.proposal is None:
        for w in result.warnings:  # the polished text lost the structure: nothing to offer
            st.warning(escape_markdown(w.message))
        return
    offer(od, result.proposal, result.check, REASON_POLISH, result.old_text, result.new_text)


def _warnings_summary(draft) -> None:
    """The draft's own warnings in one box; each part's stay under that part."""
    in_parts = sum(len(p.warnings) for p in draft.parts)
    if not draft.warnings:
        return
    lines = "\n".join("- " + escape_markdown(w) for w in draft.warnings)
    where = f"（另有 {in_parts} 条写在相应部分下方）" if in_parts else ""
    st.warning(f"全文提示 {len(draft.warnings)} 条{where}：\n{lines}", icon="⚠️")


def show_document(od: session.OpenDraft, library: Library, settings: Settings) -> None:
    """The document view of the open draft."""
    draft, version = od.draft, od.version
    target = int(draft.brief.get("length") or 0)
    st.caption(
        f"{escape_markdown(draft.label or '讲话稿')} · 第 {version.number} 版：{escape_markdown(version.reason)} · "
        f"正文约 {speech_chars(draft)} 字" + (f"（目标 {target} 字）" if target else "")
    )
    session.show_flash("draft")
    show_pending(od)
    _warnings_summary(draft)
    c1, c2, _ = st.columns([1.3, 1, 2], vertical_alignment="center")
    editing = c1.toggle("编辑全文", key=EDIT_MODE)
    if not editing and c2.button("整体润色", key="polish_go", help="润色全文，事实和结构不变；遗漏事实时保留原稿"):
        _polish(od, settings)
    show_export(draft)  # downloads (.docx in GB/T 9704 layout, .txt, .md) and 复制全文
    brief = _review(od, settings)
    show_companions(draft, brief)
    if editing:
        editor(od, settings)
        return
    for pos, part in enumerate(draft.parts):
        if not part.text.strip():
            continue
        text_col, tool_col = st.columns([6, 1])
        text_col.html(wrap(part_html(part)))
        with tool_col:
            part_tools(od, pos, library, settings)
        if part.warnings:
            with text_col:
                part_warnings(part)


def _review(od: session.OpenDraft, settings: Settings) -> Brief | None:
    """校对 under the toolbar; an applied suggestion goes through the guard like any change."""
    draft = od.draft
    try:
        plan = plan_for_draft(draft, default_kinds(settings.structures_dir))
    except BriefError:
        plan = None
    brief = plan.brief if plan is not None and draft.brief else None
    kind = plan.kind if plan is not None else None

    def keep(f: Finding) -> None:
        fixed, check = suggestion_change(draft, f, brief)
        reason = f"{REASON_CHECK_FIX}：“{f.excerpt}”改为“{f.suggestion}”"
        offer(od, fixed, check, reason, draft.text, fixed.text)

    show_review(draft, brief, kind, keep, brief_ledger(brief, session.workspace().ledger))
    return brief
