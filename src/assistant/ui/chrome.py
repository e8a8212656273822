"""Streamlit's own English around the page, hidden or said in Chinese.

`client.toolbarMode = "minimal"` (.streamlit/config.toml) removes Deploy and the main menu;
what remains is English text Streamlit draws itself: the running indicator with its Stop,
"Press Enter to apply" under inputs, the upload box's "Upload" and "… per file", the tables'
toolbar and the skip link. This style sheet hides them and puts Chinese in place
of what a user needs. Only selectors of Streamlit's test ids are used, which are stable.
It also fits the page to a 1366×768 laptop: a narrow sidebar and titles that wrap evenly.
"""

from __future__ import annotations

import streamlit as st

CSS_TEMPLATE = """
<style>
/* The running indicator ("Running…" and its Stop): the page shows its own progress. */
[data-testid="stStatusWidget"] { display: none !important; }
/* "Press Enter to apply" / "Press ⌘+Enter to apply" under text inputs. */
[data-testid="InputInstructions"] { display: none !important; }
/* The keyboard users' skip link, said in Chinese. */
a[href="#stMain"] { font-size: 0 !important; }
a[href="#stMain"]::after { content: "跳到正文"; font-size: 1rem; }
/* The table toolbar (Download as CSV, Search, Fullscreen): nothing the office needs here. */
[data-testid="stElementToolbar"] { display: none !important; }
/* The upload box: English instructions and button label replaced by Chinese ones. */
[data-testid="stFileUploaderDropzoneInstructions"] span,
[data-testid="stFileUploaderDropzoneInstructions"] small { display: none !important; }
[data-testid="stFileUploaderDropzoneInstructions"] > div::after {
  content: "或把文件拖到这里（每个文件不超过 {limit} MB）";
  font-size: 0.9rem;
}
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none !important; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: "选择文件"; }
/* The sidebar holds one line (当前身份); Streamlit's default 300 px took a quarter of a laptop. */
section[data-testid="stSidebar"] { width: {sidebar} !important; min-width: {sidebar} !important; }
/* Titles wrap into even lines: never one character alone on the last one. */
h1, .speech-doc p[style*="text-align:center"] { text-wrap: balance; }
@media (max-width: 900px) { h1 { font-size: 1.9rem !important; } }
</style>
"""


#: The sidebar's width: room for "当前身份：范文库管理员" and the login fields, no more.
SIDEBAR_WIDTH = "14rem"


def css(limit_mb: int) -> str:
    """The style sheet, naming the upload limit Streamlit enforces (server.maxUploadSize)."""
    return CSS_TEMPLATE.replace("{limit}", str(limit_mb)).replace("{sidebar}", SIDEBAR_WIDTH)


def chinese_chrome() -> None:
    """Add the style sheet (a style-only st.html takes no room on the page)."""
    st.html(css(int(st.get_option("server.maxUploadSize"))))
