"""ChatOpenAI that keeps the reasoning of reasoning models, over HTTP clients that never follow redirects.

Imported only when a chat model is made (the SDK takes seconds to import).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import openai
from langchain_openai import ChatOpenAI
from pydantic import Field

from assistant.llm.errors import NotAStreamError
from assistant.llm.presets import LLMConfig

# Media types that are never a model's streamed answer: a login or error page, or a whole JSON
# answer from a server that ignored "stream": true.
_PAGE_TYPES = ("text/html", "application/xhtml+xml")


def _asked_to_stream(request: Any) -> bool:
    try:
        body = json.loads(request.content or b"{}")
    except (ValueError, RuntimeError):  # RuntimeError: a streamed request body, never ours
        return False
    return isinstance(body, dict) and body.get("stream") is True


def _check_answer_type(response: Any) -> None:
    """Refuse a 2xx answer that cannot be what was asked for, before its body is read."""
    if not 200 <= response.status_code < 300:
        return
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in _PAGE_TYPES or (media == "application/json" and _asked_to_stream(response.request)):
        raise NotAStreamError(media)


async def _check_answer_type_async(response: Any) -> None:
    _check_answer_type(response)


@lru_cache(maxsize=1)
def http_client() -> Any:
    """The SDK's default HTTP client, except that it never follows a redirect.

    A redirect would carry the whole prompt to another address (the SDK drops the key, not the
    content); the 3xx answer becomes a Chinese message in llm/errors.py instead. One client
    for the process, like langchain's own cached default; timeouts stay per request (the
    openai client passes ASSISTANT_LLM_TIMEOUT and llm/retry.py the time left on each call).
    """
    return openai.DefaultHttpxClient(
        follow_redirects=False, event_hooks={"response": [_check_answer_type]}
    )


@lru_cache(maxsize=1)
def http_async_client() -> Any:
    """The asynchronous twin of :func:`http_client` (langchain builds one even when unused)."""
    return openai.DefaultAsyncHttpxClient(
        follow_redirects=False, event_hooks={"response": [_check_answer_type_async]}
    )


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
