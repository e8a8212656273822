"""A model service chosen on the 设置 page, applied to the server's settings without leaking its key.

The rule lives here, not in the page: the server's own key (OPENAI_API_KEY) is only ever sent to
the server's own configured endpoint. A page that points at another endpoint must bring its own key.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from assistant.llm.errors import LLMError
from assistant.llm.providers import get_preset
from assistant.support.config import Settings

_DEFAULT_PORTS = {"http": 80, "https": 443}


class LLMChoice(BaseModel):
    """What one browser session typed on the 设置 page (blank fields keep the server's values)."""

    provider: str
    api_key: str = Field(default="", repr=False)
    model: str = ""
    base_url: str = ""


def endpoint(settings: Settings) -> str | None:
    """The endpoint a chat request would go to: OPENAI_BASE_URL or the provider's preset URL."""
    try:
        preset_url = get_preset(settings.provider).base_url
    except LLMError:
        return None
    url = (settings.openai_base_url or "").strip() or preset_url
    return url.rstrip("/") if url else None


def same_endpoint(a: str | None, b: str | None) -> bool:
    """True when two URLs name the same scheme, host, port and path (userinfo makes any URL foreign)."""
    if not a or not b:
        return False
    try:
        pa, pb = urlsplit(a.strip()), urlsplit(b.strip())
        port_a = pa.port or _DEFAULT_PORTS.get(pa.scheme.lower())
        port_b = pb.port or _DEFAULT_PORTS.get(pb.scheme.lower())
    except ValueError:  # a malformed port
        return False
    if pa.username or pa.password or pb.username or pb.password:
        return False

    def path(p) -> str:
        return p.path.rstrip("/")

    return (
        pa.scheme.lower() == pb.scheme.lower()
        and (pa.hostname or "") == (pb.hostname or "")
        and port_a == port_b
        and path(pa) == path(pb)
    )


def _candidate(env: Settings, choice: LLMChoice) -> Settings:
    update: dict = {"provider": choice.provider.strip() or env.provider}
    if choice.model.strip():
        update["model"] = choice.model.strip()
    if choice.base_url.strip():
        update["openai_base_url"] = choice.base_url.strip()
    elif update["provider"] != env.provider:
        # Another preset means its own URL, not the server's OPENAI_BASE_URL.
        update["openai_base_url"] = None
    return env.model_copy(update=update)


def apply_choice(env: Settings, choice: LLMChoice | None) -> Settings:
    """The server's settings with a page choice applied; the server's key stays only on its own endpoint."""
    if choice is None:
        return env
    settings = _candidate(env, choice)
    if choice.api_key.strip():
        return settings.model_copy(update={"openai_api_key": choice.api_key.strip()})
    if same_endpoint(endpoint(settings), endpoint(env)):
        return settings
    return settings.model_copy(update={"openai_api_key": None})


def check_choice(env: Settings, choice: LLMChoice) -> None:
    """LLMError (Chinese) when the choice points away from the server's endpoint without a key of its own."""
    settings = _candidate(env, choice)
    preset = get_preset(settings.provider)  # LLMError naming ASSISTANT_PROVIDER when unknown
    if choice.api_key.strip() or not (env.openai_api_key or "").strip():
        return
    new, own = endpoint(settings), endpoint(env)
    if same_endpoint(new, own) or not preset.requires_key:
        return  # a keyless service (Ollama, vLLM, custom) gets its placeholder key, never the server's
    raise LLMError(
        f"接口地址改为了 {new or '（未填写）'}，与服务器配置的接口地址（{own or '未配置'}）不同。"
        "为防止服务器的 API Key 被发往别处，服务器上配置的 Key（OPENAI_API_KEY）只会发给服务器自己的接口地址。"
        "请在本页“API Key”一栏填写该服务的 Key；若要使用服务器的配置，请清空“接口地址”并选回原来的模型服务。",
        "config",
    )
