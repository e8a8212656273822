"""Who this page session is, at the top of app.py: the login made on the login page (ui/web_gate.py).

The login page sets a cookie; this module finds the account logged in with it. Without any
account or password (one person on this machine) everyone is a 系统管理员, as before.
"""

from __future__ import annotations

import streamlit as st

from assistant.support.access import Role, editor_hint, initial_access, may_edit
from assistant.support.accounts import Account, AccountError, AccountStore
from assistant.support.login_guard import LOGINS, gate_active
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import env_settings
from assistant.ui.web_gate import COOKIE, LOGIN_PATH, LOGOUT_PATH

_ACCOUNT = "access_account"
_stores: dict[str, AccountStore] = {}


def accounts() -> AccountStore:
    """The accounts of the data dir (one store per process, re-read when the file changes)."""
    key = str(env_settings().data_dir)
    if key not in _stores:
        _stores[key] = AccountStore(key)
    return _stores[key]


def login_token() -> str:
    """The login page's cookie, as this session's browser sent it."""
    return st.context.cookies.get(COOKIE) or ""


def _resolve() -> tuple[Account, str, bool]:
    """This session's account (role NONE when it must log in), why the app refuses, and whether it logged in."""
    store = accounts()
    has_accounts = store.any()
    access = initial_access(env_settings(), st.get_option("server.address"), has_accounts)
    if access.refused:
        return Account("", Role.NONE), access.refused, False
    logged_in = LOGINS.lookup(login_token(), store)
    if logged_in is not None:
        return logged_in, "", True
    return Account("", access.role), "", False


def gate() -> None:
    """Stop the script unless this session is logged in (or needs no login); name the user in the sidebar."""
    try:
        account, refused, logged_in = _resolve()
    except AccountError as e:
        st.error(escape_markdown(str(e)))
        st.stop()
    if refused:
        st.error(escape_markdown(refused))
        st.stop()
    if account.role == Role.NONE:
        if gate_active():
            st.warning("尚未登录，或登录已失效（已退出、密码或角色已修改、长时间未使用）。")
            _link("前往登录页", LOGIN_PATH)
        else:
            st.error(
                "本机已设置账号或访问密码，页面须经登录页打开，但这次不是从带登录页的入口启动的。"
                "请用 make run（本机）或 make run-lan（局域网）启动，即 streamlit run src/assistant/ui/server.py。"
            )
        st.stop()
    st.session_state[_ACCOUNT] = account
    with st.sidebar:
        st.caption(f"当前用户：{escape_markdown(account.label)}")
        if logged_in:
            _link("退出登录", LOGOUT_PATH)
        elif gate_active() and account.role == Role.WRITER:
            _link("管理员登录", LOGIN_PATH)


def _link(label: str, path: str) -> None:
    # The program's own fixed strings; target _self so the login page replaces this one.
    st.markdown(f'<a href="{path}" target="_self">{label}</a>', unsafe_allow_html=True)


def current_account() -> Account:
    """Who this session is (resolved again when a view is rendered without app.py's gate)."""
    account = st.session_state.get(_ACCOUNT)
    if account is None:
        account, _, _ = _resolve()
    return account


def can_edit() -> bool:
    """True when this session may change the library and the machine-wide model settings."""
    return may_edit(current_account().role)


def editor_only_notice() -> None:
    """Say, once per page, why the library cannot be changed from this session."""
    st.info(editor_hint(env_settings(), accounts().any()))
