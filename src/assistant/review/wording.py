"""Rule "confusables": wrong word forms (a listed never-right form is an error, a meaning-dependent
pair a hint) and four-character near-misses of set phrases (竞竞业业 → 兢兢业业, a warning)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, pinyin

from assistant.domain import lexicon
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "confusables"
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{4,}")
#: A two- or three-character form inside an ordinary word this common is not a slip (全部份额).
_COMMON_WORD = 100


@dataclass(frozen=True)
class _Pair:
    form: str
    pattern: re.Pattern[str]
    rule: str
    suggestion: str | None


@dataclass(frozen=True)
class _Lists:
    wrong: dict[str, str]
    wrong_re: re.Pattern[str]
    pairs: tuple[_Pair, ...]
    pairs_re: re.Pattern[str]


@lru_cache(maxsize=1)
def _lists() -> _Lists:
    data = load_data("confusables.yaml")
    wrong = {str(k): str(v) for k, v in data["never_right"].items()}
    alt = "|".join(re.escape(w) for w in sorted(wrong, key=len, reverse=True))
    pairs = tuple(
        _Pair(p["form"], re.compile(re.escape(p["form"]) + p.get("when", "")), p["rule"], p.get("suggestion"))
        for p in data["pairs"]
    )
    pairs_alt = "|".join(f"(?P<p{i}>{p.pattern.pattern})" for i, p in enumerate(pairs))
    return _Lists(wrong, re.compile(alt), pairs, re.compile(pairs_alt))


def _inside_a_word(ctx: CheckInput, index: int, start: int, end: int) -> bool:
    """True when a match begins or ends inside a common word of the line (全部|份额 for 部份)."""
    for w, a, b in ctx.words(index):
        if b <= start or a >= end:
            continue
        if (a < start < b or a < end < b) and lexicon.freq(w) >= _COMMON_WORD:
            return True
    return False


def _listed(ctx: CheckInput) -> Iterator[Finding]:
    lists = _lists()
    for i, line in enumerate(ctx.lines):
        for m in lists.wrong_re.finditer(line):
            wrong = m.group(0)
            if len(wrong) < 4 and _inside_a_word(ctx, i, m.start(), m.end()):
                continue
            right = lists.wrong[wrong]
            yield finding(ctx, NAME, "error", f"错别字：“{wrong}”应为“{right}”。", i, wrong, m.start(), right)
        for m in lists.pairs_re.finditer(line):
            pair = lists.pairs[int(m.lastgroup[1:])]  # type: ignore[index]
            if _inside_a_word(ctx, i, m.start(), m.start() + len(pair.form)):
                continue
            yield finding(
                ctx, NAME, "hint", f"请确认“{pair.form}”用得对：{pair.rule}",
                i, pair.form, m.start(), pair.suggestion,
            )  # fmt: skip


# ---------------------------------------------------------------- near-misses of set phrases


@dataclass(frozen=True)
class _Phrases:
    freq: dict[str, int]
    index: dict[str, tuple[str, ...]]  # a phrase with one character (all its copies) as "?"
    min_freq: int
    ratio: int
    ignore: tuple[re.Pattern[str], ...]
    shapes: tuple[str, ...]


def _keys(word: str) -> set[str]:
    keys = {word[:i] + "?" + word[i + 1 :] for i in range(len(word))}
    # 竞竞业业 → 兢兢业业: one character mistyped wherever it occurs.
    keys |= {"".join("?" if c == x else c for c in word) for x in set(word) if word.count(x) > 1}
    return keys


@lru_cache(maxsize=1)
def _phrases() -> _Phrases:
    conf = load_data("review_rules.yaml")["near_idiom"]
    wrong = set(_lists().wrong)
    phrases = {
        w: f
        for w, f in lexicon.set_phrases(int(conf["min_frequency"]), tuple(conf["extra_phrases"])).items()
        if w not in wrong
    }
    index: dict[str, list[str]] = {}
    for w in phrases:
        for k in _keys(w):
            index.setdefault(k, []).append(w)
    return _Phrases(
        freq=phrases,
        index={k: tuple(v) for k, v in index.items()},
        min_freq=int(conf["min_frequency"]),
        ratio=int(conf["rarity_ratio"]),
        ignore=tuple(re.compile(p) for p in conf["ignore"]),
        shapes=tuple(conf["similar_shapes"]),
    )


@lru_cache(maxsize=8192)
def _sounds(c: str) -> frozenset[str]:
    return frozenset(pinyin(c, style=Style.NORMAL, heteronym=True)[0])


def _alike(a: str, b: str, shapes: tuple[str, ...]) -> bool:
    """Characters a writer or OCR confuses: the same sound (竞/兢) or a look-alike (浙/渐)."""
    return bool(_sounds(a) & _sounds(b)) or any(a in g and b in g for g in shapes)


def _near_phrase(seq: str, p: _Phrases, extra_freq: int) -> str | None:
    """The set phrase one mistyped character away from ``seq``, or None."""
    best = None
    for key in _keys(seq):
        for phrase in p.index.get(key, ()):
            if phrase == seq or p.freq[phrase] < max(p.min_freq, extra_freq * p.ratio):
                continue
            diff = [j for j in range(4) if seq[j] != phrase[j]]
            if len({seq[j] for j in diff}) != 1 or len({phrase[j] for j in diff}) != 1:
                continue
            if not _alike(seq[diff[0]], phrase[diff[0]], p.shapes):
                continue
            if best is None or p.freq[phrase] > p.freq[best]:
                best = phrase
    return best


def _plausible_slip(ctx: CheckInput, index: int, start: int) -> bool:
    """Whether jieba's words say the four characters are not simply ordinary words side by side."""
    words = [(w, a, b) for w, a, b in ctx.words(index) if b > start and a < start + 4]
    if not words:
        return False
    # Cut out of a longer common word at either end (提醒|记在心上 is not 醒记在心).
    if words[0][1] < start and lexicon.freq(words[0][0]) >= _COMMON_WORD:
        return False
    if words[-1][2] > start + 4 and lexicon.freq(words[-1][0]) >= _COMMON_WORD:
        return False
    # Two common words side by side (全面|部署) are prose, not a broken set phrase.
    return not (len(words) > 1 and all(len(w) >= 2 and lexicon.freq(w) >= _COMMON_WORD for w, _, _ in words))


def _near_misses(ctx: CheckInput) -> Iterator[Finding]:
    p = _phrases()
    wrong_re = _lists().wrong_re
    for i, line in enumerate(ctx.lines):
        listed = [m.span() for m in wrong_re.finditer(line)]
        for run in _HAN_RUN.finditer(line):
            text = run.group(0)
            for j in range(len(text) - 3):
                seq, start = text[j : j + 4], run.start() + j
                if seq in p.freq or any(a < start + 4 and start < b for a, b in listed):
                    continue
                if any(r.search(seq) for r in p.ignore):
                    continue
                known = lexicon.freq(seq)
                phrase = _near_phrase(seq, p, known)
                if phrase is None or (known == 0 and not _plausible_slip(ctx, i, start)):
                    continue
                yield finding(
                    ctx, NAME, "warning",
                    f"“{seq}”疑为“{phrase}”之误（不是常见成语或固定说法，与“{phrase}”只差一个字）。",
                    i, seq, start, phrase,
                )  # fmt: skip


@rule(NAME, "错别字与易混词")
def check_confusables(ctx: CheckInput) -> Iterator[Finding]:
    """Listed wrong forms (errors), meaning-dependent pairs (hints) and near-misses of set phrases."""
    yield from _listed(ctx)
    yield from _near_misses(ctx)
