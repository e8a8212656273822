"""Streamlit entry point: page config, then the views in assistant.ui."""

import streamlit as st

from assistant.ui import library_page

st.set_page_config(page_title="约谈讲话写作助手", page_icon="📝", layout="wide")
st.title("约谈讲话写作助手")
st.caption("检索范文 · 按标准结构起草约谈讲话（内置向量模型，离线可用）")
library_page.render()
