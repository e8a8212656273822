"""The 范文库 page: library size, upload, search, document list."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from assistant.domain.kinds import default_kinds
from assistant.domain.models import PART_ROLES, ROLE_LABELS
from assistant.intake.chunking import split_at_match
from assistant.library.ingest import add_bytes, failure_message
from assistant.library.store import Library
from assistant.support.errors import UserError
from assistant.ui import session
from assistant.ui.access import can_edit, editor_only_notice
from assistant.ui.errors import guarded
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import page_settings
from assistant.ui.panels.library_document import document_panel
from assistant.ui.panels.review_panel import show_findings, text_report
from assistant.ui.resources import get_library

ROLE_CHOICES = ["", *PART_ROLES]

def unit_markdown(unit_text: str, matched: str) -> str:
    """A whole point as markdown, one paragraph per line, the matched sentences highlighted.

    <mark> rather than **bold**: markdown cannot close bold after "。" followed by a Chinese
    character, which is exactly where a matched sentence ends.
    """
    before, match, after = split_at_match(unit_text, matched)
    lines: list[str] = [""]
    for segment, marked in ((before, False), (match, True), (after, False)):
        for n, line in enumerate(segment.split("\n")):
            if n:
                lines.append("")
            if line:
                shown = escape_markdown(line)
                lines[-1] += f"<mark>{shown}</mark>" if marked and (before or after) else shown
    return "\n\n".join(x for x in lines if x)


SIMILAR = "similar_uploads"
SEARCHED = "last_search"


def _report(outcome, name: str) -> None:
    # The file's name and the title read from it are outside text: shown as written, never as markdown.
    name = escape_markdown(name)
    outcome = replace(outcome, title=escape_markdown(outcome.title or ""))
    if outcome.similar_to:
        st.warning(
            f"《{name}》与范文库中的《{outcome.title}》约 {outcome.similarity:.0%} 相同，疑似重复，未导入。"
            "如确需保留两份，请点下方“仍然导入”。"
        )
    elif outcome.duplicate:
        st.info(f"《{outcome.title or name}》已在范文库中，未重复导入。")
    else:
        st.success(f"已导入《{outcome.title or name}》，共 {outcome.chunks} 个片段。")
    if outcome.removed or outcome.changed:
        fixed = f"，修正 {len(outcome.changed)} 处" if outcome.changed else ""
        with st.expander(f"{name}：已清除网页杂项 {len(outcome.removed)} 行{fixed}"):
            st.text(
                "\n".join(
                    [f"[{r.reason}] {r.line}" for r in outcome.removed]
                    + [f"[{c.reason}] {c.before} → {c.after}" if c.before else f"[{c.reason}]" for c in outcome.changed]
                )
            )


def _add(library: Library, name: str, data: bytes, progress=None, allow_similar: bool = False):
    try:
        outcome = add_bytes(library, data, name, progress=progress, allow_similar=allow_similar)
    except UserError as e:
        st.error(escape_markdown(str(e)))  # it may quote the uploaded file's name
        return None
    except Exception as e:  # one bad file never stops the other uploads
        st.error(escape_markdown(failure_message(name, e)))
        return None
    _report(outcome, name)
    return outcome


def similar_section(library: Library) -> None:
    """Uploads held back as near copies: the user may still add each one deliberately."""
    pending: dict[str, bytes] = st.session_state.get(SIMILAR) or {}
    for name in list(pending):
        shown = escape_markdown(name)
        if st.button(f"仍然导入《{shown}》", key=f"similar_{name}"):
            with st.spinner(f"正在导入《{shown}》……"):
                if _add(library, name, pending[name], allow_similar=True) is not None:
                    pending.pop(name)


UPLOADS = "upload_round"  # part of the upload box's key: a new box (empty) after each import
IMPORTED = "import_report"  # what the last import said, shown after the rerun that empties the box


def upload_key() -> str:
    """The upload box's widget key now (it changes after every import, which empties the box)."""
    return f"upload_files_{st.session_state.get(UPLOADS, 0)}"


def upload_section(library: Library) -> None:
    """Upload box: files are loaded, cleaned, parsed and indexed; junk removal is reported."""
    st.subheader("上传参考讲话稿")
    report = session.fresh(IMPORTED)
    if report:
        _show_import(report)
    files = st.file_uploader(
        "支持 txt、md、docx、pdf，以及 doc、wps、rtf、odt（需本机安装 LibreOffice；可多选）",
        type=["txt", "md", "markdown", "docx", "pdf", "doc", "wps", "rtf", "odt", "dot", "wpt", "docm", "dotx"],
        accept_multiple_files=True,
        key=upload_key(),
    )
    if files and st.button("导入范文库", key="upload_go", type="primary"):
        _import(library, files)
    similar_section(library)


def _show_import(report: list) -> None:
    for name, outcome, error in report:
        if error:
            st.error(escape_markdown(error))
        else:
            _report(outcome, name)
    added = sum(1 for _, o, e in report if not e and not o.duplicate and not o.similar_to)
    if len(report) > 1:
        st.success(f"本次导入完成：{len(report)} 个文件，新增 {added} 篇。")


def _import(library: Library, files) -> None:
    bar = st.progress(0.0, text="正在导入……")
    pending: dict[str, bytes] = st.session_state.setdefault(SIMILAR, {})
    report: list = []
    for n, f in enumerate(files):
        label = f"正在导入（{n + 1}/{len(files)}）{escape_markdown(f.name)}"
        bar.progress(n / len(files), text=label)

        def on_chars(done: int, total: int, _msg: str, n=n, label=label) -> None:
            # Embedding is the slow step; show how far into this file it is.
            bar.progress(min((n + done / max(total, 1)) / len(files), 1.0), text=label)

        try:
            outcome = add_bytes(library, f.getvalue(), f.name, progress=on_chars)
        except UserError as e:
            report.append((f.name, None, str(e)))
            continue
        except Exception as e:  # noqa: BLE001 - one bad file never stops the other uploads
            report.append((f.name, None, failure_message(f.name, e)))
            continue
        report.append((f.name, outcome, ""))
        if outcome.similar_to:
            pending[f.name] = f.getvalue()
    # The report is shown after a rerun with a new, empty upload box, so the same files are
    # not sent again by the next click.
    session.keep(IMPORTED, report)
    st.session_state[UPLOADS] = st.session_state.get(UPLOADS, 0) + 1
    st.rerun()


def search_section(library: Library) -> None:
    """Search box with role and kind filters."""
    st.subheader("检索范文")
    query = st.text_input("想找什么内容？用自己的话描述即可", key="search_query",
                          placeholder="例如：对群众承诺没兑现的危害怎么说")
    c1, c2 = st.columns(2)
    role = c1.selectbox(
        "限定部分", ROLE_CHOICES, key="search_role",
        format_func=lambda r: "全部" if not r else ROLE_LABELS.get(r, r),
    )
    k = c2.slider("返回条数", 1, 20, 5, key="search_k")
    if not query.strip():
        return
    # Every widget change reruns the page; the same search is not run (and embedded) again.
    asked = (query, k, role, library.chunk_count())
    cached = st.session_state.get(SEARCHED)
    if cached and cached[0] == asked:
        hits = cached[1]
    else:
        try:
            hits = library.search(query, k=k, role=role or None)
        except UserError as e:
            st.error(escape_markdown(str(e)))
            return
        st.session_state[SEARCHED] = (asked, hits)
    if not hits:
        st.info("没有找到相关内容。")
    for n, h in enumerate(hits, 1):
        with st.container(border=True):
            label = ROLE_LABELS.get(h.role, h.role)
            where = label if h.section in ("", label) else f"{h.heading} · {label}"
            st.markdown(f"**{n}. 《{escape_markdown(h.title)}》** · {escape_markdown(where)}")
            # Every piece of library text is escaped, so only our own <mark> is HTML.
            st.markdown(unit_markdown(h.text, h.matched), unsafe_allow_html=True)


def documents_section(library: Library, editable: bool = True) -> int:
    """The documents in the library, with their kind (editable) and delete; returns how many."""
    docs = library.list_documents()
    kinds = default_kinds(page_settings().structures_dir)
    st.subheader(f"范文库文档（{len(docs)} 篇）")
    session.show_flash("library")  # said after the rerun that shows the changed list
    if not docs:
        st.caption("范文库为空，请上传讲话稿。")
        return 0
    st.dataframe(
        [{"标题": d.title, "类型": kinds[d.kind].name if d.kind in kinds else "未识别", "字数": d.chars,
          "片段": d.chunks, "文件": d.filename, "版本": f"第 {d.revision} 版（已修改）" if d.corrected else "原稿"}
         for d in docs],
        hide_index=True, width="stretch",
    )
    options = {d.doc_id: f"《{d.title or d.filename}》" for d in docs}
    checked = st.selectbox("校对文档", [""] + list(options), key="check_doc",
                           format_func=lambda i: "请选择……" if not i else options[i])
    speech = library.get_document(checked) if checked else None
    if speech is not None:
        show_findings(text_report(speech.text(), kinds.get(speech.kind)), f"doc_{checked}")
    opened = st.selectbox("查看/修改", [""] + list(options), key="view_doc",
                          format_func=lambda i: "请选择……" if not i else options[i])
    if opened:
        guarded(lambda: document_panel(library, opened, editable), "查看/修改文档")
    if not editable:
        return len(docs)
    c1, c2 = st.columns(2)
    target = c1.selectbox("修改类型的文档", [""] + list(options), key="kind_doc",
                          format_func=lambda i: "请选择……" if not i else options[i])
    new_kind = c2.selectbox("改为", list(kinds), key="kind_value", format_func=lambda k: kinds[k].name)
    if target and st.button("保存类型", key="kind_go"):
        library.set_kind(target, new_kind)
        session.flash("library", f"已把{options[target]}的类型改为“{kinds[new_kind].name}”。")
        st.rerun()
    victim = st.selectbox("删除文档", [""] + list(options), key="remove_doc",
                          format_func=lambda i: "请选择……" if not i else options[i])
    if victim and st.button("确认删除", key="remove_go"):
        library.remove(victim)
        session.flash("library", f"已删除{options[victim]}。")
        st.rerun()
    return len(docs)


def render() -> None:
    """The whole library page."""
    library = get_library()
    if library is None:
        return
    editor = can_edit()
    mismatch = library.embedding_mismatch()
    if mismatch:
        st.warning(escape_markdown(mismatch))
        if not editor:
            editor_only_notice()
        elif st.button("重建索引", key="reindex_go"):
            with st.spinner("正在重建索引……"):
                n = library.reindex()
            st.success(f"已重建 {n} 个片段的索引。")
            st.rerun()
        return
    summary = st.empty()  # filled last, so it counts what this run uploaded or deleted
    search_section(library)
    if editor:
        upload_section(library)
    else:
        editor_only_notice()
    count = documents_section(library, editable=editor)  # listed after this run's uploads, so the count is current
    summary.metric("范文库", f"{count} 篇", help=f"共 {library.chunk_count()} 个检索片段")
