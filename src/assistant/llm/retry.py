"""One deadline per model call: retries happen inside ASSISTANT_LLM_TIMEOUT, never on top of it.

The SDK's own retries would give each attempt the full timeout (3 tries × 120 s = 6 minutes
while the message said 120 s), so the SDK makes one attempt and this loop retries until the
answer starts or the deadline passes.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from itertools import chain
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.llm.errors import explain
from assistant.llm.presets import LLMConfig

RETRYABLE = ("timeout", "connection", "rate_limit", "server")
_FIRST_BACKOFF = 0.5
_MAX_BACKOFF = 8.0


def _retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked to wait (Retry-After / retry-after-ms), if it said."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None) or {}
    try:
        if "retry-after-ms" in headers:
            return float(headers["retry-after-ms"]) / 1000
        if "retry-after" in headers:
            return float(headers["retry-after"])
    except (TypeError, ValueError):
        return None
    return None


def _backoff(attempt: int, exc: BaseException) -> float:
    asked = _retry_after(exc)
    if asked is not None:
        return max(asked, 0.0)
    return min(_FIRST_BACKOFF * 2**attempt, _MAX_BACKOFF) * (0.75 + random.random() / 2)


def _close(stream: Any) -> None:
    close = getattr(stream, "close", None)
    if close is not None:
        close()


def open_stream(model: BaseChatModel, messages: Any, config: LLMConfig | None) -> Iterator[Any]:
    """``model.stream(messages)`` whose first chunk arrived within the deadline, retrying on the way.

    Raises LLMError (Chinese) when the deadline passes or an error is not worth retrying.
    """
    timeout = config.timeout if config else None
    retries = config.max_retries if config else 0
    deadline = time.monotonic() + timeout if timeout else None
    attempt = 0
    while True:
        kwargs: dict[str, Any] = {}
        if deadline is not None and config is not None:
            # Per request, so the last attempt only gets what is left of the deadline.
            kwargs["timeout"] = max(deadline - time.monotonic(), 0.1)
        stream = model.stream(messages, **kwargs)
        try:
            first = next(stream)
        except StopIteration:
            return iter(())
        except Exception as exc:  # every failure becomes an LLMError
            _close(stream)
            error = explain(exc, config, attempts=attempt + 1)
            wait = _backoff(attempt, exc)
            left = deadline - time.monotonic() if deadline is not None else 0.0
            if error.kind in RETRYABLE and attempt < retries and left > wait + 0.5:
                time.sleep(wait)
                attempt += 1
                continue
            raise error from exc
        return chain([first], stream)
