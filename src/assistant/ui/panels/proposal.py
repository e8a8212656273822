"""A change the guard found problems with: shown beside the original, kept only if the clerk says so.

Every change made on the page (a part revision, regeneration, 整体润色, an applied check
suggestion) goes through :func:`offer`: a change that passed the guard becomes a new version at
once; one that did not is held here, above the document, with its problems and its revision
marks, and the original stays until the clerk presses 仍然采用.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from assistant.domain.models import Draft
from assistant.ui import session
from assistant.ui.diff_view import marks_html
from assistant.ui.markdown_text import escape_markdown
from assistant.writing.change_guard import ChangeCheck

PROPOSAL = "pending_proposal"
LAST_CHANGE = "last_change"  # a kept change shown once above the document
FORCED = "（仍然采用，未通过核对）"  # added to the version's reason: 我的稿件 tells it apart


@dataclass(frozen=True)
class Proposal:
    """A change held back: what it would replace, what it says, and why it was held."""

    draft_id: str
    version: int
    reason: str
    draft: Draft
    old_text: str
    new_text: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class LastChange:
    """A change just kept: the version it made and its marks."""

    what: str
    old_text: str
    new_text: str
    warnings: tuple[str, ...] = ()


def offer(od: session.OpenDraft, proposed: Draft, check: ChangeCheck, reason: str, old_text: str,
          new_text: str, warnings: list[str] | None = None) -> None:
    """Keep the change as a new version when it passed the guard, else hold it as a proposal; rerun."""
    if check.ok:
        version = session.save_version(proposed, reason)
        st.session_state[LAST_CHANGE] = LastChange(
            f"第 {version.number} 版：{reason}", old_text, new_text, tuple(warnings or ())
        )
    else:
        st.session_state[PROPOSAL] = Proposal(
            od.record.draft_id, od.version.number, reason, proposed, old_text, new_text, check.problems
        )
    st.rerun()


def _take(p: Proposal) -> None:
    st.session_state.pop(PROPOSAL, None)
    version = session.save_version(p.draft, p.reason + FORCED)
    st.session_state[LAST_CHANGE] = LastChange(f"第 {version.number} 版：{p.reason}{FORCED}", p.old_text, p.new_text)


def _drop() -> None:
    st.session_state.pop(PROPOSAL, None)
    session.flash("draft", "已放弃修改稿，原稿未改动。", "info")


def show_pending(od: session.OpenDraft) -> None:
    """The held proposal of the open version (if any), then the change just kept (once)."""
    p: Proposal | None = st.session_state.get(PROPOSAL)
    if p is not None and (p.draft_id, p.version) != (od.record.draft_id, od.version.number):
        st.session_state.pop(PROPOSAL, None)  # made for another draft or version: no longer applies
        p = None
    if p is not None:
        with st.container(border=True):
            st.error(
                escape_markdown(f"修改稿未通过核对，原稿（第 {p.version} 版）未改动：{p.reason}"), icon="⚠️"
            )
            for problem in p.problems:
                st.markdown("- " + escape_markdown(problem))
            st.html(marks_html(p.old_text, p.new_text, f"第 {p.version} 版（原稿）", "修改稿"))
            c1, c2, _ = st.columns([1, 1, 3])
            c1.button("仍然采用", key="proposal_take", on_click=_take, args=(p,),
                      help="把修改稿保存为新版本；版本说明中会注明未通过核对")
            c2.button("放弃修改稿", key="proposal_drop", on_click=_drop, type="primary")
    got: LastChange | None = st.session_state.pop(LAST_CHANGE, None)
    if got is not None:
        for w in got.warnings:
            st.warning(escape_markdown(w))
        with st.expander(f"刚才的修改（{escape_markdown(got.what)}）", expanded=True):
            st.html(marks_html(got.old_text, got.new_text, "修改前", "修改后"))
