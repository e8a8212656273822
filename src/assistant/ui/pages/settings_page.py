"""The 设置 page: choose the model service for this session or save it on this machine, and test it."""

from __future__ import annotations

import contextlib

import streamlit as st

from assistant.llm import (
    LLMError,
    load_providers,
    make_chat_model,
    resolve_llm,
    stream_chat,
)
from assistant.llm.page_choice import LLMChoice, apply_choice, check_choice
from assistant.llm.saved_settings import (
    forget_model_settings,
    load_model_settings,
    mask_key,
    save_model_settings,
)
from assistant.support.config import Settings
from assistant.ui import session
from assistant.ui.access import can_edit
from assistant.ui.markdown_text import escape_markdown
from assistant.ui.page_settings import OVERRIDES, env_settings, model_choice, page_settings


def describe(settings: Settings) -> str:
    """One line saying which model drafting will use."""
    try:
        config = resolve_llm(settings)
    except LLMError as e:
        return f"模型设置有误：{e}"
    if config is None:
        return "未配置大模型：起草使用离线组稿（不调用任何模型）。"
    return f"当前模型：{config.label}"


def _chosen() -> LLMChoice:
    """The form's values; a blank key keeps the key typed on this page before, for the same service."""
    provider = st.session_state.get("llm_provider") or "openai"
    choice = LLMChoice(
        provider=provider,
        api_key=(st.session_state.get("llm_key") or "").strip(),
        model=(st.session_state.get("llm_model") or "").strip(),
        base_url=(st.session_state.get("llm_base_url") or "").strip(),
    )
    before = model_choice()
    if not choice.api_key and before is not None and before.api_key and before.provider == provider:
        choice = choice.model_copy(update={"api_key": before.api_key})
    return choice


MACHINE_ONLY = (
    "“保存到本机”会改变本机所有同事起草时用的模型接口，需要范文库管理员或系统管理员账号；"
    "写作人员的选择（“仅本次使用”）只对自己当前的浏览器会话有效。"
)


def _use(to_machine: bool) -> None:
    """Submit callback: this session's choice, and with to_machine also the machine's."""
    choice = _chosen()
    if to_machine and not can_edit():  # the button is disabled; a forged click is refused here too
        session.flash("settings", MACHINE_ONLY, "error")
        return
    st.session_state["llm_key"] = ""  # the key is never shown again, not even as dots
    try:
        check_choice(env_settings(), choice)  # the server's key never goes to another endpoint
    except LLMError as e:
        session.flash("settings", f"未保存：{e}", "error")
        return
    st.session_state[OVERRIDES] = choice
    if to_machine:
        path = save_model_settings(env_settings().data_dir, choice)
        session.flash("settings", f"已保存到本机（{path}，仅本机当前用户可读），重新打开页面或重启后仍然有效。")
    else:
        session.flash("settings", "已设置，仅本次浏览器会话有效；刷新页面后恢复为本机保存的设置。")


def _forget() -> None:
    if not can_edit():
        session.flash("settings", MACHINE_ONLY, "error")
        return
    forget_model_settings(env_settings().data_dir)
    st.session_state.pop(OVERRIDES, None)
    session.flash("settings", "已删除本机保存的模型设置。")


def render() -> None:
    """The settings form and a connection test of the values as typed."""
    settings = page_settings()
    editor = can_edit()
    session.show_flash("settings")
    st.info(escape_markdown(describe(settings)))
    with contextlib.suppress(LLMError):
        config = resolve_llm(settings)
        if config is not None:
            st.caption(f"接口地址：{escape_markdown(config.base_url)}")
    providers = load_providers()
    names = list(providers)
    saved = load_model_settings(env_settings().data_dir)
    if saved:
        key = f"，Key {mask_key(saved.api_key)}" if saved.api_key else ""
        name = providers[saved.provider].label if saved.provider in providers else saved.provider
        st.caption(escape_markdown(f"本机已保存：{name}{' · ' + saved.model if saved.model else ''}{key}"))
    chosen = model_choice()
    given_key = chosen.api_key if chosen is not None else ""
    # The form starts from what is in use (the key excepted, which is never shown again).
    st.session_state.setdefault("llm_provider", settings.provider if settings.provider in names else names[0])
    st.session_state.setdefault("llm_model", chosen.model if chosen is not None else "")
    st.session_state.setdefault("llm_base_url", chosen.base_url if chosen is not None else "")
    with st.form("llm_form"):
        provider = st.selectbox("模型服务", names, key="llm_provider", format_func=lambda n: providers[n].label)
        st.text_input(
            "API Key（OPENAI_API_KEY）", type="password", key="llm_key",
            placeholder=f"已填写（{mask_key(given_key)}），留空则沿用" if given_key else "",
            help="Ollama、vLLM 可不填。保存后页面不再显示 Key。",
        )  # fmt: skip
        st.text_input("模型名（ASSISTANT_MODEL）", key="llm_model",
                      placeholder=providers[provider].model or "例如 qwen2.5:7b")
        st.text_input("接口地址（OPENAI_BASE_URL，可不填）", key="llm_base_url",
                      placeholder=providers[provider].base_url or "http://host:port/v1")
        c1, c2 = st.columns(2)
        c1.form_submit_button("仅本次使用", on_click=_use, args=(False,), width="stretch")
        c2.form_submit_button(
            "保存到本机", type="primary", on_click=_use, args=(True,), width="stretch", disabled=not editor,
            help=None if editor else MACHINE_ONLY,
        )  # fmt: skip
        # In the form: a button outside it sees the values saved before, not the ones typed.
        tested = st.form_submit_button("测试连接", key="llm_test", help="用上面填写的设置试连一次，不保存。")
    if saved and editor:
        st.button("删除本机保存的设置", key="llm_forget", on_click=_forget)
    if not editor:
        st.caption(MACHINE_ONLY)
    if tested:
        _test(_chosen())


def _test(choice: LLMChoice) -> None:
    """One streamed request with the settings as typed on the page (nothing is saved)."""
    try:
        check_choice(env_settings(), choice)  # the server's key never goes to another endpoint
        config = resolve_llm(apply_choice(env_settings(), choice))
        if config is None:
            st.warning("尚未填写模型服务，无需测试。")
            return
        with st.spinner(f"正在连接模型服务（{escape_markdown(config.label)}）……"):
            # Streamed, like drafting: a server that cannot stream fails here, not mid-draft.
            result = stream_chat(make_chat_model(config, max_retries=0), [("user", "请只回复“好”。")])
        unsaved = "" if choice == model_choice() else "，尚未保存：点“仅本次使用”或“保存到本机”后才用于起草"
        st.success(escape_markdown(f"连接正常（{config.label}{unsaved}），模型回复：{result.text[:50]}"))
    except LLMError as e:
        st.error(escape_markdown(str(e)))  # it may quote the model server's own words
