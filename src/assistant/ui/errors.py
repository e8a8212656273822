"""The page's boundary: a UserError is shown as its Chinese message; anything unexpected is logged, never a traceback."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from assistant.library.storage.errors import storage_problem
from assistant.support.errors import UserError
from assistant.ui.markdown_text import escape_markdown

log = logging.getLogger("assistant.ui")

T = TypeVar("T")


def guarded(render: Callable[[], T], where: str) -> T | None:
    """Run one view and return its result; an unexpected exception is logged and shown as a short message (None)."""
    try:
        return render()
    except UserError as e:  # said for the user already: shown as it is (escaped: it may quote a file name)
        st.error(f"{where}：{escape_markdown(str(e))}")
        return None
    except Exception as e:  # noqa: BLE001 - st.rerun/st.stop are BaseException and pass through
        log.exception("unexpected error in %s", where)
        problem = storage_problem(e)
        if problem:
            st.error(f"{where}：{escape_markdown(problem)}")
            return None
        st.error(
            f"{where}出现意外错误（{type(e).__name__}）。详细信息已写入运行日志；"
            "已生成的稿件都自动保存在数据目录的 drafts 文件夹中。请刷新页面重试，"
            "如反复出现，请把这条信息反馈给维护人员。"
        )
