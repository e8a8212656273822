"""Streamlit entry point: page config, then the views in assistant.ui."""

import streamlit as st

from assistant.ui import access, draft_page, library_page, page_settings, settings_page
from assistant.ui.errors import guarded

st.set_page_config(page_title="约谈讲话写作助手", page_icon="📝", layout="wide")
st.title("约谈讲话写作助手")
st.caption("检索范文 · 按标准结构起草约谈讲话（内置向量模型，离线可用）")
page_settings.start_run()
access.gate()  # stops here unless this session may use the app
guarded(library_page.first_start, "范文库")
draft_tab, library_tab, settings_tab = st.tabs(["起草讲话", "范文库", "设置"], key="main_tabs")
with draft_tab:
    guarded(draft_page.render, "起草页面")
with library_tab:
    guarded(library_page.render, "范文库页面")
with settings_tab:
    guarded(settings_page.render, "设置页面")
