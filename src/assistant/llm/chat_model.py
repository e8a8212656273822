"""The ChatOpenAI factory: a reasoning-aware subclass built from an LLMConfig."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_openai import ChatOpenAI
from pydantic import Field

from assistant.llm.providers import LLMConfig, load_providers

DEFAULT_TEMPERATURE = 0.7


class ReasoningChatOpenAI(ChatOpenAI):
    """ChatOpenAI that keeps DeepSeek/Qwen ``reasoning_content`` in ``additional_kwargs``.

    langchain-openai 1.7 drops non-standard delta fields, so reasoning models would lose
    their reasoning (or, worse, it would never be separated from the answer).
    """

    llm_config: LLMConfig | None = Field(default=None, exclude=True)

    def _convert_chunk_to_generation_chunk(
        self, chunk: dict, default_chunk_class: type, base_generation_info: dict | None
    ) -> Any:
        generation = super()._convert_chunk_to_generation_chunk(
            chunk, default_chunk_class, base_generation_info
        )
        choices = chunk.get("choices") or chunk.get("chunk", {}).get("choices") or []
        if generation is not None and choices:
            delta = choices[0].get("delta") or {}
            reasoning = delta.get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                generation.message.additional_kwargs["reasoning_content"] = reasoning
        return generation

    def _create_chat_result(self, response: Any, generation_info: dict | None = None) -> Any:
        result = super()._create_chat_result(response, generation_info)
        data = response if isinstance(response, dict) else response.model_dump()
        for generation, choice in zip(result.generations, data.get("choices") or [], strict=False):
            reasoning = (choice.get("message") or {}).get("reasoning_content")
            if isinstance(reasoning, str) and reasoning:
                generation.message.additional_kwargs["reasoning_content"] = reasoning
        return result


def make_chat_model(config: LLMConfig, **kw: Any) -> ChatOpenAI:
    """A ChatOpenAI for ``config`` (one SDK attempt per request: retries are llm/retry.py's), usage while streaming."""
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
