"""Deadlines of a model call: retries inside ASSISTANT_LLM_TIMEOUT, the whole answer inside ASSISTANT_LLM_TOTAL_TIMEOUT.

The SDK's own retries would give each attempt the full timeout (3 tries × 120 s = 6 minutes
while the message said 120 s), so the SDK makes one attempt and this loop retries until the
answer starts or the deadline passes.

The SDK's timeout is per read: a server sending a byte a second never trips it. So the stream
is read in a worker thread (:class:`GuardedStream`) and the caller waits on a queue, checking the
call's total deadline and 停止 (:func:`stop_signal`) a few times a second; a read that hangs
never holds the caller. Halting shuts the connection's socket down, which wakes the worker's
read, so the worker and the connection end too.
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
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
        return _rest(first, stream)


def _rest(first: Any, stream: Iterator[Any]) -> Iterator[Any]:
    """The first chunk, then the others; closing it closes the model's stream (and its response)."""
    try:
        yield first
        yield from stream
    finally:
        _close(stream)


# --- the whole call: total deadline and 停止 ---------------------------------------------

#: How often (seconds) the caller looks at the deadline and 停止 while no chunk comes.
POLL_S = 0.2
_QUEUE_MAX = 256  # chunks read ahead of the caller; the worker waits (checking for a halt) beyond

_stop: ContextVar[threading.Event | None] = ContextVar("assistant_llm_stop", default=None)


@contextlib.contextmanager
def stop_signal(event: threading.Event) -> Iterator[None]:
    """Model calls made inside end within a fraction of a second once ``event`` is set (停止)."""
    token = _stop.set(event)
    try:
        yield
    finally:
        _stop.reset(token)


def stop_requested() -> bool:
    """Whether the stop signal of the current context (a drafting job's 停止) is set."""
    event = _stop.get()
    return event is not None and event.is_set()


class Halted(Exception):
    """The caller stopped reading: ``reason`` is "deadline" or "stop"."""

    def __init__(self, reason: str) -> None:
        """Say why the stream was given up."""
        super().__init__(reason)
        self.reason = reason


_local = threading.local()  # the GuardedStream whose worker runs in this thread


def _on_response(response: Any) -> None:
    # An httpx response hook: runs in the thread that sent the request, once headers arrived.
    guard = getattr(_local, "guard", None)
    if guard is not None:
        guard.responses.append(response)


_hook_lock = threading.Lock()


def _watch_responses(model: Any) -> None:
    """Let a guard see the HTTP responses of ``model`` (once per client; langchain shares clients)."""
    client = getattr(getattr(model, "root_client", None), "_client", None)
    hooks = getattr(client, "event_hooks", None)
    if not isinstance(hooks, dict) or not isinstance(hooks.get("response"), list):
        return  # not an httpx-backed model (a test double): halting still returns at once
    with _hook_lock:
        if _on_response not in hooks["response"]:
            hooks["response"].append(_on_response)


def _shut(response: Any) -> None:
    """Shut down the socket of a response still being read: its blocked read returns at once."""
    if getattr(response, "is_closed", True):
        return  # its connection may already serve another request
    stream = (getattr(response, "extensions", None) or {}).get("network_stream")
    sock = stream.get_extra_info("socket") if stream is not None else None
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_ITEM, _END, _ERROR = "item", "end", "error"


class GuardedStream:
    """An iterator over ``open_chunks()`` read in a worker thread; Halted at the deadline or on 停止."""

    def __init__(self, model: Any, open_chunks: Callable[[], Iterator[Any]], deadline: float | None) -> None:
        """Start reading; ``deadline`` is a time.monotonic() value (None: no total deadline)."""
        self.deadline = deadline
        self.stop = _stop.get()
        self.responses: list[Any] = []
        self._queue: queue.Queue = queue.Queue(maxsize=_QUEUE_MAX)
        self._halt = threading.Event()
        self._open = open_chunks
        _watch_responses(model)
        # The worker keeps the caller's context (langchain's run config and tracing live there).
        ctx = contextvars.copy_context()
        threading.Thread(target=ctx.run, args=(self._work,), daemon=True, name="llm-stream").start()

    def _put(self, item: tuple[str, Any]) -> bool:
        while not self._halt.is_set():
            try:
                self._queue.put(item, timeout=POLL_S)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        _local.guard = self
        chunks: Iterator[Any] | None = None
        try:
            chunks = self._open()
            for chunk in chunks:
                if not self._put((_ITEM, chunk)):
                    return
            self._put((_END, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, who decides
            self._put((_ERROR, exc))
        finally:
            _local.guard = None
            close = getattr(chunks, "close", None)
            if close is not None:
                with contextlib.suppress(Exception):
                    close()  # releases the HTTP response

    def check(self) -> None:
        """Halted when the deadline passed or 停止 was pressed."""
        if self.stop is not None and self.stop.is_set():
            raise Halted("stop")
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise Halted("deadline")

    def __iter__(self) -> GuardedStream:
        """Iterate the chunks."""
        return self

    def __next__(self) -> Any:
        """The next chunk; the stream's own error; Halted (after closing) at the deadline or on 停止."""
        while True:
            try:
                self.check()
            except Halted:
                self.close()
                raise
            wait = POLL_S
            if self.deadline is not None:
                wait = max(0.0, min(wait, self.deadline - time.monotonic()))
            try:
                kind, value = self._queue.get(timeout=wait)
            except queue.Empty:
                continue
            if kind == _ITEM:
                return value
            if kind == _END:
                raise StopIteration
            raise value

    def close(self) -> None:
        """Stop reading: the worker ends and the connection is shut (not left to trickle on)."""
        self._halt.set()
        for response in list(self.responses):
            _shut(response)
