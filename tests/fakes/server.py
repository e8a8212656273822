"""Fake OpenAI-compatible HTTP server for tests (standard library only, 127.0.0.1 only).

The server speaks real HTTP/1.1 so the official ``openai`` SDK and ``langchain-openai``
can talk to it unmodified. Chat replies are scripted with :class:`Reply` objects that are
consumed first-in first-out; when the queue is empty ``FakeOpenAI.default`` decides.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import math
import socket
import socketserver
import struct
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

HOST = "127.0.0.1"
DEFAULT_TEXT = "好的。"
DEFAULT_MODELS = ("fake-model", "fake-embedding")
DEFAULT_DIMENSIONS = 64

# status -> (error type, error code) used when a Reply gives no explicit error body
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("invalid_request_error", "permission_denied"),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout", "request_timeout"),
    409: ("invalid_request_error", "conflict"),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}


@dataclass
class Reply:
    """One scripted answer: chat text, an HTTP error, a delay and/or a stream cut."""

    text: str = DEFAULT_TEXT
    finish_reason: str = "stop"
    chunk_size: int = 8  # characters per streamed content piece; <= 0 means one piece
    reasoning: str | None = None  # sent as "reasoning_content" (DeepSeek/Qwen style)
    usage: bool = True  # include usage (non-stream always, stream if include_usage)
    status: int = 200  # >= 400 sends an OpenAI-style error JSON instead of a completion
    headers: dict[str, str] = field(default_factory=dict)  # extra response headers
    error: dict[str, Any] | None = None  # custom "error" object for status >= 400
    body: Any = None  # raw response body (bytes/str sent as is, else JSON) with `status`
    delay: float = 0.0  # seconds to wait before answering
    chunk_delay: float = 0.0  # seconds to wait between two streamed events
    # abrupt close: stream -> after the role chunk plus this many content/reasoning pieces
    # (>= all pieces: cut before the finish chunk); non-stream -> after half the body
    cut_after: int | None = None
    # stream this many content pieces, then end the response cleanly with no finish reason
    # and no [DONE] (a proxy or server that gives up mid-answer)
    end_after: int | None = None
    # after this many content pieces, send every later event one byte at a time, ``trickle``
    # seconds apart (a server that never trips a per-read timeout)
    trickle_after: int | None = None
    trickle: float = 1.0
    # after this many content pieces, send nothing more and keep the connection open
    hang_after: int | None = None
    # send the content pieces again and again, never finishing (a model that never stops)
    endless: bool = False


@dataclass
class RecordedRequest:
    """One HTTP request as received by the fake server."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any
    time: float


def count_tokens(text: str) -> int:
    """Deterministic fake token count: one token per two characters, rounded up."""
    return (len(text) + 1) // 2


def fake_embedding(text: str, dimensions: int = DEFAULT_DIMENSIONS) -> list[float]:
    """Deterministic L2-normalised vector from hashed character 1- and 2-grams of ``text``."""
    norm_text = " ".join(text.lower().split())
    vec = [0.0] * dimensions
    grams = list(norm_text) + [norm_text[i : i + 2] for i in range(len(norm_text) - 1)]
    for gram in grams:
        digest = hashlib.blake2b(gram.encode("utf-8"), digest_size=8).digest()
        index = int.from_bytes(digest[:4], "little") % dimensions
        vec[index] += 1.0 if digest[4] & 1 else -1.0
    norm = math.sqrt(sum(v * v for v in vec))
    if norm == 0.0:
        # empty text (or fully cancelling collisions): a fixed, text-dependent unit vector
        digest = hashlib.blake2b(norm_text.encode("utf-8"), digest_size=4).digest()
        vec = [0.0] * dimensions
        vec[int.from_bytes(digest, "little") % dimensions] = 1.0
        return vec
    return [v / norm for v in vec]


def _error_body(status: int, message: str, type_: str | None = None, code: Any = None) -> dict:
    """Build an OpenAI-style error payload."""
    default_type, default_code = _ERROR_KINDS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return {
        "error": {
            "message": message,
            "type": type_ or default_type,
            "param": None,
            "code": code if code is not None else default_code,
        }
    }


def _message_text(content: Any) -> str:
    """Flatten a chat message content (string or list of parts) to text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part.get("text", "") if isinstance(part, dict) else str(part) for part in content
        )
    return ""


def _prompt_text(request: dict) -> str:
    """Concatenate all message contents of a chat request."""
    messages = request.get("messages") or []
    return "".join(_message_text(m.get("content")) for m in messages if isinstance(m, dict))


def _pieces(text: str, size: int) -> list[str]:
    """Split ``text`` into pieces of ``size`` characters (one piece if size <= 0)."""
    if not text:
        return []
    if size <= 0:
        return [text]
    return [text[i : i + size] for i in range(0, len(text), size)]


class _Server(ThreadingHTTPServer):
    """ThreadingHTTPServer that knows its FakeOpenAI and skips reverse DNS on bind."""

    daemon_threads = True
    request_queue_size = 64
    fake: FakeOpenAI

    def server_bind(self) -> None:
        """Bind without HTTPServer's getfqdn() lookup (slow in sandboxes)."""
        socketserver.TCPServer.server_bind(self)
        self.server_name = HOST
        self.server_port = self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about client disconnects; report anything else."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Request handler implementing the subset of the OpenAI API the app uses."""

    protocol_version = "HTTP/1.1"
    server: _Server

    # --- plumbing -------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Silence the default stderr access log."""

    def setup(self) -> None:
        """Register the connection so stop() can close it."""
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        """Unregister the connection."""
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def do_GET(self) -> None:  # noqa: N802
        """Handle GET requests."""
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        """Handle POST requests."""
        self._dispatch()

    def do_DELETE(self) -> None:  # noqa: N802
        """Handle DELETE requests (always unknown URL)."""
        self._dispatch()

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            parts = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(parts)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_bytes(self, status: int, data: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _send_json(self, status: int, payload: Any, headers: dict | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self._send_bytes(status, data, "application/json", headers or {})

    def _send_error(self, status: int, message: str, code: Any = None, headers=None) -> None:
        self._send_json(status, _error_body(status, message, code=code), headers)

    def _abort(self) -> None:
        """Close the connection abruptly (no terminating chunk, no [DONE])."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_WR)

    def _wait(self, seconds: float) -> bool:
        """Sleep ``seconds``; False when the server is stopping meanwhile."""
        if seconds <= 0:
            return not self.server.fake._stopping.is_set()
        return not self.server.fake._stopping.wait(seconds)

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    # --- routing --------------------------------------------------------------------
    def _dispatch(self) -> None:
        fake = self.server.fake
        try:
            body = self._read_body()
            try:
                parsed = json.loads(body) if body else None
            except ValueError:
                parsed = None
            record = RecordedRequest(
                method=self.command,
                path=urlsplit(self.path).path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                json=parsed,
                time=time.time(),
            )
            fake._record(record)
            self._route(record)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError):
            self.close_connection = True

    def _route(self, rec: RecordedRequest) -> None:
        fake = self.server.fake
        expected = f"Bearer {fake.api_key}"
        if fake.api_key is not None and rec.headers.get("authorization", "") != expected:
            self._send_error(
                401,
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )
            return
        key = (rec.method, rec.path.rstrip("/"))
        if key == ("POST", "/v1/chat/completions"):
            self._chat(rec)
        elif key == ("POST", "/v1/embeddings"):
            self._embeddings(rec)
        elif key == ("GET", "/v1/models"):
            self._send_json(200, {"object": "list", "data": [_model(m) for m in fake._model_ids()]})
        elif rec.method == "GET" and rec.path.startswith("/v1/models/"):
            model_id = rec.path[len("/v1/models/") :]
            if fake.models is not None and model_id not in fake.models:
                self._model_not_found(model_id)
            else:
                self._send_json(200, _model(model_id))
        else:
            self._send_error(404, f"Invalid URL ({rec.method} {rec.path})", code="unknown_url")

    def _model_not_found(self, model: str) -> None:
        self._send_error(
            404,
            f"The model `{model}` does not exist or you do not have access to it.",
            code="model_not_found",
        )

    def _validate_model(self, req: Any) -> str | None:
        """Return the model name, or send a 400/404 and return None."""
        if not isinstance(req, dict):
            self._send_error(400, "We could not parse the JSON body of your request.")
            return None
        model = req.get("model")
        if not isinstance(model, str) or not model:
            self._send_error(400, "you must provide a model parameter")
            return None
        models = self.server.fake.models
        if models is not None and model not in models:
            self._model_not_found(model)
            return None
        return model

    def _send_scripted(self, reply: Reply) -> bool:
        """Apply delay and send error/raw replies; True when the reply was fully handled."""
        if not self._wait(reply.delay):
            self._abort()
            return True
        if reply.body is not None:
            if isinstance(reply.body, bytes | str):
                data = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
                ctype = reply.headers.get("content-type", "application/json")
                extra = {k: v for k, v in reply.headers.items() if k.lower() != "content-type"}
                self._send_bytes(reply.status, data, ctype, extra)
            else:
                self._send_json(reply.status, reply.body, reply.headers)
            return True
        if reply.status >= 400:
            payload = (
                {"error": reply.error}
                if reply.error is not None
                else _error_body(reply.status, f"Fake error {reply.status}")
            )
            self._send_json(reply.status, payload, reply.headers)
            return True
        return False

    # --- chat -----------------------------------------------------------------------
    def _chat(self, rec: RecordedRequest) -> None:
        req = rec.json
        model = self._validate_model(req)
        if model is None:
            return
        if not isinstance(req.get("messages"), list) or not req["messages"]:
            self._send_error(400, "'messages' must be a non-empty array")
            return
        reply = self.server.fake._next_chat(req)
        if self._send_scripted(reply):
            return
        if req.get("stream"):
            self._chat_stream(req, model, reply)
        else:
            self._chat_complete(req, model, reply)

    def _usage(self, req: dict, reply: Reply) -> dict:
        completion = count_tokens(reply.text)
        reasoning = count_tokens(reply.reasoning or "")
        prompt = count_tokens(_prompt_text(req))
        usage: dict[str, Any] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion + reasoning,
            "total_tokens": prompt + completion + reasoning,
        }
        if reply.reasoning is not None:
            usage["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        return usage

    def _chat_complete(self, req: dict, model: str, reply: Reply) -> None:
        message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
        if reply.reasoning is not None:
            message["reasoning_content"] = reply.reasoning
        payload: dict[str, Any] = {
            "id": _completion_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        if reply.usage:
            payload["usage"] = self._usage(req, reply)
        if reply.cut_after is None:
            self._send_json(200, payload, reply.headers)
            return
        # non-streaming cut: announce the full length, send half the body, close
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self._abort()

    def _chat_stream(self, req: dict, model: str, reply: Reply) -> None:
        cid, created = _completion_id(), int(time.time())

        def event(
            delta: dict | None, finish: str | None = None, usage: dict | None = None
        ) -> bytes:
            chunk: dict[str, Any] = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": []
                if delta is None
                else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if usage is not None:
                chunk["usage"] = usage
            return b"data: " + json.dumps(chunk, ensure_ascii=False).encode("utf-8") + b"\n\n"

        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        self.end_headers()

        self._write_chunk(event({"role": "assistant", "content": ""}))
        content_events = [
            event({"reasoning_content": p})
            for p in _pieces(reply.reasoning or "", reply.chunk_size)
        ] + [event({"content": p}) for p in _pieces(reply.text, reply.chunk_size)]
        if reply.endless or reply.trickle_after is not None or reply.hang_after is not None:
            self._stream_slowly(reply, content_events)
            return
        for sent, data in enumerate(content_events):
            if reply.cut_after is not None and sent >= reply.cut_after:
                self._abort()
                return
            if reply.end_after is not None and sent >= reply.end_after:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
                return
            if not self._wait(reply.chunk_delay):
                self._abort()
                return
            self._write_chunk(data)
        if reply.cut_after is not None and len(content_events) <= reply.cut_after:
            # cut after everything but the finish chunk
            self._abort()
            return
        tail = [event({}, reply.finish_reason)]
        options = req.get("stream_options") or {}
        if reply.usage and isinstance(options, dict) and options.get("include_usage"):
            tail.append(event(None, usage=self._usage(req, reply)))
        tail.append(b"data: [DONE]\n\n")
        for data in tail:
            if not self._wait(reply.chunk_delay):
                self._abort()
                return
            self._write_chunk(data)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _stream_slowly(self, reply: Reply, content_events: list[bytes]) -> None:
        """The faulty servers: trickling bytes, a hang after some pieces, an answer that never ends."""
        events = itertools.cycle(content_events) if reply.endless else iter(content_events)
        for sent, data in enumerate(events):
            if reply.hang_after is not None and sent >= reply.hang_after:
                self._wait(3600)  # until the server stops (the client may shut its side first)
                self._abort()
                return
            if not self._wait(reply.chunk_delay):
                self._abort()
                return
            if reply.trickle_after is not None and sent >= reply.trickle_after:
                for byte in data:
                    if not self._wait(reply.trickle):
                        self._abort()
                        return
                    self._write_chunk(bytes([byte]))
            else:
                self._write_chunk(data)
        self._abort()  # never a finish reason: these servers do not end an answer properly

    # --- embeddings -----------------------------------------------------------------
    def _embeddings(self, rec: RecordedRequest) -> None:
        fake = self.server.fake
        req = rec.json
        model = self._validate_model(req)
        if model is None:
            return
        texts = _embedding_inputs(req.get("input"))
        if texts is None:
            self._send_error(400, "'input' must be a string, array of strings or token arrays")
            return
        dims = req.get("dimensions") or fake.dimensions
        if not isinstance(dims, int) or dims <= 0:
            self._send_error(400, "'dimensions' must be a positive integer")
            return
        reply = fake._next_embedding()
        if reply is not None and self._send_scripted(reply):
            return
        b64 = req.get("encoding_format") == "base64"
        data = []
        for index, (text, _tokens) in enumerate(texts):
            vector = fake_embedding(text, dims)
            encoded: Any = (
                base64.b64encode(struct.pack(f"<{dims}f", *vector)).decode("ascii")
                if b64
                else vector
            )
            data.append({"object": "embedding", "index": index, "embedding": encoded})
        tokens = sum(t for _text, t in texts)
        payload = {
            "object": "list",
            "data": data,
            "model": model,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
        self._send_json(200, payload, reply.headers if reply is not None else None)


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex[:24]}"


def _model(model_id: str) -> dict:
    return {"id": model_id, "object": "model", "created": 0, "owned_by": "fake"}


def _embedding_inputs(value: Any) -> list[tuple[str, int]] | None:
    """Normalise an embeddings ``input`` to (text, token count) pairs; None if invalid."""

    def is_ids(x: Any) -> bool:
        return isinstance(x, list) and all(isinstance(i, int) for i in x)

    if isinstance(value, str):
        return [(value, count_tokens(value))]
    if not isinstance(value, list) or not value:
        return None
    if is_ids(value):
        return [(" ".join(map(str, value)), len(value))]
    out: list[tuple[str, int]] = []
    for item in value:
        if isinstance(item, str):
            out.append((item, count_tokens(item)))
        elif is_ids(item):
            out.append((" ".join(map(str, item)), len(item)))
        else:
            return None
    return out


def _default_reply(request: dict) -> Reply:
    """Default chat behaviour when nothing is queued."""
    return Reply(text=DEFAULT_TEXT)


class FakeOpenAI:
    """In-process fake of the OpenAI HTTP API, bound to 127.0.0.1 in a daemon thread."""

    def __init__(
        self,
        api_key: str | None = "test-key",
        *,
        models: Iterable[str] | None = DEFAULT_MODELS,
        default: Callable[[dict], Reply] | None = None,
        dimensions: int = DEFAULT_DIMENSIONS,
        port: int = 0,
    ) -> None:
        """Configure the fake; ``api_key=None`` disables auth, ``models=None`` accepts any."""
        self.api_key = api_key
        self.models: set[str] | None = set(models) if models is not None else None
        self.default: Callable[[dict], Reply] = default or _default_reply
        self.dimensions = dimensions
        self._port = port
        self._lock = threading.Lock()
        self._chat_queue: deque[Reply] = deque()
        self._embedding_queue: deque[Reply] = deque()
        self._requests: list[RecordedRequest] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle ------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        """Bind 127.0.0.1 (port 0 = any free port) and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _Server((HOST, self._port), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"FakeOpenAI:{httpd.server_port}",
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and release the port."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=2)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> FakeOpenAI:
        """Start the server."""
        return self.start()

    def __exit__(self, *exc: object) -> None:
        """Stop the server."""
        self.stop()

    @property
    def port(self) -> int:
        """TCP port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("FakeOpenAI is not started")
        return self._httpd.server_port

    @property
    def url(self) -> str:
        """Server root URL, e.g. ``http://127.0.0.1:PORT``."""
        return f"http://{HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL, e.g. ``http://127.0.0.1:PORT/v1``."""
        return f"{self.url}/v1"

    # --- scripting ------------------------------------------------------------------
    def queue(self, *replies: Reply) -> None:
        """Append chat replies, consumed first-in first-out by chat requests."""
        with self._lock:
            self._chat_queue.extend(replies)

    def queue_embedding(self, *replies: Reply) -> None:
        """Append embedding replies (errors/delays; status 200 means a normal answer)."""
        with self._lock:
            self._embedding_queue.extend(replies)

    def pending(self) -> int:
        """Number of chat replies still queued."""
        with self._lock:
            return len(self._chat_queue)

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        with self._lock:
            self._chat_queue.clear()
            self._embedding_queue.clear()
            self._requests.clear()

    # --- inspection -----------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Snapshot of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    def chat_requests(self) -> list[RecordedRequest]:
        """Recorded POST /v1/chat/completions requests."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.rstrip("/") == "/v1/chat/completions"
        ]

    def embedding_requests(self) -> list[RecordedRequest]:
        """Recorded POST /v1/embeddings requests."""
        return [
            r
            for r in self.requests
            if r.method == "POST" and r.path.rstrip("/") == "/v1/embeddings"
        ]

    # --- internals used by the handler ----------------------------------------------
    def _record(self, record: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(record)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def _next_chat(self, request: dict) -> Reply:
        with self._lock:
            reply = self._chat_queue.popleft() if self._chat_queue else None
        return reply if reply is not None else self.default(request)

    def _next_embedding(self) -> Reply | None:
        with self._lock:
            return self._embedding_queue.popleft() if self._embedding_queue else None

    def _model_ids(self) -> list[str]:
        return sorted(self.models) if self.models is not None else list(DEFAULT_MODELS)
