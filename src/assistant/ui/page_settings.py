"""The settings every view uses: env/.env read once per script run, invalid values replaced by defaults."""

from __future__ import annotations

import streamlit as st

from assistant.llm.page_choice import LLMChoice, apply_choice
from assistant.llm.saved_settings import load_model_settings
from assistant.support.config import Settings, SettingsError, load_settings_lenient
from assistant.ui.markdown_text import escape_markdown

#: Session-state key of the LLMChoice made on the 设置 page for this browser session only.
OVERRIDES = "llm_overrides"
_RUN_SETTINGS = "page_settings"


def start_run() -> None:
    """Read env/.env for this script run; one error box names any invalid variable, whose default is used."""
    try:
        settings, problems = load_settings_lenient()
    except SettingsError as e:  # not tied to one field, so no default can stand in for it
        st.error(f"配置有误：{escape_markdown(str(e))}")
        st.stop()
    # Per session, not a module global: sessions run in parallel threads.
    st.session_state[_RUN_SETTINGS] = settings
    if problems:
        st.error(
            "以下配置有误，暂按默认值运行（改正 .env 后刷新页面即可；改的是环境变量则需重新启动）：\n\n"
            + "\n".join(f"- {escape_markdown(line)}" for line in problems)
        )


def env_settings() -> Settings:
    """This run's settings from env/.env only: what a resource shared by all sessions may be opened with."""
    if _RUN_SETTINGS not in st.session_state:  # a view rendered without app.py's start_run()
        start_run()
    return st.session_state[_RUN_SETTINGS]


def model_choice() -> LLMChoice | None:
    """The model service chosen on the 设置 page: this session's choice, else the one saved on this machine."""
    choice = st.session_state.get(OVERRIDES)
    if isinstance(choice, LLMChoice):
        return choice
    return load_model_settings(env_settings().data_dir)


def page_settings() -> Settings:
    """This run's settings plus the model service chosen on the 设置 page."""
    # The core decides whether the server's key may go along (only to the server's own endpoint).
    return apply_choice(env_settings(), model_choice())
