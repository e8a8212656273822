"""Pretend to be another CPU: `pytest -p tests.cpu_noise` with ASSISTANT_TEST_CPU_NOISE=0.0015.

The bundled model's native kernels round differently on another CPU (seen: up to 1.4e-3 per
component), while the corpus's precomputed vectors were made on the developer's. Every vector
this process computes with the bundled model gets a deterministic perturbation of up to that
size per component (seeded by the text, renormalised), so the tests that search by meaning show
whether they hold on a machine they have not met. Off unless the variable is set.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np

from assistant.library import embeddings

NOISE = float(os.environ.get("ASSISTANT_TEST_CPU_NOISE", "0") or 0)


def _perturbed(text: str, vector: np.ndarray) -> np.ndarray:
    seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
    noise = np.random.default_rng(seed).uniform(-NOISE, NOISE, size=vector.shape).astype(np.float32)
    moved = vector + noise
    return moved / np.linalg.norm(moved)


if NOISE > 0:
    _passages = embeddings.BundledE5Embedder.embed_passages
    _query = embeddings.BundledE5Embedder.embed_query

    def embed_passages(self, texts):
        out = _passages(self, texts)
        return np.array([_perturbed(t, v) for t, v in zip(texts, out, strict=True)], dtype=np.float32).reshape(
            out.shape
        )

    def embed_query(self, text):
        return _perturbed(text, _query(self, text))

    embeddings.BundledE5Embedder.embed_passages = embed_passages
    embeddings.BundledE5Embedder.embed_query = embed_query
