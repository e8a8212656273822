"""The brief form (约谈要素): every field saved as it is typed, refilled after a refresh or a reopen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from assistant.domain.brief import FIELD_LABELS, Brief, BriefError, parse_brief
from assistant.domain.kinds import default_kinds
from assistant.support.config import Settings
from assistant.ui import session

AUTO = "auto"
DEFAULT_LENGTH = 3000
LIST_FIELDS = ("targets", "issues", "facts", "decisions", "requirements")
TEXT_FIELDS = ("meeting", "speaker", "tone", "title")
PLACEHOLDERS = {
    "targets": "每行一个，例如：东湖区住房和城乡建设局",
    "issues": "每行一个问题，例如：3个重点项目至今未开工",
    "facts": "每行一条事实或数据，例如：上半年投资完成率41.6%",
    "decisions": "每行一项决定，例如：对区住建局予以通报批评",
    "requirements": "每行一项要求，写明期限，例如：7月15日前报送书面整改报告",
}
#: Widget key of each form field.
KEYS = {f: f"brief_{f}" for f in ("kind", "length", *TEXT_FIELDS, *LIST_FIELDS)}
_RESTORED = "brief_restored"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def form_values() -> dict[str, Any]:
    """The form as typed (the widget values), as saved in the workspace."""
    return {f: st.session_state[k] for f, k in KEYS.items() if k in st.session_state}


def fill_form(values: dict[str, Any], kinds: dict) -> None:
    """Put saved values into the form's widgets (before they are drawn, or from a callback)."""
    for field, key in KEYS.items():
        if field not in values:
            continue
        value = values[field]
        if field == "kind":
            value = value if value in kinds else AUTO
        elif field == "length":
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = DEFAULT_LENGTH
            value = min(max(value, 500), 20000)
        else:
            value = "" if value is None else str(value)
        st.session_state[key] = value


def values_from_brief(brief: dict, kind: str = "") -> dict[str, Any]:
    """A saved brief (Draft.brief) as form values: list fields one item per line."""
    values: dict[str, Any] = {"kind": brief.get("kind") or kind or AUTO, "length": brief.get("length") or DEFAULT_LENGTH}
    for f in TEXT_FIELDS:
        values[f] = brief.get(f) or ""
    for f in LIST_FIELDS:
        values[f] = "\n".join(brief.get(f) or [])
    return values


def brief_data(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as brief data for parse_brief (an empty kind is detected by the writer)."""
    kind = values.get("kind") or AUTO
    data: dict[str, Any] = {
        "kind": "" if kind == AUTO else kind,
        "meeting": values.get("meeting", ""),
        "speaker": values.get("speaker", ""),
        "length": int(values.get("length") or DEFAULT_LENGTH),
        **{f: _lines(values.get(f, "")) for f in LIST_FIELDS},
    }
    for f in ("tone", "title"):
        if str(values.get(f) or "").strip():
            data[f] = str(values[f]).strip()
    return data


def restore_once(settings: Settings) -> None:
    """On a new browser session (or after a refresh), refill the form from the saved workspace."""
    if st.session_state.get(_RESTORED):
        return
    st.session_state[_RESTORED] = True
    saved = session.workspace().form
    if saved:
        fill_form(saved, default_kinds(settings.structures_dir))


@st.fragment
def brief_form(settings: Settings, on_submit: Callable[[Brief, bool], bool], busy: bool = False) -> None:
    """The form; a field change reruns only the form (and saves it), a submit starts drafting.

    ``on_submit(brief, outline_first)`` returns True when drafting started (the page reruns).
    """
    kinds = default_kinds(settings.structures_dir)
    # No default values in the widget calls: a value put in by fill_form must not clash with one.
    st.session_state.setdefault(KEYS["length"], DEFAULT_LENGTH)
    st.subheader("约谈要素")
    c1, c2 = st.columns(2)
    c1.selectbox(
        "约谈类型", [AUTO, *kinds], key=KEYS["kind"],
        format_func=lambda k: "自动识别（按会议名称和问题）" if k == AUTO else kinds[k].name,
    )  # fmt: skip
    c2.number_input("篇幅（字）", min_value=500, max_value=20000, step=100, key=KEYS["length"],
                    help="讲话语速约每分钟 220 字，3000 字约讲 14 分钟。")
    st.text_input(FIELD_LABELS["meeting"], key=KEYS["meeting"], placeholder="例如：东湖区重点项目推进滞后约谈会")
    st.text_input(FIELD_LABELS["speaker"], key=KEYS["speaker"], placeholder="例如：东湖区人民政府区长")
    for f in LIST_FIELDS:
        st.text_area(FIELD_LABELS[f], key=KEYS[f], placeholder=PLACEHOLDERS[f], height=100)
    c3, c4 = st.columns(2)
    c3.text_input(FIELD_LABELS["tone"], key=KEYS["tone"], placeholder="留空则按约谈类型的默认语气")
    c4.text_input("标题（可不填）", key=KEYS["title"])
    values = form_values()
    if values != session.workspace().form:
        session.update(form=values)  # saved as typed: a refresh or a restart keeps it
    b1, b2 = st.columns(2)
    submitted = b1.button("生成初稿", type="primary", key="brief_go", disabled=busy, width="stretch")
    outline_first = b2.button("先拟提纲，改好后再写全文", key="brief_outline_go", disabled=busy, width="stretch")
    if busy:
        st.caption("正在生成，完成或停止后可再次生成。")
    if not (submitted or outline_first):
        return
    try:
        brief = parse_brief(brief_data(values), form=True)
    except BriefError as e:
        st.error(str(e))
        return
    if on_submit(brief, outline_first):
        st.rerun()  # the whole page: the drafting shows beside the form
