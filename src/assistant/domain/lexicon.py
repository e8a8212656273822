"""jieba's dictionary as data: word frequencies, words with their spans, four-character set phrases.

The checker asks it whether a symbol splits a word (管_理), whether a four-character sequence is a
set phrase, and the facts module whether 片区 or 超市 is an ordinary word rather than a place.

jieba has one dictionary for every tokenizer (search words, parts of speech); JIEBA_LOCK here is
the one lock around it, which the BM25 tokenizer and the offline vocabulary take too.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from functools import lru_cache
from pathlib import Path

import jieba

jieba.setLogLevel(logging.WARNING)
#: Held around every use of jieba that may load its dictionary (the lazy load is not thread-safe,
#: nor is the part-of-speech tokenizer while it loads). Re-entrant, so a holder may call another.
JIEBA_LOCK = threading.RLock()

#: Tags of jieba's dictionary that mark names and numbers, not set phrases.
NAME_TAGS = frozenset({"nr", "ns", "nrt", "nz", "nt", "nrfg", "m", "t"})
_FOUR_RE = re.compile(r"^([\u4e00-\u9fff]{4}) (\d+) (\w+)$", re.M)


def _dictionary() -> jieba.Tokenizer:
    with JIEBA_LOCK:
        jieba.dt.check_initialized()
    return jieba.dt


def freq(word: str) -> int:
    """jieba's frequency of a word (0: not a dictionary word)."""
    return _dictionary().FREQ.get(word, 0)


def words(text: str) -> list[tuple[str, int, int]]:
    """The words of a text as jieba cuts it (unknown words guessed by its HMM), with their spans."""
    _dictionary()
    return list(jieba.tokenize(text))


@lru_cache(maxsize=1)
def four_character_words() -> dict[str, tuple[int, str]]:
    """Every four-character word of jieba's dictionary: word → (frequency, tag)."""
    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    text = path.read_text(encoding="utf-8")
    return {w: (int(f), t) for w, f, t in _FOUR_RE.findall(text)}


@lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    path = Path(jieba.__file__).resolve().parent / "dict.txt"
    return dict(re.findall(r"^(\S+) \d+ (\w+)$", path.read_text(encoding="utf-8"), re.M))


def tag(word: str) -> str:
    """jieba's part-of-speech tag of a dictionary word (v, p, ns …; "" for an unknown word)."""
    return _tags().get(word, "")


def set_phrases(min_freq: int, extra: tuple[str, ...] = ()) -> dict[str, int]:
    """Four-character set phrases and idioms (no names or numbers) at least ``min_freq`` common."""
    return _set_phrases(min_freq, extra)


@lru_cache(maxsize=4)
def _set_phrases(min_freq: int, extra: tuple[str, ...]) -> dict[str, int]:
    out = {w: f for w, (f, t) in four_character_words().items() if f >= min_freq and t not in NAME_TAGS}
    for w in extra:
        out[w] = max(out.get(w, 0), min_freq)
    return out


def _route(s: str) -> float:
    """Log-probability of jieba's best cut of ``s``."""
    dt = _dictionary()
    best: dict[int, tuple[float, int]] = {}
    dt.calc(s, dt.get_DAG(s), best)
    return best[0][0]


def association(word: str, split: int) -> float:
    """How much likelier ``word`` is as one word than its two parts (cut at ``split``) apart.

    A log ratio: 0 when the dictionary does not know the word, about 10 for 部署 (部|署), about 5
    for 水电 (水|电), words whose parts also stand alone.
    """
    f = freq(word)
    if not f or not 0 < split < len(word):
        return 0.0
    return math.log(f) - math.log(_dictionary().total) - _route(word[:split]) - _route(word[split:])
