"""The 设置 page: choose the model service for this browser session and test it."""

from __future__ import annotations

import streamlit as st

from assistant.config import Settings
from assistant.llm import (
    LLMError,
    load_providers,
    make_chat_model,
    resolve_llm,
    stream_chat,
)
from assistant.llm.page_choice import LLMChoice, check_choice
from assistant.ui.page_settings import OVERRIDES, env_settings, page_settings


def describe(settings: Settings) -> str:
    """One line saying which model drafting will use."""
    try:
        config = resolve_llm(settings)
    except LLMError as e:
        return f"模型设置有误：{e}"
    if config is None:
        return "未配置大模型：起草使用离线组稿（不调用任何模型）。"
    return f"当前模型：{config.label} · {config.model} · {config.base_url}"


def render() -> None:
    """The settings form and a connection test."""
    settings = page_settings()
    st.info(describe(settings))
    providers = load_providers()
    names = list(providers)
    with st.form("llm_form"):
        provider = st.selectbox(
            "模型服务", names, key="llm_provider",
            index=names.index(settings.provider) if settings.provider in names else 0,
            format_func=lambda n: providers[n].label,
        )
        api_key = st.text_input("API Key（OPENAI_API_KEY）", type="password", key="llm_key",
                                help="只保存在本次浏览器会话中，不写入磁盘。Ollama、vLLM 可不填。")
        model = st.text_input("模型名（ASSISTANT_MODEL）", key="llm_model",
                              placeholder=providers[provider].model or "例如 qwen2.5:7b")
        base_url = st.text_input("接口地址（OPENAI_BASE_URL，可不填）", key="llm_base_url",
                                 placeholder=providers[provider].base_url or "http://host:port/v1")
        saved = st.form_submit_button("保存设置", type="primary")
    if saved:
        choice = LLMChoice(provider=provider, api_key=api_key.strip(), model=model.strip(),
                           base_url=base_url.strip())
        try:
            check_choice(env_settings(), choice)
        except LLMError as e:
            st.error(f"未保存：{e}")
        else:
            st.session_state[OVERRIDES] = choice
            st.success("已保存（仅本次会话有效）。" + describe(page_settings()))
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
