"""The ChatOpenAI factory: a reasoning-aware subclass (llm/openai_chat.py) built from an LLMConfig."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel

from assistant.llm.presets import LLMConfig, load_providers

if TYPE_CHECKING:
    from langchain_openai import ChatOpenAI

DEFAULT_TEMPERATURE = 0.7


def make_chat_model(config: LLMConfig, **kw: Any) -> ChatOpenAI:
    """A ChatOpenAI for ``config``: one SDK attempt per request (retries are llm/retry.py's), no redirects, usage while streaming."""
    params: dict[str, Any] = {
        "model": config.model,
        "base_url": config.base_url,
        "api_key": config.api_key,
        "timeout": config.timeout,
        # Retries happen in llm/retry.py, inside the one deadline (config.timeout).
        "max_retries": 0,
        "temperature": DEFAULT_TEMPERATURE,
        "stream_usage": True,
    }
    # Imported on first use: langchain-openai and the openai SDK take seconds to import, and
    # the page and most commands start without a chat model.
    from assistant.llm.openai_chat import ReasoningChatOpenAI, http_async_client, http_client

    # Clients that never follow a redirect: the prompt must not travel to another address.
    params["http_client"] = http_client()
    params["http_async_client"] = http_async_client()
    params.update({k: v for k, v in kw.items() if k != "max_retries"})
    fields = ("model", "base_url", "api_key", "timeout", "max_retries")
    overrides = {k: kw[k] for k in fields if k in kw}
    attached = config.model_copy(update=overrides) if overrides else config
    return ReasoningChatOpenAI(llm_config=attached, **params)


def config_of(model: BaseChatModel) -> LLMConfig | None:
    """Best-effort LLMConfig describing an existing chat model (for error messages)."""
    attached = getattr(model, "llm_config", None)
    if isinstance(attached, LLMConfig):
        return attached
    base_url = getattr(model, "openai_api_base", None)
    name = getattr(model, "model_name", None)
    if not base_url or not name:
        return None
    provider = "custom"
    for preset in load_providers().values():
        if preset.base_url and base_url.rstrip("/") == preset.base_url:
            provider = preset.name
            break
    timeout = getattr(model, "request_timeout", None)
    return LLMConfig(
        provider=provider,
        base_url=base_url,
        model=name,
        api_key="",
        timeout=timeout if isinstance(timeout, int | float) else 120.0,
        max_retries=0,
    )
