"""Chat model access: provider presets, the ChatOpenAI factory, streaming and Chinese error messages."""

from assistant.llm.chat_model import config_of, make_chat_model
from assistant.llm.errors import LLMError, explain
from assistant.llm.presets import LLMConfig, load_providers
from assistant.llm.providers import get_preset, resolve_llm
from assistant.llm.streaming import (
    CONTINUE_PROMPT,
    ChatResult,
    continue_chat,
    stream_chat,
    strip_think,
)

__all__ = [
    "CONTINUE_PROMPT",
    "ChatResult",
    "LLMConfig",
    "LLMError",
    "config_of",
    "continue_chat",
    "explain",
    "get_preset",
    "load_providers",
    "make_chat_model",
    "resolve_llm",
    "stream_chat",
    "strip_think",
]
