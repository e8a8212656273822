"""Whether a reference sentence's subject fits this meeting, decided from data, not from examples.

A reference sentence speaks of its own speech's event (火灾, 高层建筑, 食堂, 督察, 排名 …). It is
reused only when every content word (noun, verbal noun, abbreviation, fixed expression) and no
blocked word is in it. A content word must be one of:

- this meeting's own words: the brief, and the kind's file (name, topic, emphasis, headings,
  what each part must contain) — without the kind's detection keywords the brief does not use
  (燃气/消防 is one kind; a gas-leak brief is not about 火灾 or 消防通道);
- a generic word: one the bundled corpus uses in speeches of several different kinds, or one of
  the phrase file's own sentences (`vocabulary.common_nouns`).

Blocked, whatever their part of speech: the keywords of every kind and the phrase file's *event
words* (what brings a meeting about: 排名, 督察, 拖欠, 复耕 …) that the brief does not use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import jieba

from assistant.domain.kinds import MeetingKind
from assistant.domain.lexicon import JIEBA_LOCK
from assistant.writing.offline.vocabulary import common_nouns, known_compound, nouns_and_verbs

_HAN = re.compile(r"[\u4e00-\u9fff]")
#: Parts of speech that carry a sentence's subject: nouns (火, 食堂), verbal nouns (督察),
#: abbreviations, fixed expressions (高层建筑) and places. Plain verbs (跟着, 办好) are rhetoric;
#: the verbs that name a field (签约, 拖欠, 复耕) are kinds' keywords or event words.
_CONTENT_TAGS = ("n", "vn", "j", "l", "s")


def _inner_nouns(expression: str) -> list[str]:
    """The nouns inside a fixed expression (高层建筑 → 高层, 建筑)."""
    with JIEBA_LOCK:
        inner = [w for w in jieba.lcut(expression, cut_all=True) if w != expression and len(w) >= 2]
    return [w for w in inner if any(t.startswith("n") for _, t in nouns_and_verbs(w))]


def kind_text(kind: MeetingKind, brief_text: str) -> str:
    """The kind file's own wording, with the detection keywords this brief does not use cut out."""
    text = "\n".join(
        [
            kind.name,
            *kind.aliases,
            kind.topic,
            kind.emphasis,
            *(r.heading_for(kind.topic) for r in kind.roles),
            *(m for r in kind.roles for m in r.must_contain),
        ]
    )
    for word in sorted(kind.keywords, key=len, reverse=True):
        if word not in brief_text:
            text = text.replace(word, "|")
    return text


@dataclass
class SubjectFit:
    """The words of one meeting, and the test a reference sentence must pass to be reused."""

    allowed: str  # the brief and the kind's own wording
    blocked: tuple[str, ...]  # keywords and event words this meeting does not use

    @classmethod
    def for_meeting(
        cls,
        brief_text: str,
        kind: MeetingKind,
        kinds: Iterable[MeetingKind],
        event_words: Iterable[str],
    ) -> SubjectFit:
        """The fit for a brief of a kind: its own words, and every other field's words blocked."""
        allowed = brief_text + "\n" + kind_text(kind, brief_text)
        # The brief alone frees a keyword or an event word: a kind file speaks of every meeting
        # of its kind (营商环境评价排名, 事故), this brief of one.
        blocked = {
            w
            for w in (*(w for k in kinds for w in k.keywords), *event_words)
            if len(w) >= 2 and w not in brief_text
        }
        return cls(allowed=allowed, blocked=tuple(sorted(blocked, key=len, reverse=True)))

    def foreign_words(self, sentence: str) -> list[str]:
        """The words of a sentence that belong to another meeting's subject (empty when it fits)."""
        out = [w for w in self.blocked if w in sentence]
        for word, tag in nouns_and_verbs(sentence):
            if not _HAN.search(word) or not tag.startswith(_CONTENT_TAGS) or word in out:
                continue
            if tag.startswith("l"):
                # A fixed expression is rhetoric (一拖再拖, 屡禁不止) unless it is made of nouns
                # of another field (高层建筑 = 高层 + 建筑, 粮食作物).
                if any(not self._known(w) for w in _inner_nouns(word)):
                    out.append(word)
            elif not self._known(word):
                out.append(word)
        return out

    def _known(self, word: str) -> bool:
        common = common_nouns()
        return word in self.allowed or word in common or known_compound(word, common)

    def fits(self, sentence: str) -> bool:
        """True when every content word of the sentence is this meeting's or generic."""
        return not self.foreign_words(sentence)
