"""What changed between two versions of a text, as a clerk reads it: revision marks, not patches.

Paragraphs are aligned first, then sentences inside a changed paragraph, then words inside a
changed sentence when the two are still alike (a word swapped); a sentence rewritten beyond that
is shown deleted whole and inserted whole, as Word's track changes would. The page draws the marks
(struck-through red, green); plain text writes them as ［-删去-］ and ［+加入+］, one changed
paragraph per block, wrapped.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from assistant.domain import lexicon

__all__ = ["Mark", "ParagraphChange", "changes", "text_diff"]

_SENTENCE_SPLIT_RE = re.compile(r"(?<=[。！？；!?;])")
ALIKE = 0.5  # sentences at least this alike are marked character by character
WRAP_COLUMNS = 76
_NO_LINE_START = frozenset("，。、；：！？）」』”’》")  # a terminal line: a Chinese character takes two columns


@dataclass(frozen=True)
class Mark:
    """A run of text that is kept ("same"), deleted ("del") or inserted ("ins")."""

    op: Literal["same", "del", "ins"]
    text: str


@dataclass(frozen=True)
class ParagraphChange:
    """One changed paragraph: its number in the new text (0: deleted whole) and its marks."""

    number: int
    marks: tuple[Mark, ...]


def _sentences(line: str) -> list[str]:
    return [u for u in _SENTENCE_SPLIT_RE.split(line) if u]


def _merge(marks: list[Mark]) -> list[Mark]:
    out: list[Mark] = []
    for m in marks:
        if not m.text:
            continue
        if out and out[-1].op == m.op:
            out[-1] = Mark(m.op, out[-1].text + m.text)
        else:
            out.append(m)
    return out


def _words(old: str, new: str) -> list[Mark]:
    """Word-level marks (jieba's words), so a swapped word is struck whole, never half of it."""
    a = [w for w, _, _ in lexicon.words(old)]
    b = [w for w, _, _ in lexicon.words(new)]
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    marks: list[Mark] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            marks.append(Mark("same", "".join(a[i1:i2])))
        else:
            marks += [Mark("del", "".join(a[i1:i2])), Mark("ins", "".join(b[j1:j2]))]
    return marks


def _marks(old: list[str], new: list[str], inner) -> list[Mark]:
    """Marks of two sequences of units (sentences or characters), refined by ``inner`` when alike."""
    sm = difflib.SequenceMatcher(None, old, new, autojunk=False)
    marks: list[Mark] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        a, b = "".join(old[i1:i2]), "".join(new[j1:j2])
        if tag == "equal":
            marks.append(Mark("same", a))
        elif tag == "replace" and inner is not None and difflib.SequenceMatcher(None, a, b).ratio() >= ALIKE:
            marks += inner(a, b)
        else:
            marks += [Mark("del", a), Mark("ins", b)]
    return _merge(marks)


def changes(old: str, new: str) -> list[ParagraphChange]:
    """The paragraphs that changed from ``old`` to ``new``, each with its revision marks."""
    a, b = old.split("\n"), new.split("\n")
    sm = difflib.SequenceMatcher(None, a, b, autojunk=False)
    out: list[ParagraphChange] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        olds, news = a[i1:i2], b[j1:j2]
        pairs = max(len(olds), len(news))
        for k in range(pairs):
            o = olds[k] if k < len(olds) else ""
            n = news[k] if k < len(news) else ""
            if tag == "replace" and o and n:
                marks = _marks(_sentences(o), _sentences(n), _words)
            else:
                marks = _merge([Mark("del", o), Mark("ins", n)])
            if marks:
                out.append(ParagraphChange(j1 + k + 1 if n else 0, tuple(marks)))
    return out


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _wrap(text: str, columns: int = WRAP_COLUMNS) -> str:
    lines, line, used = [], "", 0
    for ch in text:
        w = _width(ch)
        # a comma or full stop never starts a line: it may stick out by one character
        if used + w > columns and ch not in _NO_LINE_START:
            lines.append(line)
            line, used = "", 0
        line += ch
        used += w
    lines.append(line)
    return "\n".join(lines)


def text_diff(old: str, new: str, old_name: str = "修改前", new_name: str = "修改后") -> str:
    """The changes as plain text: ［-删去-］［+加入+］ marks per changed paragraph; "" when equal."""
    found = changes(old, new)
    if not found:
        return ""
    blocks = [f"{old_name} → {new_name}（［-…-］为删去的文字，［+…+］为加入的文字）"]
    for change in found:
        where = f"第 {change.number} 段" if change.number else "删去的段落"
        body = "".join(
            m.text if m.op == "same" else (f"［-{m.text}-］" if m.op == "del" else f"［+{m.text}+］")
            for m in change.marks
        )
        blocks.append(f"{where}：\n{_wrap(body)}")
    return "\n\n".join(blocks)
