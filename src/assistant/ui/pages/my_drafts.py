"""我的稿件: drafts by meeting, each with its versions — open, compare two, restore one, delete."""

from __future__ import annotations

import contextlib

import streamlit as st

from assistant.domain.kinds import default_kinds
from assistant.drafts.draft_access import is_owner
from assistant.drafts.draft_store import STATUS_SHORT, DraftRecord, DraftStoreError, short_time
from assistant.ui import session
from assistant.ui.access import accounts
from assistant.ui.diff_view import marks_html
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import page_settings
from assistant.ui.panels.brief_form import fill_form, values_from_brief

MAIN_TABS = "tab"
DRAFT_TAB = "起草讲话"
SHOWN = 50  # drafts listed; older ones stay on disk
_DELETING = "draft_deleting"

_STATUS = {"interrupted": "未完成", STATUS_SHORT: "未达篇幅"}


def open_draft(draft_id: str) -> None:
    """Callback of 打开: the draft opens in 起草讲话 and its brief refills the form."""
    try:
        draft = session.store().load(draft_id)
    except DraftStoreError as e:
        session.flash("drafts", str(e), "error")
        return
    values = values_from_brief(draft.brief, draft.kind)
    fill_form(values, default_kinds(page_settings().structures_dir))
    session.update(draft_id=draft_id, messages=[], form=values)
    st.session_state[MAIN_TABS] = DRAFT_TAB


def _restore(draft_id: str, key: str) -> None:
    number = st.session_state.get(key)
    if not number:
        return
    try:
        version = session.store().restore(draft_id, int(number))
    except DraftStoreError as e:
        session.flash("drafts", str(e), "error")
        return
    session.open_in_page(draft_id)
    session.flash("drafts", f"已恢复第 {number} 版（保存为第 {version.number} 版），并在“起草讲话”中打开。")


def _delete(record: DraftRecord) -> None:
    # Deleted meanwhile in another window: the outcome is the same.
    with contextlib.suppress(DraftStoreError):
        session.store().delete(record.draft_id)
    if session.workspace().draft_id == record.draft_id:
        session.update(draft_id="")
    st.session_state.pop(_DELETING, None)
    session.flash("drafts", f"已删除《{record.title or '无标题'}》及其全部 {len(record.versions)} 个版本。")


def _versions(record: DraftRecord) -> None:
    """The versions of one draft: list, compare two, restore one."""
    rid = record.draft_id
    st.dataframe(
        [{"版本": v.number, "时间": short_time(v.created_at), "原因": v.reason, "正文字数": v.chars,
          "状态": _STATUS.get(v.status, "完成")} for v in reversed(record.versions)],
        hide_index=True, width="stretch",
    )  # fmt: skip
    numbers = [v.number for v in reversed(record.versions)]
    if len(numbers) < 2:
        return
    c1, c2, c3 = st.columns([1, 1, 1], vertical_alignment="bottom")
    old = c1.selectbox("对比：较早的版本", numbers, index=1, key=f"cmp_a_{rid}", format_func=lambda n: f"第 {n} 版")
    new = c2.selectbox("与", numbers, index=0, key=f"cmp_b_{rid}", format_func=lambda n: f"第 {n} 版")
    if c3.button("对比", key=f"cmp_go_{rid}"):
        try:
            drafts = session.store()
            before, after = drafts.load(rid, old).text, drafts.load(rid, new).text
        except DraftStoreError as e:
            st.error(escape_markdown(str(e)))
        else:
            st.html(marks_html(before, after, f"第 {old} 版", f"第 {new} 版"))
    c4, c5 = st.columns([2, 1], vertical_alignment="bottom")
    key = f"restore_pick_{rid}"
    c4.selectbox("恢复为", numbers[1:], key=key, format_func=lambda n: f"第 {n} 版")
    c5.button("恢复此版本", key=f"restore_go_{rid}", on_click=_restore, args=(rid, key))


def _draft_row(record: DraftRecord, open_id: str) -> None:
    rid = record.draft_id
    latest = record.latest
    with st.container(border=True):
        c1, c2, c3 = st.columns([6, 1, 1], vertical_alignment="center")
        mark = "（正在编辑）" if rid == open_id else ""
        c1.markdown(f"**{escape_markdown(record.title or '（无标题）')}**{mark}")
        state = " · 未完成" if latest.status == "interrupted" else ""
        c1.caption(
            f"{short_time(record.updated_at)} · 共 {len(record.versions)} 版 · 最新：{escape_markdown(latest.reason)} · "
            f"正文约 {latest.chars} 字{state}"
        )
        c2.button("打开", key=f"open_{rid}", on_click=open_draft, args=(rid,), type="primary" if rid == open_id else "secondary")
        mine = is_owner(record, session.account())
        if not mine:
            c1.caption(f"由 {escape_markdown(record.owner)} 共享给你" if record.owner else "建立于设置账号之前")
        if mine and c3.button("删除", key=f"delete_{rid}"):
            st.session_state[_DELETING] = rid
        if st.session_state.get(_DELETING) == rid:
            st.warning(f"确定删除《{escape_markdown(record.title or '无标题')}》及其全部 {len(record.versions)} 个版本吗？删除后无法恢复。")
            d1, d2, _ = st.columns([1, 1, 4])
            d1.button("确认删除", key=f"delete_yes_{rid}", type="primary", on_click=_delete, args=(record,))
            d2.button("取消", key=f"delete_no_{rid}", on_click=st.session_state.pop, args=(_DELETING, None))
        with st.expander(f"版本记录（{len(record.versions)} 版）"):
            _versions(record)
        if mine and record.owner:
            _sharing(record)


def _sharing(record: DraftRecord) -> None:
    """共享给…: the owner names the colleagues who may open and revise this draft."""
    rid = record.draft_id
    others = [a.name for a in accounts().list() if a.name != record.owner]
    label = f"共享给…（{len(record.shared_with)} 人）" if record.shared_with else "共享给…（未共享）"
    with st.expander(label):
        if not others:
            st.caption("本机还没有其他账号。")
            return
        chosen = st.multiselect(
            "可以打开和修改这份稿件的同事", others,
            default=[n for n in record.shared_with if n in others], key=f"share_{rid}",
        )  # fmt: skip
        if st.button("保存共享设置", key=f"share_go_{rid}"):
            try:
                session.store().share(rid, chosen)
            except DraftStoreError as e:
                st.error(escape_markdown(str(e)))
                return
            who = "、".join(chosen) if chosen else "无人（仅自己可见）"
            session.flash("drafts", f"已更新共享：{who}。")  # show_flash escapes
            st.rerun()


def render() -> None:
    """The 我的稿件 tab."""
    session.show_flash("drafts")
    groups = session.store().by_meeting()
    if not groups:
        st.info("还没有稿件。在“起草讲话”页生成的每一稿、每次修改都会自动保存在这里。")
        return
    open_id = session.workspace().draft_id
    shown = 0
    for meeting, records in groups:
        st.subheader(escape_markdown(meeting))
        for record in records:
            if shown >= SHOWN:
                break
            _draft_row(record, open_id)
            shown += 1
    total = sum(len(r) for _, r in groups)
    if total > SHOWN:
        st.caption(f"只列出最近的 {SHOWN} 份稿件（共 {total} 份）；更早的稿件仍保存在数据目录的 drafts 文件夹中。")
