"""The brief form (约谈要素): every field saved as it is typed, refilled after a refresh or a reopen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from assistant.domain.brief import FIELD_LABELS, Brief, BriefError, parse_brief
from assistant.domain.kinds import default_kinds
from assistant.domain.measures import find_measure, ladder
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.markdown_text import escape_markdown

AUTO = "auto"
DEFAULT_LENGTH = 3000
LIST_FIELDS = ("targets", "issues", "facts", "decisions", "requirements")
TEXT_FIELDS = ("meeting", "speaker", "tone", "title")
#: For the notice and the minutes (配套文书); optional, under their own expander.
NOTICE_TEXT_FIELDS = ("meeting_time", "place", "chair")
NOTICE_LIST_FIELDS = ("attendees", "materials")
PLACEHOLDERS = {
    "targets": "每行一个，例如：东湖区住房和城乡建设局",
    "issues": "每行一个问题，例如：3个重点项目至今未开工",
    "facts": "每行一条事实或数据，例如：上半年投资完成率41.6%",
    "decisions": "每行一项决定，例如：对区住建局予以通报批评",
    "requirements": "每行一项要求，写明期限，例如：7月15日前报送书面整改报告",
}
#: Widget key of each form field.
KEYS = {
    f: f"brief_{f}"
    for f in ("kind", "measure", "length", *TEXT_FIELDS, *LIST_FIELDS, *NOTICE_TEXT_FIELDS, *NOTICE_LIST_FIELDS)
}
_RESTORED = "brief_restored"
MEASURES = [m.name for m in ladder()]


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
        elif field == "measure":
            value = value if value in MEASURES else MEASURES[1]
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
    values["measure"] = brief.get("measure") or find_measure("").name
    for f in (*TEXT_FIELDS, *NOTICE_TEXT_FIELDS):
        values[f] = brief.get(f) or ""
    for f in (*LIST_FIELDS, *NOTICE_LIST_FIELDS):
        values[f] = "\n".join(brief.get(f) or [])
    return values


def fill_from_brief(brief: Brief, settings: Settings, **workspace: Any) -> dict[str, Any]:
    """Put a brief made elsewhere (a ledger, a follow-up) into the form, keeping the length typed; saves it."""
    data = brief.model_dump(mode="json", exclude_none=True)
    values = values_from_brief(data, data.get("kind", ""))
    values["length"] = st.session_state.get(KEYS["length"], values["length"])
    fill_form(values, default_kinds(settings.structures_dir))
    session.update(form=values, **workspace)
    return values


def brief_data(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as brief data for parse_brief (an empty kind is detected by the writer)."""
    kind = values.get("kind") or AUTO
    data: dict[str, Any] = {
        "kind": "" if kind == AUTO else kind,
        "meeting": values.get("meeting", ""),
        "speaker": values.get("speaker", ""),
        "length": int(values.get("length") or DEFAULT_LENGTH),
        **{f: _lines(values.get(f, "")) for f in (*LIST_FIELDS, *NOTICE_LIST_FIELDS)},
    }
    for f in ("tone", "title", "measure", *NOTICE_TEXT_FIELDS):
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


def _form(
    settings: Settings, on_submit: Callable[[Brief, bool], bool], busy: bool = False
) -> DeltaGenerator | None:
    """The form's widgets; saves what is typed; a submit starts drafting (see :func:`brief_form`)."""
    kinds = default_kinds(settings.structures_dir)
    # No default values in the widget calls: a value put in by fill_form must not clash with one.
    st.session_state.setdefault(KEYS["length"], DEFAULT_LENGTH)
    st.session_state.setdefault(KEYS["measure"], find_measure("").name)
    st.subheader("约谈要素")
    # Full width: in a half of the narrow column the kind's longest choice was cut at 1366 px.
    st.selectbox(
        "约谈类型", [AUTO, *kinds], key=KEYS["kind"],
        format_func=lambda k: "自动识别（按会议名称和问题）" if k == AUTO else kinds[k].name,
    )  # fmt: skip
    st.selectbox(FIELD_LABELS["measure"], MEASURES, key=KEYS["measure"],
                 help="决定讲话的语气和措辞：提醒谈话不出现通报、问责的措辞；通报批评及以上要宣布决定。")
    st.text_input(FIELD_LABELS["meeting"], key=KEYS["meeting"], placeholder="例如：东湖区重点项目推进滞后约谈会")
    st.text_input(FIELD_LABELS["speaker"], key=KEYS["speaker"], placeholder="例如：东湖区人民政府区长")
    for f in LIST_FIELDS:
        st.text_area(FIELD_LABELS[f], key=KEYS[f], placeholder=PLACEHOLDERS[f], height=100)
    st.text_input("标题（可不填）", key=KEYS["title"], placeholder="留空则按会议名称拟定")
    with st.expander("约谈通知、纪要用（可不填）"):
        st.text_input(FIELD_LABELS["meeting_time"], key=KEYS["meeting_time"], placeholder="例如：2026年7月15日上午9:00")
        st.text_input(FIELD_LABELS["place"], key=KEYS["place"], placeholder="例如：区政府第三会议室")
        st.text_input(FIELD_LABELS["chair"], key=KEYS["chair"], placeholder="例如：区政府办公室主任")
        st.text_area(FIELD_LABELS["attendees"], key=KEYS["attendees"], height=68,
                     placeholder="每行一项，例如：各被约谈单位主要负责人和分管负责人")
        st.text_area(FIELD_LABELS["materials"], key=KEYS["materials"], height=68,
                     placeholder="每行一项，例如：项目推进滞后情况说明")
    c1, c2 = st.columns(2)
    c1.number_input("篇幅（字）", min_value=500, max_value=20000, step=100, key=KEYS["length"],
                    help="讲话语速约每分钟 220 字，3000 字约讲 14 分钟。")
    c2.text_input(FIELD_LABELS["tone"], key=KEYS["tone"], placeholder="默认按约谈类型")
    values = form_values()
    if values != session.workspace().form:
        session.update(form=values)  # saved as typed: a refresh or a restart keeps it
    # The drafting's progress and 停止 go where the clerk just pressed 生成初稿 (draft_page).
    progress = st.container() if busy else None
    # One under the other: side by side, "先拟提纲，改好后再写全文" was cut to "先拟提纲，改…".
    submitted = st.button("生成初稿", type="primary", key="brief_go", disabled=busy, width="stretch")
    outline_first = st.button("先拟提纲，改好后再写全文", key="brief_outline_go", disabled=busy, width="stretch")
    if busy or not (submitted or outline_first):
        return progress
    try:
        brief = parse_brief(brief_data(values), form=True)
    except BriefError as e:
        st.error(escape_markdown(str(e)))  # it quotes the brief
        return None
    if on_submit(brief, outline_first):
        st.rerun()  # the whole page: the drafting shows beside the form
    return None


_fragment_form = st.fragment(_form)


def brief_form(
    settings: Settings, on_submit: Callable[[Brief, bool], bool], busy: bool = False, *, page_loops: bool = False
) -> DeltaGenerator | None:
    """The form; a field change saves it, a submit starts drafting.

    ``on_submit(brief, outline_first)`` returns True when drafting started (the page reruns).
    ``busy``: a drafting runs; the buttons are disabled and the place above them is returned,
    for its progress (``busy`` needs ``page_loops``: a fragment returns nothing).
    Normally a fragment, so typing reruns only the form. ``page_loops``: the page's script is
    still running (first-start indexing, a drafting being watched), and Streamlit holds a
    fragment's rerun until that run ends, so a field typed meanwhile would be saved only then
    (a refresh before it lost the field); a whole-page rerun ends the waiting run at once.
    """
    return (_form if page_loops else _fragment_form)(settings, on_submit, busy)
