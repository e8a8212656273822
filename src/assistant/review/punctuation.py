"""Rule "punctuation": half-width marks in Chinese text, unmatched quotes and brackets, "1、"
for "1.", a mark after （一）, doubled marks, and symbols OCR leaves inside a word (管_理, 部’署)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from assistant.domain import lexicon
from assistant.domain.numbering import NUMERAL
from assistant.review.model import CheckInput, Finding
from assistant.review.registry import finding, load_data, rule

NAME = "punctuation"
_HAN = "\u4e00-\u9fff"
_HAN_RE = re.compile(f"[{_HAN}]")
_FULL_PUNCT = "，。；：？！、“”‘’（）《》【】…—"
_OPENERS = {"“": "”", "‘": "’", "（": "）", "《": "》", "【": "】", "「": "」", "『": "』"}
_CLOSERS = {v: k for k, v in _OPENERS.items()}
_SEPARATORS = set("、，。；：！？（）()“”‘’《》【】,;:!? \u3000")
_LEAD = r"^[\s\u3000]*"
_ARABIC_COMMA_RE = re.compile(_LEAD + r"(\d{1,2})、(?!\d)")  # not 1、2号楼: two numbers listed
_AFTER_PAREN_RE = re.compile(_LEAD + rf"([（(](?:{NUMERAL}|\d{{1,2}})[）)])\s*([、，,.．：:。])")
_TOP_DOT_RE = re.compile(_LEAD + rf"({NUMERAL})([.．])(?!\d)")
_DOUBLED_RE = re.compile(r"([，。；：、！？,;:?!])\1+")
_MIXED_RE = re.compile(r"[，、；：,;:][。！？]|[。！？][，、；：]")
_OCR_DIGIT_RE = re.compile(r"(?<=\d)[OoIl](?=\d)")
_ELLIPSIS_RE = re.compile(r"(?<![.])\.{3,6}(?![.])|。{3,}")


@lru_cache(maxsize=1)
def _conf() -> tuple[dict[str, str], str, float]:
    data = load_data("review_rules.yaml")
    return dict(data["half_width"]), str(data["stray_symbols"]), float(data["stray_min_association"])


@lru_cache(maxsize=1)
def _free_word_freq() -> int:
    return int(load_data("review_rules.yaml")["stray_free_word_frequency"])


def _is_chinese(ch: str) -> bool:
    return bool(ch) and (bool(_HAN_RE.match(ch)) or ch in _FULL_PUNCT)


def _neighbours(line: str, i: int) -> tuple[str, str]:
    """The nearest non-space characters before and after position i."""
    left = line[:i].rstrip(" ")[-1:]
    right = line[i + 1 :].lstrip(" ")[:1]
    return left, right


# ---------------------------------------------------------------- quotes and brackets


def _unmatched(line: str) -> list[int]:
    """Positions of quotes and brackets that have no partner in the line."""
    stack: list[tuple[str, int]] = []
    bad: list[int] = []
    for i, ch in enumerate(line):
        c = {"(": "（", ")": "）"}.get(ch, ch)
        if c in _OPENERS:
            stack.append((c, i))
        elif c in _CLOSERS:
            opener = _CLOSERS[c]
            if any(o == opener for o, _ in stack):
                while stack[-1][0] != opener:
                    bad.append(stack.pop()[1])
                stack.pop()
            else:
                bad.append(i)
    return sorted(bad + [i for _, i in stack])


def _quote_fix(line: str, pos: int) -> str | None:
    """A safe fix for one quote typed the wrong way round (“…“ or ”…”), else None."""
    ch = line[pos]
    if ch == "“" and line.count("“") == 2 and line.count("”") == 0 and pos == line.rindex("“"):
        return "”"
    if ch == "”" and line.count("”") == 2 and line.count("“") == 0 and pos == line.index("”"):
        return "“"
    return None


# ---------------------------------------------------------------- symbols inside a word


def _item(line: str, pos: int, step: int) -> str:
    """The enumeration item next to position pos (step -1: before it, +1: after it)."""
    out = []
    i = pos + step
    while 0 <= i < len(line) and line[i] not in _SEPARATORS:
        out.append(line[i])
        i += step
    return "".join(out[::-1] if step < 0 else out)


def _is_enumeration(line: str, pos: int) -> bool:
    """水、电、路、气 or （市、区）: single-character items listed, not a word broken in two."""
    left, right = _item(line, pos, -1), _item(line, pos, 1)
    before = line[pos - len(left) - 1 : pos - len(left)] if pos - len(left) > 0 else ""
    after = line[pos + len(right) + 1 : pos + len(right) + 2]
    if len(left) == 1 and (len(right) == 1 or before == "、"):
        return True
    return len(right) == 1 and (len(left) == 1 or after == "、")


def _split_word(line: str, pos: int) -> tuple[str, int] | None:
    """The dictionary word that the symbol at pos cuts in two, with where it cuts, or None."""
    left = re.search(f"[{_HAN}]{{1,4}}$", line[:pos])
    right = re.match(f"[{_HAN}]{{1,4}}", line[pos + 1 :])
    if not left or not right:
        return None
    joined, cut = left.group(0) + right.group(0), len(left.group(0))
    for word, a, b in lexicon.words(joined):
        if a < cut < b:
            return word, cut - a
    return None


_COUNTS = set("两二三四五六七八九双多各")
_PARALLEL_RE = re.compile(f"([{_HAN}])[不没]\\1")


def _lone_characters(line: str, pos: int) -> bool:
    """Whether the characters either side of the 、 at pos stand alone, each cut off from its words.

    In 抓好隐、患排查 jieba leaves 隐 and 患 as lone characters: one word 隐患 broken in two. In
    实不实、行动快不快 or 思想上、行动上 the right side begins a word (行动) and the left ends a
    phrase (实不实): the 、 separates parallel phrases, and deleting it would break the sentence.
    """
    left = re.search(f"[{_HAN}]{{1,6}}$", line[:pos])
    right = re.match(f"[{_HAN}]{{1,6}}", line[pos + 1 :])
    if not left or not right:
        return False
    if _PARALLEL_RE.search(left.group(0)[-3:]) or _PARALLEL_RE.match(right.group(0)[:3]):
        return False  # 查不查、改不改
    if right.group(0)[1:2] in _COUNTS:
        return False  # 乡、村两级, 市、县二级: the items are counted right after
    a, b = left.group(0)[-1], right.group(0)[0]
    if min(lexicon.freq(a), lexicon.freq(b)) >= _free_word_freq():
        return False  # 乡、村 or 党、政: two words of one character each, listed
    left_words, right_words = lexicon.words(left.group(0)), lexicon.words(right.group(0))
    return len(left_words[-1][0]) == 1 and len(right_words[0][0]) == 1


def _stray(line: str, unmatched: list[int], stray_chars: str, threshold: float) -> list[tuple[int, str]]:
    """(position, severity) of symbols left inside a word."""
    out = []
    for m in re.finditer(f"(?<=[{_HAN}])([{re.escape(stray_chars)}、])(?=[{_HAN}])", line):
        pos, sym = m.start(1), m.group(1)
        if sym in "_＿":
            out.append((pos, "error"))
            continue
        if sym == "、":
            if re.match(_LEAD + NUMERAL + "、$", line[: pos + 1]) or _is_enumeration(line, pos):
                continue
            need = threshold
        elif sym in "“”‘’" and pos not in unmatched:
            continue  # a quotation mark with its partner quotes something
        else:
            need = threshold / 2  # an unmatched or half-width quote inside a word is suspicious anyway
        split = _split_word(line, pos)
        if not split:
            continue
        word, at = split
        if sym == "、" and (min(at, len(word) - at) > 1 or not _lone_characters(line, pos)):
            continue  # 规划、建设; 实不实、行动快不快: words or phrases listed, not one word broken
        if lexicon.association(word, at) >= need:
            out.append((pos, "warning"))
    return out


# ---------------------------------------------------------------- half-width marks


def _half_width(line: str, claimed: set[int], table: dict[str, str]) -> list[tuple[int, str]]:
    """(position, replacement) of each half-width mark in Chinese text."""
    if not _HAN_RE.search(line):
        return []
    out: list[tuple[int, str]] = []
    quotes = {'"': 0, "'": 0}
    for i, ch in enumerate(line):
        if i in claimed:
            continue
        if ch in quotes:
            left, right = _neighbours(line, i)
            if ch == "'" and not (_is_chinese(left) or _is_chinese(right)):
                continue  # an apostrophe inside a Latin word (Xi'an), not a quotation mark
            out.append((i, ("“”" if ch == '"' else "‘’")[quotes[ch] % 2]))
            quotes[ch] += 1
            continue
        if ch not in table:
            continue
        left, right = _neighbours(line, i)
        if ch in ",:." and left.isdigit() and right.isdigit():
            continue  # 1,200 / 9:00 / 1:1 / 18.6
        if ch == "." and (line[i - 1 : i] == "." or line[i + 1 : i + 2] == "."):
            continue  # an ellipsis typed with dots is reported on its own
        if ch == "." and not (_is_chinese(left) and (not right or _is_chinese(right))):
            continue  # 1. markers, decimals, URLs
        if ch in "()" or _is_chinese(left) or _is_chinese(right):
            out.append((i, table[ch]))
    return out


def _line_findings(ctx: CheckInput, i: int, line: str) -> Iterator[Finding]:
    table, stray_chars, threshold = _conf()
    unmatched = _unmatched(line)
    stray = _stray(line, unmatched, stray_chars, threshold)
    for pos, severity in stray:
        sym = line[pos]
        yield finding(
            ctx, NAME, severity,
            f"词中夹有多余的符号“{sym}”（常见于网页复制或文字识别），应删去。",
            i, line[pos - 1 : pos + 2], pos - 1, line[pos - 1] + line[pos + 1],
        )  # fmt: skip
    claimed = {p for p, _ in stray}
    if m := _TOP_DOT_RE.match(line):
        claimed.add(m.start(2))  # "一." is reported as a heading number below
    marks = _half_width(line, claimed, table)
    if marks:
        first, last = marks[0][0], marks[-1][0]
        fixed = list(line[first : last + 1])
        for pos, repl in marks:
            fixed[pos - first] = repl
        shown = "".join(sorted({line[p] for p, _ in marks}))
        yield finding(
            ctx, NAME, "warning",
            f"本行有 {len(marks)} 处半角标点（{shown}），中文正文应使用全角标点。",
            i, line[first : last + 1], first, "".join(fixed),
        )  # fmt: skip
    fixes = {pos: _quote_fix(line, pos) for pos in unmatched}
    if any(fixes.values()):
        # “…“: only the quote typed the wrong way round is reported, with its fix.
        unmatched = [pos for pos in unmatched if fixes[pos] or line[pos] not in "“”"]
    for pos in unmatched:
        if pos in claimed:
            continue
        around = line[max(0, pos - 8) : pos + 9]
        yield finding(
            ctx, NAME, "error",
            f"引号或括号不成对：“{line[pos]}”没有对应的另一半（……{around}……）。",
            i, line[pos], pos, fixes[pos],
        )  # fmt: skip
    for m in _ELLIPSIS_RE.finditer(line):
        yield finding(ctx, NAME, "warning", "省略号应为“……”。", i, m.group(0), m.start(), "……")


@rule(NAME, "标点符号")
def check_punctuation(ctx: CheckInput) -> Iterator[Finding]:
    """Marks a reviewer would circle, line by line."""
    for i, line in enumerate(ctx.lines):
        if not line.strip():
            continue
        yield from _line_findings(ctx, i, line)
        if m := _ARABIC_COMMA_RE.match(line):
            yield finding(
                ctx, NAME, "warning", f"阿拉伯数字序号后应用下脚点“{m.group(1)}.”，不用顿号。",
                i, m.group(1) + "、", m.start(1), m.group(1) + ".",
            )  # fmt: skip
        if m := _AFTER_PAREN_RE.match(line):
            yield finding(
                ctx, NAME, "warning", f"括号序号“{m.group(1)}”后不再加标点。",
                i, line[m.start(1) : m.end(2)], m.start(1), m.group(1),
            )  # fmt: skip
        if m := _TOP_DOT_RE.match(line):
            yield finding(
                ctx, NAME, "warning", f"一级标题序号后应用顿号“{m.group(1)}、”。",
                i, m.group(1) + m.group(2), m.start(1), m.group(1) + "、",
            )  # fmt: skip
        for m in _DOUBLED_RE.finditer(line):
            single = _conf()[0].get(m.group(1), m.group(1))
            yield finding(
                ctx, NAME, "error", f"标点重复：“{m.group(0)}”。", i, m.group(0), m.start(), single
            )
        for m in _MIXED_RE.finditer(line):
            end = m.group(0)[-1] if m.group(0)[-1] in "。！？" else None
            yield finding(ctx, NAME, "error", f"标点连用：“{m.group(0)}”。", i, m.group(0), m.start(), end)
        for m in _OCR_DIGIT_RE.finditer(line):
            digit = "0" if m.group(0) in "Oo" else "1"
            yield finding(
                ctx, NAME, "error", f"数字中混入了字母“{m.group(0)}”（文字识别错误），应为“{digit}”。",
                i, m.group(0), m.start(), digit,
            )  # fmt: skip
