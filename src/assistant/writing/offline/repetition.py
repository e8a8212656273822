"""What the offline draft already says, so that no set phrase is worn out and nothing is said twice.

A set phrase (举一反三, 说到底, 压实责任 …) is an idiom or fixed expression of jieba's dictionary
(tags i, l) of three characters or more, or one of the phrase file's `set_phrases`. A phrase is
used at most MAX_USES times in a draft (the brief's own wording does not count) and at most once
in a part (the composer passes the part's text); a clause or sentence is never used twice.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from assistant.writing.offline.vocabulary import nouns_and_verbs

#: A set phrase may occur this many times in one draft.
MAX_USES = 2
#: Clauses shorter than this (要坚持, 同时) may recur.
MIN_CLAUSE = 5
_CLAUSE_SPLIT = re.compile(r"[，,；;。！？!?：:\n]")
_WS = re.compile(r"\s+")
_SET_TAGS = ("i", "l")


class Repetition:
    """Counts of the set phrases, clauses and sentences in the draft as it grows and shrinks."""

    def __init__(self, set_phrases: Iterable[str], brief_text: str):
        self.extra = tuple(sorted({p for p in set_phrases if p}, key=len, reverse=True))
        self.brief = brief_text
        self.phrases: Counter[str] = Counter()
        self.clauses: Counter[str] = Counter()
        self._cache: dict[str, tuple[list[str], list[str]]] = {}

    def _parts(self, text: str) -> tuple[list[str], list[str]]:
        if text not in self._cache:
            phrases = [
                w
                for w, tag in nouns_and_verbs(text)
                if len(w) >= 3 and tag in _SET_TAGS and w not in self.brief
            ]
            phrases += [p for p in self.extra if p in text and p not in self.brief for _ in range(text.count(p))]
            clauses = [
                c
                for c in (_WS.sub("", x) for x in _CLAUSE_SPLIT.split(text))
                if len(c) >= MIN_CLAUSE and c not in self.brief
            ]
            self._cache[text] = (phrases, clauses)
        return self._cache[text]

    def phrases_in(self, text: str) -> list[str]:
        """The set phrases of a text (each occurrence), leaving out the brief's own wording."""
        return list(self._parts(text)[0])

    def add(self, text: str) -> None:
        """Count a text that is now part of the draft."""
        phrases, clauses = self._parts(text)
        self.phrases.update(phrases)
        self.clauses.update(clauses)

    def remove(self, text: str) -> None:
        """Stop counting a text taken out of the draft."""
        phrases, clauses = self._parts(text)
        self.phrases.subtract(phrases)
        self.clauses.subtract(clauses)

    def allows(self, text: str, context: str = "") -> bool:
        """True when adding ``text`` next to ``context`` wears out no phrase and repeats no clause."""
        phrases, clauses = self._parts(text)
        new = Counter(phrases)
        for p, n in new.items():
            if self.phrases[p] + n > MAX_USES or p in context:
                return False
        return not any(self.clauses[c] > 0 for c in clauses) and len(set(clauses)) == len(clauses)
