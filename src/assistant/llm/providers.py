"""Settings resolved to an LLMConfig through the provider presets (llm/presets.py).

Any OpenAI-compatible endpoint works (OpenAI, DeepSeek, DashScope, Kimi, GLM, Ollama, vLLM).
``resolve_llm`` returns ``None`` when nothing is configured; callers then use the offline
composer.
"""

from __future__ import annotations

from assistant.llm.errors import LLMError
from assistant.llm.presets import LLMConfig, ProviderPreset, load_providers
from assistant.support.config import Settings


def get_preset(provider: str) -> ProviderPreset:
    """The preset for a provider name or alias; LLMError naming ASSISTANT_PROVIDER otherwise."""
    key = (provider or "").strip().lower()
    presets = load_providers()
    if key in presets:
        return presets[key]
    for preset in presets.values():
        if key in preset.aliases:
            return preset
    valid = "、".join(presets)
    raise LLMError(
        f"ASSISTANT_PROVIDER 的值“{provider}”无法识别。可选值：{valid}。"
        "请修改 ASSISTANT_PROVIDER，或在“设置”页面重新选择模型服务。",
        "config",
    )


def resolve_llm(settings: Settings) -> LLMConfig | None:
    """Connection settings for the chat model, or None when no LLM is configured (offline)."""
    preset = get_preset(settings.provider)
    key = (settings.openai_api_key or "").strip()
    base_url = (settings.openai_base_url or "").strip() or None
    if not key and preset.requires_key and not base_url:
        return None
    base_url = base_url or preset.base_url
    if not base_url:  # "custom" without OPENAI_BASE_URL
        return None
    model = (settings.model or "").strip() or preset.model
    if not model:
        raise LLMError(
            f"使用“{preset.label}”时需要指定模型名称。"
            "请设置 ASSISTANT_MODEL（例如服务端加载的模型名），或在“设置”页面填写。",
            "config",
        )
    return LLMConfig(
        provider=preset.name,
        base_url=base_url.rstrip("/"),
        model=model,
        api_key=key or preset.placeholder_key,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        total_timeout=settings.llm_total_timeout,
        max_answer_chars=settings.llm_max_answer_chars,
        max_prompt_chars=settings.llm_max_prompt_chars,
    )
