"""从台账填写: a progress ledger (CSV/XLSX) → a preview of who is behind → the brief form filled in.

The reading, the lag rule and the brief are the core's (assistant.ledger); this panel shows the
preview, asks which column is which when the core is unsure, and fills the form.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from assistant.ledger.model import FIELD_NAMES, ColumnsNeeded, Ledger, LedgerError
from assistant.ledger.reader import ledger_from_bytes
from assistant.ledger.status import as_of_date, assess
from assistant.ledger.to_brief import ledger_brief
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.panels.brief_form import brief_data, fill_from_brief, form_values

_MAPPING = "ledger_mapping"
_FILE = "ledger_file"
_AS_OF = "ledger_as_of"


def _percent(value: float | None, text: str) -> str:
    return f"{value:.0%}" if value is not None else text


def _fill(ledger: Ledger, as_of: dt.date | None, settings: Settings) -> None:
    """Callback of 用滞后项目填写约谈要素: the form gets the ledger's brief; the rows are kept for 校对."""
    current = brief_data(form_values())
    try:
        result = ledger_brief(ledger, as_of=as_of, kind=current.get("kind", ""), measure=current.get("measure", ""))
    except LedgerError as e:
        session.flash("ledger", str(e), "error")
        return
    fill_from_brief(result.brief, settings, ledger=result.sidecar())
    units = "、".join(result.brief.targets)
    session.flash(
        "ledger",
        f"已按台账填写约谈要素：{len(result.used)} 个滞后项目，约谈 {len(result.brief.targets)} 个单位（{units}）。"
        "生成后“校对”会把讲话稿中的数字和日期与台账逐行核对。",
    )


def _mapping_step(needed: ColumnsNeeded) -> None:
    missing = "、".join(FIELD_NAMES.get(f, f) for f in needed.columns.candidates)
    st.warning(escape_markdown(f"没有认出台账的这几列：{missing}。请在下面选出每一项对应的列。"))
    chosen: dict[str, str] = {}
    for field, candidates in needed.columns.candidates.items():
        if not candidates:
            continue
        options = [c.letter for c in candidates]
        labels = {c.letter: f"{c.letter} 列：{c.label}" for c in candidates}
        chosen[FIELD_NAMES.get(field, field)] = st.selectbox(
            f"“{FIELD_NAMES.get(field, field)}”是哪一列？", options, key=f"ledger_map_{field}",
            format_func=lambda letter, labels=labels: labels[letter],
        )  # fmt: skip
    if chosen and st.button("按这样对应读取台账", key="ledger_map_go"):
        st.session_state[_MAPPING] = chosen
        st.rerun()


def ledger_import(settings: Settings) -> None:
    """The 从督查台账填写 expander above the brief form."""
    session.show_flash("ledger")
    with st.expander("从督查台账填写约谈要素（Excel / CSV）"):
        st.caption("上传进度台账（.xlsx 或 .csv），按判断日期找出滞后的项目，只约谈滞后的单位。")
        upload = st.file_uploader("台账文件", type=["xlsx", "csv"], key=_FILE)
        as_of = st.date_input("判断日期（截至）", value=None, key=_AS_OF, format="YYYY/MM/DD",
                              help="不填时用台账标题中的“截至……”日期，再没有就用今天。")
        if upload is None:
            st.session_state.pop(_MAPPING, None)
            return
        if upload.size > settings.max_upload_bytes:  # checked before the file is read
            st.error(f"台账文件超过 {settings.max_upload_mb:g} MB（ASSISTANT_MAX_UPLOAD_MB），请只保留需要的工作表。")
            return
        try:
            ledger = ledger_from_bytes(upload.getvalue(), upload.name, mapping=st.session_state.get(_MAPPING),
                                       as_of=as_of)
        except ColumnsNeeded as needed:
            _mapping_step(needed)
            return
        except LedgerError as e:
            st.error(escape_markdown(str(e)))
            return
        _preview(ledger, as_of, settings)


def _preview(ledger: Ledger, as_of: dt.date | None, settings: Settings) -> None:
    day = as_of_date(ledger, as_of)
    states = assess(ledger, day)
    behind = [s for s in states if s.behind]
    st.caption(escape_markdown(
        f"《{ledger.name}》{('：' + ledger.title) if ledger.title else ''}，读到 {len(states)} 个项目；"
        f"截至{day.year}年{day.month}月{day.day}日滞后 {len(behind)} 个。"
    ))  # fmt: skip
    st.dataframe(
        [{"行号": s.row.row, "项目": s.row.project, "责任单位": s.row.unit,
          "计划完成": s.row.deadline_text or (s.row.deadline.isoformat() if s.row.deadline else ""),
          "进度": _percent(s.row.progress, s.row.progress_text), "状态": s.state, "说明": s.why}
         for s in states],
        hide_index=True, width="stretch",
    )  # fmt: skip
    problems = [f"第 {p.row} 行：{p.message}" for p in ledger.problems]
    problems += [f"第 {k.row} 行未读入：{k.reason}" for k in ledger.skipped if k.reason]
    if problems:
        st.warning(escape_markdown("需要核对的行：\n" + "\n".join(f"- {p}" for p in problems[:20])))
    if behind:
        st.button("用滞后项目填写约谈要素", key="ledger_fill", type="primary", on_click=_fill,
                  args=(ledger, as_of, settings))
    else:
        st.info("没有滞后的项目，无需约谈。如判断日期不对，请改上面的日期。")
