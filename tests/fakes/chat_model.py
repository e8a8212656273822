"""In-process fake chat model for unit tests of the writing core (no HTTP, no threads).

:class:`ScriptedChatModel` is a langchain-core ``BaseChatModel``: replies are queued with
:meth:`ScriptedChatModel.queue` and consumed first-in first-out; ``model.stream(messages)``
yields the reply in chunks of ``chunk_size`` characters, the last chunk carrying
``response_metadata["finish_reason"]`` and ``usage_metadata`` as ``langchain-openai`` does.
Every list of messages the model was called with is kept in ``calls``.

Use the HTTP fake (``tests.fakes.server.FakeOpenAI``) for anything about the wire: stream
cuts, timeouts, status codes, retries, the CLI and the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from tests.fakes.server import DEFAULT_TEXT, Reply, count_tokens


@dataclass
class Scripted:
    """One scripted answer of :class:`ScriptedChatModel`."""

    text: str = DEFAULT_TEXT
    finish_reason: str = "stop"  # "length" makes the writing core ask it to continue
    chunk_size: int = 8  # characters per streamed chunk; <= 0 means one chunk
    reasoning: str | None = None  # sent as additional_kwargs["reasoning_content"]


def _scripted(reply: Scripted | Reply | str) -> Scripted:
    if isinstance(reply, Scripted):
        return reply
    if isinstance(reply, str):
        return Scripted(text=reply)
    if reply.status >= 400 or reply.cut_after is not None or reply.delay or reply.body is not None:
        raise ValueError("HTTP errors, cuts and delays need the HTTP fake (tests/fakes/server.py)")
    return Scripted(reply.text, reply.finish_reason, reply.chunk_size, reply.reasoning)


def _text_of(message: BaseMessage) -> str:
    content = message.content
    if isinstance(content, str):
        return content
    return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)


class ScriptedChatModel(BaseChatModel):
    """A chat model answering from a queue of scripted replies and recording every call."""

    model_name: str = "fake-chat"
    replies: list[Scripted] = Field(default_factory=list)
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted-fake-chat"

    def queue(self, *replies: Scripted | Reply | str) -> ScriptedChatModel:
        """Add replies to the end of the queue.

        A plain string is a complete answer; an HTTP fake ``Reply`` is accepted for its text,
        finish reason, chunk size and reasoning, so one script serves both fakes.
        """
        self.replies.extend(_scripted(r) for r in replies)
        return self

    @property
    def pending(self) -> int:
        """Replies queued but not yet used."""
        return len(self.replies)

    def user_texts(self) -> list[str]:
        """The last user message of each call, in call order."""
        return [
            next(_text_of(m) for m in reversed(call) if m.type == "human") for call in self.calls
        ]

    def _next(self, messages: list[BaseMessage]) -> Scripted:
        self.calls.append(list(messages))
        return self.replies.pop(0) if self.replies else Scripted()

    def _usage(self, messages: list[BaseMessage], reply: Scripted) -> dict[str, int]:
        prompt = count_tokens("".join(_text_of(m) for m in messages))
        completion = count_tokens(reply.text + (reply.reasoning or ""))
        return {
            "input_tokens": prompt,
            "output_tokens": completion,
            "total_tokens": prompt + completion,
        }

    def _metadata(self, reply: Scripted) -> dict[str, Any]:
        return {"finish_reason": reply.finish_reason, "model_name": self.model_name}

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> ChatResult:
        reply = self._next(messages)
        extra = {"reasoning_content": reply.reasoning} if reply.reasoning else {}
        message = AIMessage(
            content=reply.text,
            additional_kwargs=extra,
            response_metadata=self._metadata(reply),
            usage_metadata=self._usage(messages, reply),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: Any = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        reply = self._next(messages)
        if reply.reasoning:
            yield ChatGenerationChunk(
                message=AIMessageChunk(
                    content="", additional_kwargs={"reasoning_content": reply.reasoning}
                )
            )
        size = reply.chunk_size if reply.chunk_size > 0 else max(1, len(reply.text))
        for i in range(0, len(reply.text), size):
            piece = reply.text[i : i + size]
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager is not None:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                response_metadata=self._metadata(reply),
                usage_metadata=self._usage(messages, reply),
            )
        )
