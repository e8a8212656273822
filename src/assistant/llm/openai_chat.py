"""ChatOpenAI that keeps the reasoning of reasoning models (imported only when a chat model is made)."""

from __future__ import annotations

from typing import Any

from langchain_openai import ChatOpenAI
from pydantic import Field

from assistant.llm.presets import LLMConfig


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
