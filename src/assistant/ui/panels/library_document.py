"""One library document opened from the list: its sections, what cleaning removed, and an edit box for editors.

Every piece of the document is outside text: the speech goes through document_html (each
line escaped), removed lines through st.text, names through escape_markdown.
"""

from __future__ import annotations

import html

import streamlit as st

from assistant.domain.models import ROLE_LABELS, SpeechDoc
from assistant.library.correction import correct_document
from assistant.library.document_view import (
    DocumentView,
    document_view,
    missing_document,
    stored_record,
)
from assistant.library.store import Library
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.document_html import line_html, wrap

_LABEL_STYLE = "font-size:0.85rem;color:#6b6b6b;margin:0 0 0.3em 2em;line-height:1.4;"


def _lines(text: str) -> list[str]:
    return [x for x in (text or "").split("\n") if x.strip()]


def speech_html(speech: SpeechDoc) -> str:
    """The stored speech laid out like the printed one, each section followed by its role (部分)."""
    out = [line_html(x, "title") for x in _lines(speech.title_line or speech.title)]
    out += [line_html(x, "p") for x in _lines(speech.byline)]
    out += [line_html(x, "salutation") for x in _lines(speech.salutation)]
    out += [line_html(x, "p") for x in _lines(speech.opening)]
    for sec in speech.sections:
        lines = [x for x in sec.lines() if x.strip()]
        head = bool(sec.heading_line) and bool(lines)
        if head:
            out.append(line_html(lines[0], "h1"))
        label = html.escape(f"〔{ROLE_LABELS.get(sec.role, sec.role)}〕", quote=True)
        out.append(f'<p class="role-label" style="{_LABEL_STYLE}">{label}</p>')
        out += [line_html(x, "p") for x in lines[1 if head else 0 :]]
    out += [line_html(x, "p") for x in _lines(speech.closing)]
    return wrap("".join(out))


def _edit_key(view: DocumentView) -> str:
    # Per revision: after a save the box starts from the new text, never from stale typing.
    return f"fix_text_{view.record.doc_id}_{view.record.revision}"


def _removed(view: DocumentView) -> None:
    fixed = f"，修正 {len(view.changed)} 处" if view.changed else ""
    with st.expander(f"导入时清除的网页杂项 {len(view.removed)} 行{fixed}"):
        if view.note:
            st.caption(escape_markdown(view.note))
        lines = [f"[{r.reason}] {r.line}" for r in view.removed]
        lines += [f"[{c.reason}] {c.before} → {c.after}" if c.before else f"[{c.reason}]" for c in view.changed]
        if lines:
            st.text("\n".join(lines))
        else:
            st.caption("导入时没有清除或修正任何内容。")


def _save(library: Library, view: DocumentView, text: str) -> None:
    bar = st.progress(0.0, text="正在重新分段、向量化……")

    def on_chars(done: int, total: int, message: str) -> None:
        bar.progress(min(done / max(total, 1), 1.0), text=message)

    with st.spinner("正在保存修改并更新检索索引……"):
        outcome = correct_document(library, view.record.doc_id, text, progress=on_chars)
    bar.empty()
    title = outcome.title  # escaped where the flash is shown (session.show_flash)
    if not outcome.changed:
        session.flash("library", f"《{title}》的内容没有变化，未保存新版本（仍为第 {outcome.revision} 版）。", "info")
    else:
        session.flash(
            "library", f"已保存《{title}》的修改：现为第 {outcome.revision} 版，{outcome.chunks} 个片段已重新索引。"
        )
    st.rerun()


_VIEWS = "library_document_views"


def _view(library: Library, doc_id: str) -> DocumentView:
    """The document's view, kept per revision: every widget change reruns the page, and reading
    the original again (a long PDF) should not happen at each one."""
    found = stored_record(library, doc_id)
    if found is None:
        raise missing_document(doc_id)
    key = (doc_id, found[0].revision, found[0].corrected_at, found[0].kind)
    cached = st.session_state.get(_VIEWS)
    if not cached or cached[0] != key:
        cached = (key, document_view(library, doc_id))
        st.session_state[_VIEWS] = cached
    return cached[1]


def document_panel(library: Library, doc_id: str, editable: bool) -> None:
    """Show one stored document; an editor may correct its text (saved as a new revision)."""
    view = _view(library, doc_id)
    r = view.record
    with st.container(border=True):
        version = f"第 {r.revision} 版，已修改（{r.corrected_at}）" if r.corrected else "导入时的版本"
        st.caption(escape_markdown(f"文件：{r.filename}　{r.chars} 字　{r.chunks} 个片段　{version}"))
        st.html(speech_html(view.speech))
        _removed(view)
        if not editable:
            st.caption("只读：修改正文需要编辑权限。")
            return
        key = _edit_key(view)
        st.text_area(
            "修改正文（每段一行，格式同上；保存后重新分段、向量化并更新检索，原文件保留）",
            value=view.text, height=420, key=key,
        )  # fmt: skip
        if st.button("保存修改", key="fix_go", type="primary"):
            _save(library, view, st.session_state.get(key, view.text))
