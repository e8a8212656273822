"""The 起草讲话 tab: the brief on the left; on the right the drafting as it happens, then the document."""

from __future__ import annotations

import streamlit as st

from assistant.domain.brief import Brief
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.brief_form import brief_form, restore_once
from assistant.ui.panels.document_view import show_document
from assistant.ui.panels.followup_panel import followup_panel
from assistant.ui.panels.generation import (
    current_job,
    outline_editor,
    resume_box,
    show_messages,
    stale_run,
    start_draft,
    watch,
)
from assistant.ui.panels.ledger_import import ledger_import


def render() -> None:
    """The whole drafting tab (rendered last: while a draft is written it watches until done)."""
    from assistant.ui.first_start import indexing
    from assistant.ui.page_settings import page_settings
    from assistant.ui.pages.settings_page import describe
    from assistant.ui.resources import get_library

    settings = page_settings()
    st.caption(escape_markdown(describe(settings)))  # model name and address as typed
    library = get_library()
    if library is None:
        return
    restore_once(settings)
    job = current_job()
    left, right = st.columns([1, 2], gap="medium")

    def submit(brief: Brief, outline_first: bool) -> bool:
        return start_draft(brief, library, settings, outline_first=outline_first)

    with left:
        if job is None:
            ledger_import(settings)
            followup_panel(settings)
        # While this run watches a drafting or the first-start indexing, the form is no fragment.
        progress = brief_form(settings, submit, busy=job is not None, page_loops=job is not None or indexing())
    with right:
        if job is not None:
            watch(job, progress)  # returns by rerunning once the job has saved its outcome
            return
        ws = session.workspace()
        stale_run(ws)
        od = session.open_draft()
        show_messages(ws, od.draft if od is not None else None)
        if ws.outline:
            outline_editor(ws, library, settings)
        if od is None:
            if not ws.outline:
                st.info("填写左边的约谈要素，点“生成初稿”。生成的每一稿、每次修改都自动保存在“我的稿件”中。")
            return
        if od.draft.status == "interrupted":
            resume_box(od, library, settings)
        show_document(od, library, settings)
