"""跟踪问效（销号）: the 整改责任清单 against a later ledger — each item's state, the report, and the
next 约谈 one level up for units with overdue items (assistant.ledger.followup does the work)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.companion.followup_report import followup_docx
from assistant.ledger.followup import STATES, Followup, follow_up
from assistant.ledger.model import LedgerError
from assistant.ledger.reader import ledger_from_bytes
from assistant.ledger.report import FOLLOWUP_COLUMNS, followup_markdown, followup_rows
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.brief_form import fill_from_brief

_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _next(result: Followup, settings: Settings) -> None:
    """Callback of 用提级约谈要素填写: the form gets the next-level brief."""
    assert result.next_brief is not None
    fill_from_brief(result.next_brief, settings, ledger={})
    session.flash("followup", f"已按跟踪结果填写下一次约谈的要素（{result.next_measure}）：{'、'.join(result.overdue_units)}。")


def followup_panel(settings: Settings) -> None:
    """The 跟踪问效（销号） expander under the ledger import."""
    session.show_flash("followup")
    with st.expander("跟踪问效（销号）：整改责任清单对照新台账"):
        st.caption("上传约谈后印发的整改责任清单（.xlsx）和更新后的台账，逐项判断已完成、按期推进、逾期；"
                   "有逾期的单位，按提醒谈话→约谈→通报批评→诫勉谈话→问责提升一级。")
        checklist = st.file_uploader("整改责任清单", type=["xlsx", "csv"], key="followup_checklist")
        ledger = st.file_uploader("更新后的台账", type=["xlsx", "csv"], key="followup_ledger")
        as_of = st.date_input("判断日期（截至）", value=None, key="followup_as_of", format="YYYY/MM/DD")
        if checklist is None or ledger is None:
            return
        if max(checklist.size, ledger.size) > settings.max_upload_bytes:  # before the files are read
            st.error(f"文件超过 {settings.max_upload_mb:g} MB（ASSISTANT_MAX_UPLOAD_MB）。")
            return
        try:
            result = _follow(checklist.getvalue(), checklist.name, ledger.getvalue(), ledger.name, as_of)
        except LedgerError as e:
            st.error(escape_markdown(str(e)))
            return
        _show(result, settings)


def _follow(checklist: bytes, checklist_name: str, ledger: bytes, ledger_name: str, as_of: dt.date | None) -> Followup:
    items = ledger_from_bytes(checklist, checklist_name, checklist=True, as_of=as_of)
    rows = ledger_from_bytes(ledger, ledger_name, as_of=as_of)
    return follow_up(items, rows, as_of=as_of)


def _show(result: Followup, settings: Settings) -> None:
    counts = result.counts
    st.caption(escape_markdown(
        f"截至{result.as_of.year}年{result.as_of.month}月{result.as_of.day}日，共 {len(result.items)} 项："
        + "，".join(f"{s} {counts[s]} 项" for s in STATES)
    ))  # fmt: skip
    st.dataframe([dict(zip(FOLLOWUP_COLUMNS, row, strict=True)) for row in followup_rows(result)],
                 hide_index=True, width="stretch")
    if result.problems:
        st.warning(escape_markdown("需要核对：\n" + "\n".join(f"- 《{n}》{p}" for n, p in result.problems[:20])))
    text = followup_markdown(result)
    with st.container(horizontal=True, gap="small"):
        st.download_button("下载跟踪报告（.docx）", lambda: followup_docx(result, text), file_name="整改落实情况跟踪报告.docx",
                           mime=_DOCX, key="followup_docx", on_click="ignore")
        st.download_button("下载跟踪报告（.md）", text.encode("utf-8"), file_name="整改落实情况跟踪报告.md",
                           mime="text/markdown", key="followup_md", on_click="ignore")
    if result.next_brief is not None:
        st.button(f"用提级约谈要素填写（{result.next_measure}：{len(result.overdue_units)} 个单位）",
                  key="followup_next", type="primary", on_click=_next, args=(result, settings))
