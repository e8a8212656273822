"""The in-process fake chat model drives the writing core's streaming like a real provider."""

from __future__ import annotations

import pytest

from assistant.llm import CONTINUE_PROMPT, stream_chat
from tests.fakes.chat_model import Scripted, ScriptedChatModel
from tests.fakes.server import Reply, count_tokens

MESSAGES = [{"role": "system", "content": "你是公文写作助手。"}, {"role": "user", "content": "写开场白。"}]
TEXT = "今天召开约谈会，下面，我讲几点意见。"


def test_streams_in_chunks_and_records_the_call():
    model = ScriptedChatModel().queue(Scripted(TEXT, chunk_size=4))
    pieces: list[str] = []
    result = stream_chat(model, MESSAGES, on_token=pieces.append)
    assert result.text == TEXT == "".join(pieces) and len(pieces) == 5
    assert result.finish_reason == "stop" and result.model == "fake-chat"
    assert result.usage["completion_tokens"] == count_tokens(TEXT)
    (call,) = model.calls
    assert [(m.type, m.content) for m in call] == [("system", "你是公文写作助手。"), ("human", "写开场白。")]


def test_length_finish_makes_the_writing_core_continue():
    model = ScriptedChatModel().queue(Scripted(TEXT[:9], finish_reason="length"), TEXT[9:])
    result = stream_chat(model, MESSAGES)
    assert result.text == TEXT and result.continuations == 1
    assert model.user_texts() == ["写开场白。", CONTINUE_PROMPT]
    assert (model.calls[1][-2].type, model.calls[1][-2].content) == ("ai", TEXT[:9])


def test_reasoning_is_kept_apart_and_invoke_works_too():
    model = ScriptedChatModel().queue(Scripted(TEXT, reasoning="先想想。"), "<think>草拟</think>" + TEXT)
    streamed = stream_chat(model, MESSAGES)
    assert (streamed.text, streamed.reasoning) == (TEXT, "先想想。")
    second = stream_chat(model, MESSAGES)
    assert (second.text, second.reasoning) == (TEXT, "草拟")
    assert model.pending == 0 and len(model.calls) == 2


def test_http_only_replies_are_refused():
    with pytest.raises(ValueError, match="HTTP fake"):
        ScriptedChatModel().queue(Reply(status=500))
    with pytest.raises(ValueError, match="HTTP fake"):
        ScriptedChatModel().queue(Reply(text=TEXT, cut_after=1))
