"""The 设置 page: choose the model service for this session or save it on this machine, and test it."""

from __future__ import annotations

import contextlib

import streamlit as st

from assistant.config import Settings
from assistant.llm import (
    LLMError,
    load_providers,
    make_chat_model,
    resolve_llm,
    stream_chat,
)
from assistant.saved_settings import (
    forget_model_settings,
    load_model_settings,
    mask_key,
    save_model_settings,
)
from assistant.ui import session
from assistant.ui.page_settings import OVERRIDES, env_settings, model_overrides, page_settings

_FIELDS = (("openai_api_key", "llm_key"), ("model", "llm_model"), ("openai_base_url", "llm_base_url"))


def describe(settings: Settings) -> str:
    """One line saying which model drafting will use."""
    try:
        config = resolve_llm(settings)
    except LLMError as e:
        return f"模型设置有误：{e}"
    if config is None:
        return "未配置大模型：起草使用离线组稿（不调用任何模型）。"
    return f"当前模型：{config.label}"


def _chosen() -> dict[str, str]:
    """The form's values; a blank key keeps the key given on this page before, for the same service."""
    provider = st.session_state.get("llm_provider") or "openai"
    values = {"provider": provider}
    for field, key in _FIELDS:
        value = (st.session_state.get(key) or "").strip()
        if value:
            values[field] = value
    before = model_overrides()
    if "openai_api_key" not in values and before.get("openai_api_key") and before.get("provider") == provider:
        values["openai_api_key"] = before["openai_api_key"]
    return values


def _use(to_machine: bool) -> None:
    """Submit callback: this session's choice, and with to_machine also the machine's."""
    values = _chosen()
    st.session_state[OVERRIDES] = values
    st.session_state["llm_key"] = ""  # the key is never shown again, not even as dots
    if to_machine:
        path = save_model_settings(env_settings().data_dir, values)
        session.flash("settings", f"已保存到本机（{path}，仅本机当前用户可读），重新打开页面或重启后仍然有效。")
    else:
        session.flash("settings", "已设置，仅本次浏览器会话有效；刷新页面后恢复为本机保存的设置。")


def _forget() -> None:
    forget_model_settings(env_settings().data_dir)
    st.session_state.pop(OVERRIDES, None)
    session.flash("settings", "已删除本机保存的模型设置。")


def render() -> None:
    """The settings form and a connection test."""
    settings = page_settings()
    session.show_flash("settings")
    st.info(describe(settings))
    with contextlib.suppress(LLMError):
        config = resolve_llm(settings)
        if config is not None:
            st.caption(f"接口地址：{config.base_url}")
    providers = load_providers()
    names = list(providers)
    saved = load_model_settings(env_settings().data_dir)
    if saved:
        key = f"，Key {mask_key(saved['openai_api_key'])}" if saved.get("openai_api_key") else ""
        name = providers[saved["provider"]].label if saved.get("provider") in providers else saved.get("provider", "")
        st.caption(f"本机已保存：{name}{' · ' + saved['model'] if saved.get('model') else ''}{key}")
    chosen = model_overrides()
    given_key = chosen.get("openai_api_key", "")
    # The form starts from what is in use (the key excepted, which is never shown again).
    st.session_state.setdefault("llm_provider", settings.provider if settings.provider in names else names[0])
    st.session_state.setdefault("llm_model", chosen.get("model", ""))
    st.session_state.setdefault("llm_base_url", chosen.get("openai_base_url", ""))
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
        c2.form_submit_button("保存到本机", type="primary", on_click=_use, args=(True,), width="stretch")
    if saved:
        st.button("删除本机保存的设置", key="llm_forget", on_click=_forget)
    if st.button("测试连接", key="llm_test"):
        try:
            config = resolve_llm(page_settings())
            if config is None:
                st.warning("尚未配置大模型，无需测试。")
                return
            with st.spinner("正在连接模型服务……"):
                # Streamed, like drafting: a server that cannot stream fails here, not mid-draft.
                result = stream_chat(make_chat_model(config, max_retries=0), [("user", "请只回复“好”。")])
            st.success(f"连接正常，模型回复：{result.text[:50]}")
        except LLMError as e:
            st.error(str(e))
