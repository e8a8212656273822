"""Provider presets (``data/providers.yaml``) and the resolved connection settings, LLMConfig.

A leaf of the llm package: the errors module names the service of an LLMConfig, and providers
(which raises LLMError) resolves settings to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, Field

from assistant.data import DATA_DIR

__all__ = ["LLMConfig", "PROVIDERS_FILE", "ProviderPreset", "load_providers"]

PROVIDERS_FILE = DATA_DIR / "providers.yaml"


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


class LLMConfig(BaseModel):
    """Resolved chat-model connection settings."""

    provider: str
    base_url: str
    model: str
    api_key: str = Field(repr=False)
    timeout: float = 120.0
    max_retries: int = 2
    total_timeout: float = 600.0  # ASSISTANT_LLM_TOTAL_TIMEOUT: one whole answer, retries included
    max_answer_chars: int = 60_000  # ASSISTANT_LLM_MAX_ANSWER_CHARS
    max_prompt_chars: int = 60_000  # ASSISTANT_LLM_MAX_PROMPT_CHARS

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
