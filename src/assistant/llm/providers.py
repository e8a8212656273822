"""Provider presets from ``data/providers.yaml`` and resolution of settings to an LLMConfig.

Any OpenAI-compatible endpoint works (OpenAI, DeepSeek, DashScope, Kimi, GLM, Ollama, vLLM).
``resolve_llm`` returns ``None`` when nothing is configured; callers then use the offline
composer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Field

from assistant.config import Settings
from assistant.llm.errors import LLMError

PROVIDERS_FILE = Path(__file__).resolve().parents[1] / "data" / "providers.yaml"


@dataclass(frozen=True)
class ProviderPreset:
    """One entry of ``data/providers.yaml``."""

    name: str
    label: str
    base_url: str | None
    model: str | None
    requires_key: bool
    placeholder_key: str = "EMPTY"
    aliases: tuple[str, ...] = ()


@lru_cache(maxsize=1)
def load_providers() -> dict[str, ProviderPreset]:
    """Provider presets keyed by name, read from ``data/providers.yaml``."""
    raw = yaml.safe_load(PROVIDERS_FILE.read_text(encoding="utf-8")) or {}
    presets: dict[str, ProviderPreset] = {}
    for name, item in raw.items():
        presets[name] = ProviderPreset(
            name=name,
            label=item.get("label") or name,
            base_url=item.get("base_url"),
            model=item.get("model"),
            requires_key=bool(item.get("requires_key", True)),
            placeholder_key=item.get("placeholder_key") or "EMPTY",
            aliases=tuple(item.get("aliases") or ()),
        )
    return presets


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


class LLMConfig(BaseModel):
    """Resolved chat-model connection settings."""

    provider: str
    base_url: str
    model: str
    api_key: str = Field(repr=False)
    timeout: float = 120.0
    max_retries: int = 2

    @property
    def service(self) -> str:
        """Who answers: the preset's name at its own address, else the address itself.

        OPENAI_BASE_URL pointing elsewhere is not that provider any more: with the default
        preset (openai) and a local server it reads "自定义接口（127.0.0.1:8000）", not "OpenAI".
        """
        preset = load_providers().get(self.provider)
        if preset is not None and preset.base_url and preset.base_url.rstrip("/") == self.base_url.rstrip("/"):
            return preset.label
        host = urlsplit(self.base_url).netloc or self.base_url
        return f"自定义接口（{host}）"

    @property
    def label(self) -> str:
        """Human-readable service and model, e.g. ``DeepSeek 深度求索 · deepseek-chat``."""
        return f"{self.service} · {self.model}"


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
    )
