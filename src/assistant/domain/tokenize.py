"""Chinese tokenisation for BM25: jieba search-mode words, stop words removed."""

from __future__ import annotations

import re
from functools import lru_cache

import jieba

from assistant.data import DATA_DIR
from assistant.domain.lexicon import JIEBA_LOCK

_STOPWORDS_FILE = DATA_DIR / "stopwords_zh.txt"
_KEEP_RE = re.compile(r"[\u4e00-\u9fff]|[A-Za-z0-9]")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Stop words from the bundled data file."""
    lines = _STOPWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(w.strip() for w in lines if w.strip() and not w.startswith("#"))


def tokenize(text: str) -> list[str]:
    """Search-mode jieba tokens without punctuation and stop words."""
    with JIEBA_LOCK:
        words = jieba.lcut_for_search(text)
    stop = stopwords()
    return [w for w in (w.strip() for w in words) if w and w not in stop and _KEEP_RE.search(w)]
