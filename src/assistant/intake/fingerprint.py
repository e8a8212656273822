"""Which texts are the same speech: an exact fingerprint and a MinHash signature for near copies.

The fingerprint ignores what differs between copies of one speech in different files: layout,
whitespace, punctuation (half- or full-width), traditional vs simplified characters and
full-width letters and digits. The MinHash signature estimates how many five-character
shingles two texts share, so a copy with some site junk or a few edits is still recognised.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from functools import lru_cache

import numpy as np

#: Shared shingles (estimated Jaccard) above which an upload is reported as 疑似重复.
NEAR_DUPLICATE = 0.8
SHINGLE = 5
PERMUTATIONS = 128
# Letters, digits and CJK ideographs; everything else (spaces, punctuation, symbols) is layout.
_KEEP_RE = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_lock = threading.Lock()  # OpenCC's converter object is not documented as thread-safe


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional characters converted to simplified (simplified text is left as it is)."""
    with _lock:
        return _t2s().convert(text)


def normalize(text: str) -> str:
    """The text as compared for identity: simplified, NFKC, lower case, only letters, digits, han."""
    return _KEEP_RE.sub("", unicodedata.normalize("NFKC", to_simplified(text)).lower())


def _id(norm: str) -> str:
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()[:16]


def _signature(norm: str) -> bytes:
    # Imported here: datasketch pulls in scipy, which would slow every start of the page.
    from datasketch import MinHash

    m = MinHash(num_perm=PERMUTATIONS, seed=1)
    shingles = {norm[i : i + SHINGLE] for i in range(max(1, len(norm) - SHINGLE + 1))}
    m.update_batch([s.encode("utf-8") for s in shingles])
    return np.asarray(m.hashvalues, dtype=np.uint64).tobytes()


def content_id(text: str) -> str:
    """doc_id: the same for every copy of a speech that differs only in layout and punctuation."""
    return _id(normalize(text))


def signature(text: str) -> bytes:
    """MinHash signature of the text's five-character shingles (PERMUTATIONS × uint64)."""
    return _signature(normalize(text))


def fingerprint(text: str) -> tuple[str, bytes]:
    """(content_id, signature) of a text, normalising it once (OpenCC over the whole text)."""
    norm = normalize(text)
    return _id(norm), _signature(norm)


def similarity(a: bytes, b: bytes) -> float:
    """Estimated share of shingles two signatures have in common (0–1)."""
    va = np.frombuffer(a, dtype=np.uint64)
    vb = np.frombuffer(b, dtype=np.uint64)
    if va.shape != vb.shape or not len(va):
        return 0.0
    return float(np.count_nonzero(va == vb)) / len(va)
