"""The login gate at the top of app.py, and who may change the library (checks in assistant.support.access)."""

from __future__ import annotations

import time

import streamlit as st

from assistant.support.access import ROLE_LABELS, Role, editor_hint, initial_access, login
from assistant.ui.page_settings import env_settings

_ROLE = "access_role"
_FAILED_LOGIN_DELAY = 1.0  # seconds; slows password guessing from one session


def gate() -> None:
    """Stop the script unless this session may use the app; show the login form when needed."""
    settings = env_settings()
    access = initial_access(settings, st.get_option("server.address"))
    if access.refused:
        st.error(access.refused)
        st.stop()
    role = st.session_state.get(_ROLE) or access.role
    if role == Role.NONE:
        _login_form("请输入访问密码", "login")
        st.stop()
    st.session_state[_ROLE] = role
    with st.sidebar:
        st.caption(f"当前身份：{ROLE_LABELS[role]}")
        if role == Role.WRITER and access.editor_login:
            with st.expander("管理员登录"):
                _login_form("管理员密码", "editor_login")
        if role != access.role and st.button("退出登录", key="logout"):
            st.session_state.pop(_ROLE, None)
            st.rerun()


def _login_form(label: str, key: str) -> None:
    with st.form(key):
        password = st.text_input(label, type="password", key=f"{key}_password")
        submitted = st.form_submit_button("登录")
    if not submitted:
        return
    role = login(env_settings(), password)
    current = st.session_state.get(_ROLE, Role.NONE)
    if role == Role.NONE or role == current:
        time.sleep(_FAILED_LOGIN_DELAY)
        st.error("密码不正确。")
        return
    st.session_state[_ROLE] = role
    st.rerun()


def can_edit() -> bool:
    """True when this session may change the library (upload, delete, reindex, kind edits)."""
    role = st.session_state.get(_ROLE)
    if role is None:  # a view rendered without app.py's gate
        role = initial_access(env_settings(), st.get_option("server.address")).role
    return role == Role.EDITOR


def editor_only_notice() -> None:
    """Say, once per page, why the library cannot be changed from this session."""
    st.info(editor_hint(env_settings()))
