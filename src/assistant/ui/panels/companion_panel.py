"""配套文书 under a finished draft: 约谈通知, 约谈纪要, 整改责任清单 (.xlsx/.docx), 大字版讲话稿.

Made by the core (assistant.companion) from the draft's brief and the speech itself; each file is
built only when its button is clicked. Where the speech and the brief disagree, it says so once.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from assistant.companion.crosscheck import speech_warnings
from assistant.companion.make import make_companion
from assistant.domain.brief import Brief
from assistant.domain.models import Draft
from assistant.ui.markdown_text import escape_markdown

#: (kind, format, label) of each download.
DOCUMENTS = (
    ("notice", None, "约谈通知（.docx）"),
    ("minutes", None, "约谈纪要（.docx）"),
    ("checklist", "xlsx", "整改责任清单（.xlsx）"),
    ("checklist", "docx", "整改责任清单（.docx）"),
    ("largeprint", None, "大字版讲话稿（.docx）"),
)


def _warnings(brief: Brief, text: str) -> list[str]:
    cache = st.session_state.setdefault("companion_warnings", {})
    key = hashlib.sha256((brief.model_dump_json() + text).encode("utf-8")).hexdigest()[:16]
    if key not in cache:
        cache.clear()  # one draft's at a time
        cache[key] = speech_warnings(brief, text)
    return cache[key]


def show_companions(draft: Draft, brief: Brief | None) -> None:
    """The 配套文书 expander: one download per document, made from the same facts."""
    with st.expander("配套文书：约谈通知、纪要、整改责任清单、大字版"):
        if brief is None:
            st.info("这份稿件没有约谈要素，无法生成配套文书。")
            return
        st.caption(
            "与讲话稿同一份约谈要素、同样的单位、问题和时限；本工具无法知道的内容（文号、联系人、责任人，"
            "未填写的时间地点）标为“〔待填〕”，印发前请填写。"
        )
        differs = _warnings(brief, draft.text)
        if differs:  # a caption: the draft's own warnings already stand in one summary above
            st.caption(escape_markdown("⚠ 讲话稿与约谈要素不一致，配套文书按约谈要素写：" + "；".join(differs)))
        with st.container(horizontal=True, gap="small"):
            for kind, fmt, label in DOCUMENTS:
                st.download_button(
                    label, lambda kind=kind, fmt=fmt: make_companion(kind, brief, draft, fmt=fmt).data,
                    file_name=_name(kind, fmt, brief), mime=_mime(fmt), key=f"companion_{kind}_{fmt or 'docx'}",
                    on_click="ignore",
                )  # fmt: skip


def _mime(fmt: str | None) -> str:
    if fmt == "xlsx":
        return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _name(kind: str, fmt: str | None, brief: Brief) -> str:
    from assistant.export.filenames import safe_filename

    what = {"notice": "约谈通知", "minutes": "约谈纪要", "checklist": "整改责任清单", "largeprint": "讲话稿（大字版）"}[kind]
    return safe_filename(f"{brief.meeting}{what}") + "." + (fmt or "docx")
