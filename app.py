"""Streamlit entry point: page config, then the views in assistant.ui."""

import streamlit as st

from assistant.library.storage.heap import wipe_freed_memory
from assistant.ui import access, chrome, first_start, page_settings
from assistant.ui.errors import guarded
from assistant.ui.pages import draft_page, library_page, my_drafts, settings_page
from assistant.ui.session import session_id

wipe_freed_memory()  # before any document is read (library/storage/heap.py)
st.set_page_config(page_title="约谈讲话写作助手", page_icon="📝", layout="wide")
chrome.chinese_chrome()
st.title("约谈讲话写作助手")
st.caption("检索范文 · 按标准结构起草约谈讲话（内置向量模型，离线可用）")
page_settings.start_run()
access.gate()  # stops here unless this session may use the app
session_id()  # before anything else, so the URL names this session from the first run
# First start: the bundled corpus is indexed in the background; its bar sits above the tabs.
seeding = guarded(first_start.begin, "范文库")
draft_tab, drafts_tab, library_tab, settings_tab = st.tabs(
    [my_drafts.DRAFT_TAB, "我的稿件", "范文库", "设置"], key=my_drafts.MAIN_TABS, bind="query-params"
)
# The drafting tab is filled last: while a draft is being written it watches the writing
# until it is done, and the other tabs must be usable meanwhile.
with drafts_tab:
    guarded(my_drafts.render, "我的稿件页面")
with library_tab:
    guarded(library_page.render, "范文库页面")
with settings_tab:
    guarded(settings_page.render, "设置页面")
with draft_tab:
    guarded(draft_page.render, "起草页面")
guarded(lambda: first_start.follow(seeding), "范文库")
