"""Precomputed passage vectors in one compact file (float16, keyed by the hash of the embedded text).

The bundled corpus ships with such a file (`corpus/vectors.npz`, written by `make corpus-vectors`),
so indexing it into an empty library needs no model call. Any text whose hash is in the file gets
its vector from there, whichever file or upload it came from: the key is the exact embedded text
and the model id, so a hit is the vector the model would have computed (within float16 rounding).
"""

from __future__ import annotations

import hashlib
import io
import logging
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)

#: Name of the vectors file inside a corpus folder (ASSISTANT_CORPUS_DIR).
CORPUS_VECTORS = "vectors.npz"
_FORMAT = 1
# A fixed time stamp for every member, so regenerating from unchanged input gives the same bytes
# (no spurious diff in the repository).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def text_hash(text: str) -> str:
    """The key of an embedded text: SHA-256 of its UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def corpus_vectors_path(corpus_dir: Path) -> Path:
    """Where a corpus folder keeps its precomputed vectors."""
    return Path(corpus_dir) / CORPUS_VECTORS


@dataclass
class PrecomputedVectors:
    """Vectors of one model, looked up by text hash."""

    model_id: str
    keys: list[str]  # text_hash of each row, sorted
    vectors: np.ndarray  # (n, dim) float16, rows L2-normalised before rounding
    _rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rows = {k: i for i, k in enumerate(self.keys)}

    def __len__(self) -> int:
        return len(self.keys)

    def __contains__(self, key: str) -> bool:
        return key in self._rows

    def lookup(self, model_id: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """float32 unit vectors for the keys found; nothing at all for another model's id."""
        if model_id != self.model_id:
            return {}
        found: dict[str, np.ndarray] = {}
        for key in keys:
            row = self._rows.get(key)
            if row is not None:
                v = self.vectors[row].astype(np.float32)
                norm = float(np.linalg.norm(v))
                found[key] = v / norm if norm else v
        return found

    @classmethod
    def from_texts(cls, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> PrecomputedVectors:
        """From texts and their float32 vectors (duplicate texts kept once), sorted by key."""
        rows: dict[str, np.ndarray] = {}
        for text, vec in zip(texts, np.asarray(vectors, dtype=np.float32), strict=True):
            rows.setdefault(text_hash(text), vec)
        keys = sorted(rows)
        dim = int(np.asarray(vectors).shape[-1]) if len(rows) else 0
        matrix = np.array([rows[k] for k in keys], dtype=np.float32).reshape(len(keys), dim)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        matrix = matrix / np.where(norms == 0, 1, norms)
        return cls(model_id, keys, matrix.astype(np.float16))

    def save(self, path: Path) -> None:
        """Write the file (a zip of .npy arrays that np.load reads; same input, same bytes)."""
        arrays = {
            "format": np.array(_FORMAT, dtype=np.int32),
            "model_id": np.array(self.model_id),
            "keys": np.frombuffer(b"".join(bytes.fromhex(k) for k in self.keys), dtype=np.uint8).reshape(-1, 32),
            "vectors": self.vectors.astype(np.float16),
        }
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, array in arrays.items():
                buf = io.BytesIO()
                np.lib.format.write_array(buf, array, allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=_ZIP_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                zf.writestr(info, buf.getvalue())
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> PrecomputedVectors | None:
        """The vectors in a file; None when there is none or it cannot be read (then texts are embedded)."""
        path = Path(path)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as data:
                if int(data["format"]) != _FORMAT:
                    raise ValueError(f"format {int(data['format'])}")
                keys = [bytes(row).hex() for row in data["keys"]]
                vectors = np.asarray(data["vectors"], dtype=np.float16)
                model_id = str(data["model_id"])
        except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile) as e:
            # Only a speed-up: without it the texts are embedded as usual.
            log.warning("precomputed vectors %s not used: %s", path, e)
            return None
        if vectors.ndim != 2 or len(keys) != vectors.shape[0]:
            log.warning("precomputed vectors %s not used: %d keys, shape %s", path, len(keys), vectors.shape)
            return None
        return cls(model_id, keys, vectors)
