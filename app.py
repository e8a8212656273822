"""Streamlit entry point: page config, then the views in assistant.ui."""

import streamlit as st

from assistant.ui import draft_page, library_page, settings_page

st.set_page_config(page_title="约谈讲话写作助手", page_icon="📝", layout="wide")
st.title("约谈讲话写作助手")
st.caption("检索范文 · 按标准结构起草约谈讲话（内置向量模型，离线可用）")
library_page.first_start()
draft_tab, library_tab, settings_tab = st.tabs(["起草讲话", "范文库", "设置"], key="main_tabs")
with draft_tab:
    draft_page.render()
with library_tab:
    library_page.render()
with settings_tab:
    settings_page.render()
